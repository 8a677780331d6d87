"""Outputs are written whole or not at all (issue 23, item 1): files, report sets, stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA
from edge_helpers import env_for, file_size_limit, scaletrack
from tracker import outputs
from tracker.errors import OutputError, OutputRefused


def seed(run, notes: int = 0) -> None:
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Alpha")
    run("log", "Alpha", "plan.a", "--on", "2026-01-02")
    if notes:
        rows = ["site,checkpoint,status,rating,occurred_on,note,evidence"]
        rows += [f"Alpha,plan.b,note,,2026-01-03,note {i} {'x' * 80}," for i in range(notes)]
        path = Path(os.environ.get("TMPDIR", "/tmp")) / f"notes-{os.getpid()}-{id(run)}.csv"
        path.write_text("\n".join(rows) + "\n")
        try:
            run("events", "import", str(path))
        finally:
            path.unlink()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# -- the module itself ------------------------------------------------------------------------

def test_atomic_write_replaces_whole_and_keeps_the_mode(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    target.chmod(0o640)
    outputs.write_text(target, "new text")
    assert target.read_text() == "new text"
    assert target.stat().st_mode & 0o777 == 0o640
    assert leftovers(tmp_path) == []


def test_a_failure_inside_the_write_keeps_the_earlier_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with outputs.atomic(target, "w") as out:
            out.write("half")
            raise RuntimeError("stopped")
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_the_open_database_and_its_companions_are_never_outputs(tmp_path, suffix):
    db = tmp_path / "x.db"
    outputs.protect(db)
    with pytest.raises(OutputRefused, match="is the database scaletrack has open"):
        outputs.write_text(tmp_path / f"x.db{suffix}", "csv")
    # another spelling of the same path is the same file
    with pytest.raises(OutputRefused):
        outputs.check_target(tmp_path / "sub" / ".." / f"x.db{suffix}")


def test_a_link_is_refused_and_its_target_untouched(tmp_path):
    real = tmp_path / "real.png"
    real.write_bytes(b"precious")
    (tmp_path / "link.png").symlink_to(real)
    with pytest.raises(OutputRefused, match="is a symbolic link; scaletrack does not write "
                                            "through links"):
        outputs.write_bytes(tmp_path / "link.png", b"png")
    assert real.read_bytes() == b"precious"
    assert (tmp_path / "link.png").is_symlink()


def test_a_file_set_removes_only_its_own_earlier_files(tmp_path):
    first = outputs.FileSet(tmp_path, manifest=".set.json")
    for name in ("timeline-1.png", "timeline-2.png", "timeline-3.png", "report.md"):
        first.write_bytes(name, name.encode())
    first.commit()
    (tmp_path / "notes.txt").write_text("mine")  # the user's own file
    second = outputs.FileSet(tmp_path, manifest=".set.json")
    second.write_bytes("timeline.png", b"one page")
    second.write_bytes("report.md", b"new")
    assert second.commit() == [tmp_path / "report.md", tmp_path / "timeline.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".set.json", "notes.txt", "report.md", "timeline.png"]
    assert json.loads((tmp_path / ".set.json").read_text()) == {
        "files": ["report.md", "timeline.png"]}


def test_a_manifest_never_leads_outside_its_folder(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (tmp_path / "outside.txt").write_text("keep")
    (folder / ".set.json").write_text(json.dumps({"files": ["../outside.txt", "/etc/passwd",
                                                            ".hidden", 3]}))
    (folder / ".hidden").write_text("keep")
    s = outputs.FileSet(folder, manifest=".set.json")
    s.write_bytes("a.txt", b"a")
    s.commit()
    assert (tmp_path / "outside.txt").read_text() == "keep"
    assert (folder / ".hidden").read_text() == "keep"


def test_a_discarded_set_changes_nothing(tmp_path):
    (tmp_path / "report.md").write_text("earlier")
    with pytest.raises(RuntimeError):
        with outputs.FileSet(tmp_path, manifest=".set.json") as s:
            s.write_text("report.md", "new")
            raise RuntimeError
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]
    assert (tmp_path / "report.md").read_text() == "earlier"


# -- the command line --------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_export_refuses_to_write_over_the_database(run_sqlite, tmp_path, suffix):
    seed(run_sqlite)
    db = tmp_path / "test.db"
    before = db.read_bytes()
    r = run_sqlite("events", "export", "-o", str(tmp_path / f"test.db{suffix}"), code=2)
    assert r.stderr.startswith(f"Error: {tmp_path / f'test.db{suffix}'} is the database "
                               "scaletrack has open")
    assert db.read_bytes() == before
    assert run_sqlite.count() == 1


def test_chart_refuses_a_link(run, tmp_path):
    seed(run)
    target = tmp_path / "precious.txt"
    target.write_text("keep me")
    (tmp_path / "link.png").symlink_to(target)
    r = run("chart", "timeline", "--quarter", "2026Q1", "-o", str(tmp_path / "link.png"),
            code=2)
    assert "is a symbolic link; scaletrack does not write through links" in r.stderr
    assert target.read_text() == "keep me"
    assert leftovers(tmp_path) == []


def test_a_report_replaces_the_previous_reports_pages(run, tmp_path):
    seed(run)
    out = tmp_path / "r"
    earlier = outputs.FileSet(out, manifest=".scaletrack-report.json")
    for name in ("timeline-1.png", "timeline-2.png", "timeline-3.png"):
        earlier.write_bytes(name, b"old page")
    earlier.commit()
    (out / "my-notes.txt").write_text("not scaletrack's")
    run("report", "--quarter", "2026Q1", "--out", str(out))
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "adoption.png", "compare.csv", "compare.png", "gaps.csv", "gaps.png", "my-notes.txt",
        "report.html", "report.md", "status.csv", "timeline.png"]


@pytest.mark.slow
def test_a_report_on_a_full_disk_leaves_the_earlier_report(db_url, tmp_path):
    r = scaletrack(db_url, "initiative", "create", "Mini", "--framework", "mini")
    assert r.returncode == 0, r.stderr
    scaletrack(db_url, "site", "add", "Alpha")
    scaletrack(db_url, "log", "Alpha", "plan.a", "--on", "2026-01-02")
    out = tmp_path / "r"
    assert scaletrack(db_url, "report", "--quarter", "2026Q1", "--out", str(out)).returncode == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    scaletrack(db_url, "log", "Alpha", "plan.b", "--on", "2026-01-05")
    r = scaletrack(db_url, "report", "--quarter", "2026Q1", "--out", str(out),
                   preexec_fn=file_size_limit(40_000))
    assert r.returncode == 1
    err = r.stderr.decode()
    assert err.startswith(f"Error: cannot write {out}/") and "file-size limit" in err, err
    assert "the earlier file is unchanged" in err and "Traceback" not in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_export_to_a_file_on_a_full_disk_keeps_the_earlier_file(run, tmp_path):
    seed(run, notes=600)
    target = tmp_path / "events.csv"
    target.write_text("earlier export\n")
    r = scaletrack(run.url, "events", "export", "-o", str(target),
                   preexec_fn=file_size_limit(40_000))
    assert r.returncode == 1
    assert r.stderr.decode() == (f"Error: cannot write {target}: the file is larger than this "
                                 "system allows (file-size limit); the earlier file is "
                                 "unchanged\n")
    assert target.read_text() == "earlier export\n"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("args", [("events", "export", "--format", "jsonl"),
                                  ("events", "list", "--format", "json")], ids=" ".join)
def test_stdout_on_a_full_disk_is_an_error(run, tmp_path, args):
    seed(run, notes=600)
    with open(tmp_path / "out", "wb") as f:
        r = scaletrack(run.url, *args, stdout=f, stderr=subprocess.PIPE,
                       preexec_fn=file_size_limit(40_000))
    assert r.returncode == 1
    assert r.stderr.decode() == ("Error: cannot write to standard output: the file is larger "
                                 "than this system allows (file-size limit); the output is "
                                 "incomplete\n")


@pytest.mark.parametrize("args", [("events", "export"), ("events", "list", "--format", "json"),
                                  ("status",), ("events", "template")], ids=" ".join)
def test_a_closed_stdout_is_an_error(run, args):
    seed(run)
    r = subprocess.run([sys.executable, "-c", "import os, sys; os.close(1); "
                        "from tracker.cli import main; sys.argv[0] = 'scaletrack'; main()",
                        *args], env=env_for(run.url), stderr=subprocess.PIPE, stdout=None,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 1
    assert r.stderr.decode() == ("Error: cannot write to standard output: it is closed; "
                                 "the output is incomplete\n")


def test_a_closed_stdout_from_the_shell(run):
    seed(run)
    r = subprocess.run(f"'{sys.executable}' -m tracker events export >&-", shell=True,
                       env=env_for(run.url), stderr=subprocess.PIPE)
    assert r.returncode == 1
    assert b"Traceback" not in r.stderr
    assert r.stderr.decode().startswith("Error: cannot write to standard output: it is closed")


def test_a_broken_pipe_is_an_error(run):
    seed(run, notes=300)
    read, write = os.pipe()
    os.close(read)  # the reader has gone before anything is written
    try:
        r = subprocess.run([sys.executable, "-m", "tracker", "events", "list"],
                           env=env_for(run.url), stdout=write, stderr=subprocess.PIPE)
    finally:
        os.close(write)
    assert r.returncode == 1
    assert r.stderr.decode() == ("Error: cannot write to standard output: the program reading "
                                 "it stopped (broken pipe); the output is incomplete\n")


def test_an_ordinary_run_still_exits_0(run):
    seed(run)
    r = scaletrack(run.url, "events", "export", "--format", "jsonl")
    assert r.returncode == 0 and r.stderr == b""
    assert [json.loads(line)["checkpoint"] for line in r.stdout.splitlines()
            if json.loads(line)["kind"] == "done"] == ["plan.a"]


def test_the_upgrade_backup_is_named_bak_only_when_complete(sqlite_url, tmp_path, monkeypatch):
    from tracker.store import migrate

    db = tmp_path / "test.db"
    s = migrate  # noqa: F841
    from tracker.store import Store

    Store.open(sqlite_url).close()
    seen = []

    def copy_then_die(path, target):
        seen.append((target.name, sorted(p.name for p in tmp_path.glob("*.bak"))))
        target.write_bytes(b"partial")
        raise KeyboardInterrupt  # as good as kill -9 for what is left on disk

    monkeypatch.setattr(migrate, "_copy_sqlite", copy_then_die)
    with pytest.raises(KeyboardInterrupt):
        migrate.backup_sqlite(db)
    (name, baks), = seen
    assert name.startswith(".test.db.") and name.endswith(".bak." + name.split(".bak.")[1])
    assert name.endswith(".part") and baks == []
    assert sorted(p.name for p in tmp_path.iterdir() if "bak" in p.name) == []
    monkeypatch.undo()
    done = migrate.backup_sqlite(db)
    assert done.name.startswith("test.db.") and done.name.endswith(".bak")
    assert done.read_bytes()[:16] == b"SQLite format 3\x00"
