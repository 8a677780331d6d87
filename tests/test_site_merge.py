"""Typo sites: refused when added or renamed, merged away when they got in, and unmerged.

Every test runs through the CLI on SQLite and, when a server is given, PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import DATA

TODAY = dt.date.today().isoformat()
AS_OF = "2026-03-31"


@pytest.fixture
def mini(run):
    run("initiative", "create", "Mini", "--framework", "mini")
    for name in ("Leeds", "Bradford", "York"):
        run("site", "add", name)
    return run


def analyses(run, *extra) -> dict:
    """status, gaps and compare as JSON, and next, as of AS_OF."""
    out = {cmd: json.loads(run(cmd, "--as-of", AS_OF, "--format", "json", *extra).stdout)
           for cmd in ("status", "gaps", "compare")}
    out["next"] = json.loads(run("next", "--format", "json", *extra).stdout)
    return out


# -- typos refused ---------------------------------------------------------

def test_site_add_refuses_a_typo_of_an_existing_site_and_force_adds_it(mini):
    r = mini("site", "add", "Bradfrod", code=2)
    assert r.stderr == ("Error: initiative 'Mini' already has a site called 'Bradford', which "
                        "'Bradfrod' looks like a mistyping of; use that name, or add --force "
                        "if they really are two sites\n")
    r = mini("site", "add", "Leds", code=2)
    assert "a site called 'Leeds', which 'Leds' looks like a mistyping of" in r.stderr
    assert mini.count("sites") == 3
    mini("site", "add", "Bradfrod", "--force")
    assert mini.rows("SELECT name FROM sites ORDER BY id")[-1] == ("Bradfrod",)


def test_names_that_are_not_typos_are_added(mini):
    # a changed letter in a short name is another place; numbers make other sites
    for name in ("Cork", "Leeds 2", "Leeds 3", "Bradford West", "Kirklees"):
        mini("site", "add", name)
    assert mini.count("sites") == 8


def test_site_rename_refuses_a_typo_of_another_site(mini):
    mini("site", "add", "Wakefield")
    r = mini("site", "rename", "Wakefield", "Bradfort", code=2)
    assert r.stderr == ("Error: initiative 'Mini' already has a site called 'Bradford', which "
                        "'Bradfort' looks like a mistyping of; use that name, or add --force "
                        "if they really are two sites\n")
    mini("site", "rename", "Bradford", "Bradfrd")  # its own name respelt: no other site
    mini("site", "rename", "Wakefield", "Bradford", "--force")
    assert mini.rows("SELECT name FROM sites ORDER BY id") == [
        ("Leeds",), ("Bradfrd",), ("York",), ("Bradford",)]


# -- merge -----------------------------------------------------------------

def _two_sites_for_one_place(mini):
    """Leds made by mistake: half of Leeds' record went there (a plan too)."""
    mini("site", "add", "Leds", "--force", "--region", "typo")
    mini("log", "Leeds", "plan.a", "--on", "2026-01-05")
    mini("log", "Leds", "plan.b", "--on", "2026-01-10")
    mini("log", "Leds", "pilot.d", "--status", "started", "--on", "2026-02-01")
    mini("log", "Leeds", "pilot.d", "--status", "blocked", "--on", "2026-02-10")
    mini("log", "Leds", "health.funding", "--rating", "amber", "--on", "2026-02-12")
    mini("plan", "Leds", "pilot", "--due", "2026-03-01", "--on", "2026-01-15")
    mini("log", "Bradford", "plan.a", "--on", "2026-01-07")


def _as_if_all_were_leeds(run):
    """The same records, all logged against Leeds from the start."""
    run("initiative", "create", "Mini", "--framework", "mini")
    for name in ("Leeds", "Bradford", "York"):
        run("site", "add", name)
    run("log", "Leeds", "plan.a", "--on", "2026-01-05")
    run("log", "Leeds", "plan.b", "--on", "2026-01-10")
    run("log", "Leeds", "pilot.d", "--status", "started", "--on", "2026-02-01")
    run("log", "Leeds", "pilot.d", "--status", "blocked", "--on", "2026-02-10")
    run("log", "Leeds", "health.funding", "--rating", "amber", "--on", "2026-02-12")
    run("plan", "Leeds", "pilot", "--due", "2026-03-01", "--on", "2026-01-15")
    run("log", "Bradford", "plan.a", "--on", "2026-01-07")


