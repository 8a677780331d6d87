"""events list and events export: streamed in bounded memory, safe on the terminal,
never clobbering a file on failure, and agreeing with the shipped Table Schema."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import threading
import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from tracker.exchange import COLUMNS, export, export_rows, write_export
from tracker.store.listing import LIST_COLUMNS, TABLE_COLUMNS, list_events
from tracker.store.schema import Event, FrameworkSnapshot, Initiative, Site
from tracker.store.initiatives import create_initiative
from tracker.store.retractions import retract_event
from tracker.store.sites import add_site
from tracker.store.writes import log_event, set_plan
from tracker.streamed import write_rows, write_tuples
from tracker.tables import render
from tracker.views import write_event_list

D = dt.date


@pytest.fixture
def filled(store, catalog):
    create_initiative(store, catalog, "Mini", "mini")
    add_site(store, "Mini", "Leeds", region="West", joined_on=D(2026, 1, 2))
    add_site(store, "Mini", "York")
    log_event(store, "Mini", "Leeds", "plan.a", on=D(2026, 1, 5),
              note="\x1b[2J\x1b]0;owned\x07cleared", evidence="bell\x07")
    wrong = log_event(store, "Mini", "York", "plan.a", on=D(2026, 2, 1)).event
    log_event(store, "Mini", "Leeds", "plan.b", on=D(2026, 3, 1), note="=SUM(A1)")
    retract_event(store, "Mini", wrong.id, "wrong site", "lead", on=D(2026, 4, 1))
    set_plan(store, "Mini", "Leeds", "pilot", D(2026, 9, 1), set_on=D(2026, 1, 10))
    return store


def test_table_shows_control_characters_escaped(filled, run):
    out = run("events", "list").stdout
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b[2J\\x1b]0;owned\\x07cleared" in out


def test_csv_and_json_listings_keep_the_data_exact(filled, run):
    rows = list(csv.DictReader(io.StringIO(run("events", "list", "--format", "csv").stdout)))
    assert rows[0]["note"] == "\x1b[2J\x1b]0;owned\x07cleared"
    assert rows[0]["evidence"] == "bell\x07"
    doc = json.loads(run("events", "list", "--format", "json").stdout)
    assert doc[0]["note"] == "\x1b[2J\x1b]0;owned\x07cleared"
    assert [r["kind"] for r in doc] == ["done", "plan", "done", "done", "retract"]
    assert doc[2]["retracted_by"] == doc[4]["id"]
    assert [(r["id"], r["checkpoint"], r["due_on"], r["in_force"]) for r in doc] == [
        (1, "plan.a", None, True), (5, "pilot", "2026-09-01", True),
        (2, "plan.a", None, False), (3, "plan.b", None, True), (4, "plan.a", None, True)]
    assert [r["in_force"] for r in rows] == ["True", "True", "False", "True", "True"]


def test_empty_site_filter_is_a_usage_error(filled, run):
    r = run("events", "list", "--site", "", code=2)
    assert r.stderr.strip() == "Error: --site is empty; give a site name (see 'scaletrack site list')"
    r = run("events", "list", "--site", "  ", code=2)
    assert "--site is empty" in r.stderr


def test_as_of_leaves_out_later_events_and_later_retractions(filled, run):
    doc = json.loads(run("events", "list", "--format", "json", "--as-of", "2026-03-01").stdout)
    assert [(r["occurred_on"], r["site"], r["retracted_by"]) for r in doc] == [
        ("2026-01-05", "Leeds", None), ("2026-01-10", "Leeds", None),
        ("2026-02-01", "York", None), ("2026-03-01", "Leeds", None)]
    assert all(r["in_force"] for r in doc)  # the retraction had not happened yet
    doc = json.loads(run("events", "list", "--format", "json", "--as-of", "2026-04-01",
                         "--site", "York").stdout)
    assert [r["kind"] for r in doc] == ["done", "retract"]
    assert doc[0]["retracted_by"] == doc[1]["id"]
    r = run("events", "list", "--since", "2026-05-01", "--as-of", "2026-04-01", code=2)
    assert r.stderr.strip() == ("Error: --since 2026-05-01 is after --as-of 2026-04-01; "
                                "nothing could be listed")


def test_streamed_output_is_what_render_writes(filled):
    rows = list(list_events(filled, "Mini"))
    for fmt, columns in (("csv", LIST_COLUMNS), ("json", LIST_COLUMNS),
                         ("table", TABLE_COLUMNS)):
        out = io.StringIO()
        assert write_rows(iter(rows), columns, fmt, out.write) == 5
        assert out.getvalue() == render(rows, columns, fmt)
    out = io.StringIO()
    write_rows(iter([]), LIST_COLUMNS, "json", out.write)
    assert out.getvalue() == "[]\n"


def test_table_takes_widths_from_the_first_batch_and_cuts_later_text():
    rows = [{"id": 9, "note": "short"}, {"id": 10, "note": "a much longer note here"},
            {"id": 1000, "note": None}]
    out = io.StringIO()
    write_rows(rows, ["id", "note"], "table", out.write, first_batch=1)
    assert out.getvalue().splitlines() == [
        "id  note", "--  -----", "9   short", "10  a ...", "1000  -"]


def test_export_says_what_it_wrote(filled, run, tmp_path):
    out = tmp_path / "events.csv"
    r = run("events", "export", "-o", str(out))
    assert r.stderr.strip() == f"Exported 4 events, 2 sites and 1 plan to {out}"
    kinds = [row["kind"] for row in csv.DictReader(out.open(encoding="utf-8"))]
    assert kinds == ["site", "site", "done", "done", "done", "retract", "plan"]
    rows = [json.loads(line) for line in
            run("events", "export", "--format", "jsonl").stdout.splitlines()]
    assert rows[2]["note"] == "\x1b[2J\x1b]0;owned\x07cleared"  # exact, never escaped
    assert rows[4]["note"] == "=SUM(A1)"  # JSON Lines is not formula-guarded
    assert next(csv.DictReader(out.open(encoding="utf-8"), ))["region"] == "West"
    assert "'=SUM(A1)" in out.read_text(encoding="utf-8")


def test_failed_export_leaves_an_existing_file_alone(filled, run, tmp_path):
    out = tmp_path / "keep.csv"
    out.write_text("precious\n", encoding="utf-8")
    r = run("events", "export", "-o", str(out), "-i", "Nope", code=2)
    assert r.stderr.startswith("Error: unknown initiative 'Nope'")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    r = run("events", "export", "-o", str(out), env={"SCALETRACK_DB": str(folder)}, code=2)
    assert r.stderr.startswith(f"Error: {folder} is a folder, not a database file")
    assert out.read_text(encoding="utf-8") == "precious\n"
    assert [f for f in os.listdir(tmp_path) if f.endswith(".part")] == []


def test_export_replaces_a_file_keeping_its_permissions(filled, run, tmp_path):
    out = tmp_path / "old.csv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o640)
    run("events", "export", "-o", str(out))
    assert out.read_text(encoding="utf-8").startswith("event_id,initiative,")
    assert out.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("excel", [False, True])
def test_export_validates_against_the_shipped_table_schema(filled, run, tmp_path, excel):
    frictionless = pytest.importorskip("frictionless")
    from tracker.exchange import schema

    out = tmp_path / "events.csv"
    run("events", "export", "-o", str(out), *(["--excel"] if excel else []))
    resource = frictionless.Resource(
        path="events.csv", basepath=str(tmp_path), encoding="utf-8-sig" if excel else "utf-8",
        schema=frictionless.Schema.from_descriptor(schema()))
    report = resource.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == 7


def test_schema_catches_a_duplicated_event_id(filled, run, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    from tracker.exchange import schema

    out = tmp_path / "events.csv"
    run("events", "export", "-o", str(out))
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(lines + [lines[-1]]), encoding="utf-8")
    report = frictionless.Resource(path="events.csv", basepath=str(tmp_path),
                                   schema=frictionless.Schema.from_descriptor(
        schema())).validate()
    assert [e.type for t in report.tasks for e in t.errors] == ["unique-error"]


def _grow(store, site_ids, start_id: int, n: int) -> None:
    """n more events, inserted in bulk: the point is their number, not their meaning."""
    rows = [{"id": start_id + i, "initiative_id": 1, "site_id": site_ids[i % len(site_ids)],
             "stage": "plan", "checkpoint": "plan.a", "kind": "done",
             "occurred_on": D(2024, 1, 1) + dt.timedelta(days=i % 700),
             "recorded_at": dt.datetime(2026, 1, 1), "recorded_by": "bench",
             "note": f"event number {start_id + i} with a note of some length", "source": "cli"}
            for i in range(n)]
    with store.engine.begin() as conn:
        conn.execute(insert(Event), rows)


class _Null:
    def write(self, text):
        return len(text)


def _peaks(store) -> list[int]:
    """tracemalloc's peak for each way of listing and exporting everything."""
    peaks = []
    for fmt in ("csv", "json", "table"):
        tracemalloc.start()
        write_event_list(store, "Mini", None, None, None, fmt, _Null().write)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    for fmt in ("csv", "jsonl"):
        tracemalloc.start()
        write_export(export_rows(store, "Mini"), _Null(), fmt)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return peaks


