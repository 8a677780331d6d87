"""Import keeps every value exact, adds nothing twice, and answers hostile files in one line."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import Run
from tracker.exchange import neutralise, restore
from tracker.store.initiatives import create_initiative
from tracker.store.retractions import retract_event
from tracker.store.sites import add_site
from tracker.store.writes import log_event, set_plan

D = dt.date


def _mini(store, catalog, sites=("North",)):
    create_initiative(store, catalog, "Mini", "mini")
    for name in sites:
        add_site(store, "Mini", name)


def _write(path, header, rows, delimiter=","):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
    return path


def _jsonl(path, objects):
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
    return path


def _other(tmp_path, name="other"):
    (tmp_path / name).mkdir()
    other = Run(f"sqlite:///{tmp_path / name / 'copy.db'}")
    other("initiative", "create", "Mini", "--framework", "mini")
    return other


# -- 2: the spreadsheet guard round-trips every string -----------------------

@given(st.text())
def test_restore_undoes_neutralise_for_every_string(value):
    assert restore(neutralise(value)) == value


def test_guard_is_exact_at_the_edges():
    assert neutralise("'=x") == "''=x" and restore("''=x") == "'=x"
    assert neutralise("'tis") == "'tis" and restore("'tis") == "'tis"
    assert neutralise("=x") == "'=x" and restore("'=x") == "=x"


APOSTROPHES = ["'=x", "'+44", "'-3", "'@x", "'\tx", "'\rx", "''=x", "'tis", "=x", "'"]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_notes_that_begin_with_an_apostrophe_round_trip(run, tmp_path, fmt):
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "North")
    for note in APOSTROPHES:
        run("log", "North", "plan.a", "--on", "2026-01-05", "--note", note,
            "--evidence", note)
    path = tmp_path / f"events.{fmt}"
    run("events", "export", "--format", fmt, "-o", str(path))
    other = _other(tmp_path)
    other("events", "import", str(path))
    assert other.rows("SELECT note, evidence FROM events ORDER BY id") == [
        (n, n) for n in APOSTROPHES]


def test_jsonl_is_never_restored(store, catalog, run, tmp_path):
    _mini(store, catalog)
    path = _jsonl(tmp_path / "e.jsonl", [{"site": "North", "checkpoint": "plan.a",
                                          "kind": "done", "occurred_on": "2026-01-05",
                                          "note": "'=x"}])
    run("events", "import", str(path))
    assert run.rows("SELECT note FROM events") == [("'=x",)]


# -- 3, 4, 5: retractions within the file; an export back home adds nothing --

@pytest.fixture
def exported(store, catalog, run, tmp_path):
    """An initiative with a retraction and a plan, exported as CSV."""
    _mini(store, catalog, ("North", "South"))
    log_event(store, "Mini", "North", "plan.a", on=D(2026, 1, 5), note="=SUM(A1)")
    wrong = log_event(store, "Mini", "South", "plan.a", on=D(2026, 1, 6))
    retract_event(store, "Mini", wrong.event.id, "wrong site")
    log_event(store, "Mini", "North", "health.funding", rating="amber", on=D(2026, 2, 1))
    set_plan(store, "Mini", "North", "pilot", D(2026, 5, 1), set_on=D(2026, 1, 10))
    path = tmp_path / "events.csv"
    run("events", "export", "-o", str(path))
    return path


def test_an_export_imported_back_home_adds_nothing(exported, run):
    r = run("events", "import", str(exported))
    assert r.stderr.strip() == ("Imported 0 events (4 were already recorded); plans: 0 added, "
                                "1 already recorded.")
    assert run.count() == 5 and run.count("sites") == 2  # 4 events and the plan


def test_exports_of_two_databases_import_one_after_the_other(exported, run, tmp_path):
    second = _other(tmp_path, "second")
    second("site", "add", "East")
    second("log", "East", "plan.b", "--on", "2026-03-01")
    second("log", "East", "plan.c", "--on", "2026-03-02")
    second("events", "retract", "2")  # event_id 2 as in the first database
    path2 = tmp_path / "second.csv"
    second("events", "export", "-o", str(path2))
    target = _other(tmp_path, "target")
    assert target("events", "import", str(exported)).stderr.strip().startswith(
        "Imported 4 events (0 were already recorded)")
    r = target("events", "import", str(path2))
    assert r.stderr.strip() == ("Imported 3 events (0 were already recorded); new sites: "
                                "East.")
    # each retraction retracts its own file's event 2, of its own site
    assert target.rows(
        "SELECT s.name, t.checkpoint FROM events r JOIN events t ON t.id = r.retracts "
        "JOIN sites s ON s.id = t.site_id ORDER BY r.id") == [("South", "plan.a"),
                                                             ("East", "plan.c")]
    again = target("events", "import", str(path2))
    assert again.stderr.strip() == "Imported 0 events (3 were already recorded)."


def test_a_retraction_must_point_into_its_own_file(exported, run, tmp_path):
    target = _other(tmp_path)
    target("events", "import", str(exported))  # events 1..4 come from another file
    path = _write(tmp_path / "r.csv", ("site", "checkpoint", "kind", "occurred_on",
                                       "event_id", "retracts"),
                  [("North", "plan.b", "done", "2026-03-01", "10", ""),
                   ("North", "plan.a", "retract", "2026-03-02", "11", "1")])
    r = target("events", "import", str(path), code=2)
    assert r.stderr.splitlines()[1:] == [
        "line 3: retracts event_id 1, which is not on an earlier line of this file"]
    assert target.count() == 5


def test_retraction_rules_match_the_command_line(store, catalog, run, tmp_path):
    _mini(store, catalog)
    header = ("site", "checkpoint", "kind", "occurred_on", "event_id", "retracts")
    path = _write(tmp_path / "r.csv", header, [
        ("North", "plan.a", "done", "2026-01-01", "1", ""),
        ("North", "plan.a", "retract", "2026-01-02", "2", "1"),
        ("North", "plan.a", "retract", "2026-01-03", "3", "2"),
        ("North", "plan.a", "retract", "2026-01-04", "4", "1"),
    ])
    r = run("events", "import", str(path), code=2)
    # line 4 retracting the retraction is fine (it restores event 1); a record takes one
    # retraction, so line 5 would have to retract line 4 instead
    assert r.stderr.splitlines()[1:] == ["line 5: event_id 1 is already retracted on line 3"]
    assert run.count() == 0


def test_a_second_retraction_of_an_imported_event_is_refused(store, catalog, run, tmp_path):
    _mini(store, catalog)
    header = ("site", "checkpoint", "kind", "occurred_on", "event_id", "retracts", "note")
    first = _write(tmp_path / "a.csv", header, [
        ("North", "plan.a", "done", "2026-01-01", "1", "", ""),
        ("North", "plan.a", "retract", "2026-01-02", "2", "1", "typo")])
    run("events", "import", str(first))
    second = _write(tmp_path / "b.csv", header, [
        ("North", "plan.a", "done", "2026-01-01", "1", "", ""),
        ("North", "plan.a", "retract", "2026-01-05", "2", "1", "another reason")])
    r = run("events", "import", str(second), code=2)
    assert r.stderr.splitlines()[1:] == ["line 3: event_id 1 was already retracted, by event 2"]
    assert run.count() == 2


# -- 6: JSON values that are not text ---------------------------------------

@pytest.mark.parametrize("value, what", [({"name": "Leeds"}, "an object"), (True, "true or false"),
                                          (["Leeds"], "a list"), (3.5, "a number"),
                                          (7, "a number")])
def test_json_values_that_are_not_text_are_refused(store, catalog, run, tmp_path, value, what):
    _mini(store, catalog)
    path = _jsonl(tmp_path / "e.jsonl", [{"site": value, "checkpoint": "plan.a",
                                          "kind": "done", "occurred_on": "2026-01-05"}])
    r = run("events", "import", str(path), code=2)
    assert r.stderr.splitlines()[1] == f"line 1: site must be text (a JSON string), not {what}"
    assert run.count() == 0 and run.count("sites") == 1


# -- 7: whatever scaletrack writes, it reads back ----------------------------

def test_a_note_longer_than_the_csv_default_limit_round_trips(store, catalog, run, tmp_path):
    _mini(store, catalog)
    note = "x" * 200_000
    path = _jsonl(tmp_path / "e.jsonl", [{"site": "North", "checkpoint": "plan.a",
                                          "kind": "done", "occurred_on": "2026-01-05",
                                          "note": note}])
    run("events", "import", str(path))
    out = tmp_path / "e.csv"
    run("events", "export", "-o", str(out))
    other = _other(tmp_path)
    other("events", "import", str(out))
    assert other.rows("SELECT length(note) FROM events") == [(200_000,)]


def test_a_broken_csv_names_its_own_line(store, catalog, run, tmp_path, monkeypatch):
    from tracker.exchange import reading

    _mini(store, catalog)
    monkeypatch.setattr(reading, "FIELD_LIMIT", 20)
    path = _write(tmp_path / "e.csv", ("site", "checkpoint", "kind", "occurred_on", "note"),
                  [("North", "plan.a", "done", "2026-01-05", "short"),
                   ("North", "plan.a", "done", "2026-01-05", "y" * 30)])
    r = run("events", "import", str(path), code=2)
    assert r.stderr.splitlines()[1] == ("line 3: broken CSV (field larger than field limit "
                                        "(20))")


# -- 8: the summary counts this import's rows --------------------------------

def test_the_summary_ignores_other_writers(run, db_url, tmp_path, monkeypatch):
    """Another connection commits an event while the import runs (PostgreSQL lets it;
    SQLite's write lock makes it wait, so there it is not tried)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite allows one writer at a time")
    from tracker.exchange import importing
    from tracker.store import Store

    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "North")
    rows = importing._checked_rows

    def meanwhile(*args):
        for i, item in enumerate(rows(*args)):
            if i == 1:
                other = Store.open(db_url)
                log_event(other, "Mini", "North", "plan.c", on=D(2026, 1, 1))
                other.close()
            yield item

    monkeypatch.setattr(importing, "_checked_rows", meanwhile)
    path = _write(tmp_path / "e.csv", ("site", "checkpoint", "kind", "occurred_on"),
                  [("North", "plan.a", "done", "2026-01-05"),
                   ("North", "plan.b", "done", "2026-01-06")])
    r = run("events", "import", str(path))
    assert r.stderr.strip() == "Imported 2 events (0 were already recorded)."
    assert run.count() == 3