def test_merge_leds_into_leeds_gives_the_analyses_of_one_site(mini, tmp_path):
    from conftest import Run

    _two_sites_for_one_place(mini)
    events_before = mini.rows("SELECT * FROM events ORDER BY id")
    plans_before = mini.rows("SELECT * FROM events WHERE kind = 'plan' ORDER BY id")
    r = mini("site", "merge", "Leds", "Leeds", "--yes", "--by", "kim")
    assert r.stderr == ("Merged site 'Leds' (3 events and 1 plan) into 'Leeds' in 'Mini': they "
                        "count for 'Leeds' from now on. To undo it: scaletrack site unmerge "
                        "Leds\n")
    # not one event or plan changed
    assert mini.rows("SELECT * FROM events ORDER BY id") == events_before
    assert mini.rows("SELECT * FROM events WHERE kind = 'plan' ORDER BY id") == plans_before
    reference = Run(f"sqlite:///{tmp_path / 'reference.db'}")
    _as_if_all_were_leeds(reference)
    assert analyses(mini) == analyses(reference)
    status = json.loads(mini("status", "--as-of", AS_OF, "--format", "json").stdout)
    leeds = next(s for s in status["sites"] if s["site"] == "Leeds")
    assert (leeds["current_stage"], leeds["last_activity"]) == ("pilot", "2026-02-12")
    gaps = json.loads(mini("gaps", "--as-of", AS_OF, "--format", "json").stdout)
    assert {(g["site"], g["kind"]) for g in gaps if g["site"] == "Leeds"} >= {
        ("Leeds", "blocked"), ("Leeds", "overdue")}  # Leds' plan and blocked state count


def test_the_merged_site_appears_nowhere(mini, tmp_path, monkeypatch):
    from test_completion import complete

    monkeypatch.setenv("SCALETRACK_DB", mini.url)
    monkeypatch.setenv("SCALETRACK_CATALOG", str(DATA))
    _two_sites_for_one_place(mini)
    mini("site", "merge", "Leds", "Leeds", "--yes")
    sites = json.loads(mini("site", "list", "--format", "json").stdout)
    assert [(s["site"], s["events"]) for s in sites] == [("Bradford", 1), ("Leeds", 5),
                                                        ("York", 0)]
    listed = json.loads(mini("events", "list", "--format", "json").stdout)
    assert {e["site"] for e in listed} == {"Leeds", "Bradford"}
    only = json.loads(mini("events", "list", "--site", "Leeds", "--format", "json").stdout)
    assert len(only) == 6  # five events and a plan
    rows = json.loads(mini("initiative", "list", "--format", "json").stdout)
    assert (rows[0]["sites"], rows[0]["events"]) == (3, 6)
    for cmd in ("status", "gaps", "compare"):
        assert "Leds" not in mini(cmd, "--as-of", AS_OF).stdout
    assert "Leds" not in mini("next").stdout
    out = tmp_path / "report"
    mini("report", "--quarter", "2026Q1", "--out", str(out))
    for path in out.iterdir():
        if path.suffix in (".md", ".csv", ".html"):
            assert "Leds" not in path.read_text(encoding="utf-8"), path.name
    assert complete("log ") == ["Bradford", "Leeds", "York"]
    assert complete("site unmerge ") == ["Leds"]
    said = (f"Error: there is no site 'Leds': it was merged into 'Leeds' on {TODAY}, and its "
            "records count for 'Leeds' (to undo it: scaletrack site unmerge Leds)\n")
    for args in (("log", "Leds", "plan.c"), ("plan", "Leds", "pilot", "--due", "2027-01-01"),
                 ("gaps", "--site", "Leds"), ("events", "list", "--site", "Leds"),
                 ("site", "rename", "Leds", "Lds"), ("site", "retire", "Leds"),
                 ("site", "merge", "Leds", "York", "--yes"), ("site", "add", "Leds")):
        assert mini(*args, code=2).stderr == said, args


