"""The table of `make bench` (bench/report.py) from a recorded results dict: every target of
issue 15 beside the measured value, met or not, the peer's two ratios, the generated part of
docs/performance.md (the text above the marker kept)."""
import copy
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(BENCH)]

import report  # noqa: E402

RECORDED = {
    "started_at": "2026-12-02T01:00:00+00:00", "command": "make bench",
    "args": {"seconds": 10, "connections": 32, "learners": 200, "lessons": 20, "e2e_rate": 2000},
    "machine": {"cpus": 2, "cpu_model": "Xeon", "memory_gib": 23.5, "python": "3.11.7", "kernel": "6.1",
                "load_average": [0.5, 0.7, 0.9]},
    "limits": {"broker": {"messages_per_s": 2848}, "store": {"docs_per_s": 9867}},
    "ingest": {
        "single": {"activities_per_s": 1200.0, "p50_ms": 10.0, "p99_ms": 45.0, "non_2xx": 0,
                   "applied": 12000, "applied_seconds": 15.0, "applied_per_s": 800.0},
        "batch_100": {"activities_per_s": 13570.0, "p50_ms": 100.0, "p99_ms": 321.0, "non_2xx": 0,
                      "applied": 135700, "applied_seconds": 50.0, "applied_per_s": 2714.0}},
    "end_to_end": {"learners": 200, "tenants": 1, "target_activities_per_s": 2000, "sent_activities_per_s": 1900.0, "complete": True, "visible": 200, "events_per_s": 390.6,
                   "seconds": 21.0, "lag_p50_s": 10.7, "lag_p99_s": 20.5,
                   "peak_queue_backlogs": {"integrations.relay": 70}},
    "scale_curve": {"5,000 learners": {"learners": 5000, "tenants": 1, "target_activities_per_s": 2000,
                                       "sent_activities_per_s": 1500.0, "complete": False, "visible": 3100,
                                       "events_per_s": 2100.0, "seconds": 90.0, "lag_p50_s": 0.5, "lag_p99_s": 1.5}},
    "peer": {"backend": "async_mongo", "workers": 2,
             "statement_id_index": {"field": "_source.id", "created": True, "name": "_source.id_1"},
             "duplicate_check": {"documents": 5000, "in_ms": 40.0, "equality_ms": 30.0, "by_id_ms": 2.0,
                                 "plan": "['id=2 parent=0 notused=0 detail=SCAN statements_64a335ff']"},
             "runs": {"single": {"statements_per_s": 400.0, "stored_per_s": 400.0, "p99_ms": 200.0},
                      "batch_100": {"statements_per_s": 2714.0, "stored_per_s": 0, "p99_ms": 900.0}}},
    "scale": {"unit assignment (40,000 learners)": {"command": "bench/courses_assign.py", "seconds": 100.0,
                                                    "output": ["POST -> 202: 30 ms",
                                                               "assignment of 40000 learners: 87.5 s (457 enrollments/s)"]},
              "bulk import (40,000 learners)": {"command": "bench/accounts_import.py", "seconds": 30.0,
                                                "output": ["import of 40000 rows: done {'created': 40000} in 21.4 s"]}},
}


def summarised():
    results = copy.deepcopy(RECORDED)
    report.summarise(results)
    return results, {r["scenario"].split(":")[0]: r for r in results["table"]}


def test_every_target_beside_its_measured_value_met_or_not():
    results, table = summarised()
    assert results["limit_per_s"] == 2848
    single = table["ingest single"]
    assert (single["measured"], single["met"], single["of_limit"]) == (1200.0, "yes", "0.42")
    assert ">= 1000/s, p99 < 50 ms" == single["target"]
    assert table["ingest batches of 100"]["met"] == "yes"
    applied = table["ingest single, applied"]
    assert (applied["measured"], applied["met"], applied["target"]) == (800.0, "", "")
    assert table["end to end"]["met"] == "**no**"  # 390.6 events/s, lag p99 20.5 s
    assert table["end to end"]["target"] == ">= 2000/s for 60 s, lag p50 < 1 s, p99 < 2 s"
    assert table["scale curve, 5,000 learners"]["target"] == ">= 2000/s, lag p50 < 1 s, p99 < 2 s"
    # fast enough, but not every completion became visible in time: not met
    curve = table["scale curve, 5,000 learners"]
    assert curve["met"] == "**no**" and "only 3100 of 5000 visible" in curve["scenario"]
    assert "activities sent 1500.0/s of 2000/s offered" in curve["scenario"]
    assert table["unit assignment (40,000 learners)"]["measured"] == 87.5
    assert table["unit assignment (40,000 learners)"]["met"] == "**no**"
    assert table["bulk import (40,000 learners)"]["met"] == "yes"


def test_the_peer_is_reported_as_two_ratios_accepted_and_applied():
    results, _ = summarised()
    assert results["peer_ratios"]["single"] == {"accepted": 3.0, "applied": 2.0}
    # a run that stored nothing has no applied ratio (never a division by zero)
    assert results["peer_ratios"]["batch_100"] == {"accepted": 5.0, "applied": None}


