-- wrk script for script/bench-workflow: workflow actions through the HTTP API. Each thread takes
-- its share of the pre-created drafts (one id a line in VANTHU_BENCH_DOCUMENTS, at least two per
-- connection so that none waits for a document) and cycles each of them: submit (the drafter's
-- token) → return to level 1 with a reason (the department head's token) → submit → ... The
-- revision for If-Match comes from each answer's document; a refused action (which should not
-- happen) makes the next request for that document a GET that reloads it.

local counter = 0

function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
end

local ready = {}      -- documents to act on: {id, revision, status}
local drafter, head

function init(args)
  drafter = "Bearer " .. os.getenv("VANTHU_BENCH_DRAFTER_TOKEN")
  head = "Bearer " .. os.getenv("VANTHU_BENCH_HEAD_TOKEN")
  local threads = tonumber(os.getenv("VANTHU_BENCH_THREADS"))
  local i = 0
  for id in io.lines(os.getenv("VANTHU_BENCH_DOCUMENTS")) do
    if i % threads == index then table.insert(ready, {id = id, revision = 1, status = "draft"}) end
    i = i + 1
  end
end

function request()
  local doc = table.remove(ready, 1)
  if doc == nil then
    return wrk.format("GET", "/healthz")
  end
  local path = "/api/v1/documents/" .. doc.id
  if doc.status == "unknown" then
    return wrk.format("GET", path, {["Authorization"] = drafter})
  end
  local headers = {["Content-Type"] = "application/json", ["If-Match"] = '"' .. doc.revision .. '"'}
  if doc.status == "review" then
    headers["Authorization"] = head
    return wrk.format("POST", path .. "/actions", headers,
                      '{"action":"return","to_level":1,"comment":"Bổ sung số liệu"}')
  end
  headers["Authorization"] = drafter
  return wrk.format("POST", path .. "/actions", headers, '{"action":"submit"}')
end

function response(status, headers, body)
  local id = string.match(body, '"id":"([^"]+)"')
  if status == 200 and id then
    local revision = tonumber(string.match(body, '"revision":(%d+)'))
    local state = string.match(body, '"status":"(%a+)"')
    table.insert(ready, {id = id, revision = revision, status = state})
    return
  end
  -- A problem names the document in its instance: reload it.
  id = string.match(body, '/api/v1/documents/([^/"]+)/actions')
  if id then table.insert(ready, {id = id, revision = 0, status = "unknown"}) end
end
