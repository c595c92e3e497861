-- wrk script for the direct figure: the two branch calls of a saga made by wrk itself to the RM, no TM in between.
-- Each request is what the TM sends a saga action: POST <BRANCH>?gid=..&trans_type=saga&branch_id=0N&op=action
-- with the step's payload, alternating the two branches. BRANCH (env) is the RM's branch URL.
local counter = 0
local branch = os.getenv("BRANCH") or "/busi"
local path = branch:gsub("^https?://[^/]+", "")
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"amount":30}'
request = function()
  counter = counter + 1
  local step = (counter % 2) + 1
  return wrk.format(nil, path .. "?gid=direct-" .. math.floor(counter / 2) .. "&trans_type=saga&branch_id=0" .. step ..
    "&op=action")
end
