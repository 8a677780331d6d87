"""Every record can be undone (issue 18, items 1 and 2): plans are records of the one log,
and a retraction can be retracted, on both backends and through export and import.

Framework 'mini' (plan: a, b, c optional; pilot: d, e; spread: f, g, h).  Worked by hand:

    1  Alpha plan.a done 2026-01-05
    2  Alpha plan.b done 2026-01-06          -> Alpha has completed 'plan' (2 of 2)
    3  plan: Alpha to complete pilot by 2026-03-01, agreed 2026-01-10
    4  retraction of 2                        -> plan 1 of 2, pilot plan still counts
    5  retraction of 4 (restores 2)           -> plan 2 of 2 again
    6  retraction of 3 (the plan)             -> no plan: nothing overdue
    7  retraction of 5 (withdraws 2 again)    -> plan 1 of 2

As of 2026-06-30 the pilot plan (due 03-01) is overdue while it is in force.
"""

from __future__ import annotations

import csv
import json

import pytest

from conftest import Run


@pytest.fixture
def mini(run):
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Alpha", "--joined", "2026-01-01")
    run("site", "add", "Beta", "--joined", "2026-01-01")
    return run


def _status(run) -> dict:
    doc = json.loads(run("status", "--as-of", "2026-06-30", "--format", "json").stdout)
    return {s["site"]: s["stages"][0]["done"] for s in doc["sites"]}


def _overdue(run) -> list:
    gaps = json.loads(run("gaps", "--as-of", "2026-06-30", "--format", "json").stdout)
    return [(g["site"], g["stage"]) for g in gaps if g["kind"] == "overdue"]


def _listed(run) -> list:
    doc = json.loads(run("events", "list", "--format", "json").stdout)
    return [(e["id"], e["kind"], e["retracts"], e["due_on"], e["in_force"]) for e in doc]


def _chain(run):
    run("log", "Alpha", "plan.a", "--on", "2026-01-05")
    run("log", "Alpha", "plan.b", "--on", "2026-01-06")
    r = run("plan", "Alpha", "pilot", "--due", "2026-03-01", "--on", "2026-01-10")
    assert r.stderr.strip() == "Planned: Alpha to complete pilot by 2026-03-01 (plan 3)"


def test_plans_are_listed_with_ids_shared_with_events(mini):
    _chain(mini)
    mini("log", "Beta", "plan.a", "--on", "2026-01-07")
    rows = json.loads(mini("events", "list", "--format", "json").stdout)
    assert [(e["id"], e["occurred_on"], e["site"], e["checkpoint"], e["kind"], e["due_on"])
            for e in rows] == [
        (1, "2026-01-05", "Alpha", "plan.a", "done", None),
        (2, "2026-01-06", "Alpha", "plan.b", "done", None),
        (4, "2026-01-07", "Beta", "plan.a", "done", None),
        (3, "2026-01-10", "Alpha", "pilot", "plan", "2026-03-01")]
    table = mini("events", "list").stdout.splitlines()
    assert table[0].split() == ["id", "occurred_on", "site", "checkpoint", "kind", "rating",
                                "due_on", "note", "retracted_by", "in_force"]
    assert table[-1].split() == ["3", "2026-01-10", "Alpha", "pilot", "plan", "-",
                                 "2026-03-01", "-", "-", "True"]
    listed = list(csv.DictReader(mini("events", "list", "--format", "csv").stdout.splitlines()))
    assert (listed[-1]["kind"], listed[-1]["due_on"], listed[-1]["in_force"]) == (
        "plan", "2026-03-01", "True")


def test_retract_a_plan_by_id_then_restore_it(mini):
    _chain(mini)
    assert _overdue(mini) == [("Alpha", "pilot")]
    r = mini("events", "retract", "3", "--reason", "agreed with the wrong site")
    assert r.stderr.strip() == "Retracted plan 3 (retraction is event 4)"
    assert _overdue(mini) == []
    nxt = json.loads(mini("next", "Alpha", "--as-of", "2026-06-30", "--format", "json").stdout)
    assert nxt["sites"][0]["due_on"] is None
    assert _listed(mini)[-2:] == [(3, "plan", None, "2026-03-01", False),
                                  (4, "retract", 3, None, True)]
    r = mini("events", "retract", "4")
    assert r.stderr.strip() == ("Retracted retraction 4: record 3 counts again "
                                "(retraction is event 5)")
    assert _overdue(mini) == [("Alpha", "pilot")]
    nxt = json.loads(mini("next", "Alpha", "--as-of", "2026-06-30", "--format", "json").stdout)
    assert nxt["sites"][0]["due_on"] == "2026-03-01"


