-- wrk script for bench/recovery: submits COUNT (env) new two-step sagas without wait_result, then only pings the
-- TM until bench/recovery stops wrk (it watches the stored count: wrk runs for its whole -d, and stopping the thread
-- from here would cut submits still in flight). BRANCH (env) is the branch URL. Run with one thread (-t1): the counter
-- is per thread.
local counter = 0
local errors = 0
local limit = tonumber(os.getenv("COUNT") or "100000")
local branch = os.getenv("BRANCH") or ""
math.randomseed(os.time() + os.clock() * 1e6)
local prefix = tostring(os.time()) .. "-" .. tostring(math.random(1, 1e9))
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  if counter > limit then
    return wrk.format("GET", "/api/ping")  -- a submit slot past the count: keeps the connection busy harmlessly
  end
  local gid = "backlog-" .. prefix .. "-" .. counter
  local body = '{"gid":"' .. gid .. '","trans_type":"saga","wait_result":false,"steps":[' ..
    '{"action":"' .. branch .. '","compensate":"' .. branch .. '"},{"action":"' .. branch .. '","compensate":"' ..
    branch .. '"}],"payloads":["{\\"amount\\":30}","{\\"amount\\":30}"]}'
  return wrk.format("POST", "/api/dtmsvr/submit", nil, body)
end
response = function(status, headers, body)
  if status ~= 200 then
    errors = errors + 1
    if errors <= 3 then print("status " .. status .. ": " .. body) end
  end
end
