"""The date rules shared by the command line and imports (tracker.dates), worked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from tracker.dates import check_event_date, check_plan_dates, parse_date
from tracker.errors import BadInput

TODAY = dt.date(2026, 12, 1)


def test_words_for_today_and_yesterday():
    assert parse_date("today", today=TODAY) == TODAY
    assert parse_date(" YESTERDAY ", today=TODAY) == dt.date(2026, 11, 30)
    assert parse_date("2026-03-01") == dt.date(2026, 3, 1)
    with pytest.raises(BadInput, match="'tomorrow' is not a date"):
        parse_date("tomorrow", "--on", today=TODAY)


def test_event_dates():
    assert check_event_date(TODAY, today=TODAY) == []
    with pytest.raises(BadInput) as caught:
        check_event_date(dt.date(2026, 12, 2), today=TODAY, what="occurred_on")
    assert str(caught.value) == (
        "occurred_on 2026-12-02 is after today (2026-12-01): events record what happened; "
        "a target date is a plan (scaletrack plan SITE STAGE --due DATE)")
    assert check_event_date(dt.date(1999, 12, 31), today=TODAY) == [
        "--on 1999-12-31 is before 2000; recorded as given, check the year "
        "(retract it if it is wrong)"]
    assert check_event_date(dt.date(2000, 1, 1), today=TODAY) == []
    assert check_event_date(dt.date(2026, 3, 31), today=TODAY, joined_on=dt.date(2026, 4, 1),
                            site="Leeds") == [
        "--on 2026-03-31 is before site 'Leeds' joined (2026-04-01); recorded as given"]
    assert check_event_date(dt.date(2026, 4, 1), today=TODAY,
                            joined_on=dt.date(2026, 4, 1)) == []


def test_plan_dates():
    check_plan_dates(dt.date(2026, 4, 1), dt.date(2026, 4, 1), today=TODAY)
    with pytest.raises(BadInput, match="--due 2026-03-31 is before --on 2026-04-01"):
        check_plan_dates(dt.date(2026, 3, 31), dt.date(2026, 4, 1), today=TODAY)
    with pytest.raises(BadInput, match="--on 2026-12-02 is after today"):
        check_plan_dates(dt.date(2027, 1, 1), dt.date(2026, 12, 2), today=TODAY)