def test_a_later_plan_withdrawn_brings_back_the_earlier_one(mini):
    mini("plan", "Alpha", "plan", "--due", "2026-03-01", "--on", "2026-01-10")
    mini("plan", "Alpha", "plan", "--due", "2026-09-30", "--on", "2026-02-10")
    assert _overdue(mini) == []
    mini("events", "retract", "2")
    assert _overdue(mini) == [("Alpha", "plan")]


def test_chain_retract_restore_retract_again(mini):
    _chain(mini)
    assert _status(mini) == {"Alpha": 2, "Beta": 0}
    assert mini("events", "retract", "2").stderr.strip() == (
        "Retracted event 2 (retraction is event 4)")
    assert _status(mini) == {"Alpha": 1, "Beta": 0}
    assert mini("events", "retract", "4").stderr.strip() == (
        "Retracted retraction 4: record 2 counts again (retraction is event 5)")
    assert _status(mini) == {"Alpha": 2, "Beta": 0}
    mini("events", "retract", "3")  # the plan, for the worked example
    # retracting 2 again after its restore retracts the restoring record, 5
    assert mini("events", "retract", "2").stderr.strip() == (
        "Retracted record 2 again, by retracting record 5, which had restored it "
        "(retraction is event 7)")
    assert _status(mini) == {"Alpha": 1, "Beta": 0}
    assert _overdue(mini) == []
    assert _listed(mini) == [
        (1, "done", None, None, True), (2, "done", None, None, False),
        (3, "plan", None, "2026-03-01", False), (4, "retract", 2, None, True),
        (5, "retract", 4, None, False), (6, "retract", 3, None, True),
        (7, "retract", 5, None, True)]
    # a record out of force says how to bring it back
    r = mini("events", "retract", "2", code=2)
    assert r.stderr.strip() == (
        "Error: record 2 is already retracted, by record 4 (recorded "
        f"{mini.rows('SELECT recorded_at FROM events WHERE id = 4')[0][0]!s:.10} by "
        f"{mini.rows('SELECT recorded_by FROM events WHERE id = 4')[0][0]}); to make it count "
        "again, retract record 7")
    assert mini.count() == 7


def test_events_list_as_of_shows_what_was_in_force_then(mini):
    mini("log", "Alpha", "plan.a", "--on", "2026-01-05")
    mini("events", "retract", "1")  # dated today, after 2026-06-30
    doc = json.loads(mini("events", "list", "--as-of", "2026-06-30", "--format",
                          "json").stdout)
    assert [(e["id"], e["in_force"]) for e in doc] == [(1, True)]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_plan_retractions_and_chains_survive_export_and_import(mini, fresh, tmp_path, fmt):
    _chain(mini)
    mini("log", "Beta", "plan.a", "--on", "2026-01-07")
    # 5 retracts 2; 6 retracts 5 (2 back); 7 retracts the plan; 8 retracts 7 (plan back);
    # retracting 2 again retracts 6 (9), so 2 is out once more
    for record in ("2", "5", "3", "7", "2"):
        mini("events", "retract", record)
    path = tmp_path / f"all.{fmt}"
    r = mini("events", "export", "--format", fmt, "-o", str(path))
    assert r.stderr.strip() == f"Exported 8 events, 2 sites and 1 plan to {path}"
    other = fresh
    r = other("events", "import", str(path))
    assert r.stderr.strip() == ("Imported 8 events (0 were already recorded); plans: 1 added, "
                                "0 already recorded; new sites: Alpha, Beta.")
    for command in ("status", "gaps", "compare", "next"):
        a = mini(command, "--as-of", "2026-06-30", "--format", "json").stdout
        assert a == other(command, "--as-of", "2026-06-30", "--format", "json").stdout, command
    # ids differ between the databases; what is in force does not
    assert sorted((k, due, on) for _, k, _, due, on in _listed(mini)) == sorted(
        (k, due, on) for _, k, _, due, on in _listed(other))
    assert _status(other) == {"Alpha": 1, "Beta": 1}
    assert _overdue(other) == [("Alpha", "pilot")]
    again = other("events", "import", str(path))
    assert again.stderr.strip() == ("Imported 0 events (8 were already recorded); plans: 0 "
                                    "added, 1 already recorded.")
    home = mini("events", "import", str(path))
    assert home.stderr.strip() == ("Imported 0 events (8 were already recorded); plans: 0 "
                                   "added, 1 already recorded.")
    assert mini.count() == other.count() == 9


