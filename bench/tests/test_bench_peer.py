"""The peer's settings (bench/peer_ralph.py) and the scale curve's points (bench/scale_curve.py)."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts"), str(ROOT / "bench")]

import peer_ralph  # noqa: E402
import scale_curve  # noqa: E402


def test_ralph_runs_its_async_mongo_backend_on_our_store_in_its_own_database():
    env = {"MONGO_URI": "mongodb://127.0.0.1:27018/", "MONGO_DB_PREFIX": "t1234_"}
    assert peer_ralph.settings(env, "t1234_ralph") == {
        "RALPH_RUNSERVER_BACKEND": "async_mongo",
        # the async backend reads the MONGO settings (its settings class is the sync one's)
        "RALPH_BACKENDS__LRS__MONGO__CONNECTION_URI": "mongodb://127.0.0.1:27018/",
        "RALPH_BACKENDS__LRS__MONGO__DEFAULT_DATABASE": "t1234_ralph",
        "RALPH_BACKENDS__LRS__MONGO__DEFAULT_COLLECTION": "statements"}


def test_ralph_gets_as_many_workers_as_the_gateway():
    assert peer_ralph.gateway_workers({}) == 2  # gateway/gunicorn_conf.py's default
    assert peer_ralph.gateway_workers({"GATEWAY_WORKERS": "4"}) == 4


def test_the_curve_covers_1_10_100_tenants_and_200_and_5000_learners():
    points = {name: (tenants, tenants * per_tenant) for name, tenants, per_tenant in scale_curve.POINTS}
    assert points == {"1 tenant": (1, 1000), "10 tenants": (10, 1000), "100 tenants": (100, 1000),
                      "200 learners": (1, 200), "5,000 learners": (1, 5000)}
    small = scale_curve.scaled_points(0.01)
    assert [p[2] for p in small] == [10, 1, 1, 2, 50]  # never fewer than one learner per tenant


def test_the_warm_up_goes_on_until_the_rate_stops_rising(monkeypatch):
    """The bcrypt stampede answers nothing at first; the warm-up ends once a round is no
    faster than the one before (every worker answers from its auth cache)."""
    rates = iter([0, 12, 900, 950, 3000])
    calls = []

    def fake_wrk(url, script, env, seconds, connections):
        calls.append((script, env["WHOAMI"], connections))
        return {"requests": next(rates), "non_2xx": 0}
    monkeypatch.setattr(peer_ralph.load, "wrk", fake_wrk)
    assert peer_ralph.warm_up("http://x", "Basic y", 2, 32) == {"rounds": [0, 12, 900, 950], "seconds_per_round": 2}
    assert calls[0] == ("xapi.lua", "1", 32)  # GET /whoami on the window's connections


def test_the_warm_up_is_bounded(monkeypatch):
    monkeypatch.setattr(peer_ralph.load, "wrk", lambda *a: {"requests": 0, "non_2xx": 0})
    assert peer_ralph.warm_up("http://x", "Basic y", 2, 8, max_rounds=3)["rounds"] == [0, 0, 0]
