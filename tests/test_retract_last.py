"""``events retract --last``: undo the last event you typed without looking up its id."""

from __future__ import annotations

import pytest


@pytest.fixture
def mini(run):
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Alpha", "--joined", "2026-01-01")
    run("site", "add", "Beta")
    return run


def test_retracts_the_last_event_you_recorded_and_says_which(mini):
    mini("log", "Alpha", "plan.a", "--on", "2026-02-01", "--by", "sam")
    mini("log", "Beta", "plan.a", "--on", "2026-03-01", "--by", "sam")
    mini("log", "Alpha", "plan.b", "--on", "2026-01-15", "--by", "kim")  # someone else's, later
    r = mini("events", "retract", "--last", "--by", "sam", "--reason", "wrong site")
    assert r.stderr.splitlines() == [
        "The last event recorded by sam is event 2: Beta, plan.a done on 2026-03-01",
        "Retracted event 2 (retraction is event 4)",
    ]
    assert mini.rows("SELECT kind, retracts, recorded_by, note FROM events WHERE id = 4") == [
        ("retract", 2, "sam", "wrong site")]
    # the next --last passes over the retraction and the retracted event
    r = mini("events", "retract", "--last", "--by", "sam")
    assert r.stderr.splitlines()[0] == (
        "The last event recorded by sam is event 1: Alpha, plan.a done on 2026-02-01")
    r = mini("events", "retract", "--last", "--by", "sam", code=2)
    assert r.stderr.strip() == ("Error: sam has recorded no event in 'Mini' that is not already "
                                "retracted; give the event's id (see 'scaletrack events list')")
    assert mini.count() == 5


def test_last_is_by_recording_order_not_by_date(mini):
    mini("log", "Alpha", "plan.a", "--on", "2026-03-01", "--by", "sam")
    mini("log", "Alpha", "plan.b", "--on", "2026-01-02", "--by", "sam")  # back-dated, typed last
    r = mini("events", "retract", "--last", "--by", "sam")
    assert r.stderr.splitlines()[0].startswith("The last event recorded by sam is event 2:")


@pytest.mark.parametrize("args", [(), ("1", "--last")])
def test_an_id_or_last_but_not_both(mini, args):
    mini("log", "Alpha", "plan.a", "--by", "sam")
    r = mini("events", "retract", *args, code=2)
    assert "Error: give the ID of the event to retract, or --last (not both)" in r.stderr
    assert mini.count() == 1
