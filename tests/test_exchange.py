"""Export and import: documented columns, safe CSV, all-or-nothing, idempotent, round trip."""

from __future__ import annotations

import csv
import datetime as dt
import glob
import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker.exchange import COLUMNS, neutralise, restore, schema
from tracker.store.initiatives import create_initiative
from tracker.store.retractions import retract_event
from tracker.store.sites import add_site
from tracker.store.writes import log_event, set_plan

D = dt.date


@pytest.fixture(params=["inline", "background"])
def reader(request, monkeypatch):
    """Run an import's reading and checking in this process, or in a forked child as a
    large file's would be."""
    from tracker.exchange import background

    if request.param == "background":
        if not hasattr(os, "fork"):
            pytest.skip("no fork() on this platform: imports always read in-process")
        monkeypatch.setattr(background, "worth_it", lambda path: True)
    return request.param


@pytest.fixture
def filled(store, catalog):
    create_initiative(store, catalog, "Mini", "mini")
    add_site(store, "Mini", "Ystradgynlais", region="Powys", joined_on=D(2026, 1, 2))
    add_site(store, "Mini", "Llanfair Pwllgwyngyll")
    log_event(store, "Mini", "Ystradgynlais", "plan.a", on=D(2026, 1, 5), note="=SUM(A1:A9)",
              by="lead")
    log_event(store, "Mini", "Ystradgynlais", "plan.b", status="blocked", on=D(2026, 2, 5),
              note="-no data lead", evidence="@minutes")
    wrong = log_event(store, "Mini", "Llanfair Pwllgwyngyll", "plan.a", on=D(2026, 3, 1))
    retract_event(store, "Mini", wrong.event.id, "wrong site")
    log_event(store, "Mini", "Llanfair Pwllgwyngyll", "health.funding", rating="amber",
              on=D(2026, 3, 2), note="Cymraeg: ŵ ŷ")
    set_plan(store, "Mini", "Ystradgynlais", "pilot", D(2026, 5, 1), set_on=D(2026, 1, 10))
    return store


def test_schema_file_documents_every_column():
    doc = schema()
    assert tuple(f["name"] for f in doc["fields"]) == COLUMNS
    assert all(f["description"] for f in doc["fields"])


def test_csv_export_columns_and_safety(filled, run, tmp_path):
    out = tmp_path / "events.csv"
    r = run("events", "export", "-o", str(out), "--excel")
    assert r.stderr.strip() == f"Exported 5 events, 2 sites and 1 plan to {out}"
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS
    kinds = [r["kind"] for r in rows]
    assert kinds == ["site", "site", "done", "blocked", "done", "retract", "rated", "plan"]
    first = rows[2]
    assert (first["initiative"], first["framework_id"], first["framework_version"],
            first["site"], first["stage"], first["checkpoint"], first["occurred_on"],
            first["recorded_by"], first["note"]) == (
        "Mini", "mini", "0.1", "Ystradgynlais", "plan", "plan.a", "2026-01-05", "lead",
        "'=SUM(A1:A9)")
    assert first["recorded_at"].endswith("Z") and len(first["recorded_at"]) == 20
    assert (rows[3]["note"], rows[3]["evidence"]) == ("'-no data lead", "'@minutes")
    assert rows[5]["retracts"] == rows[4]["event_id"]
    assert rows[6]["note"] == "Cymraeg: ŵ ŷ"
    assert (rows[0]["region"], rows[0]["occurred_on"]) == ("Powys", "2026-01-02")
    # a plan is a record with an id of its own, its stage and no checkpoint
    assert (rows[7]["event_id"], rows[7]["stage"], rows[7]["checkpoint"], rows[7]["due_on"],
            rows[7]["occurred_on"]) == ("6", "pilot", "", "2026-05-01", "2026-01-10")


def test_jsonl_export_is_plain(filled, run):
    lines = run("events", "export", "--format", "jsonl").stdout.splitlines()
    rows = [json.loads(x) for x in lines]
    assert rows[2]["note"] == "=SUM(A1:A9)"  # JSON is for scripts: nothing neutralised
    assert set(rows[2]) == set(COLUMNS)
    r = run("events", "export", "--format", "jsonl", "--excel", code=2)
    assert "--excel is for CSV" in r.stderr