def test_an_export_made_before_plans_were_records_still_imports(mini, fresh, tmp_path):
    """Plan rows as the earlier export wrote them: no event_id, source 'plan'."""
    head = ("event_id,initiative,framework_id,framework_version,site,stage,checkpoint,kind,"
            "rating,occurred_on,recorded_at,recorded_by,note,evidence,retracts,source,due_on,"
            "region")
    path = tmp_path / "old.csv"
    path.write_text("\r\n".join([
        head,
        ",Mini,mini,0.1,Alpha,,,site,,2026-01-01,2026-01-01T09:00:00Z,,,,,,,West",
        ",Mini,mini,0.1,Alpha,pilot,,plan,,2026-01-10,2026-01-10T09:00:00Z,lead,board,,,plan,"
        "2026-03-01,",
        "1,Mini,mini,0.1,Alpha,plan,plan.a,done,,2026-01-05,2026-01-05T09:00:00Z,lead,,,,cli,,",
        "2,Mini,mini,0.1,Alpha,plan,plan.a,retract,,2026-01-06,2026-01-06T09:00:00Z,lead,,,1,"
        "cli,,", ""]), encoding="utf-8")
    other = fresh
    r = other("events", "import", str(path))
    assert r.stderr.strip() == ("Imported 2 events (0 were already recorded); plans: 1 added, "
                                "0 already recorded; new sites: Alpha.")
    assert other.rows("SELECT kind, stage, checkpoint, note, recorded_by, source FROM events "
                      "WHERE kind = 'plan'") == [("plan", "pilot", "pilot", "board", "lead",
                                                  "import")]
    assert _overdue(other) == [("Alpha", "pilot")]
    again = other("events", "import", str(path))
    assert again.stderr.strip() == ("Imported 0 events (2 were already recorded); plans: 0 "
                                    "added, 1 already recorded.")


def test_import_refuses_a_retraction_of_a_plan_of_another_stage(mini, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "event_id,site,stage,checkpoint,kind,occurred_on,due_on,retracts\n"
        "1,Alpha,pilot,,plan,2026-01-10,2026-03-01,\n"
        "2,Alpha,spread,pilot,retract,2026-01-11,,1\n", encoding="utf-8")
    r = mini("events", "import", str(path), code=2)
    assert r.stderr.splitlines()[1:] == [
        "line 3: a retraction of a plan for stage pilot is in that stage, not 'spread'"]
    assert mini.count() == 0


@pytest.fixture
def fresh(db_url, tmp_path):
    """A second, empty database on the same backend, with the initiative created."""
    from conftest import make_db_url

    folder = tmp_path / "fresh"
    folder.mkdir()
    url, cleanup = make_db_url("postgresql" if db_url.startswith("postgresql") else "sqlite",
                               folder)
    other = Run(url)
    other("initiative", "create", "Mini", "--framework", "mini")
    yield other
    cleanup()


# -- issue 18 item 7: small ones ------------------------------------------------------

def test_log_with_a_stage_id_says_it_is_a_stage_and_lists_its_checkpoints(mini):
    r = mini("log", "Alpha", "pilot", code=2)
    assert r.stderr.strip() == ("Error: 'pilot' is a stage of mini, not a checkpoint; give one "
                                "of its checkpoints: pilot.d, pilot.e")
    r = mini("log", "Alpha", "Spread", code=2)
    assert r.stderr.strip() == ("Error: 'Spread' is a stage of mini, not a checkpoint; give one "
                                "of its checkpoints: spread.f, spread.g, spread.h")
    assert mini.count() == 0


def test_a_plan_error_quotes_only_the_options_typed(mini):
    import datetime as dt

    today = dt.date.today().isoformat()
    r = mini("plan", "Alpha", "pilot", "--due", "2025-08-01", code=2)
    assert r.stderr.strip() == (
        f"Error: --due 2025-08-01 is before today ({today}), the day the plan is agreed: a "
        "plan cannot be due before the day it was agreed (if it was agreed earlier, give that "
        "day with --on DATE)")
    assert "--on 2" not in r.stderr
    r = mini("plan", "Alpha", "pilot", "--due", "2025-08-01", "--on", "2025-09-01", code=2)
    assert r.stderr.strip() == ("Error: --due 2025-08-01 is before --on 2025-09-01: a plan "
                                "cannot be due before the day it was agreed")
    assert mini.count() == 0


