-- wrk script for the peer (Ralph LRS): POST xAPI statements with fresh ids.
-- Env: RALPH_AUTH ("Basic ..."), BATCH (statements per request); WHOAMI=1: GET /whoami
-- instead (the unmeasured warm-up: every Ralph worker checks the credentials once with
-- bcrypt and caches them before the measured window).
local batch = tonumber(os.getenv("BATCH") or "1")
local whoami = os.getenv("WHOAMI") == "1"
local counter = 0
function setup(thread) counter = counter + 1; thread:set("id", counter) end
local function uuid4()
  return (("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"):gsub("[xy]", function(c)
    return string.format("%x", (c == "x") and math.random(0, 15) or math.random(8, 11))
  end))
end
function init(args)
  math.randomseed(os.time() * 1000 + id)
  wrk.method = "POST"
  wrk.path = "/xAPI/statements"
  wrk.headers["Authorization"] = os.getenv("RALPH_AUTH")
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-Experience-API-Version"] = "1.0.3"
end
local function statement()
  return string.format('{"id":"%s","actor":{"account":{"name":"learner-%d","homePage":"https://lms.example.vn"},"objectType":"Agent"},"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"},"object":{"id":"https://lms.example.vn/lesson/%d","objectType":"Activity"},"timestamp":"2026-11-23T08:00:00+00:00"}',
    uuid4(), math.random(1, 1000), math.random(1, 20))
end
function request()
  if whoami then return wrk.format("GET", "/whoami") end
  if batch == 1 then return wrk.format(nil, nil, nil, statement()) end
  local items = {}
  for i = 1, batch do items[i] = statement() end
  return wrk.format(nil, nil, nil, "[" .. table.concat(items, ",") .. "]")
end
function done(summary, latency, requests)
  io.write(string.format('WRK_RESULT {"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,"p50_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
