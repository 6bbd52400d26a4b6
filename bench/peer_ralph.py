"""The peer: Ralph LRS (PyPI ralph-malph) deployed as its documentation deploys it on MongoDB.

uvicorn serving ``ralph.api:app`` with as many workers as gunicorn gives our gateway, the
``async_mongo`` backend (motor; ``RALPH_RUNSERVER_BACKEND``, settings under
``RALPH_BACKENDS__LRS__MONGO__``) on the same store as the platform, in its own database.
Installed and started by scripts/ralph_lrs.py (its own virtual environment under
var/bench/ralph-venv, never the platform's). Before each measured window an unmeasured
warm-up fills every worker's auth cache (Ralph checks Basic credentials with bcrypt, cost 12,
then caches them per process: without it the window measures a bcrypt stampede). The window
sends the same activities as xAPI statements through wrk, with the same connections and
duration as our ingestion runs; the statements stored are counted in the store afterwards.
"""
import base64
import os
import time

import pymongo
from bson import ObjectId

import load
from ralph_lrs import REQUIREMENTS, ROOT, Ralph

COLLECTION = "statements"
# The field Ralph's duplicate check filters on before every write: {"_source.id": {"$in": ids}}.
STATEMENT_ID_FIELD = "_source.id"


def settings(env, database, backend="async_mongo"):
    """Ralph's environment for its (async) MongoDB backend on our store."""
    return {"RALPH_RUNSERVER_BACKEND": backend,
            "RALPH_BACKENDS__LRS__MONGO__CONNECTION_URI": env["MONGO_URI"],
            "RALPH_BACKENDS__LRS__MONGO__DEFAULT_DATABASE": database,
            "RALPH_BACKENDS__LRS__MONGO__DEFAULT_COLLECTION": COLLECTION}


def gateway_workers(environ=os.environ):
    """The gateway's gunicorn worker count (gateway/gunicorn_conf.py reads the same variable)."""
    return int(environ.get("GATEWAY_WORKERS", "2"))


def statement_id_index(collection):
    """Index the statement id Ralph's duplicate check filters on (Ralph creates none itself);
    says whether the store accepted it."""
    try:
        return {"field": STATEMENT_ID_FIELD, "created": True, "name": collection.create_index(STATEMENT_ID_FIELD)}
    except pymongo.errors.PyMongoError as exc:
        return {"field": STATEMENT_ID_FIELD, "created": False, "error": str(exc)[:300]}


def measure(env, seconds, connections, runs=(("single", 1), ("batch_100", 100))):
    """Ralph's accepted (200) and stored statements per second, for each (name, batch size)."""
    database = env["MONGO_DB_PREFIX"] + "ralph"
    collection = pymongo.MongoClient(env["MONGO_URI"])[database][COLLECTION]
    ralph = Ralph(env, "ralph", ROOT / "var" / "log" / "bench" / "ralph.log", backend="mongo",
                  workers=gateway_workers())
    ralph.env.update(settings(env, database))
    index = statement_id_index(collection)
    ralph.start()
    try:
        auth = "Basic " + base64.b64encode(f"{ralph.username}:{ralph.password}".encode()).decode()
        results = {}
        for name, batch in runs:
            conns = connections if batch == 1 else max(4, connections // 2)
            results[name] = window(ralph.url, auth, collection, batch, seconds, conns)
        return {"package": REQUIREMENTS.read_text().split()[0], "backend": "async_mongo",
                "workers": ralph.workers, "statement_id_index": index, "runs": results,
                "duplicate_check": duplicate_check_ms(collection)}
    finally:
        ralph.stop()


def warm_up(url, auth, seconds, connections, max_rounds=10):
    """Rounds of ``GET /whoami`` until the rate stops rising (a round no more than 25 % above
    the one before): by then every worker has checked the credentials with bcrypt once and
    answers from its cache. A fixed-length warm-up is not enough: on a loaded machine the
    first checks of 2 workers x 32 connections can outlast it. Returns each round's requests."""
    rounds = []
    for _ in range(max_rounds):
        run = load.wrk(url, "xapi.lua", {"RALPH_AUTH": auth, "WHOAMI": "1"}, seconds, connections)
        rounds.append(run["requests"] - run["non_2xx"])
        if len(rounds) >= 2 and 0 < rounds[-2] and rounds[-1] <= 1.25 * rounds[-2]:
            break
    return {"rounds": rounds, "seconds_per_round": seconds}


def window(url, auth, collection, batch, seconds, connections):
    """One measured wrk window after an unmeasured warm-up on the same connections."""
    warm = warm_up(url, auth, max(2, seconds // 3), connections)
    before = collection.estimated_document_count()
    run = load.wrk(url, "xapi.lua", {"RALPH_AUTH": auth, "BATCH": str(batch)}, seconds, connections)
    stored = collection.estimated_document_count() - before
    # only the answered 200s count: a refused request stored nothing
    accepted = (run["requests"] - run["non_2xx"]) * batch
    run.update(statements_per_s=round(accepted / (run["duration_us"] / 1e6), 1), stored=stored,
               stored_per_s=round(stored / (run["duration_us"] / 1e6), 1), documents_before=before,
               warm_up=warm)
    return run


def duplicate_check_ms(collection, samples=15):
    """What one duplicate check costs on the store, by the collection's size: Ralph's own
    ``$in`` query, the same lookup as an equality, and a lookup by ``_id`` (the only one
    FerretDB/SQLite answers from an index here), median milliseconds of ``samples``; and the
    store's plan for Ralph's query (a SCAN reads every stored statement)."""
    def median_ms(query):
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            list(collection.find(query, {"_id": 1}))
            times.append((time.perf_counter() - started) * 1000)
        return round(sorted(times)[len(times) // 2], 2)
    missing = "00000000-0000-4000-8000-000000000000"  # a new statement's id: found nowhere
    ralph_query = {STATEMENT_ID_FIELD: {"$in": [missing]}}
    plan = collection.find(ralph_query).explain().get("queryPlanner", {})
    return {"documents": collection.estimated_document_count(), "in_ms": median_ms(ralph_query),
            "equality_ms": median_ms({STATEMENT_ID_FIELD: missing}), "by_id_ms": median_ms({"_id": ObjectId()}),
            "plan": str(plan.get("Plan", plan))[:200]}
