"""initiative rename and delete: a mistaken initiative can be put right, or taken away
after a complete export that brings it back with identical analyses."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

from conftest import DATA
from tracker.cli import cli

TODAY = dt.date.today().isoformat()
AS_OF = "2026-03-31"
TABLES = ("initiatives", "frameworks", "sites", "events", "site_changes",
          "initiative_changes")


@pytest.fixture
def two(run):
    """A mistaken 'Shared Lifes' with a full history, and another initiative beside it."""
    run("initiative", "create", "Shared Lifes", "--framework", "mini")
    run("initiative", "create", "Other", "--framework", "ihi-full-scale")
    run("site", "add", "Hull", "-i", "Other")
    run("log", "Hull", "set-up.baseline", "--on", "2026-01-02", "-i", "Other")
    for name, region in (("Leeds", "West"), ("Bradford", "West"), ("York", "North")):
        run("site", "add", name, "--region", region, "--joined", "2025-12-01",
            "-i", "Shared Lifes")
    run("site", "add", "Leds", "--force", "-i", "Shared Lifes")
    i = ("-i", "Shared Lifes")
    run("log", "Leeds", "plan.a", "--on", "2026-01-05", *i)
    run("log", "Leds", "plan.b", "--on", "2026-01-06", "--note", "=SUM(A1)", *i)
    run("log", "Bradford", "plan.a", "--on", "2026-01-07", *i)
    run("log", "Bradford", "plan.b", "--on", "2026-01-08", "--by", "kim", *i)
    run("events", "retract", "--last", "--by", "kim", *i)
    run("log", "York", "health.funding", "--rating", "red", "--on", "2026-01-09", *i)
    run("log", "York", "health.funding", "--rating", "amber", "--on", "2026-02-09", *i)
    run("plan", "Leeds", "pilot", "--due", "2026-03-01", "--on", "2026-01-10", *i)
    run("site", "merge", "Leds", "Leeds", "--yes", *i)
    run("site", "retire", "York", "--on", "2026-03-01", *i)
    return run


def analyses(run, name) -> dict:
    out = {cmd: json.loads(run(cmd, "--as-of", AS_OF, "--format", "json", "-i", name).stdout)
           for cmd in ("status", "gaps", "compare")}
    out["next"] = json.loads(run("next", "--format", "json", "-i", name).stdout)
    out["events"] = [{k: v for k, v in e.items() if k not in ("id", "retracts", "retracted_by",
                                                               "recorded_at")}
                     for e in json.loads(run("events", "list", "--format", "json", "-i",
                                             name).stdout)]
    return out


def rows_of(run, initiative_id: int) -> dict:
    return {t: run.rows(f"SELECT * FROM {t} WHERE initiative_id = :i ORDER BY id",
                        i=initiative_id)
            for t in ("sites", "events", "site_changes")}


# -- rename ----------------------------------------------------------------

def test_rename_then_the_old_name_is_refused_with_the_new_one(two):
    r = two("initiative", "rename", "shared lifes", "Shared Lives", "--by", "kim")
    assert r.stderr == ("Renamed initiative 'Shared Lifes' to 'Shared Lives'. Next: scaletrack "
                        "-i 'Shared Lives' status\n")
    r = two("status", "-i", "Shared Lifes", code=2)
    assert r.stderr == (f"Error: there is no initiative 'Shared Lifes': it was renamed to "
                        f"'Shared Lives' on {TODAY}; use -i 'Shared Lives'\n")
    r = two("-i", "shared lifes", "log", "Leeds", "plan.b", code=2)
    assert "it was renamed to 'Shared Lives'" in r.stderr
    two("log", "Leeds", "plan.b", "--on", "2026-01-11", "-i", "Shared Lives")
    two("initiative", "rename", "Shared Lives", "Shared Lives North")
    r = two("status", "-i", "Shared Lifes", code=2)
    assert r.stderr == (f"Error: there is no initiative 'Shared Lifes': it was renamed to "
                        f"'Shared Lives' on {TODAY}, and is now called 'Shared Lives North'; "
                        "use -i 'Shared Lives North'\n")
    rows = json.loads(two("initiative", "history", "Shared Lives North", "--format",
                          "json").stdout)
    assert [(r["change"], r["old"], r["new"], r["recorded_by"]) for r in rows][0] == (
        "renamed", "Shared Lifes", "Shared Lives", "kim")
    assert [r["new"] for r in rows] == ["Shared Lives", "Shared Lives North"]
    names = [r["name"] for r in json.loads(two("initiative", "list", "--format",
                                                "json").stdout)]
    assert names == ["Other", "Shared Lives North"]


def test_rename_refusals(two):
    r = two("initiative", "rename", "Shared Lifes", "other", code=2)
    assert r.stderr == "Error: an initiative called 'Other' already exists; choose another name\n"
    r = two("initiative", "rename", "Shared Lifes", "Shared Lifes", code=2)
    assert r.stderr == ("Error: initiative 'Shared Lifes' is already called that; nothing to "
                        "change\n")
    r = two("initiative", "rename", "Nope", "X", code=2)
    assert r.stderr.startswith("Error: unknown initiative 'Nope'")
    r = two("initiative", "rename", "Shared Lifes", "  ", code=2)
    assert r.stderr == "Error: the new initiative name is empty\n"
    assert two.count("initiative_changes") == 0


def test_an_export_from_before_a_rename_still_imports(two, tmp_path):
    out = tmp_path / "before.csv"
    two("events", "export", "-o", str(out), "-i", "Shared Lifes")
    two("initiative", "rename", "Shared Lifes", "Shared Lives")
    r = two("events", "import", str(out), "-i", "Shared Lives")
    assert r.stderr.startswith("Imported 0 events (7 were already recorded)")


# -- delete ----------------------------------------------------------------

def test_delete_writes_an_export_and_importing_it_brings_back_identical_analyses(two, tmp_path,
                                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = analyses(two, "Shared Lifes")
    other_id = two.rows("SELECT id FROM initiatives WHERE name = 'Other'")[0][0]
    other_before = rows_of(two, other_id)
    r = two("initiative", "delete", "Shared Lifes", "--yes")
    path = tmp_path / f"Shared-Lifes-deleted-{TODAY}.csv"
    assert r.stderr == (
        f"Exported 7 events, 4 sites (1 retired, 1 merged into another) and 1 plan to "
        f"{path.name}, then deleted initiative 'Shared Lifes'. To bring it back:\n"
        "  scaletrack initiative create 'Shared Lifes' --framework mini\n"
        f"  scaletrack events import {path.name} -i 'Shared Lifes'\n")
    assert path.read_text(encoding="utf-8").count("\n") == 1 + 7 + 4 + 1 + 1 + 1
    assert two.rows("SELECT name FROM initiatives") == [("Other",)]
    for table in ("sites", "events", "site_changes"):
        assert two.rows(f"SELECT count(*) FROM {table} WHERE initiative_id <> :i",
                        i=other_id) == [(0,)]
    assert rows_of(two, other_id) == other_before
    # the mini snapshot went with it; Other's stays
    assert two.rows("SELECT framework_id FROM frameworks") == [("ihi-full-scale",)]
    r = two("status", "-i", "Shared Lifes", code=2)
    assert r.stderr.startswith("Error: unknown initiative 'Shared Lifes'")
    # brought back
    two("initiative", "create", "Shared Lifes", "--framework", "mini")
    r = two("events", "import", str(path), "-i", "Shared Lifes")
    assert r.stderr.startswith("Imported 7 events (0 were already recorded); plans: 1 added")
    assert analyses(two, "Shared Lifes") == before
    # a second delete does not overwrite the first export
    two("initiative", "delete", "Shared Lifes", "--yes")
    assert (tmp_path / f"Shared-Lifes-deleted-{TODAY}-2.csv").exists()


def test_delete_needs_yes_or_the_name_typed_at_a_terminal(two, tmp_path, monkeypatch):
    from tracker.cli import confirm

    tmp_path = tmp_path / "here"
    tmp_path.mkdir()
    monkeypatch.chdir(tmp_path)
    counts = {t: two.count(t) for t in TABLES}
    r = two("initiative", "delete", "Shared Lifes", code=2)
    assert r.stderr == ("Error: deleting initiative 'Shared Lifes' (3 sites, 7 events) needs "
                        "confirming: run it at a terminal to type its name, or add --yes\n")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(confirm, "at_terminal", lambda: True)
    env = {"SCALETRACK_DB": two.url, "SCALETRACK_CATALOG": str(DATA)}
    r = two.runner.invoke(cli, ["initiative", "delete", "Shared Lifes"], input="Shared\n",
                          env=env)
    assert r.exit_code == 1
    assert "That is not the initiative's name; nothing was deleted." in r.stderr
    assert {t: two.count(t) for t in TABLES} == counts
    assert list(tmp_path.iterdir()) == []
    r = two.runner.invoke(cli, ["initiative", "delete", "Shared Lifes", "-o", "kept.csv"],
                          input="Shared Lifes\n", env=env)
    assert r.exit_code == 0, r.output
    assert "Type its name to confirm" in r.stderr
    assert (tmp_path / "kept.csv").exists()
    assert two.rows("SELECT name FROM initiatives") == [("Other",)]


def test_delete_refuses_an_existing_output_and_deletes_nothing(two, tmp_path):
    out = tmp_path / "mine.csv"
    out.write_text("keep me")
    counts = {t: two.count(t) for t in TABLES}
    r = two("initiative", "delete", "Shared Lifes", "--yes", "-o", str(out), code=2)
    assert r.stderr == f"Error: {out} exists already; give another file for the export " \
                       "(nothing was deleted)\n"
    assert out.read_text() == "keep me"
    r = two("initiative", "delete", "Shared Lifes", "--yes", "-o",
            str(tmp_path / "no" / "x.csv"), code=2)
    assert "there is no folder" in r.stderr
    assert {t: two.count(t) for t in TABLES} == counts


def test_delete_refuses_when_something_was_recorded_after_the_export(two, tmp_path,
                                                                     monkeypatch):
    """The export and the deletion must cover the same records: one logged in between
    leaves everything in place."""
    from tracker.exchange import deleting
    from tracker.store.writes import log_event

    real = deleting.write_durably

    def export_then_someone_logs(rows, path):
        written = real(rows, path)
        log_event(two_store[0], "Shared Lifes", "Leeds", "plan.c", on=dt.date(2026, 1, 20))
        return written

    from tracker.store import Store

    two_store = [Store.open(two.url)]
    monkeypatch.setattr(deleting, "write_durably", export_then_someone_logs)
    counts = {t: two.count(t) for t in TABLES}
    r = two("initiative", "delete", "Shared Lifes", "--yes", "-o", str(tmp_path / "x.csv"),
            code=2)
    two_store[0].close()
    assert r.stderr == ("Error: something was recorded in 'Shared Lifes' while it was being "
                        "exported, so nothing was deleted; run the command again\n")
    assert {t: two.count(t) for t in TABLES} == {**counts, "events": counts["events"] + 1}


def test_deletion_on_a_server_leaves_other_initiatives_free_while_it_runs(two, tmp_path,
                                                                          monkeypatch):
    """While the deleting transaction is open, another initiative can be logged to and
    read; the deleted rows go at once, in one commit."""
    if not two.url.startswith("postgresql"):
        pytest.skip("the locking this checks is PostgreSQL's")
    from tracker.store import Store, initiatives
    from tracker.store.writes import log_event
    from tracker.analysis.load import snapshot

    halfway, finish = threading.Event(), threading.Event()
    real = initiatives.fingerprint
    calls = []

    def pausing(session, initiative):
        calls.append(1)
        if len(calls) == 2:  # inside the deleting transaction, the initiative locked
            halfway.set()
            finish.wait(30)
        return real(session, initiative)

    monkeypatch.setattr(initiatives, "fingerprint", pausing)
    store = Store.open(two.url)
    done = {}

    def delete():
        from tracker.exchange.deleting import delete_initiative

        done["result"] = delete_initiative(store, "Shared Lifes", tmp_path / "x.csv")

    worker = threading.Thread(target=delete)
    worker.start()
    assert halfway.wait(30)
    other = Store.open(two.url)
    try:
        logged = log_event(other, "Other", "Hull", "set-up.governance", on=dt.date(2026, 1, 3))
        assert logged.site == "Hull"
        assert len(snapshot(other, "Other", dt.date(2026, 3, 31)).status.sites) == 1
        # done while the deletion still waits, its transaction open: nothing queued behind it
        assert worker.is_alive() and not finish.is_set()
    finally:
        finish.set()
        worker.join(30)
        other.close()
        store.close()
    assert done["result"].initiative == "Shared Lifes"
    assert two.rows("SELECT name FROM initiatives") == [("Other",)]
    assert two.rows("SELECT count(*) FROM events") == [(2,)]
