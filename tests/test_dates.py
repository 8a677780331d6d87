"""The date rules (tracker.rules), worked by hand, and the same outcome from 'log'/'plan'
and from an import of the same dates."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from tracker import rules
from tracker.dates import check_event_date, check_plan_dates, parse_date
from tracker.errors import BadInput

TODAY = dt.date(2026, 12, 1)
D = dt.date


def test_words_for_today_and_yesterday():
    assert parse_date("today", today=TODAY) == TODAY
    assert parse_date(" YESTERDAY ", today=TODAY) == dt.date(2026, 11, 30)
    assert parse_date("2026-03-01") == dt.date(2026, 3, 1)
    with pytest.raises(BadInput, match="'tomorrow' is not a date"):
        parse_date("tomorrow", "--on", today=TODAY)


def test_event_dates():
    assert check_event_date(TODAY, today=TODAY) == []
    with pytest.raises(BadInput) as caught:
        check_event_date(dt.date(2026, 12, 2), today=TODAY)
    assert str(caught.value) == (
        "--on 2026-12-02 is after today (2026-12-01): events record what happened; "
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
    # before 2000 and before joining: the year is the likelier slip, one warning
    assert check_event_date(dt.date(1926, 3, 31), today=TODAY, joined_on=dt.date(2026, 4, 1),
                            site="Leeds") == [
        "--on 1926-03-31 is before 2000; recorded as given, check the year "
        "(retract it if it is wrong)"]


def test_plan_dates():
    check_plan_dates(dt.date(2026, 4, 1), dt.date(2026, 4, 1), today=TODAY)
    check_plan_dates(dt.date(2030, 1, 1), TODAY, today=TODAY)  # agreed today, due years on
    with pytest.raises(BadInput) as caught:
        check_plan_dates(dt.date(2026, 3, 31), dt.date(2026, 4, 1), today=TODAY)
    assert str(caught.value) == ("--due 2026-03-31 is before --on 2026-04-01: a plan cannot "
                                 "be due before the day it was agreed")
    with pytest.raises(BadInput) as caught:
        check_plan_dates(dt.date(2027, 1, 1), dt.date(2026, 12, 2), today=TODAY)
    assert str(caught.value) == ("--on 2026-12-02 is after today (2026-12-01): --on is the day "
                                 "the plan was agreed; the target date goes in --due")


def test_import_words_name_the_columns():
    cols = rules.DATE_COLUMNS
    assert rules.future_event(D(2026, 12, 2), TODAY, cols) == (
        "occurred_on 2026-12-02 is after today (2026-12-01): events record what happened; "
        "a target date is a plan (a row of kind plan, with the target in due_on)")
    assert rules.future_event(TODAY, TODAY, cols) is None
    assert rules.unlikely_date(D(2026, 1, 5), D(2026, 1, 10), "North", cols) == (
        "occurred_on 2026-01-05 is before site 'North' joined (2026-01-10); recorded as given")
    assert rules.unlikely_date(D(2026, 1, 10), D(2026, 1, 10), "North", cols) is None
    assert rules.plan_dates(D(2026, 2, 1), D(2026, 3, 1), TODAY, cols) == (
        "due_on 2026-02-01 is before occurred_on 2026-03-01: a plan cannot be due before the "
        "day it was agreed")
    assert rules.plan_dates(D(2027, 2, 1), D(2026, 12, 2), TODAY, cols) == (
        "occurred_on 2026-12-02 is after today (2026-12-01): occurred_on is the day the plan "
        "was agreed; the target date goes in due_on")
    assert rules.plan_dates(D(2026, 12, 1), D(2026, 12, 1), TODAY, cols) is None


# -- the command line and import agree ------------------------------------------

def _as_import_words(message: str) -> str:
    """A command-line message in the words an import uses for the same rule."""
    return (message.replace(rules.DATE_OPTIONS["plan"], rules.DATE_COLUMNS["plan"])
            .replace("--on", "occurred_on").replace("--due", "due_on"))


def _cli_outcome(result) -> tuple[str, str | None]:
    lines = result.stderr.splitlines()
    if result.exit_code == 2:
        return "refused", _as_import_words(lines[-1].removeprefix("Error: "))
    assert result.exit_code == 0, result.output
    warned = [line.removeprefix("Warning: ") for line in lines if line.startswith("Warning: ")]
    return ("warned", _as_import_words(warned[0])) if warned else ("recorded", None)


def _import_outcome(result) -> tuple[str, str | None]:
    lines = result.stderr.splitlines()
    if result.exit_code == 2:
        problems = [line.strip() for line in lines if line.strip().startswith("line 2: ")]
        assert len(problems) == 1, result.stderr
        return "refused", problems[0].removeprefix("line 2: ")
    assert result.exit_code == 0, result.output
    warned = [line.removeprefix("Warning: line 2: ") for line in lines
              if line.startswith("Warning: ")]
    return ("warned", warned[0]) if warned else ("recorded", None)


def _csv(path, row: dict):
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["site", "checkpoint", "kind", "stage", "occurred_on",
                                    "due_on"])
        writer.writeheader()
        writer.writerow(row)
    return str(path)


def test_log_and_import_give_each_event_date_the_same_outcome(run, tmp_path):
    today = dt.date.today()
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Alpha", "--joined", "2026-01-01")
    cases = {
        (today + dt.timedelta(days=1)).isoformat(): "refused",
        "2062-11-28": "refused",
        today.isoformat(): "recorded",
        "1999-12-31": "warned",
        "2000-01-01": "warned",  # still before Alpha joined
        "2025-12-31": "warned",
        "2026-01-01": "recorded",
    }
    outcomes = {}
    for n, (day, expected) in enumerate(cases.items()):
        cli = _cli_outcome(run("log", "Alpha", "plan.a", "--on", day, code=None))
        path = _csv(tmp_path / f"e{n}.csv", {"site": "Alpha", "checkpoint": "plan.a",
                                             "kind": "done", "occurred_on": day})
        imported = _import_outcome(run("events", "import", path, code=None))
        assert cli == imported, day
        outcomes[day] = cli[0]
    assert outcomes == cases
    assert run.count() == 2 * 5  # each recorded or warned date once by log, once by import


def test_plan_and_import_give_each_plan_the_same_outcome(run, tmp_path):
    today = dt.date.today()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Alpha", "--joined", "2026-01-01")
    cases = [  # (due, agreed, outcome)
        ("2026-02-01", "2026-03-01", "refused"),  # due before it was agreed
        ("2026-03-01", "2026-03-01", "recorded"),
        ("2099-01-01", tomorrow, "refused"),  # agreed after today: the CLI and import alike
        ("2099-01-01", today.isoformat(), "recorded"),
        (tomorrow, tomorrow, "refused"),
    ]
    for n, (due, agreed, expected) in enumerate(cases):
        cli = _cli_outcome(run("plan", "Alpha", "pilot", "--due", due, "--on", agreed,
                               code=None))
        path = _csv(tmp_path / f"p{n}.csv", {"site": "Alpha", "kind": "plan", "stage": "pilot",
                                             "occurred_on": agreed, "due_on": due})
        imported = _import_outcome(run("events", "import", path, code=None))
        assert cli == imported == (expected, cli[1]), (due, agreed)
        if expected == "recorded":  # the same plan as the one just agreed with 'plan'
            assert last_import_line(run, path) == (
                "Imported 0 events (0 were already recorded); plans: 0 added, 1 already "
                "recorded.")
    assert run.rows("SELECT CAST(due_on AS VARCHAR(10)), CAST(occurred_on AS VARCHAR(10)) "
                    "FROM events WHERE kind = 'plan' ORDER BY id") == [("2026-03-01", "2026-03-01"),
                                                  ("2099-01-01", today.isoformat())]
    path = _csv(tmp_path / "new.csv", {"site": "Alpha", "kind": "plan", "stage": "spread",
                                       "occurred_on": today.isoformat(), "due_on": "2099-06-30"})
    assert last_import_line(run, path) == (
        "Imported 0 events (0 were already recorded); plans: 1 added, 0 already recorded.")
    assert run.rows("SELECT count(*) FROM events WHERE kind = 'plan'") == [(3,)]


def last_import_line(run, path) -> str:
    return run("events", "import", path).stderr.splitlines()[-1]
