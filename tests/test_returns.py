"""Quarterly returns: made per site for each framework, filled as a site lead would, imported.

Every test runs on SQLite and PostgreSQL (the ``run`` fixture).  Returns are made
for 2025 Q3 (July to September 2025), so their dates are in the past whatever day
the tests run; a return made today takes plan dates from today on.
"""

from __future__ import annotations

import datetime as dt

import pytest
from openpyxl import load_workbook

from returns_helpers import TODAY, at, fill, make, rows_of

Q = "2025Q3"
END = dt.date(2025, 9, 30)
PLAN_DUE = TODAY + dt.timedelta(days=120)

# framework: (a ticked checkpoint of the first stage or domain, or None; a rated one; level)
FRAMEWORKS = {
    "ihi-full-scale": ("set-up.target-defined", "adoption-mechanisms.leadership", "in place"),
    "expandnet-nine-steps": ("scalability.simplified", "scie-factors.evidence",
                             "facilitator"),
    "milat-four-steps": ("scalability-assessment.effectiveness", "scie-factors.staff-turnover",
                         "barrier"),
    "nasss": (None, "condition.nature", "complicated"),
}


def _programme(run, framework: str, name: str = "North") -> None:
    run("initiative", "create", name, "--framework", framework)
    run("site", "add", "Leeds", "--joined", "2025-04-01", "-i", name)
    run("site", "add", "Ynys Môn", "-i", name)


def _events(run) -> list[tuple]:
    return run.rows(
        "SELECT s.name, e.checkpoint, e.kind, e.rating, e.occurred_on, e.note, e.evidence, "
        "e.recorded_by, e.source FROM events e JOIN sites s ON s.id = e.site_id "
        "WHERE e.kind <> 'plan' ORDER BY e.id")


def _day(value) -> str:
    return value if isinstance(value, str) else value.isoformat()


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_returns_for_each_framework_fill_and_import_exactly(run, tmp_path, framework):
    _programme(run, framework)
    ticked, rated, level = FRAMEWORKS[framework]
    if ticked:  # a started checkpoint shows its state, and stays on the return
        run("log", "Leeds", ticked, "--status", "started", "--on", "2025-05-02")
    out = tmp_path / "returns"
    r = make(run, out, "--quarter", Q, "--contact", "Programme office, scaleup@example.org")
    assert "Wrote 2 return(s) for 2025 Q3 (Jul-Sep 2025), status as of 2025-09-30" in r.stderr
    leeds, mon = out / "Leeds-2025Q3.xlsx", out / "Ynys-Mon-2025Q3.xlsx"
    assert sorted(p.name for p in out.iterdir()) == [mon.name, leeds.name][::-1] or \
        sorted(p.name for p in out.iterdir()) == sorted([leeds.name, mon.name])
    rows = rows_of(leeds)
    cells = {at(rows, rated, "E"): level.upper(), at(rows, rated, "F"): dt.date(2025, 8, 14),
             at(rows, rated, "G"): "board paper"}
    expected = []
    if ticked:
        ws = load_workbook(leeds, read_only=True)["Return"]
        now = [r[3] for r in ws.iter_rows(min_row=rows[ticked], max_row=rows[ticked],
                                           values_only=True)][0]
        assert now == "started 2 May 2025"
        cells.update({at(rows, ticked, "E"): "done", at(rows, ticked, "F"): "31/08/2025",
                      at(rows, ticked, "H"): "https://example.org/minutes"})
        expected.append(("Leeds", ticked, "done", None, "2025-08-31", None,
                         "https://example.org/minutes", "Leeds site lead",
                         "return Leeds-2025Q3.xlsx"))
    expected.append(("Leeds", rated, "rated", level, "2025-08-14", "board paper", None,
                     "Leeds site lead", "return Leeds-2025Q3.xlsx"))
    if framework != "nasss":
        assert "Planned completion" in rows
        cells[at(rows, "Planned completion", "F")] = PLAN_DUE
    else:
        assert "Planned completion" not in rows  # domains have nothing to complete
    fill(leeds, cells, name="Leeds site lead")
    before = run.count()
    r = run("returns", "import", str(out))
    assert r.stderr.splitlines()[-1] == (
        f"Imported 2 return(s) into 'North': {len(expected)} event"
        f"{'s' if len(expected) > 1 else ''} (0 already recorded)"
        + (", 1 plan (0 already recorded)." if framework != "nasss" else "."))
    assert "Ynys Môn (Ynys-Mon-2025Q3.xlsx): no news" in r.stderr
    got = [tuple(_day(v) if i == 4 else v for i, v in enumerate(row)) for row in _events(run)]
    assert got[before:] == expected
    if framework != "nasss":
        stage = ticked.split(".")[0]
        assert [(s, st, _day(d), _day(o), by) for s, st, d, o, by in run.rows(
            "SELECT s.name, p.stage, p.due_on, p.occurred_on, p.recorded_by FROM events p "
            "JOIN sites s ON s.id = p.site_id WHERE p.kind = 'plan'")] == [
            ("Leeds", stage, PLAN_DUE.isoformat(), TODAY.isoformat(), "Leeds site lead")]
    # the same return again adds nothing
    r = run("returns", "import", str(leeds))
    assert r.stderr.splitlines()[-1].startswith(
        f"Imported 1 return(s) into 'North': 0 events ({len(expected)} already recorded)")
    assert len(_events(run)) == before + len(expected)
    # nor when it comes back with the name on its cover changed (or first filled in)
    fill(leeds, {}, name="Deputy site lead, Leeds")
    r = run("returns", "import", str(leeds))
    assert r.stderr.splitlines()[-1].startswith(
        f"Imported 1 return(s) into 'North': 0 events ({len(expected)} already recorded)")
    assert [row[7] for row in _events(run)[before:]] == ["Leeds site lead"] * len(expected)


