"""Returns across databases and programs: a move to another database, LibreOffice, file
names, text dates, and the uids migration."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess

import pytest

from conftest import Run
from returns_helpers import at, fill, make, rows_of
from tracker.returns.naming import file_names
from tracker.returns.textdates import NotADate, read_date

Q = "2025Q3"


def _source(tmp_path) -> Run:
    """A programme in a SQLite database of its own."""
    src = Run(f"sqlite:///{tmp_path / 'source.db'}")
    src("initiative", "create", "North", "--framework", "ihi-full-scale")
    src("site", "add", "Leeds City", "--joined", "2025-04-01")
    src("log", "Leeds City", "set-up.target-defined", "--on", "2025-05-01")
    return src


def test_a_return_made_before_a_move_to_another_database_imports_after_it(run, tmp_path):
    src = _source(tmp_path)
    make(src, tmp_path / "out", "--quarter", Q)
    path = tmp_path / "out" / "Leeds-City-2025Q3.xlsx"
    rows = rows_of(path)
    fill(path, {at(rows, "set-up.baseline", "E"): "done",
                at(rows, "set-up.baseline", "F"): dt.date(2025, 9, 1)}, name="Sam")
    # a fresh database with an initiative of the same name is another initiative
    run("initiative", "create", "North", "--framework", "ihi-full-scale")
    r = run("returns", "import", str(path), code=2)
    uid = src.rows("SELECT uid FROM initiatives")[0][0]
    mine = run.rows("SELECT uid FROM initiatives")[0][0]
    assert r.stderr.splitlines()[1] == (
        f"Leeds-City-2025Q3.xlsx: was made for initiative 'North' in another database "
        f"(identifier {uid}), not for 'North' of this one (identifier {mine}): an initiative "
        "of the same name elsewhere is another initiative; import it into the database it was "
        "made from (or the one its data were moved to with 'events export' and 'events "
        "import')")
    # the move: export, import into the fresh initiative, which takes the uids
    src("events", "export", "-o", str(tmp_path / "all.csv"))
    run("events", "import", str(tmp_path / "all.csv"))
    assert run.rows("SELECT uid FROM initiatives") == [(uid,)]
    assert run.rows("SELECT name, uid FROM sites") == src.rows("SELECT name, uid FROM sites")
    run("site", "rename", "Leeds City", "Leeds")  # renamed after the move: still found
    r = run("returns", "import", str(path))
    assert "Leeds (Leeds-City-2025Q3.xlsx, from Sam): 1 row with news: set-up.baseline done on " \
           "2025-09-01" in r.stderr
    assert [tuple(str(v) for v in row) for row in run.rows(
        "SELECT s.name, e.checkpoint, e.kind, e.occurred_on, e.recorded_by FROM events e "
        "JOIN sites s ON s.id = e.site_id ORDER BY e.id")] == [
        ("Leeds", "set-up.target-defined", "done", "2025-05-01", src.rows(
            "SELECT recorded_by FROM events")[0][0]),
        ("Leeds", "set-up.baseline", "done", "2025-09-01", "Sam")]


def test_an_initiative_with_sites_keeps_its_uid_on_import(run, tmp_path):
    src = _source(tmp_path)
    src("events", "export", "-o", str(tmp_path / "all.csv"))
    run("initiative", "create", "North", "--framework", "ihi-full-scale")
    run("site", "add", "York")
    mine = run.rows("SELECT uid FROM initiatives")[0][0]
    run("events", "import", str(tmp_path / "all.csv"))
    assert run.rows("SELECT uid FROM initiatives") == [(mine,)]


def test_an_old_export_without_uids_still_imports(run, tmp_path):
    old = tmp_path / "old.csv"
    old.write_text("initiative,site,checkpoint,kind,occurred_on,region\n"
                   "North,Leeds,,site,2025-04-01,West\n"
                   "North,Leeds,set-up.baseline,done,2025-05-01,\n", encoding="utf-8")
    run("initiative", "create", "North", "--framework", "ihi-full-scale")
    run("events", "import", str(old))
    ((uid,),) = run.rows("SELECT uid FROM sites")
    assert len(uid) == 36 and run.count() == 1


def test_a_malformed_uid_in_an_export_is_refused(run, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("site,kind,initiative_uid,site_uid\nLeeds,site,x,\n", encoding="utf-8")
    run("initiative", "create", "North", "--framework", "ihi-full-scale")
    r = run("events", "import", str(bad), code=2)
    assert "line 2: initiative_uid 'x' is not an identifier scaletrack writes" in r.stderr


def test_a_return_saved_by_libreoffice_imports(run, tmp_path):
    soffice = shutil.which("soffice")
    if soffice is None:
        if os.environ.get("CI") == "true":
            pytest.fail("soffice (Debian's libreoffice-calc) is missing; .ci/run installs it")
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc")
    run("initiative", "create", "North", "--framework", "nasss")
    run("site", "add", "Powys", "--joined", "2025-01-06")
    make(run, tmp_path / "out", "--quarter", Q)
    path = tmp_path / "out" / "Powys-2025Q3.xlsx"
    rows = rows_of(path)
    fill(path, {at(rows, "condition.nature", "E"): "complex",
                at(rows, "condition.nature", "F"): dt.date(2025, 7, 15),
                at(rows, "technology.material-features", "E"): "simple",
                at(rows, "technology.material-features", "F"): "16/07/2025",
                at(rows, "technology.material-features", "G"): "Médecins, café: ✓"},
         save_as=tmp_path / "filled.xlsx")
    saved = tmp_path / "saved"
    profile = (tmp_path / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(saved), str(tmp_path / "filled.xlsx")],
                   check=True, capture_output=True, timeout=180)
    r = run("returns", "import", str(saved / "filled.xlsx"))
    assert "Powys (filled.xlsx): 2 rows with news: condition.nature rated complex on " \
           "2025-07-15; technology.material-features rated simple on 2025-07-16" in r.stderr
    assert [tuple(str(v) for v in row) for row in run.rows(
        "SELECT checkpoint, rating, occurred_on, note FROM events ORDER BY id")] == [
        ("condition.nature", "complex", "2025-07-15", "None"),
        ("technology.material-features", "simple", "2025-07-16", "Médecins, café: ✓")]


def test_file_names_are_safe_everywhere_and_never_clash():
    names = file_names(["Ynys Môn", "Ynys Mon", "YNYS-MON", "Bath / NE Somerset", "CON",
                        'a:b*c?"<>|', "北京", "..", "x" * 300], "2025Q3")
    assert names[:8] == ["Ynys-Mon-2025Q3.xlsx", "Ynys-Mon-2-2025Q3.xlsx",
                         "YNYS-MON-3-2025Q3.xlsx", "Bath-NE-Somerset-2025Q3.xlsx",
                         "CON-2025Q3.xlsx", "a-b-c-2025Q3.xlsx", "site-2025Q3.xlsx",
                         "site-2-2025Q3.xlsx"]
    assert names[8] == "x" * 60 + "-2025Q3.xlsx"
    assert len({n.casefold() for n in names}) == len(names)


def test_make_writes_one_file_per_site_not_retired(run, tmp_path):
    run("initiative", "create", "North", "--framework", "milat-four-steps")
    run("site", "add", "Ynys Môn")
    run("site", "add", "Ynys Mon", "--force")
    run("site", "add", "Gone", "--joined", "2025-01-01")
    run("site", "retire", "Gone", "--on", "2025-02-01")
    make(run, tmp_path / "out", "--quarter", Q)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["Ynys-Mon-2-2025Q3.xlsx",
                                                          "Ynys-Mon-2025Q3.xlsx"]
    r = make(run, tmp_path / "x", "--site", "Gone", code=2)
    assert r.stderr.strip() == ("Error: site 'Gone' was retired on 2025-02-01: it makes no "
                                "more returns")
    (tmp_path / "y").mkdir()
    (tmp_path / "y" / "Ynys-Mon-2025Q3.xlsx").write_text("my own notes")
    r = make(run, tmp_path / "y", "--quarter", Q, code=2)
    assert "which is not a return; choose another folder (nothing was written)" in r.stderr
    assert (tmp_path / "y" / "Ynys-Mon-2025Q3.xlsx").read_text() == "my own notes"
    make(run, tmp_path / "out", "--quarter", Q)  # returns made before are replaced


@pytest.mark.parametrize("text, day", [
    ("31/12/2025", dt.date(2025, 12, 31)), ("2025-12-31", dt.date(2025, 12, 31)),
    ("31.12.2025", dt.date(2025, 12, 31)), ("31-12-2025", dt.date(2025, 12, 31)),
    ("4/4/2025", dt.date(2025, 4, 4)), ("2025/03/04", dt.date(2025, 3, 4)),
    ("31 Dec 2025", dt.date(2025, 12, 31)), ("1st September 2025", dt.date(2025, 9, 1)),
    (dt.datetime(2025, 1, 2, 23, 59), dt.date(2025, 1, 2))])
def test_dates_read(text, day):
    assert read_date(text) == day


@pytest.mark.parametrize("text, message", [
    ("03/04/2025", "'03/04/2025' is ambiguous: 3 April 2025 read day first (as in the UK) or "
                   "4 March 2025 read month first (as in the US); type it as 2025-04-03 (year, "
                   "month, day) for 3 April 2025"),
    ("31/12/25", "'31/12/25' is ambiguous: it has a two-digit year"),
    ("12/31/2025", "'12/31/2025' is not a day-first date (UK: day/month/year), as there is no "
                   "month 31"),
    ("30/02/2025", "'30/02/2025' is not a real date (no day 30 in month 2 of 2025)"),
    (45000, "45000 is a number, not a date"),
    ("soon", "'soon' is not a date")])
def test_dates_refused(text, message):
    with pytest.raises(NotADate) as exc:
        read_date(text)
    assert str(exc.value).startswith(message)


def test_the_uids_migration_gives_every_existing_row_its_own(run):
    from tracker.store import Store
    from tracker.store.migrate import downgrade, upgrade

    run("initiative", "create", "North", "--framework", "ihi-full-scale")
    run("initiative", "create", "South", "--framework", "nasss")
    for site in ("A", "B"):
        run("site", "add", site, "-i", "North")
    run("log", "A", "set-up.baseline", "-i", "North", "--on", "2025-01-02")
    store = Store.open(run.url, check=False)
    try:
        downgrade(store.engine, "0003")
        upgrade(store.engine, store.url)
    finally:
        store.close()
    uids = [u for (u,) in run.rows("SELECT uid FROM initiatives UNION ALL SELECT uid FROM sites")]
    assert len(uids) == 4 and len(set(uids)) == 4 and all(len(u) == 36 for u in uids)
    assert run.count() == 1


def test_files_that_are_not_returns_and_rows_that_record_nothing(run, tmp_path):
    from openpyxl import Workbook

    run("initiative", "create", "North", "--framework", "ihi-full-scale")
    run("site", "add", "Leeds")
    make(run, tmp_path / "out", "--quarter", Q)
    path = tmp_path / "out" / "Leeds-2025Q3.xlsx"
    rows = rows_of(path)
    fill(path, {at(rows, "set-up.baseline", "G"): "waiting for the data lead"})
    (tmp_path / "notes.txt").write_text("not a workbook")
    Workbook().save(tmp_path / "other.xlsx")
    r = run("returns", "import", str(path), str(tmp_path / "notes.txt"),
            str(tmp_path / "other.xlsx"), code=2)
    assert r.stderr.splitlines()[1:] == [
        "notes.txt: cannot be read as an .xlsx workbook; save it as Excel Workbook (.xlsx)",
        "other.xlsx: is not a scaletrack return (it has no hidden 'scaletrack' sheet); fill in "
        "the return scaletrack made, not a copy of its cells"]
    r = run("returns", "import", str(tmp_path / "out"))
    assert r.stderr.splitlines() == [
        f"Warning: Leeds-2025Q3.xlsx, sheet Return, cell E{rows['set-up.baseline']}: no new "
        "status or rating, so the date, note or evidence on this row is not recorded",
        "Leeds (Leeds-2025Q3.xlsx): no news",
        "Imported 1 return(s) into 'North': 0 events (0 already recorded)."]
    assert run.count() == 0


def test_many_returns_are_drawn_by_workers_each_for_its_own_site(run, tmp_path, monkeypatch):
    from openpyxl import load_workbook

    from tracker.returns import workbook

    monkeypatch.setattr(workbook, "PER_WORKER", 1)
    monkeypatch.setattr(workbook.os, "cpu_count", lambda: 2)
    run("initiative", "create", "North", "--framework", "nasss")
    for site in ("Alpha", "Beta", "Gamma"):
        run("site", "add", site)
    make(run, tmp_path / "out", "--quarter", Q)
    for site in ("Alpha", "Beta", "Gamma"):
        wb = load_workbook(tmp_path / "out" / f"{site}-2025Q3.xlsx", read_only=True)
        assert [r[1] for r in wb["scaletrack"].iter_rows(max_row=5, values_only=True)
                if r[0] == "site"] == [site]
    assert not [p for p in (tmp_path / "out").iterdir() if p.suffix != ".xlsx"]