def test_report_takes_o_and_the_as_of_help_names_the_quarters_last_day(mini, tmp_path):
    mini("log", "Alpha", "plan.a", "--on", "2026-01-05")
    folder = tmp_path / "q1"
    r = mini("report", "--quarter", "2026Q1", "-o", str(folder))
    assert r.stdout.strip() == str(folder)
    assert "as of 2026-03-31" in r.stderr  # the quarter's last day
    assert (folder / "report.md").is_file()
    for command in ("report", "chart"):
        text = " ".join(mini(command, "--help").stdout.split())
        assert ("--as-of DATE Count only events on or before this date [default: the "
                "period's last day: with --quarter the quarter's last day") in text
    assert "-o, --out DIRECTORY" in mini("report", "--help").stdout


def test_a_chart_of_several_pages_names_every_file_it_wrote(mini, tmp_path):
    from tracker.store import Store
    from tracker.store.sites import add_site
    from tracker.store.writes import log_batch

    store = Store.open(mini.url)
    try:
        for n in range(26):
            add_site(store, "Mini", f"Site {n:02d}")
        log_batch(store, "Mini", [{"site": f"Site {n:02d}", "checkpoint": "plan.a",
                                   "on": __import__("datetime").date(2026, 1, 5)}
                                  for n in range(26)])
    finally:
        store.close()
    out = tmp_path / "x.png"
    r = mini("chart", "timeline", "--quarter", "2026Q1", "-o", str(out))
    assert r.stdout.splitlines() == [str(tmp_path / "x-1.png"), str(tmp_path / "x-2.png")]
    assert r.stderr.strip() == "The timeline chart has 2 pages:"
    assert (tmp_path / "x-1.png").is_file() and (tmp_path / "x-2.png").is_file()
    assert not out.exists()
    help_text = " ".join(mini("chart", "--help").stdout.split())
    assert "'-o x.png' then writes x-1.png, x-2.png... and prints the name of every file" in (
        help_text)

    # a chart of one page under the same name removes the earlier pages it does not
    # write again, and only PNGs scaletrack made: a user's own x-3.png stays
    from PIL import Image

    Image.new("RGB", (4, 4), "white").save(tmp_path / "x-3.png")
    (tmp_path / "x-notes.png").write_bytes((tmp_path / "x-1.png").read_bytes())
    r = mini("chart", "adoption", "--quarter", "2026Q1", "-o", str(out))
    assert r.stdout.splitlines() == [str(out)]
    assert r.stderr.strip() == ("Removed 2 pages left by an earlier chart of the same name: "
                                "x-1.png, x-2.png")
    assert sorted(p.name for p in tmp_path.glob("x*.png")) == ["x-3.png", "x-notes.png",
                                                               "x.png"]


def test_the_issue_case_retract_last_after_a_mistaken_ihi_plan(run):
    """Issue 18: '--last' straight after 'plan Leeds test-of-scale-up' retracted an older,
    real event ('Retracted event 11 (Leeds, set-up.change-package done)') while the plan
    stayed in gaps as overdue.  Now it retracts the plan."""
    run("initiative", "create", "Shared Lives North", "--framework", "ihi-full-scale")
    run("site", "add", "Leeds", "--joined", "2025-04-01")
    run("log", "Leeds", "set-up.change-package", "--on", "2025-05-12", "--by", "lead")
    run("plan", "Leeds", "test-of-scale-up", "--due", "2025-08-01", "--on", "2025-06-01",
        "--by", "lead")
    assert [g["kind"] for g in json.loads(run("gaps", "--format", "json").stdout)
            if g["kind"] == "overdue"] == ["overdue"]
    r = run("events", "retract", "--last", "--by", "lead")
    assert r.stderr.splitlines() == [
        "The last record made by lead is plan 2: Leeds to complete test-of-scale-up by "
        "2025-08-01, agreed on 2025-06-01",
        "Retracted plan 2 (retraction is event 3)"]
    assert [g for g in json.loads(run("gaps", "--format", "json").stdout)
            if g["kind"] == "overdue"] == []
    assert "due 2025-08-01" not in run("next", "Leeds").stdout  # the plan is gone from next
    assert _listed(run)[0] == (1, "done", None, None, True)  # the real event still counts