def test_listing_and_export_memory_stays_flat_as_the_log_grows(db_url, catalog):
    """On SQLite and on PostgreSQL, where the export reads through a server-side cursor."""
    from tracker.store import Store

    store = Store.open(db_url)
    try:
        create_initiative(store, catalog, "Mini", "mini")
        site_ids = [add_site(store, "Mini", f"Site {i}")[1].id for i in range(20)]
        _grow(store, site_ids, 1, 10_000)
        small = _peaks(store)
        _grow(store, site_ids, 10_001, 30_000)
        large = _peaks(store)
    finally:
        store.close()
    # four times the events: a list of them would need about four times the memory
    for label, s, big in zip(("list csv", "list json", "list table", "export csv",
                              "export jsonl"), small, large):
        assert big < 1.3 * s + 256_000, f"{label}: {s} bytes at 10,000, {big} at 40,000"


# -- the export's batch path writes exactly what row by row would ----------------------

AWKWARD = ["'=x", "''+y", "'plain", "-", "@home", "\tTab", "\rCR", "A", "0 staff", "9=",
           "x,\"y\"\nz", "Cymraeg: ŵ ŷ", "=1+1", "+44", " =not first", "zero\x7fwidth\u2028"]


@pytest.fixture
def awkward(store, catalog):
    """Events whose text starts with every character the formula guard cares about,
    one recorded at a time with a fraction of a second, and a site whose name needs it."""
    create_initiative(store, catalog, "Mini", "mini")
    add_site(store, "Mini", "Leeds", region="=West", joined_on=D(2026, 1, 2))
    add_site(store, "Mini", "-North")
    for i, text in enumerate(AWKWARD):
        log_event(store, "Mini", "-North" if i % 3 else "Leeds", "plan.a",
                  on=D(2026, 1, 1) + dt.timedelta(days=i), note=text,
                  evidence=AWKWARD[-1 - i] if i % 2 else None, by=text if i % 4 else "lead")
    log_event(store, "Mini", "Leeds", "health.funding", rating="amber", on=D(2026, 2, 1))
    set_plan(store, "Mini", "Leeds", "pilot", D(2026, 9, 1), set_on=D(2026, 1, 10),
             note="@plan")
    with store.engine.begin() as conn:
        conn.execute(insert(Event), [{
            "initiative_id": 1, "site_id": 1, "stage": "plan", "checkpoint": "plan.b",
            "kind": "done", "occurred_on": D(2026, 3, 1),
            "recorded_at": dt.datetime(2026, 3, 1, 12, 30, 45, 987654), "recorded_by": "x",
            "source": "=cli"}])
    return store