def test_history_of_the_kept_site_shows_the_merge_and_unmerge_undoes_it(mini):
    _two_sites_for_one_place(mini)
    before = analyses(mini)
    mini("site", "merge", "Leds", "Leeds", "--yes", "--by", "kim")
    rows = json.loads(mini("site", "history", "Leeds", "--format", "json").stdout)
    assert [(r["site"], r["change"], r["old"], r["new"], r["effective_on"], r["recorded_by"])
            for r in rows] == [("Leds", "merged", None, "Leeds", TODAY, "kim")]
    assert mini.rows("SELECT field, old_value, new_value, recorded_by FROM site_changes") == [
        ("merged_into", None, "Leeds", "kim")]
    r = mini("site", "unmerge", "Leds", "--by", "lee")
    assert r.stderr == ("Undid the merge of site 'Leds' into 'Leeds': 'Leds' is a site of its "
                        "own again, with its records.\n")
    assert analyses(mini) == before
    rows = json.loads(mini("site", "history", "Leeds", "--format", "json").stdout)
    assert [(r["site"], r["change"], r["old"], r["new"], r["recorded_by"]) for r in rows] == [
        ("Leds", "merged", None, "Leeds", "kim"), ("Leds", "unmerged", "Leeds", None, "lee")]
    assert mini.rows("SELECT merged_into FROM sites WHERE name = 'Leds'") == [(None,)]
    r = mini("site", "unmerge", "Leds", code=2)
    assert r.stderr == "Error: site 'Leds' is not merged into another site; nothing to undo\n"


def test_merge_refusals(mini):
    mini("site", "add", "Leds", "--force")
    cases = [
        (("Leeds", "leeds"), "Error: 'Leeds' and 'leeds' are the same site; name the site to "
                             "merge away first, then the site to keep\n"),
        (("Leds", "Nowhere"), None),
        (("Nowhere", "Leeds"), None),
    ]
    for (src, dst), said in cases:
        r = mini("site", "merge", src, dst, "--yes", code=2)
        if said:
            assert r.stderr == said
        else:
            assert r.stderr.startswith("Error: unknown site 'Nowhere'")
    mini("site", "retire", "York", "--on", "2026-01-01")
    r = mini("site", "merge", "Leds", "York", "--yes", code=2)
    assert r.stderr == ("Error: site 'York' was retired on 2026-01-01, so the records of 'Leds' "
                        "would stop counting: reinstate it first (scaletrack site reinstate "
                        "York), or merge into a site that is still taking part\n")
    mini("site", "merge", "Leds", "Leeds", "--yes")
    mini("site", "add", "Leeds Central")
    r = mini("site", "merge", "Leeds Central", "Leds", "--yes", code=2)
    assert r.stderr == ("Error: site 'Leds' was itself merged into 'Leeds': merge "
                        "'Leeds Central' into 'Leeds' instead\n")
    assert mini.count("site_changes") == 2  # the retirement and the one merge


def test_merge_asks_at_a_terminal_and_refuses_a_script_without_yes(mini, monkeypatch):
    from tracker.cli import confirm

    mini("site", "add", "Leds", "--force")
    mini("log", "Leds", "plan.a", "--on", "2026-01-05")
    r = mini("site", "merge", "Leds", "Leeds", code=2)
    assert r.stderr == ("Error: merging site 'Leds' (1 event and 0 plans) into 'Leeds' needs "
                        "confirming: run it at a terminal to be asked, or add --yes\n")
    monkeypatch.setattr(confirm, "at_terminal", lambda: True)
    r = mini.runner.invoke(__import__("tracker.cli", fromlist=["cli"]).cli,
                           ["site", "merge", "Leds", "Leeds"], input="n\n",
                           env={"SCALETRACK_DB": mini.url})
    assert r.exit_code == 0
    assert "Merge site 'Leds' (1 event and 0 plans) into 'Leeds'? [y/N]" in r.stderr
    assert "Nothing was merged." in r.stderr
    assert mini.rows("SELECT merged_into FROM sites WHERE name = 'Leds'") == [(None,)]
    r = mini.runner.invoke(__import__("tracker.cli", fromlist=["cli"]).cli,
                           ["site", "merge", "Leds", "Leeds"], input="y\n",
                           env={"SCALETRACK_DB": mini.url})
    assert r.exit_code == 0 and "Merged site 'Leds'" in r.stderr
    assert mini.rows("SELECT s.name FROM sites s JOIN sites t ON t.id = s.merged_into") == [
        ("Leds",)]


