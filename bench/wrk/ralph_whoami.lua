-- wrk warm-up for the peer: GET /whoami with Basic credentials, so that every Ralph worker
-- has checked them once with bcrypt and cached them before the measured window.
-- Env: RALPH_AUTH ("Basic ...").
function init(args)
  wrk.method = "GET"
  wrk.path = "/whoami"
  wrk.headers["Authorization"] = os.getenv("RALPH_AUTH")
end
function done(summary, latency, requests)
  io.write(string.format('WRK_RESULT {"requests":%d,"duration_us":%d,"non_2xx":%d,"socket_errors":%d,"p50_ms":%.2f,"p99_ms":%.2f}\n',
    summary.requests, summary.duration, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
