"""Import matches sites by identity across renames (issue 23 item 4).

Re-importing an export taken before two sites swapped names used to put every
event on both sites.  It now adds nothing (every row is an event, plan or
retirement this database holds, on the site the name meant when it was
recorded), and a row that is not already held is refused with the reason.
"""

from __future__ import annotations

import csv
import time

import pytest


@pytest.fixture
def swapped(run, tmp_path):
    """Alpha and Beta with events, a plan and a retraction; exported; then swapped."""
    run("initiative", "create", "Swap", "--framework", "mini")
    run("site", "add", "Alpha")
    run("site", "add", "Beta")
    run("log", "Alpha", "plan.a", "--on", "2026-01-01")
    run("log", "Beta", "plan.b", "--on", "2026-01-02")
    run("log", "Alpha", "plan.b", "--on", "2026-01-03")
    run("plan", "Beta", "pilot", "--due", "2027-01-01", "--on", "2026-01-02")
    run("events", "retract", "3")
    before = tmp_path / "before.csv"
    run("events", "export", "-o", str(before))
    time.sleep(1.1)  # the renames are recorded after every row of the export
    run("site", "rename", "Alpha", "Tmp")
    run("site", "rename", "Beta", "Alpha")
    run("site", "rename", "Tmp", "Beta")
    return run, before


def _placed(run):
    return sorted(run.rows("SELECT e.id, s.name, e.checkpoint, e.kind FROM events e "
                           "JOIN sites s ON s.id = e.site_id WHERE e.kind <> 'plan'"))


SWAPPED = [(1, "Beta", "plan.a", "done"), (2, "Alpha", "plan.b", "done"),
           (3, "Beta", "plan.b", "done"), (5, "Beta", "plan.b", "retract")]


def test_an_export_from_before_a_swap_imports_onto_the_right_sites(swapped):
    run, before = swapped
    assert _placed(run) == SWAPPED
    r = run("events", "import", str(before))
    assert r.stderr.strip() == ("Imported 0 events (4 were already recorded); plans: 0 "
                                "added, 1 already recorded.")
    assert _placed(run) == SWAPPED  # nothing on both sites
    assert run.rows("SELECT s.name, p.stage FROM events p JOIN sites s "
                    "ON s.id = p.site_id WHERE p.kind = 'plan'") == [("Alpha", "pilot")]
    assert run.count("sites") == 2


def test_a_new_row_from_before_the_swap_is_refused_with_the_reason(swapped, tmp_path):
    run, before = swapped
    with open(before, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    extra = rows[-3][:]  # event 3 as exported: Alpha, before the swap
    assert extra[4] == "Alpha" and extra[7] == "done"
    extra[0], extra[6] = "", "plan.c"
    path = tmp_path / "more.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([*rows, extra])
    r = run("events", "import", str(path), code=2)
    message = r.stderr.strip()
    assert message.startswith(f"Error: {path}: 1 problem(s); nothing was imported:\n"
                              f"line {len(rows) + 1}: site 'Alpha' is the name the site now "
                              "called 'Beta' had when this row was recorded (")
    assert message.endswith("Write the site's name as it is now ('Beta' for that site) and "
                            "import again")
    assert _placed(run) == SWAPPED


def test_rows_written_after_the_swap_go_by_todays_names(swapped, tmp_path):
    run, _ = swapped
    path = tmp_path / "new.csv"
    path.write_text("site,checkpoint,occurred_on\nAlpha,plan.c,2026-01-04\n", encoding="utf-8")
    run("events", "import", str(path))
    assert run.rows("SELECT s.name FROM events e JOIN sites s ON s.id = e.site_id "
                    "WHERE e.checkpoint = 'plan.c'") == [("Alpha",)]
    after = tmp_path / "after.csv"
    run("events", "export", "-o", str(after))
    r = run("events", "import", str(after))
    assert r.stderr.strip() == ("Imported 0 events (5 were already recorded); plans: 0 "
                                "added, 1 already recorded.")
