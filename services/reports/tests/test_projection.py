"""Applying fact changes: any order, any duplicates, the same facts and the same parts."""
import datetime as dt
import random

from services.reports import domain, projection

UTC = dt.timezone.utc


def t(day, hour=3):
    return dt.datetime(2026, 5, day, hour, tzinfo=UTC)


def _events():
    """Changes of a small tenant: registrations, a move, enrollments, a cancellation,
    completions (one earlier than another for the same learner and year), activity."""
    learner = {"user_id": "l1", "tenant_id": "T", "role": "learner", "unit_id": "u1", "category": "cadre",
               "status": "active"}
    other = dict(learner, user_id="l2", category="worker")
    enrollment = {"course_id": "C", "intake_id": "i1", "learner_id": "l1", "unit_id": "u1", "category": "cadre",
                  "enrollment_id": "e1", "enrolled_at": t(2)}
    enrollment2 = dict(enrollment, learner_id="l2", enrollment_id="e2", category="worker")
    completion = dict(enrollment, completed_at=t(9))
    return [
        projection.user_changes([learner, other], t(1)),
        projection.user_changes([dict(learner, unit_id="u2")], t(5)),  # moved later
        projection.enrollment_changes("T", enrollment, True, t(2)),
        projection.enrollment_changes("T", enrollment2, True, t(2)),
        projection.enrollment_changes("T", enrollment2, False, t(6)),  # cancelled later
        projection.completion_changes("T", completion),
        projection.completion_changes("T", dict(completion, completed_at=t(8))),  # the earlier one wins
        projection.active_day_changes("T", {"learner_id": "l1", "unit_id": "u1", "category": "cadre",
                                            "day": dt.date(2026, 5, 3)}),
    ]


def _project(batches):
    facts, parts = {}, {}

    class Parts(dict):
        def __missing__(self, ref):
            self[ref] = parts.setdefault(ref, {})
            return self[ref]

    for batch in batches:
        changes = [c for event in batch for c in event]
        current = {(c["c"], c["id"]): facts.get((c["c"], c["id"])) for c in changes}
        written, _ = projection.apply_changes(changes, current, Parts())
        facts.update(written)
    return facts, {ref: data for ref, data in parts.items() if data}


def test_any_order_and_duplicates_give_the_same_facts_and_parts():
    events = _events()
    expected_facts, expected_parts = _project([[e] for e in events])
    rng = random.Random(7)
    for _ in range(25):
        shuffled = events + rng.sample(events, 4)  # redeliveries
        rng.shuffle(shuffled)
        cut = rng.randrange(1, len(shuffled))
        facts, parts = _project([shuffled[:cut], shuffled[cut:]])
        assert facts == expected_facts
        assert parts == expected_parts


def test_incremental_parts_equal_parts_counted_from_scratch():
    facts, parts = _project([[e] for e in _events()])
    assert parts == domain.parts_from_facts([(c, doc) for (c, _), doc in facts.items()])


def test_the_numbers_follow_the_newest_and_earliest_facts():
    facts, parts = _project([[e] for e in _events()])
    course = parts[("T", "course:C")]
    assert course["totals"] == {"enrollments": 1, "completions": 1}  # e2 cancelled
    assert course["by_month"]["2026-05"] == {"enrollments": 1, "completions": 1}
    assert facts[("completions", "e1")]["v"] == t(8)
    assert parts[("T", "unit:u2")]["by_category"] == {"cadre": 1}  # l1 moved to u2
    assert ("T", "unit:u1") in parts and parts[("T", "unit:u1")]["total"] == 1  # l2 stays in u1
    assert parts[("T", "year:2026")]["trained"]["total"] == 1
    assert parts[("T", "month:2026-05")]["total"] == 1


def test_a_count_back_to_zero_leaves_no_trace():
    part = {}
    domain.add_count(part, ("by_unit", "u1", "enrollments"), 1)
    domain.add_count(part, ("by_unit", "u1", "enrollments"), -1)
    assert part == {}
