"""``events retract --last``: undo the last event you typed without looking up its id."""

from __future__ import annotations

import json

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
        "The last record made by sam is event 2: Beta, plan.a done on 2026-03-01",
        "Retracted event 2 (retraction is event 4)",
    ]
    assert mini.rows("SELECT kind, retracts, recorded_by, note FROM events WHERE id = 4") == [
        ("retract", 2, "sam", "wrong site")]
    # the retraction is now sam's last record: --last again undoes it (event 2 counts again)
    r = mini("events", "retract", "--last", "--by", "sam")
    assert r.stderr.splitlines() == [
        "The last record made by sam is retraction 4 (of event 2: Beta, plan.a done on "
        "2026-03-01), recorded 2026-12-04".replace("2026-12-04", _today()),
        "Retracted retraction 4: record 2 counts again (retraction is event 5)"]
    assert _done(mini) == {"Alpha": 2, "Beta": 1}  # Alpha: sam's plan.a and kim's plan.b
    r = mini("events", "retract", "--last", "--by", "sam")  # and again: withdrawn again
    assert r.stderr.splitlines()[-1] == ("Retracted retraction 5: record 4 counts again "
                                         "(retraction is event 6)")
    assert _done(mini) == {"Alpha": 2, "Beta": 0}
    assert mini.count() == 6


def test_nothing_in_force_to_retract(mini):
    r = mini("events", "retract", "--last", "--by", "sam", code=2)
    assert r.stderr.strip() == ("Error: sam has recorded nothing in 'Mini' that is still in "
                                "force; give the record's id (see 'scaletrack events list')")
    mini("log", "Alpha", "plan.a", "--on", "2026-02-01", "--by", "sam")
    mini("events", "retract", "1", "--by", "kim")  # someone else withdrew it
    r = mini("events", "retract", "--last", "--by", "sam", code=2)
    assert "sam has recorded nothing in 'Mini' that is still in force" in r.stderr


def test_last_straight_after_a_plan_retracts_the_plan(mini):
    """The case of issue 18: the plan, not an older event, is retracted, and gaps stops
    showing it overdue."""
    mini("log", "Alpha", "plan.a", "--on", "2024-02-01", "--by", "sam")
    r = mini("plan", "Alpha", "plan", "--due", "2025-08-01", "--on", "2024-03-01", "--by", "sam")
    assert r.stderr.strip() == "Planned: Alpha to complete plan by 2025-08-01 (plan 2)"
    gaps = json.loads(mini("gaps", "--as-of", "2026-12-04", "--format", "json").stdout)
    assert [(g["site"], g["kind"]) for g in gaps if g["kind"] == "overdue"] == [
        ("Alpha", "overdue")]
    r = mini("events", "retract", "--last", "--by", "sam")
    assert r.stderr.splitlines() == [
        "The last record made by sam is plan 2: Alpha to complete plan by 2025-08-01, agreed "
        "on 2024-03-01",
        "Retracted plan 2 (retraction is event 3)"]
    gaps = json.loads(mini("gaps", "--as-of", "2026-12-04", "--format", "json").stdout)
    assert [g for g in gaps if g["kind"] == "overdue"] == []
    nxt = json.loads(mini("next", "--as-of", "2026-12-04", "--format", "json").stdout)
    assert [s["due_on"] for s in nxt["sites"]] == [None, None]
    listed = json.loads(mini("events", "list", "--format", "json").stdout)
    assert [(e["id"], e["kind"], e["due_on"], e["in_force"]) for e in listed] == [
        (1, "done", None, True), (2, "plan", "2025-08-01", False), (3, "retract", None, True)]
    # and the plan can be restored by retracting the retraction
    r = mini("events", "retract", "3")
    assert r.stderr.strip() == "Retracted retraction 3: record 2 counts again (retraction is event 4)"
    gaps = json.loads(mini("gaps", "--as-of", "2026-12-04", "--format", "json").stdout)
    assert [g["kind"] for g in gaps if g["kind"] == "overdue"] == ["overdue"]


def _today() -> str:
    import datetime as dt

    return dt.date.today().isoformat()


def _done(run) -> dict:
    doc = json.loads(run("status", "--as-of", "2026-06-30", "--format", "json").stdout)
    return {s["site"]: s["stages"][0]["done"] for s in doc["sites"]}


def test_last_is_by_recording_order_not_by_date(mini):
    mini("log", "Alpha", "plan.a", "--on", "2026-03-01", "--by", "sam")
    mini("log", "Alpha", "plan.b", "--on", "2026-01-02", "--by", "sam")  # back-dated, typed last
    r = mini("events", "retract", "--last", "--by", "sam")
    assert r.stderr.splitlines()[0].startswith("The last record made by sam is event 2:")


@pytest.mark.parametrize("args", [(), ("1", "--last")])
def test_an_id_or_last_but_not_both(mini, args):
    mini("log", "Alpha", "plan.a", "--by", "sam")
    r = mini("events", "retract", *args, code=2)
    assert "Error: give the ID of the event to retract, or --last (not both)" in r.stderr
    assert mini.count() == 1