# -- 10: one rule for what a checkpoint takes --------------------------------

def test_log_and_import_agree_on_a_level_in_capitals(run, tmp_path):
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "North")
    run("log", "North", "health.funding", "--rating", "AMBER", "--on", "2026-01-05")
    path = _write(tmp_path / "e.csv", ("site", "checkpoint", "kind", "rating", "occurred_on"),
                  [("North", "health.funding", "rated", "AMBER", "2026-01-06"),
                   ("North", "health.funding", "", "Green", "2026-01-07"),
                   ("North", "plan.a", "DONE", "", "2026-01-07")])
    run("events", "import", str(path))
    assert run.rows("SELECT kind, rating FROM events ORDER BY id") == [
        ("rated", "amber"), ("rated", "amber"), ("rated", "green"), ("done", None)]


def test_the_rules_module_needs_no_database():
    import subprocess
    import sys

    code = "import sys, tracker.rules; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


# -- tracebacks, and unclear or unsafe input ----------------------------------

def _one_problem(run, path):
    r = run("events", "import", str(path), code=2)
    assert "Traceback" not in r.output
    assert run.count() == 0
    return r.stderr.splitlines()[1:]


def test_deeply_nested_json(store, catalog, run, tmp_path):
    _mini(store, catalog)
    path = tmp_path / "deep.jsonl"
    path.write_text("[" * 100_000 + "]" * 100_000 + "\n")
    assert _one_problem(run, path) == [
        "line 1: not valid JSON for an import (nested too deeply)"]