def test_neutralise_round_trips():
    for value in ("=1+1", "+44", "-3", "@x", "\tx", "\rx", "plain", "'quoted", ""):
        assert restore(neutralise(value)) == value


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_round_trip_gives_identical_analyses(filled, run, tmp_path, fmt, catalog, reader):
    from conftest import Run

    path = tmp_path / f"events.{fmt}"
    run("events", "export", "--format", fmt, "-o", str(path))
    (tmp_path / "other").mkdir()
    url = f"sqlite:///{tmp_path / 'other' / 'copy.db'}"
    other = Run(url)
    other("initiative", "create", "Mini", "--framework", "mini")
    r = other("events", "import", str(path))
    assert r.stderr.strip() == ("Imported 5 events (0 were already recorded); plans: 1 added, "
                                "0 already recorded; new sites: Llanfair Pwllgwyngyll, "
                                "Ystradgynlais.")
    for command in ("status", "gaps", "compare"):
        a = run(command, "--as-of", "2026-06-30", "--format", "json").stdout
        b = other(command, "--as-of", "2026-06-30", "--format", "json").stdout
        assert a == b, command
    again = other("events", "import", str(path))
    assert again.stderr.strip() == ("Imported 0 events (5 were already recorded); plans: 0 "
                                    "added, 1 already recorded.")
    assert other.count() == 6 and other.count("sites") == 2
    assert other.rows("SELECT count(*) FROM events WHERE kind = 'plan'") == [(1,)]
    notes = other.rows("SELECT note FROM events ORDER BY id")
    assert notes[0] == ("=SUM(A1:A9)",)


def test_a_large_import_builds_the_covering_index_once(filled, run, tmp_path, catalog,
                                                      monkeypatch, reader):
    """Past DEFER_AFTER rows a SQLite import drops the analyses' index and builds it
    again at the end, in the same transaction; a failed or dry run keeps it."""
    from sqlalchemy import event

    from conftest import Run
    from tracker import exchange
    from tracker.exchange import importing
    from tracker.store import Store, bulk

    monkeypatch.setattr(bulk, "DEFER_AFTER", 2)
    monkeypatch.setattr(importing, "BATCH", 2)
    path = tmp_path / "events.csv"
    run("events", "export", "-o", str(path))
    bad = tmp_path / "bad.csv"
    bad.write_text(path.read_text() + "Mini,mini,0.1,North,plan,plan.zz,done,,2026-01-01"
                   + "," * 8 + "\n")
    url = f"sqlite:///{tmp_path / 'copy.db'}"
    store = Store.open(url)
    create_initiative(store, catalog, "Mini", "mini")
    seen = []
    event.listen(store.engine, "before_cursor_execute",
                 lambda *a: seen.append(a[2].strip().split(" ON ")[0]) if "INDEX" in a[2] else None)
    index_sql = "SELECT sql FROM sqlite_master WHERE name = 'ix_events_site_checkpoint'"
    other = Run(url)
    before = other.rows(index_sql)
    assert before[0][0].startswith("CREATE INDEX ix_events_site_checkpoint")

    with pytest.raises(exchange.ImportProblems):
        exchange.import_file(store, "Mini", bad)
    exchange.import_file(store, "Mini", path, dry_run=True)
    assert seen == ["DROP INDEX ix_events_site_checkpoint"] * 2  # and rolled back
    assert other.rows(index_sql) == before and other.count() == 0

    seen.clear()
    result = exchange.import_file(store, "Mini", path)
    store.close()
    assert result.added == 5
    assert seen == ["DROP INDEX ix_events_site_checkpoint",
                    "CREATE INDEX ix_events_site_checkpoint"]
    assert other.rows(index_sql) == before
    assert other.rows("PRAGMA integrity_check") == [("ok",)]
    for command in ("status", "gaps", "compare"):
        a = run(command, "--as-of", "2026-06-30", "--format", "json").stdout
        assert other(command, "--as-of", "2026-06-30", "--format", "json").stdout == a