def test_a_return_lists_what_the_site_has_left_and_each_rows_choices(run, tmp_path):
    _programme(run, "ihi-full-scale")
    run("log", "Leeds", "set-up.target-defined", "--on", "2025-05-01")
    run("plan", "Leeds", "set-up", "--due", "2025-12-31", "--on", "2025-06-01")
    make(run, tmp_path, "--quarter", Q, "--site", "Leeds")
    wb = load_workbook(tmp_path / "Leeds-2025Q3.xlsx")
    assert wb.sheetnames == ["Cover", "Return", "scaletrack"]
    assert wb["scaletrack"].sheet_state == "hidden"
    ws = wb["Return"]
    assert [c.value for c in ws[1]] == ["Checkpoint", "Stage", "What counts as done",
                                        "Status now", "New status or rating", "Date", "Note",
                                        "Evidence"]
    keys = [ws.cell(n, 1).value for n in range(2, ws.max_row + 1)]
    assert "set-up.target-defined" not in keys  # done: not asked again
    set_up = [k for k in keys if k.startswith("set-up.")]
    assert set_up and keys[len(set_up)] == "Planned completion"
    plan_row = len(set_up) + 2
    assert ws.cell(plan_row, 4).value == "planned for 31 Dec 2025"
    assert keys[len(set_up) + 1].startswith("scalable-unit.")  # the next stage
    assert not any(k.startswith(("test-of-scale-up.", "full-scale.")) for k in keys)
    assert keys[-22:][0] == "scie-factors.evidence" and len(
        [k for k in keys if k.startswith("scie-factors.")]) == 22
    assert ws.cell(2, 2).value == "Phase 1: Set-up (current stage)"
    # locked pre-filled cells, unlocked inputs, protection without a password
    assert ws.protection.sheet and not ws.protection.password
    for col in "ABCD":
        assert ws[f"{col}2"].protection.locked
    for col in "EFGH":
        assert not ws[f"{col}2"].protection.locked
    assert ws[f"E{plan_row}"].protection.locked and not ws[f"F{plan_row}"].protection.locked
    assert not wb["Cover"]["B13"].protection.locked and wb["Cover"].protection.sheet
    # each row's drop-down holds exactly what it takes; dates up to the period's end
    lists = {}
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            for (row, col) in ((r, c) for r in range(rng.min_row, rng.max_row + 1)
                               for c in range(rng.min_col, rng.max_col + 1)):
                lists[f"{'ABCDEFGH'[col - 1]}{row}"] = (dv.type, dv.operator, dv.formula1,
                                                        dv.formula2)
    assert lists["E2"] == ("list", None, '"done,started,blocked"', None)
    rated = keys.index("adoption-mechanisms.leadership") + 2
    assert lists[f"E{rated}"] == ("list", None, '"in place,partly in place,not in place"', None)
    factor = keys.index("scie-factors.evidence") + 2
    assert lists[f"E{factor}"] == ("list", None, '"facilitator,neutral,barrier"', None)
    assert lists["F2"] == ("date", "between", "DATE(2025,4,1)", "DATE(2025,9,30)")
    assert lists[f"F{plan_row}"] == ("date", "greaterThanOrEqual",
                                     f"DATE({TODAY.year},{TODAY.month},{TODAY.day})", None)
    assert f"E{plan_row}" not in lists
    cover = {wb["Cover"].cell(n, 1).value: wb["Cover"].cell(n, 2).value for n in range(3, 11)}
    assert cover["Site"] == "Leeds" and cover["Period"] == "2025 Q3 (Jul-Sep 2025)"
    assert cover["Latest date you can enter"] == "30 Sep 2025"