def _plain_rows(store) -> list[tuple]:
    """The export's rows built the plain way: ORM reads, dates formatted by Python."""
    def stamp(value):
        return value.isoformat(timespec="seconds") + "Z"

    with store.reading() as s:
        i = s.scalars(select(Initiative)).one()
        f = s.get(FrameworkSnapshot, i.framework_pk)
        head = (i.name, f.framework_id, f.version)
        sites = {x.id: x for x in s.scalars(select(Site).order_by(Site.id))}
        rows = [(None, *head, x.name, None, None, "site", None,
                 x.joined_on.isoformat() if x.joined_on else None, stamp(x.created_at),
                 None, None, None, None, None, None, x.region, i.uid, x.uid, None)
                for x in sites.values()]
        # a plan is a record with an id; its stage is not repeated as a checkpoint
        rows += [(e.id, *head, sites[e.site_id].name, e.stage,
                  None if e.kind == "plan" else e.checkpoint, e.kind, e.rating,
                  e.occurred_on.isoformat(), stamp(e.recorded_at), e.recorded_by, e.note,
                  e.evidence, e.retracts, e.source,
                  e.due_on.isoformat() if e.due_on else None, None, None, None, None)
                 for e in s.scalars(select(Event).order_by(Event.id))]
    return rows


@pytest.mark.parametrize("batch", [3, 2000])
def test_export_is_byte_for_byte_the_row_by_row_export(awkward, run, tmp_path, monkeypatch,
                                                      batch):
    monkeypatch.setattr(export, "BATCH", batch)  # batches that do and do not need the guard
    plain = _plain_rows(awkward)
    assert len(plain) == 2 + 1 + len(AWKWARD) + 2
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(export._plain_csv_row(r) for r in plain)
    path = tmp_path / "events.csv"
    run("events", "export", "-o", str(path))
    assert path.read_bytes() == out.getvalue().encode("utf-8")
    text = path.read_text(encoding="utf-8")
    assert "'=West" in text and ",'-North," in text and ",'''+y," in text and ",'plain," in text
    assert "2026-03-01T12:30:45Z" in text  # the fraction of a second cut off, as before
    run("events", "export", "--format", "jsonl", "-o", str(path))
    assert path.read_text(encoding="utf-8") == "".join(map(export._plain_json_line, plain))
    lines = path.read_text(encoding="utf-8").split("\n")  # not splitlines: U+2028 is kept
    assert [json.loads(x)["note"] for x in lines[2:2 + len(AWKWARD)]] == AWKWARD