def write_csv(path, rows, header=("site", "checkpoint", "kind", "occurred_on", "rating",
                                  "event_id", "retracts", "note")):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def test_every_problem_is_listed_and_nothing_written(store, catalog, run, tmp_path, reader):
    create_initiative(store, catalog, "Mini", "mini")
    path = tmp_path / "bad.csv"
    write_csv(path, [
        ("North", "plan.a", "done", "2026-01-05", "", "1", "", ""),
        ("North", "plan.z", "done", "2026-01-05", "", "", "", ""),
        ("North", "plan.a", "done", "2026-02-30", "", "", "", ""),
        ("North", "health.funding", "rated", "2026-01-05", "purple", "", "", ""),
        ("", "plan.a", "done", "2026-01-05", "", "", "", ""),
        ("North", "plan.a", "retract", "2026-01-06", "", "", "7", ""),
        ("North", "plan.a", "finished", "2026-01-06", "", "", "", ""),
        ("North", "plan.a", "note", "2026-01-06", "", "", "", ""),
    ])
    r = run("events", "import", str(path), "--add-sites", code=2)
    assert r.stderr.splitlines() == [
        f"Error: {path}: 7 problem(s); nothing was imported:",
        "line 3: unknown checkpoint 'plan.z'; did you mean 'plan.c', 'plan.b' or 'plan.a'? "
        "(see 'scaletrack frameworks show mini')",
        "line 4: occurred_on '2026-02-30' is not a YYYY-MM-DD date",
        "line 5: 'purple' is not a level of health.funding; use one of: green, amber, red",
        "line 6: the site name is empty",
        "line 7: retracts event_id 7, which is not on an earlier line of this file",
        "line 8: unknown kind 'finished'; one of started, done, blocked, reopened, rated, "
        "note, retract, site, retired, plan, merged",
        "line 9: a note event needs a note",
    ]
    assert run.count() == 0 and run.count("sites") == 0


def test_file_of_another_initiative(store, catalog, run, tmp_path, reader):
    create_initiative(store, catalog, "Mini", "mini")
    create_initiative(store, catalog, "Other", "mini")
    path = tmp_path / "other.jsonl"
    path.write_text(json.dumps({"initiative": "Other", "site": "A", "checkpoint": "plan.a",
                                "kind": "done", "occurred_on": "2026-01-01"}) + "\n")
    r = run("events", "import", str(path), "-i", "Mini", code=2)
    assert ("line 1: this row belongs to initiative 'Other', not 'Mini' (choose it with -i)"
            in r.stderr)
    assert run.count() == 0


@pytest.mark.parametrize("content, message", [
    (b"\x00\x01\x02\xff\xfe garbage", "not UTF-8 text"),
    ("site,checkpoint,kind,occurred_on\nCaf\xe9,plan.a,done,2026-01-01\n".encode("latin-1"),
     "line 2: not UTF-8 text; save the file as UTF-8"),
    (b"", "the file is empty"),
    (b"site,checkpoint,kind,occurred_on\nNorth,plan.a,do", "line 2: 3 cells where the header "
                                                           "has 4"),
    (b'{"site": "North", "checkpoint": "plan.a", "kind": "done", "occ', "line 1: not valid "
                                                                         "JSON"),
    (b"name,when\nNorth,2026-01-01\n", "missing column(s) site; unknown column(s) "
                                         "'name', 'when'"),
])
def test_broken_files_get_a_clean_error(store, catalog, run, tmp_path, content, message, reader):
    create_initiative(store, catalog, "Mini", "mini")
    path = tmp_path / ("f.jsonl" if content.startswith(b"{") else "f.csv")
    path.write_bytes(content)
    r = run("events", "import", str(path), code=2)
    assert message in r.stderr
    assert "Traceback" not in r.output
    assert run.count() == 0


cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries({
    "site": cell, "checkpoint": st.one_of(cell, st.sampled_from(["plan.a", "health.funding"])),
    "kind": st.one_of(cell, st.sampled_from(["done", "rated", "retract", "site", "plan"])),
    "occurred_on": st.one_of(cell, st.just("2026-01-01")), "rating": cell, "retracts": cell,
    "event_id": cell, "stage": cell, "due_on": cell}), min_size=1, max_size=8),
    fmt=st.sampled_from(["csv", "jsonl"]))
def test_hostile_rows_never_crash(store, catalog, tmp_path_factory, rows, fmt):
    from tracker.errors import BadInput
    from tracker.exchange import import_file
    from tracker.store.queries import initiatives

    with store.reading() as session:
        if not initiatives(session):
            create_initiative(store, catalog, "Mini", "mini")
    path = tmp_path_factory.mktemp("h") / f"rows.{fmt}"
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    before = _count(store)
    try:
        import_file(store, "Mini", path)
    except BadInput:
        assert _count(store) == before  # all or nothing


def _count(store):
    from sqlalchemy import func, select

    from tracker.store.schema import Event

    with store.reading() as session:
        return session.scalar(select(func.count()).select_from(Event))