@pytest.mark.parametrize("stamp", ["9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00"])
def test_recorded_at_off_the_calendar(store, catalog, run, tmp_path, stamp):
    _mini(store, catalog)
    path = _write(tmp_path / "e.csv", ("site", "checkpoint", "kind", "occurred_on",
                                       "recorded_at"),
                  [("North", "plan.a", "done", "2026-01-05", stamp)])
    assert _one_problem(run, path) == [
        f"line 2: recorded_at '{stamp}' is outside the calendar once converted to UTC"]


def test_an_enormous_header_gets_a_short_message(store, catalog, run, tmp_path):
    _mini(store, catalog)
    path = tmp_path / "wide.csv"
    path.write_text("site," + ",".join(f"column{i}" for i in range(200_000)) + "\n")
    problems = _one_problem(run, path)
    assert len("\n".join(problems)) < 1000
    assert problems[0].startswith("line 1: unknown column(s) 'column0', 'column1'")
    assert "and 199990 more" in problems[0]


def test_a_huge_value_is_quoted_short(store, catalog, run, tmp_path):
    _mini(store, catalog)
    path = _write(tmp_path / "e.csv", ("site", "checkpoint", "kind", "occurred_on"),
                  [("North", "plan.a", "z" * 100_000, "2026-01-05")])
    [problem] = _one_problem(run, path)
    assert problem.startswith("line 2: unknown kind 'zzzz") and len(problem) < 200
    assert "(100000 characters)" in problem


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_nul_is_refused_with_its_line(store, catalog, run, tmp_path, fmt):
    _mini(store, catalog)
    rows = [{"site": "North", "checkpoint": "plan.a", "kind": "done",
             "occurred_on": "2026-01-05", "note": "fine"},
            {"site": "North", "checkpoint": "plan.b", "kind": "done",
             "occurred_on": "2026-01-05", "note": "bad\x00byte"}]
    if fmt == "csv":
        path = _write(tmp_path / "e.csv", list(rows[0]), [list(r.values()) for r in rows])
        line = 3
    else:
        path = _jsonl(tmp_path / "e.jsonl", rows)
        line = 2
    assert _one_problem(run, path) == [
        f"line {line}: note contains a NUL character (\\x00), which cannot be stored; "
        "remove it"]