def test_sqlite_keeps_dates_as_the_export_reads_them(sqlite_url, catalog, tmp_path):
    """The SQLite export takes dates as stored; this pins how SQLAlchemy stores them."""
    import sqlite3

    from tracker.store import Store

    store = Store.open(sqlite_url)
    try:
        create_initiative(store, catalog, "Mini", "mini")
        add_site(store, "Mini", "Leeds")
        log_event(store, "Mini", "Leeds", "plan.a", on=D(2026, 1, 5))
    finally:
        store.close()
    con = sqlite3.connect(tmp_path / "test.db")
    try:
        occurred, recorded = con.execute(
            "SELECT occurred_on, recorded_at FROM events").fetchone()
    finally:
        con.close()
    assert occurred == "2026-01-05"
    assert recorded[10] == " " and len(recorded) == 26 and recorded.endswith(".000000")
    assert dt.datetime.fromisoformat(recorded).microsecond == 0


_TEXT_CELL = st.one_of(st.none(), st.text(st.sampled_from("'=+-@\t\r\nAaz09 ,\"ŵ"), max_size=4))
_ROW = st.tuples(*[st.one_of(st.none(), st.integers(0, 10**6)) if c in ("event_id", "retracts")
                   else st.one_of(st.none(), st.dates().map(dt.date.isoformat))
                   if c in ("occurred_on", "recorded_at", "due_on") else _TEXT_CELL
                   for c in COLUMNS])


@settings(max_examples=300, deadline=None)
@given(st.lists(_ROW, max_size=12))
def test_batch_guard_and_json_lines_agree_with_row_by_row(rows):
    batch = list(rows)
    export._guard(batch)
    assert [list(r) for r in batch] == [export._plain_csv_row(r) for r in rows]
    assert export._json_lines(rows) == "".join(map(export._plain_json_line, rows))


