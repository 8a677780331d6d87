"""The report folder: exactly the expected files, and report.md naming the right sites."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from tracker.store.initiatives import create_initiative
from tracker.store.sites import add_site
from tracker.store.writes import log_event, set_plan

D = dt.date


@pytest.fixture
def quarter(store, catalog):
    """2026Q2 on 'mini'.  A reaches pilot in the quarter (its open pilot.e is resolved);
    B gets blocked; C rates a key SCIE factor a barrier; D falls silent and stalls."""
    create_initiative(store, catalog, "Small", "mini")
    for name in ("A", "B", "C", "D"):
        add_site(store, "Small", name)
    for cp, on in (("plan.a", D(2026, 1, 5)), ("plan.b", D(2026, 2, 1)),
                   ("pilot.d", D(2026, 3, 1)), ("pilot.e", D(2026, 4, 20))):
        log_event(store, "Small", "A", cp, on=on)
    log_event(store, "Small", "B", "plan.a", on=D(2026, 2, 10))
    log_event(store, "Small", "B", "plan.b", status="blocked", on=D(2026, 5, 2))
    log_event(store, "Small", "C", "plan.a", on=D(2026, 5, 20))
    log_event(store, "Small", "C", "scie-factors.staff-turnover", rating="barrier",
              on=D(2026, 6, 1))
    log_event(store, "Small", "D", "plan.a", on=D(2026, 2, 1))
    set_plan(store, "Small", "B", "pilot", D(2026, 8, 1), set_on=D(2026, 5, 1))
    return store


def test_report_folder_and_summary(quarter, run, tmp_path):
    out = tmp_path / "q2"
    r = run("report", "--quarter", "2026Q2", "--out", str(out))
    assert r.stdout.strip() == str(out)
    assert "Wrote 9 files for 2026 Q2 (Apr-Jun 2026), as of 2026-06-30" in r.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "adoption.png", "compare.csv", "compare.png", "gaps.csv", "gaps.png", "report.html",
        "report.md", "status.csv", "timeline.png"]
    md = (out / "report.md").read_text()
    lines = md.splitlines()
    assert lines[0] == "# Small: progress report, 2026 Q2 (Apr-Jun 2026)"
    assert lines[2] == "As of 2026-06-30. Framework: Mini test framework, version 0.1. 4 sites."
    glance = md.split("## At a glance\n\n")[1].split("\n\n")[0].splitlines()
    assert glance == [
        "- 4 sites in the programme on 2026-06-30 (previous quarter: 4).",
        "- 1 stage completed this quarter, by 1 site (previous quarter: 1).",
        "- Sites by stage now, with the previous quarter in brackets: 3 in Plan (3); "
        "0 in Pilot (1); 1 in Spread (0).",
        "- 3 sites need attention (previous quarter: 0): 1 blocked; 1 stalled; 1 with a key "
        "barrier.",
        "- 2 gaps closed and 6 opened this quarter; 8 open now (previous quarter: 5)."]
    attention = md.split("## Sites that need attention\n\n")[1].split("\n\n## ")[0]
    assert attention.splitlines()[2:] == [
        "- **B**",
        "  - **Blocked**: B (Plan), since 2026-05-02 (new this quarter)",
        "- **D**",
        "  - **Stalled**: no events since 2026-02-01 (more than 90 days), in Plan "
        "(new this quarter)",
        "- **C**",
        "  - **Key barrier**: Recruitment and turnover of staff, rated barrier on 2026-06-01 "
        "(new this quarter)"]
    assert "| A | Pilot | 2026-04-20 |" in lines
    closed = md.split("### Gaps closed\n\n")[1].split("\n\n")[0]
    # worded as what happened; B's plan.b is blocked now, so not resolved
    assert closed.splitlines() == ["- A completed E (Pilot) on 2026-04-20",
                                   "- C completed A (Plan) on 2026-05-20"]
    new = md.split("### New gaps\n\n")[1].split("\n\n## ")[0]
    assert new.splitlines()[2:] == ["- **A**", "  - F (Spread): not started",
                                    "  - G (Spread): not started",
                                    "  - H (Spread): not started"]
    # each site that needs attention is named once outside the tables and the lists of change
    before_detail = md.split("## Programme roll-up")[0]
    assert before_detail.count("**D**") == 1 and before_detail.count("**B**") == 1
    for name in ("timeline.png", "gaps.png", "compare.png", "adoption.png", "status.csv",
                 "gaps.csv", "compare.csv"):
        assert f"({name})" in md
    assert "stalled when nothing has been recorded for more than 90 days" in md
    gaps = list(csv.DictReader((out / "gaps.csv").open()))
    assert {"site": "B", "stage": "plan", "checkpoint": "plan.b", "kind": "blocked",
            "detail": "blocked since 2026-05-02"} in gaps
    status = list(csv.DictReader((out / "status.csv").open()))
    assert len(status) == 4 * 3


def test_stalled_after_is_an_option_of_report(quarter, run, tmp_path):
    run("report", "--quarter", "2026Q2", "--stalled-after", "200", "--out", str(tmp_path / "a"))
    md = (tmp_path / "a" / "report.md").read_text()
    assert "**D**" not in md and "1 stalled" not in md
    assert "stalled when nothing has been recorded for more than 200 days" in md
    r = run("report", "--quarter", "2026Q2", "--stalled-after", "-1", code=2)
    assert "--stalled-after" in r.stderr


def test_report_is_reproducible(quarter, run, tmp_path):
    run("report", "--quarter", "2026Q2", "--out", str(tmp_path / "one"))
    run("report", "--quarter", "2026Q2", "--out", str(tmp_path / "two"))
    for f in (tmp_path / "one").iterdir():
        assert f.read_bytes() == (tmp_path / "two" / f.name).read_bytes(), f.name


def test_financial_year_labels_and_default_folder(quarter, run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("report", "--quarter", "FY2026-27Q1")
    assert r.stdout.strip() == "report-FY2026-27Q1"
    md = (tmp_path / "report-FY2026-27Q1" / "report.md").read_text()
    assert md.startswith("# Small: progress report, 2026/27 Q1 (Apr-Jun 2026)")
    html = (tmp_path / "report-FY2026-27Q1" / "report.html").read_text()
    assert "<title>Small: progress report, 2026/27 Q1 (Apr-Jun 2026)</title>" in html


def test_nasss_report(store, run, tmp_path):
    from tracker.catalog import Catalog

    create_initiative(store, Catalog(), "Tech", "nasss")
    add_site(store, "Tech", "North")
    log_event(store, "Tech", "North", "condition.nature", rating="complex", on=D(2026, 5, 5))
    run("report", "-i", "Tech", "--quarter", "2026Q2", "--out", str(tmp_path / "n"))
    assert sorted(p.name for p in (tmp_path / "n").iterdir() if not p.name.startswith(".")) == [
        "compare.csv", "compare.png", "complexity.png", "gaps.csv", "gaps.png", "report.html",
        "report.md", "status.csv"]


def test_empty_programme_says_so_in_the_summary(store, catalog, run, tmp_path):
    create_initiative(store, catalog, "Empty", "mini")
    run("report", "--quarter", "2026Q2", "--out", str(tmp_path / "e"))
    md = (tmp_path / "e" / "report.md").read_text()
    assert "- No sites yet, so there is nothing to report for this period." in md.splitlines()
    assert "## Sites that need attention" not in md
    assert "blocked" not in md.split("## How to read")[0]