def test_every_mistake_is_reported_with_file_sheet_and_cell_and_nothing_is_written(
        run, tmp_path):
    _programme(run, "ihi-full-scale")
    run("site", "add", "York", "-i", "North")
    run("initiative", "create", "South", "--framework", "ihi-full-scale")
    run("site", "add", "Bath", "-i", "South")
    out, other = tmp_path / "north", tmp_path / "south"
    make(run, out, "--quarter", Q, "-i", "North")
    make(run, other, "--quarter", Q, "-i", "South")
    run("site", "retire", "York", "--on", "2025-10-01", "-i", "North")
    leeds = out / "Leeds-2025Q3.xlsx"
    rows = rows_of(leeds)
    ticked = [k for k in rows if k.startswith("set-up.")]
    fill(leeds, {
        at(rows, ticked[0], "E"): "finished", at(rows, ticked[0], "F"): "2025-08-01",
        at(rows, ticked[1], "E"): "in place", at(rows, ticked[1], "F"): "2025-08-01",
        at(rows, ticked[2], "E"): "done",
        at(rows, ticked[3], "E"): "done", at(rows, ticked[3], "F"): "03/08/2025",
        at(rows, "adoption-mechanisms.leadership", "E"): "done",
        at(rows, "adoption-mechanisms.leadership", "F"): dt.date(2025, 8, 1),
        at(rows, "adoption-mechanisms.communication", "E"): "in place",
        at(rows, "adoption-mechanisms.communication", "F"): TODAY + dt.timedelta(days=3),
        at(rows, "adoption-mechanisms.social-networks", "E"): "in place",
        at(rows, "adoption-mechanisms.social-networks", "F"): dt.date(2025, 3, 1),
        at(rows, "scie-factors.evidence", "E"): "barrier",
        at(rows, "scie-factors.evidence", "F"): dt.date(2025, 10, 15),
        at(rows, "scie-factors.planning", "C"): "We rewrote this",
        at(rows, "scie-factors.resources", "E"): "facilitator",  # a good row, not written
        at(rows, "scie-factors.resources", "F"): dt.date(2025, 7, 1)})
    york = out / "York-2025Q3.xlsx"
    bath = other / "Bath-2025Q3.xlsx"
    before = run.count()
    r = run("returns", "import", str(leeds), str(york), str(bath), "-i", "North", code=2)
    n = lambda key: rows[key]  # noqa: E731
    f = "Leeds-2025Q3.xlsx, sheet Return, cell"
    assert r.stderr.splitlines() == [
        "Error: 11 problem(s) in 3 return(s); nothing was imported:",
        f"{f} E{n(ticked[0])}: 'finished' is not a status {ticked[0]} takes: choose done, "
        "started or blocked",
        f"{f} E{n(ticked[1])}: 'in place' is a rating, but {ticked[1]} is ticked, not rated: "
        "choose done, started or blocked",
        f"{f} F{n(ticked[2])}: the date is empty; give the date it happened (a return does "
        "not date anything for you)",
        f"{f} F{n(ticked[3])}: '03/08/2025' is ambiguous: 3 August 2025 read day first (as "
        "in the UK) or 8 March 2025 read month first (as in the US); type it as 2025-08-03 "
        "(year, month, day) for 3 August 2025",
        f"{f} E{n('adoption-mechanisms.leadership')}: 'done' is a status, but "
        "adoption-mechanisms.leadership is rated: choose one of in place, partly in place, "
        "not in place",
        f"{f} F{n('adoption-mechanisms.communication')}: "
        f"{(TODAY + dt.timedelta(days=3)).isoformat()} is in the future (today is "
        f"{TODAY.isoformat()}); a return records what has happened",
        f"{f} F{n('adoption-mechanisms.social-networks')}: 2025-03-01 is before site 'Leeds' "
        "joined (2025-04-01)",
        f"{f} F{n('scie-factors.evidence')}: 2025-10-15 is after the end of this return's "
        "period (2025-09-30); record it in the next return",
        f"{f} C{n('scie-factors.planning')}: this cell was changed, but scaletrack fills it "
        "in and locks it (it said 'Planning for scaling. A facilitator when there is a plan "
        "for...'); put that back, or ask for a new return",
        "York-2025Q3.xlsx: is a return for site 'York', which was retired on 2025-10-01: a "
        "retired site's return is not imported (reinstate the site first if it came back)",
        "Bath-2025Q3.xlsx: is a return for initiative 'South', not 'North'; import it with "
        "-i \"South\""]
    assert run.count() == before


def test_text_and_real_dates(run, tmp_path):
    _programme(run, "milat-four-steps")
    make(run, tmp_path, "--quarter", Q, "--site", "Leeds")
    path = tmp_path / "Leeds-2025Q3.xlsx"
    rows = rows_of(path)
    keys = [k for k in rows if k.startswith("scalability-assessment.")][:4]
    fill(path, {at(rows, keys[0], "E"): "done", at(rows, keys[0], "F"): "31/08/2025",
                at(rows, keys[1], "E"): "Done ", at(rows, keys[1], "F"): "2025-08-30",
                at(rows, keys[2], "E"): "started", at(rows, keys[2], "F"):
                    dt.datetime(2025, 8, 29, 14, 30),
                at(rows, keys[3], "E"): "blocked", at(rows, keys[3], "F"): "1 Sep 2025"})
    run("returns", "import", str(path))
    assert [(c, k, _day(d)) for _, c, k, _, d, *_ in _events(run)] == [
        (keys[0], "done", "2025-08-31"), (keys[1], "done", "2025-08-30"),
        (keys[2], "started", "2025-08-29"), (keys[3], "blocked", "2025-09-01")]