def test_events_list_writes_what_render_writes(awkward):
    """The CLI's fast path (plain tuples) gives the bytes of the general one (dicts)."""
    rows = list(list_events(awkward, "Mini"))
    assert len(rows) == len(AWKWARD) + 3
    for fmt, columns in (("csv", LIST_COLUMNS), ("json", LIST_COLUMNS),
                         ("table", TABLE_COLUMNS)):
        out = io.StringIO()
        assert write_event_list(awkward, "Mini", None, None, None, fmt, out.write) == len(rows)
        assert out.getvalue() == render(rows, columns, fmt), fmt
    doc = json.loads(render(rows, LIST_COLUMNS, "json"))
    assert doc[-1]["recorded_at"] == "2026-03-01T12:30:45.987654"  # to the microsecond
    assert [d["note"] for d in doc[:len(AWKWARD) + 1] if d["kind"] != "plan"] == AWKWARD


_PLAIN = st.one_of(st.none(), st.integers(-10**12, 10**12),
                   st.text(st.sampled_from("'=\"\\\n\t\r,aZ9 ŵ\u2028\x1b\x00"), max_size=5))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_PLAIN, _PLAIN, _PLAIN), max_size=9), st.integers(1, 4))
def test_write_tuples_is_write_rows_for_plain_rows(rows, first_batch):
    columns = ("a", "b c", "d\"")
    for fmt in ("csv", "json", "table"):
        fast, general = io.StringIO(), io.StringIO()
        assert write_tuples(iter(rows), columns, fmt, fast.write, first_batch) == len(rows)
        write_rows([dict(zip(columns, r)) for r in rows], columns, fmt, general.write,
                   first_batch)
        assert fast.getvalue() == general.getvalue(), fmt


def test_server_export_reads_through_a_server_side_cursor(db_url, catalog):
    """tracemalloc cannot see what libpq holds, so on PostgreSQL check the cursor itself:
    halfway through, the server is being asked for the next batch, not the whole table."""
    if not db_url.startswith("postgresql"):
        pytest.skip("a matter for a database server: SQLite has no server-side cursor")
    from sqlalchemy import create_engine, text

    from tracker.store import Store

    store = Store.open(db_url)
    watcher = create_engine(db_url)
    try:
        create_initiative(store, catalog, "Mini", "mini")
        site_ids = [add_site(store, "Mini", "Leeds")[1].id]
        _grow(store, site_ids, 1, 3 * export.BATCH)
        rows = export_rows(store, "Mini")
        assert len([next(rows) for _ in range(export.BATCH + 2)]) == export.BATCH + 2
        with watcher.connect() as conn:
            asked = conn.execute(text("SELECT query FROM pg_stat_activity "
                                      "WHERE query LIKE 'FETCH%scaletrack_export%'")).scalars()
            assert f'FETCH FORWARD {export.BATCH} FROM "scaletrack_export"' in list(asked)
        assert sum(1 for _ in rows) == 2 * export.BATCH - 1  # the rest: one site, no plan
    finally:
        watcher.dispose()
        store.close()


class _FailingOut:
    """An output that breaks after some writes, as a full disk or a closed pipe does."""

    def __init__(self, writes: int):
        self.left = writes

    def write(self, text):
        self.left -= 1
        if self.left < 0:
            raise OSError(28, "No space left on device")
        return len(text)


def test_an_export_that_fails_while_writing_leaves_the_database_usable(db_url, catalog,
                                                                        monkeypatch):
    """On PostgreSQL the next batch is being fetched by a thread when writing fails: the
    export stops it, closes its cursor and hands the connection back in order."""
    from tracker.store import Store

    monkeypatch.setattr(export, "BATCH", 50)
    store = Store.open(db_url)
    try:
        create_initiative(store, catalog, "Mini", "mini")
        site_ids = [add_site(store, "Mini", f"Site {i}")[1].id for i in range(3)]
        _grow(store, site_ids, 1, 1_000)
        for _ in range(3):  # and again, on the same pool
            with pytest.raises(OSError, match="No space left"):
                write_export(export_rows(store, "Mini"), _FailingOut(5), "jsonl")
        assert [t for t in threading.enumerate() if t.name == "scaletrack-prefetch"] == []
        written = write_export(export_rows(store, "Mini"), _Null(), "csv")
        assert written == export.Exported(1_000, 3, 0)
        add_site(store, "Mini", "Site 3")  # writes still work
        assert write_export(export_rows(store, "Mini"), _Null(), "jsonl").sites == 4
    finally:
        store.close()
