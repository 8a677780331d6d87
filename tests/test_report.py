"""The report folder: exactly the expected files, and report.md naming the right sites."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from tracker.store.writes import add_site, create_initiative, log_event, set_plan

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
    assert "Wrote 8 files for 2026 Q2 (Apr-Jun 2026), as of 2026-06-30" in r.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "adoption.png", "compare.csv", "compare.png", "gaps.csv", "gaps.png", "report.md",
        "status.csv", "timeline.png"]
    md = (out / "report.md").read_text()
    lines = md.splitlines()
    assert lines[0] == "# Small: progress report, 2026 Q2 (Apr-Jun 2026)"
    assert "As of 2026-06-30. Framework: Mini test framework (mini, version 0.1). 4 sites." in md
    assert ("- 1 site completed a stage this period: A completed Pilot (pilot) on 2026-04-20."
            in lines)
    assert "- Stalled (no events for over 90 days): D." in lines
    assert ("- Key social care barriers (SCIE): C: recruitment and turnover of staff." in lines)
    assert "- B: blocked at plan.b: blocked since 2026-05-02" in lines
    assert "- Where things stand: 1 blocked, 0 overdue, 1 stalled." in lines
    standing = md.split("## Where things stand on 2026-06-30")[1].split("## ")[0]
    assert standing.splitlines() == [
        "", "", "Blocked checkpoints (1):", "",
        "- B: Plan (plan), B (plan.b): blocked since 2026-05-02", "",
        "Overdue plans (0):", "", "None.", "",
        "Stalled sites (1):", "",
        "- D: Plan (plan): no events for 149 days (last event 2026-02-01)", ""]
    assert "- D: stalled at plan: no events for 149 days (last event 2026-02-01)" in lines
    resolved = md.split("## Gaps resolved this period")[1].split("##")[0]
    assert "- A: open at pilot.e: not started" in resolved
    assert "B: open at plan.b" not in resolved  # blocked now, so not resolved
    for name in ("timeline.png", "gaps.png", "compare.png", "adoption.png", "status.csv",
                 "gaps.csv", "compare.csv"):
        assert f"({name})" in md
    gaps = list(csv.DictReader((out / "gaps.csv").open()))
    assert {"site": "B", "stage": "plan", "checkpoint": "plan.b", "kind": "blocked",
            "detail": "blocked since 2026-05-02"} in gaps
    status = list(csv.DictReader((out / "status.csv").open()))
    assert len(status) == 4 * 3


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


def test_nasss_report(store, run, tmp_path):
    from tracker.catalog import Catalog

    create_initiative(store, Catalog(), "Tech", "nasss")
    add_site(store, "Tech", "North")
    log_event(store, "Tech", "North", "condition.nature", rating="complex", on=D(2026, 5, 5))
    run("report", "-i", "Tech", "--quarter", "2026Q2", "--out", str(tmp_path / "n"))
    assert sorted(p.name for p in (tmp_path / "n").iterdir() if not p.name.startswith(".")) == [
        "compare.csv", "compare.png", "complexity.png", "gaps.csv", "gaps.png", "report.md",
        "status.csv"]


def test_empty_programme_says_so_in_the_summary(store, catalog, run, tmp_path):
    create_initiative(store, catalog, "Empty", "mini")
    run("report", "--quarter", "2026Q2", "--out", str(tmp_path / "e"))
    lines = (tmp_path / "e" / "report.md").read_text().splitlines()
    assert "- No sites yet, so nothing to report for this period." in lines
    assert "- Where things stand: 0 blocked, 0 overdue, 0 stalled." in lines