def test_duplicate_ids_columns_and_foreign_digits(store, catalog, run, tmp_path):
    _mini(store, catalog)
    header = ("site", "checkpoint", "kind", "occurred_on", "event_id")
    path = _write(tmp_path / "e.csv", header, [
        ("North", "plan.a", "done", "2026-01-05", "5"),
        ("North", "plan.b", "done", "2026-01-06", "4"),
        ("North", "plan.c", "done", "2026-01-07", "5"),
        ("North", "plan.c", "done", "2026-01-07", "\u0663"),
        ("North", "plan.c", "done", "2026-01-07", "\u00b2"),
        ("North", "plan.c", "done", "\u0662\u0660\u0662\u0666-01-07", ""),
    ])
    assert _one_problem(run, path) == [
        "line 4: event_id 5 is also on line 2; each event has one id",
        "line 5: event_id '\u0663' is not a whole number written in digits 0-9",
        "line 6: event_id '\u00b2' is not a whole number written in digits 0-9",
        "line 7: occurred_on '\u0662\u0660\u0662\u0666-01-07' is not a YYYY-MM-DD date",
    ]
    twice = _write(tmp_path / "twice.csv", ("site", "checkpoint", "note", "occurred_on",
                                            "note"),
                   [("North", "plan.a", "a", "2026-01-05", "b")])
    assert _one_problem(run, twice)[0].startswith(
        "line 1: column(s) 'note' appear more than once")


def test_an_import_updates_the_planner_statistics(store, catalog, run, tmp_path, db_url):
    _mini(store, catalog)
    path = _write(tmp_path / "e.csv", ("site", "checkpoint", "kind", "occurred_on"),
                  [(f"Site {i}", "plan.a", "done", "2026-01-05") for i in range(50)])
    run("events", "import", str(path), "--add-sites")
    if db_url.startswith("postgresql"):
        assert run.rows("SELECT relname, reltuples FROM pg_class WHERE relname IN "
                        "('events', 'sites') AND relnamespace = "
                        "current_schema()::regnamespace ORDER BY relname") == [
            ("events", 50.0), ("sites", 51.0)]
    else:
        stats = dict(run.rows("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'events'"))
        assert stats["ix_events_site_checkpoint"].startswith("50 ")


# -- dates, per line, as for 'log' --------------------------------------------

def test_date_rules_per_line(store, catalog, run, tmp_path):
    create_initiative(store, catalog, "Mini", "mini")
    add_site(store, "Mini", "North", joined_on=D(2026, 1, 10))
    header = ("site", "checkpoint", "kind", "occurred_on", "stage", "due_on")
    bad = _write(tmp_path / "bad.csv", header, [
        ("North", "plan.a", "done", "2062-11-28", "", ""),
        ("North", "", "plan", "2026-03-01", "pilot", "2026-02-01"),
    ])
    assert _one_problem(run, bad) == [
        f"line 2: occurred_on 2062-11-28 is after today ({D.today().isoformat()}): events "
        "record what happened; a target date is a plan (a row of kind plan, with the target "
        "in due_on)",
        "line 3: due_on 2026-02-01 is before occurred_on 2026-03-01: a plan cannot be due "
        "before the day it was agreed",
    ]
    odd = _write(tmp_path / "odd.csv", header, [
        ("North", "plan.a", "done", "1900-01-01", "", ""),
        ("North", "plan.b", "done", "2026-01-05", "", ""),
        ("North", "plan.c", "done", "2026-01-10", "", ""),
    ])
    r = run("events", "import", str(odd))
    assert r.stderr.splitlines() == [
        "Warning: line 2: occurred_on 1900-01-01 is before 2000; recorded as given, check the "
        "year (retract it if it is wrong)",
        "Warning: line 3: occurred_on 2026-01-05 is before site 'North' joined (2026-01-10); "
        "recorded as given",
        "Imported 3 events (0 were already recorded).",
    ]