def test_a_chain_of_merges_counts_for_the_last_site(mini):
    mini("site", "add", "Leds", "--force")
    mini("site", "add", "Leeds City")
    mini("log", "Leds", "plan.a", "--on", "2026-01-05")
    mini("log", "Leeds", "plan.b", "--on", "2026-01-06")
    mini("site", "merge", "Leds", "Leeds", "--yes")
    mini("site", "merge", "Leeds", "Leeds City", "--yes")
    status = json.loads(mini("status", "--as-of", AS_OF, "--format", "json").stdout)
    assert [(s["site"], s["current_stage"]) for s in status["sites"]] == [
        ("Bradford", "plan"), ("Leeds City", "pilot"), ("York", "plan")]
    r = mini("site", "merge", "Bradford", "Leds", "--yes", code=2)
    assert "merge 'Bradford' into 'Leeds City' instead" in r.stderr
    # retiring the site kept checks the events of the sites merged into it
    r = mini("site", "retire", "Leeds City", "--on", "2026-01-06", code=2)
    assert "has events up to 2026-01-06" in r.stderr


def test_a_merge_survives_export_and_import_and_can_be_undone_there(mini, tmp_path):
    _two_sites_for_one_place(mini)
    mini("site", "merge", "Leds", "Leeds", "--yes", "--by", "kim")
    before = analyses(mini)
    out = tmp_path / "all.csv"
    r = mini("events", "export", "-o", str(out))
    assert r.stderr == (f"Exported 6 events, 4 sites (1 merged into another) and 1 plan to "
                        f"{out}\n")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",region,initiative_uid,site_uid,merged_into")
    merged = [line for line in lines if ",merged," in line]
    assert len(merged) == 1 and merged[0].startswith(
        f",Mini,mini,0.1,Leds,,,merged,,{TODAY},") and merged[0].endswith(",kim,,,,,,,,,Leeds")
    mini("initiative", "rename", "Mini", "Old Mini")
    mini("initiative", "create", "Mini", "--framework", "mini")
    r = mini("events", "import", str(out), "-i", "Mini")
    assert r.stderr == ("Imported 6 events (0 were already recorded); plans: 1 added, 0 already "
                        "recorded; new sites: Bradford, Leds, Leeds, York; sites merged: Leds "
                        "into Leeds.\n")
    assert analyses(mini, "-i", "Mini") == before
    # imported again: nothing added, the merge not made twice
    r = mini("events", "import", str(out), "-i", "Mini")
    assert r.stderr.startswith("Imported 0 events (6 were already recorded)")
    assert mini.rows("SELECT count(*) FROM site_changes c JOIN initiatives i ON "
                     "i.id = c.initiative_id WHERE i.name = 'Mini'") == [(1,)]
    mini("site", "unmerge", "Leds", "-i", "Mini")
    sites = json.loads(mini("site", "list", "-i", "Mini", "--format", "json").stdout)
    assert [(s["site"], s["events"]) for s in sites] == [
        ("Bradford", 1), ("Leds", 3), ("Leeds", 2), ("York", 0)]


def test_a_sheet_still_naming_the_merged_site_counts_for_the_kept_one(mini, tmp_path):
    mini("site", "add", "Leds", "--force")
    mini("site", "merge", "Leds", "Leeds", "--yes")
    path = tmp_path / "sheet.csv"
    path.write_text("site,checkpoint,occurred_on\nLeds,plan.a,2026-01-05\n"
                    "Leds,plan.b,2026-01-06\n", encoding="utf-8")
    r = mini("events", "import", str(path))
    assert r.stderr == ("Warning: line 2: site 'Leds' was merged into 'Leeds': its rows are "
                        "recorded under 'Leds' and count for 'Leeds'\n"
                        "Imported 2 events (0 were already recorded).\n")
    status = json.loads(mini("status", "--as-of", AS_OF, "--format", "json").stdout)
    assert [(s["site"], s["current_stage"]) for s in status["sites"]] == [
        ("Bradford", "plan"), ("Leeds", "pilot"), ("York", "plan")]
