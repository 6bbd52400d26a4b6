"""Unit tests of the shared Vietnam calendar and the one page schema (plain values)."""
import datetime as dt

import pytest

from mooc_common.contracts.errors import ValidationFailed
from mooc_common.infra.boundary import load
from mooc_common.infra.paging import MAX_LIMIT, MAX_OFFSET, PageSchema
from mooc_common.infra.vietnam_time import day_start, vietnam_day, vietnam_month
from services.progress.schemas import ProgressQuerySchema

UTC = dt.timezone.utc


def test_vietnam_day_and_month_are_utc_plus_seven():
    assert vietnam_day(dt.datetime(2026, 11, 30, 17, 30, tzinfo=UTC)) == dt.date(2026, 12, 1)
    assert vietnam_day(dt.datetime(2026, 11, 30, 16, 59, tzinfo=UTC)) == dt.date(2026, 11, 30)
    assert vietnam_month(dt.datetime(2026, 3, 31, 18, tzinfo=UTC)) == "2026-04"
    assert vietnam_month(dt.date(2026, 3, 31)) == "2026-03"


def test_a_day_starts_at_midnight_in_vietnam():
    start = day_start("2026-12-01")
    assert start == dt.datetime(2026, 11, 30, 17, tzinfo=UTC)
    assert day_start(dt.date(2026, 12, 1)) == start and vietnam_day(start) == dt.date(2026, 12, 1)


def test_one_page_schema_bounds_every_list():
    assert load(PageSchema(), None) == {"offset": 0, "limit": 50}
    assert load(PageSchema(), {"offset": MAX_OFFSET, "limit": MAX_LIMIT}) == {"offset": MAX_OFFSET, "limit": MAX_LIMIT}
    for bad in ({"offset": -1}, {"offset": MAX_OFFSET + 1}, {"limit": 0}, {"limit": MAX_LIMIT + 1}):
        with pytest.raises(ValidationFailed) as caught:
            load(PageSchema(), bad)
        assert set(caught.value.errors) == set(bad)


@pytest.mark.parametrize("query, page", [
    ({}, {"offset": 0, "limit": 20}),  # progress's older default page size stays
    ({"page": 3, "page_size": 10}, {"offset": 20, "limit": 10}),
    ({"page": 3, "page_size": 10, "offset": 5}, {"offset": 5, "limit": 10}),
    ({"page": 3, "page_size": 10, "limit": 7}, {"offset": 14, "limit": 7}),  # offset/limit win
    ({"offset": 40, "limit": MAX_LIMIT}, {"offset": 40, "limit": MAX_LIMIT}),
])
def test_progress_pages_the_one_way_whichever_parameters_come(query, page):
    loaded = load(ProgressQuerySchema(), query)
    assert {k: loaded[k] for k in ("offset", "limit")} == page
    assert "page" not in loaded and "page_size" not in loaded


def test_progress_pages_have_the_same_bounds():
    for bad in ({"page_size": MAX_LIMIT + 1}, {"limit": MAX_LIMIT + 1}, {"page": 0}, {"offset": MAX_OFFSET + 1}):
        with pytest.raises(ValidationFailed):
            load(ProgressQuerySchema(), bad)
