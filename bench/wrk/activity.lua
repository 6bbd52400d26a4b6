-- wrk script: POST learner activities with fresh client ids (UUIDs), one learner token per
-- connection thread. Env: TOKENS_FILE (one "token course lesson1,lesson2,..." per line),
-- BATCH (activities per request; 1 = the single-activity endpoint).
local tokens = {}
for line in io.lines(os.getenv("TOKENS_FILE")) do
  local token, course, lessons = line:match("(%S+) (%S+) (%S+)")
  local list = {}
  for l in lessons:gmatch("[^,]+") do list[#list + 1] = l end
  tokens[#tokens + 1] = {token = token, course = course, lessons = list}
end
local batch = tonumber(os.getenv("BATCH") or "1")
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

local function uuid4()
  local t = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (t:gsub("[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

local me
function init(args)
  math.randomseed(os.time() * 1000 + id)
  me = tokens[(id - 1) % #tokens + 1]
  wrk.headers["Authorization"] = "Bearer " .. me.token
  wrk.headers["Content-Type"] = "application/json"
  wrk.method = "POST"
  wrk.path = (batch == 1) and "/api/v1/activities" or "/api/v1/activities/batch"
end

local function activity()
  local lesson = me.lessons[math.random(1, #me.lessons)]
  return string.format('{"activity_id":"%s","kind":"lesson_opened","course_id":"%s","lesson_id":"%s","occurred_at":"2026-11-23T08:00:00+00:00"}',
    uuid4(), me.course, lesson)
end

function request()
  local body
  if batch == 1 then
    body = activity()
  else
    local items = {}
    for i = 1, batch do items[i] = activity() end
    body = '{"activities":[' .. table.concat(items, ",") .. ']}'
  end
  return wrk.format(nil, nil, nil, body)
end

function done(summary, latency, requests)
  io.write(string.format('WRK_RESULT {"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,"p50_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
