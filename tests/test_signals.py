"""Ctrl-C and SIGTERM (issue 23, item 3): one line, no traceback, no child left, nothing
written.  The command runs in its own process group; Ctrl-C is sent to the whole group, as a
terminal does, and SIGTERM to the process alone, as a service manager or `kill` does."""

from __future__ import annotations

import csv
import os
import signal

import pytest

from edge_helpers import interrupt, scaletrack

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif((os.cpu_count() or 1) < 2,
                                 reason="workers are forked only on two cores or more")]

SITES = 200  # enough pages that a report is still drawing 0.4 s after its workers start


def programme(url: str, tmp_path) -> None:
    assert scaletrack(url, "initiative", "create", "Big", "--framework",
                      "ihi-full-scale").returncode == 0
    path = tmp_path / "sites.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["site", "checkpoint", "status", "rating", "occurred_on", "note", "evidence"])
        for s in range(SITES):
            for cp in ("set-up.baseline", "set-up.target-defined"):
                w.writerow([f"Site {s:02d}", cp, "done", "", "2026-02-01", "", ""])
    r = scaletrack(url, "events", "import", str(path), "--add-sites")
    assert r.returncode == 0, r.stderr


def check_stopped(result, code: int) -> None:
    status, err, took, left = result
    assert status == code, err
    assert err == "Interrupted; nothing was written\n"
    assert took < 3.0
    assert left == []


@pytest.mark.parametrize("twice", [False, True], ids=["once", "twice"])
def test_ctrl_c_during_a_report(db_url, tmp_path, twice):
    programme(db_url, tmp_path)
    out = tmp_path / "report"
    for after in (0.0, 0.4):
        check_stopped(interrupt(db_url, ["report", "--quarter", "2026Q1", "--out", str(out)],
                                after, twice=twice), 130)
        assert not out.exists()  # no folder, no page, no temporary file


def test_sigterm_during_a_report_over_an_earlier_one(db_url, tmp_path):
    programme(db_url, tmp_path)
    out = tmp_path / "report"
    assert scaletrack(db_url, "report", "--quarter", "2026Q1", "--out", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    scaletrack(db_url, "log", "Site 00", "set-up.plan", "--on", "2026-03-01")
    check_stopped(interrupt(db_url, ["report", "--quarter", "2026Q1", "--out", str(out)], 0.2,
                            sig=signal.SIGTERM, to_group=False), 143)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def big_import(tmp_path) -> str:
    path = tmp_path / "big.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["site", "checkpoint", "status", "rating", "occurred_on", "note", "evidence"])
        for i in range(90_000):  # about 9 MB: read by a second process
            w.writerow([f"Site {i % SITES:02d}", "set-up.baseline", "note", "", "2026-02-01",
                        f"note {i} " + "y" * 50, ""])
    assert path.stat().st_size > 8 * 1024 * 1024
    return str(path)


@pytest.mark.parametrize("sig, to_group, code", [(signal.SIGINT, True, 130),
                                                 (signal.SIGTERM, False, 143)],
                         ids=["ctrl-c", "sigterm"])
def test_interrupting_a_large_import_writes_nothing(db_url, tmp_path, sig, to_group, code):
    from conftest import Run

    programme(db_url, tmp_path)
    run = Run(db_url)
    before = run.count()
    check_stopped(interrupt(db_url, ["events", "import", big_import(tmp_path)], 0.3, sig=sig,
                            to_group=to_group), code)
    assert run.count() == before == SITES * 2


def test_what_was_kept_is_said(tmp_path, monkeypatch):
    import logging

    from tracker import interrupts

    interrupts.install()
    try:
        assert interrupts.closing_line() == "Interrupted; nothing was written"
        interrupts.note_kept("report-2026Q1")
        assert interrupts.closing_line() == ("Interrupted; already finished and kept: "
                                             "report-2026Q1")
    finally:
        logging.disable(logging.NOTSET)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
