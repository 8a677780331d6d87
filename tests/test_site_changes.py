"""Sites: the listings, and looking after sites (rename, edit, retire) through the CLI.

Every test runs on SQLite and, when a server is given, PostgreSQL (the ``run``
fixture).  Dates are fixed and in the past, so the tests do not move with the
calendar.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest


@pytest.fixture
def mini(run):
    run("initiative", "create", "Mini", "--framework", "mini", "--started", "2026-01-01")
    run("site", "add", "Alpha", "--region", "North", "--joined", "2026-01-01")
    run("site", "add", "Beta")
    return run


def test_listings_count_sites_and_events_per_initiative(mini):
    mini("initiative", "create", "Other", "--framework", "mini")
    mini("site", "add", "Gamma", "-i", "Other")
    mini("log", "Alpha", "plan.a", "--on", "2026-01-02", "-i", "Mini")
    mini("log", "Alpha", "plan.b", "--on", "2026-01-03", "-i", "Mini")
    mini("log", "Beta", "plan.a", "--on", "2026-01-04", "-i", "Mini")
    mini("events", "retract", "2", "-i", "Mini")  # a retraction is an event too
    rows = json.loads(mini("initiative", "list", "--format", "json").stdout)
    assert [(r["name"], r["sites"], r["events"]) for r in rows] == [("Mini", 2, 4),
                                                                    ("Other", 1, 0)]
    rows = json.loads(mini("site", "list", "-i", "Mini", "--format", "json").stdout)
    assert [(r["site"], r["events"]) for r in rows] == [("Alpha", 3), ("Beta", 1)]
    assert mini("site", "list", "-i", "Other", "--format", "csv").stdout == (
        "site,region,joined,retired,events\nGamma,,,,0\n")


TODAY = dt.date.today().isoformat()


def changes(run) -> list[tuple]:
    """The site_changes rows, without their timestamps and keys."""
    return [tuple(str(v) if isinstance(v, dt.date) else v for v in row) for row in run.rows(
        "SELECT s.name, c.field, c.old_value, c.new_value, c.effective_on, c.recorded_by "
        "FROM site_changes c JOIN sites s ON s.id = c.site_id ORDER BY c.id")]


# -- rename ----------------------------------------------------------------

def test_rename_then_log_under_the_new_name(mini):
    mini("log", "Alpha", "plan.a", "--on", "2026-01-02")
    r = mini("site", "rename", "Alpha", "Alfa", "--by", "kim")
    assert r.stderr.strip() == ("Renamed site 'Alpha' to 'Alfa' in 'Mini'. "
                                "Next: scaletrack log Alfa CHECKPOINT")
    assert changes(mini) == [("Alfa", "name", "Alpha", "Alfa", TODAY, "kim")]
    mini("log", "alfa", "plan.b", "--on", "2026-01-03")
    rows = mini.rows("SELECT s.name, e.checkpoint FROM events e JOIN sites s "
                     "ON s.id = e.site_id ORDER BY e.id")
    assert rows == [("Alfa", "plan.a"), ("Alfa", "plan.b")]  # one site, its history kept
    assert mini.count("sites") == 2
    status = json.loads(mini("status", "--as-of", "2026-01-31", "--format", "json").stdout)
    assert [(s["site"], s["current_stage"]) for s in status["sites"]] == [("Alfa", "pilot"),
                                                                         ("Beta", "plan")]


def test_the_old_name_is_refused_with_the_new_one_wherever_a_site_is_named(mini):
    mini("site", "add", "Ynys Mon")
    mini("site", "rename", "Ynys Mon", "Ynys Môn")
    said = (f"Error: there is no site 'Ynys Mon': it was renamed to 'Ynys Môn' on {TODAY}\n")
    r = mini("log", "ynys mon", "plan.a", "--on", "2026-01-02", code=2)  # as it was typed
    assert r.stderr == said.replace("'Ynys Mon'", "'ynys mon'")
    for args in (("log", "Ynys Mon", "plan.a", "--on", "2026-01-02"),
                 ("plan", "Ynys Mon", "pilot", "--due", "2027-01-01"),
                 ("gaps", "--site", "Ynys Mon"),
                 ("events", "list", "--site", "Ynys Mon"),
                 ("site", "edit", "Ynys Mon", "--region", "Wales"),
                 ("site", "retire", "Ynys Mon"),
                 ("site", "rename", "Ynys Mon", "Anglesey")):
        r = mini(*args, code=2)
        assert r.stderr == said, args
    mini("site", "rename", "Ynys Môn", "Anglesey")
    r = mini("log", "Ynys Mon", "plan.a", code=2)
    assert r.stderr == (f"Error: there is no site 'Ynys Mon': it was renamed to 'Ynys Môn' on "
                        f"{TODAY}, and is now called 'Anglesey'\n")
    r = mini("log", "Ynys Môn", "plan.a", code=2)
    assert r.stderr == (f"Error: there is no site 'Ynys Môn': it was renamed to 'Anglesey' on "
                        f"{TODAY}\n")
    r = mini("log", "Gamma", "plan.a", code=2)  # a name never used: the usual message
    assert r.stderr.startswith("Error: unknown site 'Gamma'; ")
    assert mini.count("events") == 0


def test_rename_refuses_a_name_in_use_an_empty_one_and_no_change(mini):
    r = mini("site", "rename", "Alpha", "beta", code=2)
    assert r.stderr == ("Error: initiative 'Mini' already has a site called 'Beta' "
                        "(site names ignore case)\n")
    r = mini("site", "rename", "Alpha", "Beta", "--force", code=2)  # --force is for look-alikes
    assert r.stderr == ("Error: initiative 'Mini' already has a site called 'Beta' "
                        "(site names ignore case)\n")
    for empty in ("", "   "):
        r = mini("site", "rename", "Alpha", empty, code=2)
        assert r.stderr == "Error: the new site name is empty\n"
    r = mini("site", "rename", "Alpha", " Alpha ", code=2)
    assert r.stderr == "Error: site 'Alpha' is already called that; nothing to change\n"
    r = mini("site", "rename", "Gamma", "Delta", code=2)
    assert r.stderr.startswith("Error: unknown site 'Gamma'; ")
    assert mini.rows("SELECT name FROM sites ORDER BY id") == [("Alpha",), ("Beta",)]
    assert mini.count("site_changes") == 0


def test_rename_to_a_look_alike_needs_force_but_a_respelling_of_itself_does_not(mini):
    mini("site", "add", "Ynys Môn")
    r = mini("site", "rename", "Beta", "ynys  MON", code=2)
    assert r.stderr == ("Error: initiative 'Mini' already has a site called 'Ynys Môn', which "
                        "differs from 'ynys MON' only in accents or spacing; use that name, or "
                        "add --force if they really are two sites\n")
    assert mini.count("site_changes") == 0
    mini("site", "rename", "Beta", "Ynys Mon", "--force")
    assert mini.rows("SELECT name FROM sites ORDER BY id") == [("Alpha",), ("Ynys Mon",),
                                                               ("Ynys Môn",)]
    # the same site respelt (a typo fixed), or its case changed: no --force needed
    mini("site", "rename", "alpha", "ALPHA", "--by", "kim")
    mini("site", "rename", "ALPHA", "Alphà", "--by", "kim")
    assert changes(mini)[1:] == [("Alphà", "name", "Alpha", "ALPHA", TODAY, "kim"),
                                 ("Alphà", "name", "ALPHA", "Alphà", TODAY, "kim")]
    rows = json.loads(mini("site", "list", "--format", "json").stdout)
    assert [r["site"] for r in rows] == ["Alphà", "Ynys Mon", "Ynys Môn"]


# -- edit ------------------------------------------------------------------

def test_edit_region_and_joined_records_old_and_new(mini):
    r = mini("site", "edit", "Alpha", "--region", "North East", "--joined", "2026-02-01",
             "--by", "kim")
    assert r.stderr == ("Edited site 'Alpha': region North -> North East; "
                        "joined 2026-01-01 -> 2026-02-01\n")
    mini("site", "edit", "Beta", "--joined", "2025-11-30", "--by", "kim")
    mini("site", "edit", "Alpha", "--region", "", "--by", "kim")  # "" clears the region
    assert changes(mini) == [
        ("Alpha", "region", "North", "North East", None, "kim"),
        ("Alpha", "joined_on", "2026-01-01", "2026-02-01", "2026-02-01", "kim"),
        ("Beta", "joined_on", None, "2025-11-30", "2025-11-30", "kim"),
        ("Alpha", "region", "North East", None, None, "kim")]
    rows = json.loads(mini("site", "list", "--format", "json").stdout)
    assert rows == [
        {"site": "Alpha", "region": None, "joined": "2026-02-01", "retired": None, "events": 0},
        {"site": "Beta", "region": None, "joined": "2025-11-30", "retired": None, "events": 0}]
    history = json.loads(mini("site", "history", "Alpha", "--format", "json").stdout)
    assert [(h["site"], h["change"], h["old"], h["new"], h["effective_on"], h["recorded_by"])
            for h in history] == [("Alpha", "region", "North", "North East", None, "kim"),
                                  ("Alpha", "joined", "2026-01-01", "2026-02-01", "2026-02-01",
                                   "kim"),
                                  ("Alpha", "region", "North East", None, None, "kim")]


def test_edit_needs_something_to_change(mini):
    r = mini("site", "edit", "Alpha", code=2)
    assert r.stderr == ("Error: give --region TEXT, --joined DATE or both: there is nothing "
                        "else to edit (to rename a site use 'scaletrack site rename')\n")
    r = mini("site", "edit", "Alpha", "--region", "North", "--joined", "2026-01-01", code=2)
    assert r.stderr == ("Error: site 'Alpha' already has region North and joined 2026-01-01; "
                        "nothing to change\n")
    r = mini("site", "edit", "Alpha", "--joined", "2026-13-01", code=2)
    assert r.stderr == ("Error: --joined '2026-13-01' is not a real date (check the month "
                        "and day)\n")
    assert mini.count("site_changes") == 0


# -- retire ----------------------------------------------------------------

@pytest.fixture
def three(run):
    """Alpha completes 'plan' on 01-10, Beta is half-way, Gamma completes it on 01-20,
    has a plan for 'pilot' due 01-25, and is retired from 2026-02-01."""
    run("initiative", "create", "Mini", "--framework", "mini")
    for name in ("Alpha", "Beta", "Gamma"):
        run("site", "add", name, "--joined", "2026-01-01")
    for site, cp, on in (("Alpha", "plan.a", "2026-01-10"), ("Alpha", "plan.b", "2026-01-10"),
                         ("Beta", "plan.a", "2026-01-12"), ("Gamma", "plan.a", "2026-01-15"),
                         ("Gamma", "plan.b", "2026-01-20")):
        run("log", site, cp, "--on", on)
    run("plan", "Gamma", "pilot", "--due", "2026-01-25", "--on", "2026-01-20")
    r = run("site", "retire", "Gamma", "--on", "2026-02-01", "--by", "kim")
    assert r.stderr == ("Retired site 'Gamma' from 2026-02-01: analyses as of that date or "
                        "later leave it out; its history stays.\n")
    return run


def _json(run, *args):
    return json.loads(run(*args, "--format", "json").stdout)


def test_a_retired_site_counts_before_its_retirement_date_and_not_from_it(three):
    before = _json(three, "status", "--as-of", "2026-01-31")
    assert [s["site"] for s in before["sites"]] == ["Alpha", "Beta", "Gamma"]
    after = _json(three, "status", "--as-of", "2026-02-01")
    assert [s["site"] for s in after["sites"]] == ["Alpha", "Beta"]

    plan_before = _json(three, "compare", "--as-of", "2026-01-31")["rollup"][0]
    assert (plan_before["sites_entered"], plan_before["sites_completed"],
            plan_before["pct_completed"], plan_before["median_duration_days"]) == (3, 2, 66.7, 2.5)
    compared = _json(three, "compare", "--as-of", "2026-02-01")
    assert sorted({m["site"] for m in compared["matrix"]}) == ["Alpha", "Beta"]
    plan_after = compared["rollup"][0]
    assert (plan_after["sites_entered"], plan_after["sites_completed"],
            plan_after["pct_completed"], plan_after["median_duration_days"]) == (2, 1, 50.0, 0)

    gaps_before = _json(three, "gaps", "--as-of", "2026-01-31")
    assert [(g["site"], g["kind"]) for g in gaps_before if g["site"] == "Gamma"] == [
        ("Gamma", "overdue"), ("Gamma", "open"), ("Gamma", "open")]
    gaps_after = _json(three, "gaps", "--as-of", "2026-02-01")
    assert [(g["site"], g["kind"], g["checkpoint"]) for g in gaps_after] == [
        ("Alpha", "open", "pilot.d"), ("Alpha", "open", "pilot.e"), ("Beta", "open", "plan.b")]
    # its history stays
    assert three.rows("SELECT count(*) FROM events e JOIN sites s ON s.id = e.site_id "
                      "WHERE s.name = 'Gamma'") == [(3,)]  # two events and the plan
    assert changes(three) == [("Gamma", "retired_on", None, "2026-02-01", "2026-02-01", "kim")]


def test_the_report_names_the_sites_retired_in_its_period(three, tmp_path):
    three("report", "--quarter", "2026Q1", "--out", str(tmp_path / "q1"))
    text = (tmp_path / "q1" / "report.md").read_text(encoding="utf-8")
    assert "2 sites." in text.splitlines()[2]  # Gamma is no longer counted
    assert "- 1 site retired this quarter and is no longer counted.\n" in text
    retired = text.split("### Sites retired\n\n")[1].split("\n\n## ")[0]
    assert retired.splitlines() == [
        "These sites are left out of this report from their retirement date; their history "
        "is kept.", "", "- Gamma, on 2026-02-01"]
    assert "- 0 gaps closed and 3 opened this quarter; 3 open now (previous quarter: 0).\n" \
        in text
    three("site", "retire", "Beta", "--on", "2026-03-31")
    three("site", "retire", "Alpha", "--on", "2026-04-01")
    three("report", "--quarter", "2026Q1", "--out", str(tmp_path / "again"))
    text = (tmp_path / "again" / "report.md").read_text(encoding="utf-8")
    assert "- 2 sites retired this quarter and are no longer counted.\n" in text
    assert "- Gamma, on 2026-02-01\n- Beta, on 2026-03-31\n" in text  # in date order
    # the next quarter: Alpha's retirement is news, the others are not; no one is counted
    three("report", "--quarter", "2026Q2", "--out", str(tmp_path / "q2"))
    text = (tmp_path / "q2" / "report.md").read_text(encoding="utf-8")
    assert "Gamma" not in text and "Beta" not in text
    assert "- No sites are counted: every site has been retired, so there is nothing to " \
        "report for this period.\n" in text
    assert "- 1 site retired this quarter and is no longer counted.\n" in text
    assert "- Alpha, on 2026-04-01\n" in text
    # Alpha's two gaps of the end of March left with it: they were not resolved
    assert "No gap was closed this quarter." in text


def test_reinstate_undoes_a_retirement_and_keeps_both_in_the_history(three):
    r = three("site", "reinstate", "gamma", "--by", "lee")
    assert r.stderr == ("Reinstated site 'Gamma' (retired from 2026-02-01): it counts again on "
                        "every date; 'site history' keeps the retirement and its undoing.\n")
    assert three.rows("SELECT retired_on FROM sites WHERE name = 'Gamma'") == [(None,)]
    assert [s["site"] for s in _json(three, "status", "--as-of", "2026-02-01")["sites"]] == [
        "Alpha", "Beta", "Gamma"]
    assert changes(three)[-1] == ("Gamma", "retired_on", "2026-02-01", None, TODAY, "lee")
    history = _json(three, "site", "history", "Gamma")
    assert [(h["change"], h["old"], h["new"]) for h in history] == [
        ("retired", None, "2026-02-01"), ("reinstated", "2026-02-01", None)]
    three("log", "Gamma", "pilot.d", "--on", "2026-03-01")  # takes events again
    three("site", "retire", "Gamma", "--on", "2026-03-02")  # and can be retired again
    assert three.rows("SELECT retired_on FROM sites WHERE name = 'Gamma'")[0][0] is not None


def test_an_export_made_before_a_reinstatement_does_not_retire_the_site_again(three, tmp_path):
    """Importing an older export must not overturn a reinstatement (as it does not bring
    back a record retracted since); importing an export made after it changes nothing."""
    old = tmp_path / "before.csv"
    three("events", "export", "-o", str(old))
    three("site", "reinstate", "Gamma", "--by", "lee")
    r = three("events", "import", str(old))
    line = next(n for n, row in enumerate(old.read_text().splitlines(), 1)
                if ",retired," in row)
    assert r.stderr.splitlines()[0] == (
        f"Warning: line {line}: site 'Gamma' was retired from 2026-02-01 and reinstated on "
        f"{TODAY}; the retirement is not made again (to retire it: scaletrack site retire "
        "Gamma --on 2026-02-01)")
    assert three.rows("SELECT retired_on FROM sites WHERE name = 'Gamma'") == [(None,)]
    assert [c[2:4] for c in changes(three)] == [(None, "2026-02-01"), ("2026-02-01", None)]
    # retired again from another date: the old file's undone retirement changes nothing
    three("site", "retire", "Gamma", "--on", "2026-03-01")
    r = three("events", "import", str(old))
    assert "the retirement is not made again" in r.stderr
    assert [str(on) for (on,) in three.rows(
        "SELECT retired_on FROM sites WHERE name = 'Gamma'")] == ["2026-03-01"]


def test_reinstate_refusals(three):
    r = three("site", "reinstate", "Alpha", code=2)
    assert r.stderr == "Error: site 'Alpha' is not retired; nothing to reinstate\n"
    r = three("site", "reinstate", "Gama", code=2)
    assert r.stderr.startswith("Error: unknown site 'Gama'")
    for command in ("reinstate", "retire", "edit", "rename"):
        r = three("site", command, "", "x", code=2)
        assert r.stderr == "Error: the site name is empty: give one (see 'scaletrack site list')\n"
    assert three.count("site_changes") == 1


def test_site_list_shows_the_retirement_date(three):
    assert three("site", "list").stdout == (
        "site   region  joined      retired     events\n"
        "-----  ------  ----------  ----------  ------\n"
        "Alpha  -       2026-01-01  -           2\n"
        "Beta   -       2026-01-01  -           1\n"
        "Gamma  -       2026-01-01  2026-02-01  2\n")
    rows = _json(three, "site", "list")
    assert rows[2] == {"site": "Gamma", "region": None, "joined": "2026-01-01",
                       "retired": "2026-02-01", "events": 2}
    assert three("site", "list", "--format", "csv").stdout.splitlines()[3] == (
        "Gamma,,2026-01-01,2026-02-01,2")


def test_a_retired_site_takes_no_events_or_plans_from_its_retirement(three):
    r = three("log", "Gamma", "pilot.d", "--on", "2026-02-01", code=2)
    assert r.stderr == ("Error: site 'Gamma' was retired on 2026-02-01: it takes no events "
                        "dated on or after that (2026-02-01 given)\n")
    r = three("log", "Gamma", "pilot.d", code=2)
    assert r.stderr == ("Error: site 'Gamma' was retired on 2026-02-01: it takes no events "
                        f"dated on or after that ({TODAY} given)\n")
    r = three("plan", "Gamma", "spread", "--due", "2027-01-01", code=2)
    assert r.stderr == ("Error: site 'Gamma' was retired on 2026-02-01: it takes no plans "
                        f"dated on or after that ({TODAY} given)\n")
    assert three.count("events") == 6  # 5 events and the plan
    assert three.rows("SELECT count(*) FROM events WHERE kind = 'plan'") == [(1,)]
    # what happened before the retirement can still be recorded, and corrected
    three("log", "Gamma", "pilot.d", "--on", "2026-01-31")
    three("events", "retract", "7")
    assert three.count("events") == 8


def test_retire_refusals(three):
    r = three("site", "retire", "Gamma", code=2)
    assert r.stderr == "Error: site 'Gamma' was already retired on 2026-02-01\n"
    r = three("site", "retire", "Alpha", "--on", "2026-01-10", code=2)
    assert r.stderr == ("Error: site 'Alpha' has events up to 2026-01-10; retire it after its "
                        "last event, or retract the events dated on or after 2026-01-10 first\n")
    r = three("site", "retire", "Alpha", "--on", "2026-01-01", code=2)
    assert r.stderr == ("Error: site 'Alpha' joined on 2026-01-01; retire it after that, not "
                        "on 2026-01-01\n")
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    r = three("site", "retire", "Alpha", "--on", tomorrow, code=2)
    assert r.stderr == (f"Error: --on {tomorrow} is after today ({TODAY}): retire a site on "
                        "or after the day it stops\n")
    assert three.count("site_changes") == 1
    # a retracted event no longer holds the retirement back
    three("events", "retract", "3")  # Beta's plan.a, 2026-01-12
    three("site", "retire", "Beta", "--on", "2026-01-11")
    three("site", "retire", "Alpha", "--on", "yesterday")
    assert [(n, str(on)) for n, on in three.rows("SELECT name, retired_on FROM sites "
                                                 "ORDER BY id")] == [
        ("Alpha", (dt.date.today() - dt.timedelta(days=1)).isoformat()), ("Beta", "2026-01-11"),
        ("Gamma", "2026-02-01")]
    assert _json(three, "status")["sites"] == []


def test_a_retried_change_is_recorded_once(store, catalog):
    """A write retried after its first attempt committed (a lost acknowledgement) finds
    its own rows by their key, instead of failing or recording the change twice."""
    from tracker.store.initiatives import create_initiative
    from tracker.store.sites import add_site, rename_site, retire_site

    create_initiative(store, catalog, "Mini", "mini")
    add_site(store, "Mini", "North", joined_on=dt.date(2026, 1, 1))
    write = store.write
    store.write = lambda fn: (write(fn), write(fn))[1]  # every write runs twice
    renamed = rename_site(store, "Mini", "North", "Northern", by="kim")
    retired = retire_site(store, "Mini", "Northern", on=dt.date(2026, 3, 1), by="kim")
    store.write = write
    assert renamed.site.name == "Northern" and retired.site.retired_on == dt.date(2026, 3, 1)
    assert [(c.field, c.old_value, c.new_value) for c in renamed.changes + retired.changes] == [
        ("name", "North", "Northern"), ("retired_on", None, "2026-03-01")]
    with store.reading() as session:
        from sqlalchemy import func, select

        from tracker.store.schema import SiteChange
        assert session.scalar(select(func.count()).select_from(SiteChange)) == 2


def test_site_commands_complete_site_names(mini, monkeypatch):
    from test_completion import complete

    monkeypatch.setenv("SCALETRACK_DB", mini.url)
    for command in ("site rename", "site edit", "site retire", "site history"):
        assert complete(f"{command} ") == ["Alpha", "Beta"], command
        assert complete(f"{command} b") == ["Beta"], command
    assert complete("site rename Alpha ") == []  # NEW is a new name: nothing to offer


# -- export and import -----------------------------------------------------

def test_renames_and_retirements_survive_an_export_and_import(three, tmp_path):
    from conftest import Run

    three("site", "rename", "Beta", "Bravo")
    out = tmp_path / "all.csv"
    r = three("events", "export", "-o", str(out))
    assert r.stderr == f"Exported 5 events, 3 sites (1 retired) and 1 plan to {out}\n"
    lines = out.read_text(encoding="utf-8").splitlines()
    ((initiative_uid,),) = three.rows("SELECT uid FROM initiatives")
    uids = dict(three.rows("SELECT name, uid FROM sites"))
    # the sites first, the retirement last (after the records it is checked against)
    assert lines[1:4] + lines[-1:] == [
        ",Mini,mini,0.1,Alpha,,,site,,2026-01-01," + lines[1].split(",")[10] + ",,,,,,,,"
        + f"{initiative_uid},{uids['Alpha']},",
        ",Mini,mini,0.1,Bravo,,,site,,2026-01-01," + lines[2].split(",")[10] + ",,,,,,,,"
        + f"{initiative_uid},{uids['Bravo']},",
        ",Mini,mini,0.1,Gamma,,,site,,2026-01-01," + lines[3].split(",")[10] + ",,,,,,,,"
        + f"{initiative_uid},{uids['Gamma']},",
        ",Mini,mini,0.1,Gamma,,,retired,,2026-02-01," + lines[-1].split(",")[10]
        + ",kim,,,,,,,,,"]
    (tmp_path / "copy").mkdir()
    other = Run(f"sqlite:///{tmp_path / 'copy' / 'copy.db'}")
    other("initiative", "create", "Mini", "--framework", "mini")
    r = other("events", "import", str(out))
    assert r.stderr == ("Imported 5 events (0 were already recorded); plans: 1 added, 0 "
                        "already recorded; new sites: Alpha, Bravo, Gamma; sites retired: "
                        "Gamma.\n")
    for as_of in ("2026-01-31", "2026-02-01"):
        for command in ("status", "gaps", "compare"):
            assert (other(command, "--as-of", as_of, "--format", "json").stdout
                    == three(command, "--as-of", as_of, "--format", "json").stdout), command
    assert _json(other, "site", "list") == _json(three, "site", "list")
    assert changes(other) == [("Gamma", "retired_on", None, "2026-02-01", "2026-02-01", "kim")]
    # imported again, into the copy or the original: nothing changes
    for db in (other, three):
        r = db("events", "import", str(out))
        assert r.stderr == ("Imported 0 events (5 were already recorded); plans: 0 added, 1 "
                            "already recorded.\n")
    assert other.count("site_changes") == 1 and three.count("site_changes") == 2


def test_import_refuses_a_former_name_and_events_after_a_retirement(three, tmp_path):
    three("site", "rename", "Beta", "Bravo")
    path = tmp_path / "typed.csv"
    path.write_text("site,checkpoint,occurred_on\n"
                    "Beta,plan.b,2026-01-20\n"
                    "Gamma,pilot.d,2026-02-01\n"
                    "Gamma,pilot.d,2026-01-31\n"
                    "Bravo,plan.b,2026-01-20\n", encoding="utf-8")
    r = three("events", "import", str(path), code=2)
    assert r.stderr == (
        f"Error: {path}: 2 problem(s); nothing was imported:\n"
        f"line 2: there is no site 'Beta': it was renamed to 'Bravo' on {TODAY}\n"
        "line 3: site 'Gamma' was retired on 2026-02-01: it takes no events dated on or after "
        "that (2026-02-01 given)\n")
    assert three.count("events") == 6 and three.count("sites") == 3  # 5 events, 1 plan


def test_import_of_a_retirement_checks_it_as_site_retire_does(three, tmp_path):
    path = tmp_path / "retire.csv"
    path.write_text("site,kind,occurred_on,recorded_by\n"
                    "Gamma,retired,2026-03-01,kim\n"
                    "Alpha,retired,2026-01-05,kim\n", encoding="utf-8")
    r = three("events", "import", str(path), code=2)
    assert r.stderr == (
        f"Error: {path}: 2 problem(s); nothing was imported:\n"
        "line 2: site 'Gamma' was already retired on 2026-02-01, not 2026-03-01\n"
        "line 3: site 'Alpha' has events up to 2026-01-10; retire it after its last event, or "
        "retract the events dated on or after 2026-01-05 first\n")
    path.write_text("site,kind,occurred_on,recorded_by\nAlpha,retired,2026-01-11,kim\n",
                    encoding="utf-8")
    r = three("events", "import", str(path))
    assert r.stderr == "Imported 0 events (0 were already recorded); sites retired: Alpha.\n"
    assert [s["site"] for s in _json(three, "status", "--as-of", "2026-01-11")["sites"]] == [
        "Beta", "Gamma"]
    assert changes(three)[-1] == ("Alpha", "retired_on", None, "2026-01-11", "2026-01-11", "kim")