def test_a_run_without_peer_curve_or_scale_still_renders():
    results = copy.deepcopy(RECORDED)
    for part in ("peer", "scale_curve", "scale", "end_to_end"):
        del results[part]
    report.summarise(results)
    assert [r["scenario"].split(":")[0] for r in results["table"]] == [
        "broker", "store", "ingest single", "ingest batches of 100", "ingest single, applied",
        "ingest batches of 100, applied"]
    assert "The peer, side by side" not in report.markdown(results, "x.json")


def test_the_generated_part_replaces_only_what_is_below_the_marker(tmp_path):
    results, _ = summarised()
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Performance\n\nShared text of other lanes.\n\n{report.DOC_MARKER}\n\nold numbers\n")
    report.write_doc(results, "2026-12-02T010000+0000.json", doc)
    text = doc.read_text()
    assert text.startswith("# Performance\n\nShared text of other lanes.\n\n" + report.DOC_MARKER)
    assert "old numbers" not in text and text.count(report.DOC_MARKER) == 1
    assert "| single | 3.0 | 2.0 |" in text
    assert "load average before the run [0.5, 0.7, 0.9]" in text
    assert ("`$in` query 40.0 ms, the same lookup as an equality 30.0 ms, a lookup by `_id` 2.0 ms; "
            "the store's plan for Ralph's query: `['id=2 parent=0 notused=0 detail=SCAN statements_64a335ff']`") in text
    assert "assignment of 40000 learners: 87.5 s (457 enrollments/s)" in text  # the scale output kept


def test_end_to_end_is_met_only_when_fast_enough_for_60_seconds():
    fast = {"learners": 6000, "tenants": 1, "complete": True, "visible": 6000, "events_per_s": 2500.0,
            "lag_p50_s": 0.4, "lag_p99_s": 1.2, "target_activities_per_s": 2000, "sent_activities_per_s": 2000.0}
    assert report.e2e_rows("end to end", dict(fast, seconds=61.0), 2848, sustained=60)[0]["met"] == "yes"
    assert report.e2e_rows("end to end", dict(fast, seconds=20.0), 2848, sustained=60)[0]["met"] == "**no**"
    assert report.e2e_rows("end to end", dict(fast, seconds=61.0, lag_p99_s=2.5), 2848, sustained=60)[0]["met"] == "**no**"


BUDGET = {"events": 41000, "cpu_ms_per_event": {"store": 0.9, "broker": 0.6, "progress": 0.5},
          "cpu_ms_per_event_total": 2.0, "ceiling_events_per_s": 1000.0, "broker_deliveries_per_event": 0.92,
          "store_commands_per_event": 0.74, "top_store_commands": {"progress update enrollments": 0.049}}


def test_the_sustained_run_the_half_connections_run_and_the_budget_are_reported():
    results = copy.deepcopy(RECORDED)
    results["ingest"]["single_half"] = dict(results["ingest"]["single"], connections=16, p99_ms=30.0)
    results["sustained"] = dict(results["end_to_end"], learners=900, seconds=61.0, events_per_s=605.0,
                                lag_p50_s=0.9, lag_p99_s=1.4, budget=dict(BUDGET, ceiling_events_per_s=650.0))
    results["end_to_end"]["budget"] = BUDGET
    report.summarise(results)
    rows = {r["scenario"].split(":")[0]: r for r in results["table"]}
    assert rows["ingest single, 16 connections"]["met"] == "yes"  # 1,200/s, p99 30 ms
    assert rows["end to end, sustained"]["met"] == "**no**"  # lag met, but 605 events/s of 2,000
    text = report.markdown(results, "x.json")
    assert "| run | end to end | sustained |" in text
    assert "| store | 0.9 | 0.9 |" in text
    assert "| **ceiling: events/s the cores allow** | 1000.0 | 650.0 |" in text
    assert "`progress update enrollments` 0.049" in text
    assert "ceiling" in report.printed(results)


def test_the_budget_divides_each_processs_cpu_broker_deliveries_and_store_commands_by_the_events():
    import cpu_budget
    idle = {"at": 95.0, "cpu": {"store": 9.5, "broker": 5.0}}  # the store polls: 0.1 core when drained
    before = {"at": 100.0, "cpu": {"store": 10.0, "broker": 5.0}, "deliveries": {"q1": 100, "q2": 0},
              "commands": {"progress find x": 10}}
    after = {"at": 110.0, "cpu": {"store": 13.0, "broker": 6.0, cpu_budget.LOAD_GENERATOR: 0.5},
             "deliveries": {"q1": 1100, "q2": 900, "q3": 100},
             "commands": {"progress find x": 1010, "reports insert y": 500}}
    budget = cpu_budget.spent(before, after, 1000, cores=2, idle_from=idle)
    # the store: 3 s, of which 10 s x 0.1 core of background
    assert budget["cpu_ms_per_event"] == {"store": 2.0, "broker": 1.0, cpu_budget.LOAD_GENERATOR: 0.5}
    assert budget["cpu_ms_per_event_total"] == 3.0  # not the bench's
    assert budget["background_cores"] == 0.1 and budget["ceiling_events_per_s"] == 633.3  # 1.9 cores / 3 ms
    assert budget["broker_deliveries_per_event"] == 2.0  # (1000 + 900 + 100) / 1000
    assert budget["store_commands_per_event"] == 1.5
    assert list(budget["top_store_commands"]) == ["progress find x", "reports insert y"]
    assert cpu_budget.spent(before, after, 1000, cores=2)["cpu_ms_per_event"]["store"] == 3.0  # no idle given