def test_progress_counts_every_byte_of_the_file(store, catalog, tmp_path, monkeypatch, reader):
    from tracker import exchange
    from tracker.exchange import importing

    create_initiative(store, catalog, "Mini", "mini")
    path = tmp_path / "ok.csv"
    write_csv(path, [(f"Site {i}", "plan.a", "done", "2026-01-05", "", "", "", "")
                     for i in range(300)])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    monkeypatch.setattr(importing, "BATCH", 100)
    heard = []
    result = exchange.import_file(store, "Mini", path,
                                  progress=lambda phase, n: heard.append((phase, n)),
                                  add_sites=True)
    assert result.added == 300
    assert heard == [("read", path.stat().st_size), ("finish", 0)]


@pytest.mark.parametrize("failure, message", [
    ("exit", "the process reading the file stopped unexpectedly (exit code 3); nothing was "
             "imported"),
    ("bug", "reading the file failed; nothing was imported:"),
])
def test_a_reader_that_dies_stops_the_import(store, catalog, run, tmp_path, monkeypatch,
                                             failure, message):
    """The forked reader crashing (or hitting a bug) is an error, and nothing is written."""
    from tracker.exchange import background
    from tracker.exchange.checking import Checker

    if not hasattr(os, "fork"):
        pytest.skip("no fork() on this platform")
    create_initiative(store, catalog, "Mini", "mini")
    path = tmp_path / "ok.csv"
    write_csv(path, [(f"Site {i}", "plan.a", "done", "2026-01-05", "", "", "", "")
                     for i in range(3000)] + [("Crash", "plan.a", "done", "2026-01-05", "", "", "", "")])
    row = Checker.row

    def dying(self, r):
        if r["site"] == "Crash":
            if failure == "exit":
                os._exit(3)
            raise RuntimeError("a bug in the checker")
        return row(self, r)

    monkeypatch.setattr(Checker, "row", dying)
    monkeypatch.setattr(background, "worth_it", lambda path: True)
    r = run("events", "import", str(path), code=1)
    assert r.stderr.startswith(f"Error: {message}")
    if failure == "bug":
        assert "RuntimeError: a bug in the checker" in r.stderr
    assert run.count() == 0 and run.count("sites") == 0


def test_dry_run_writes_nothing(store, catalog, run, tmp_path, reader):
    create_initiative(store, catalog, "Mini", "mini")
    path = tmp_path / "ok.csv"
    write_csv(path, [("North", "plan.a", "done", "2026-01-05", "", "", "", "")])
    r = run("events", "import", str(path), "--dry-run", "--add-sites")
    assert r.stderr.strip() == ("Dry run: 1 events checked, 1 would be added, 0 are already "
                                "recorded; new sites: North. Nothing was written.")
    assert run.count() == 0 and run.count("sites") == 0


def _read_so_far(path) -> int:
    """How far any process has read into ``path`` (from Linux's /proc), or -1 if none has
    it open."""
    furthest = -1
    for fd in glob.glob("/proc/[0-9]*/fd/*"):
        try:
            if os.readlink(fd) != str(path):
                continue
            _, _, pid, _, number = fd.split("/")
            with open(f"/proc/{pid}/fdinfo/{number}") as info:
                furthest = max(furthest, int(info.readline().split()[1]))  # "pos: N"
        except (OSError, ValueError, IndexError):
            continue
    return furthest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="watches the reader in /proc")
@pytest.mark.parametrize("rows", [100_000, 250_000], ids=["read-inline", "read-in-background"])
def test_a_killed_import_leaves_the_database_as_it_was(run_sqlite, tmp_path, rows):
    """Kill -9 the import half-way through the file: nothing of it is left, and a
    background reader (files over 8 MB) goes too."""
    run = run_sqlite
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "North")
    run("log", "North", "plan.a", "--on", "2026-01-01")
    path = tmp_path / "big.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(("site", "checkpoint", "kind", "occurred_on", "note"))
        for i in range(rows):
            w.writerow((f"Site {i % 50}", "plan.b", "started", "2026-02-01",
                        f"row {i} of a file large enough to take a while"))
    size = path.stat().st_size
    env = {**os.environ, "SCALETRACK_DB": run.url}
    proc = subprocess.Popen([sys.executable, "-m", "tracker", "events", "import", str(path)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None:  # until half the file is read
        if _read_so_far(path) > size // 2:
            break
        time.sleep(0.01)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 20
    while _read_so_far(path) >= 0 and time.time() < deadline:
        time.sleep(0.05)
    assert _read_so_far(path) == -1, "a reader process outlived the import"
    assert run.count() == 1 and run.count("sites") == 1
    assert run.rows("PRAGMA integrity_check") == [("ok",)]
    assert (tmp_path / "test.db").exists()
