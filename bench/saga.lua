-- wrk script: each request submits a new 2-step saga with wait_result.
-- BRANCH (env) is the branch URL; empty means "no call" (empty branch URLs count as success).
local counter = 0
local branch = os.getenv("BRANCH") or ""
math.randomseed(os.time() + os.clock() * 1e6)
local prefix = tostring(os.time()) .. "-" .. tostring(math.random(1, 1e9))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  counter = counter + 1
  local gid = "bench-" .. prefix .. "-" .. counter
  local body = '{"gid":"' .. gid .. '","trans_type":"saga","wait_result":true,"steps":[' ..
    '{"action":"' .. branch .. '","compensate":""},{"action":"' .. branch .. '","compensate":""}],' ..
    '"payloads":["{\\"amount\\":30}","{\\"amount\\":30}"]}'
  return wrk.format(nil, "/api/dtmsvr/submit", nil, body)
end
-- RATE (env, sagas/s over all connections) paces the requests: each connection waits connections/RATE seconds on
-- average (uniformly jittered) before its next request, so the offered rate is a little under RATE (the wait does
-- not subtract the latency); bench/run reports the rate reached. Unset or 0: as fast as answers come.
local rate = tonumber(os.getenv("RATE") or "0")
local connections = tonumber(os.getenv("CONNECTIONS") or "1")
if rate > 0 then
  delay = function()
    return math.random() * 2000 * connections / rate
  end
end
response = function(status, headers, body)
  if status ~= 200 then
    print("status " .. status .. ": " .. body)
  end
end
