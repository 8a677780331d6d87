"""Every command through the CLI: happy paths, and each bad input's message and exit code."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from conftest import DATA

from tracker.store import Store


@pytest.fixture
def mini(run):
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Alpha", "--region", "North", "--joined", "2026-01-01")
    run("site", "add", "Beta")
    return run


def test_frameworks_list_and_show(run):
    out = run("frameworks", "list").stdout
    for fid in ("nasss", "ihi-full-scale", "expandnet-nine-steps", "milat-four-steps",
                "scie-factors", "mini"):
        assert fid in out
    rows = json.loads(run("frameworks", "list", "--format", "json").stdout)
    assert {r["id"] for r in rows} >= {"nasss", "mini"}

    doc = json.loads(run("frameworks", "show", "nasss", "--format", "json").stdout)
    assert list(doc)[:5] == ["id", "title", "version", "kind", "citations"]
    first = doc["stages"][0]["checkpoints"][0]
    assert first == {"id": "condition.nature", "title": "Nature of the condition or need",
                     "guidance": first["guidance"], "scale": ["simple", "complicated", "complex"],
                     "optional": False, "key": False,
                     "source": {"ref": "greenhalgh2017",
                                "locator": "sub-domain 1A, 'nature of the condition or illness'"}}
    assert doc["checklists"][-1]["id"] == "scie-factors"
    ihi = json.loads(run("frameworks", "show", "ihi-full-scale", "--format", "json").stdout)
    assert ihi["stages"][0]["checkpoints"][0]["scale"] is None
    text = run("frameworks", "show", "ihi-full-scale").stdout
    assert "set-up.baseline" in text and "Barker PM" in text
    scie = json.loads(run("frameworks", "show", "scie-factors", "--format", "json").stdout)
    assert scie["kind"] == "checklist" and len(scie["checklists"][0]["checkpoints"]) == 22


def test_frameworks_show_unknown(run):
    r = run("frameworks", "show", "nass", code=2)
    assert r.stderr.strip() == ("Error: unknown framework 'nass'; did you mean 'nasss'? "
                                "(see 'scaletrack frameworks list')")


def test_frameworks_validate(run, tmp_path):
    assert run("frameworks", "validate", str(DATA / "mini.toml")).stdout.startswith(
        f"{DATA / 'mini.toml'}: ok (mini 0.1, 3 stages, 9 checkpoints)")
    bad = tmp_path / "bad.toml"
    bad.write_text((DATA / "mini.toml").read_text().replace('version = "0.1"', 'version = "x"')
                   .replace('guidance = "b done"', ''), encoding="utf-8")
    r = run("frameworks", "validate", str(bad), str(DATA / "mini.toml"), code=1)
    lines = r.stdout.splitlines()
    assert lines[0] == f"{bad}:5: version: bad version 'x': write it as a quoted number like \"1.0\" or \"1.2.0\""
    assert lines[1] == f"{bad}:23: stages[0].checkpoints[1]: missing guidance: say in one line what counts as done"
    assert lines[2].endswith("ok (mini 0.1, 3 stages, 9 checkpoints)")


def test_initiative_create_and_list(run):
    r = run("initiative", "create", "Shared Lives", "--framework", "ihi-full-scale",
            "--description", "spread", "--started", "2025-04-01")
    assert "Created initiative 'Shared Lives'" in r.stderr and r.stdout == ""
    rows = json.loads(run("initiative", "list", "--format", "json").stdout)
    assert rows == [{"name": "Shared Lives", "framework": "ihi-full-scale", "version": "2.0",
                     "sites": 0, "events": 0, "started": "2025-04-01", "description": "spread"}]


def test_initiative_errors(run):
    r = run("initiative", "create", "X", "--framework", "ihi", code=2)
    assert r.stderr.startswith("Error: unknown framework 'ihi'")
    run("initiative", "create", "Shared Lives", "--framework", "nasss")
    r = run("initiative", "create", "shared lives", "--framework", "nasss", code=2)
    assert r.stderr.strip() == ("Error: an initiative called 'Shared Lives' already exists; "
                                "choose another name")
    r = run("initiative", "create", "Y", "--framework", "nasss", "--started", "2025-13-01", code=2)
    assert r.stderr.strip() == "Error: --started '2025-13-01' is not a real date (check the month and day)"
    assert run.count("initiatives") == 1


def test_sites(mini):
    rows = json.loads(mini("site", "list", "--format", "json").stdout)
    assert rows == [{"site": "Alpha", "region": "North", "joined": "2026-01-01", "retired": None,
                     "events": 0},
                    {"site": "Beta", "region": None, "joined": None, "retired": None,
                     "events": 0}]
    r = mini("site", "add", "ALPHA", code=2)
    assert r.stderr.strip() == ("Error: initiative 'Mini' already has a site called 'Alpha' "
                                "(site names ignore case)")
    r = mini("site", "add", "Gamma", "--joined", "1st May", code=2)
    assert r.stderr.strip() == ("Error: --joined '1st May' is not a date: write it as "
                                "YYYY-MM-DD, e.g. 2026-03-31")
    assert mini.count("sites") == 2


def test_log_happy_paths_record_rows(mini):
    r = mini("log", "Alpha", "plan.a", "--on", "2026-02-03", "--note", "agreed", "--evidence",
             "minutes", "--by", "lead")
    assert r.stderr.strip() == "Logged event 1: Alpha, plan.a done on 2026-02-03"
    mini("log", "alpha", "b", "--status", "blocked", "--on", "2026-02-04")  # bare id, any case
    mini("log", "Beta", "health.funding", "--rating", "AMBER", "--on", "2026-02-05")
    mini("log", "Beta", "health.funding", "--status", "note", "--note", "bid submitted")
    rows = mini.rows("SELECT site_id, stage, checkpoint, kind, rating, "
                     "CAST(occurred_on AS VARCHAR(10)), recorded_by, note, evidence, source "
                     "FROM events ORDER BY id")
    assert rows[0] == (1, "plan", "plan.a", "done", None, "2026-02-03", "lead", "agreed",
                       "minutes", "cli")
    assert rows[1][2:6] == ("plan.b", "blocked", None, "2026-02-04")
    assert rows[2][2:5] == ("health.funding", "rated", "amber")
    assert rows[3][3] == "note"


@pytest.mark.parametrize("args, message", [
    (["Gamma", "plan.a"], "Error: unknown site 'Gamma'; known sites: Alpha, Beta "
                          "(add it with 'scaletrack site add NAME')"),
    (["Alpha", "plan.x"], "Error: unknown checkpoint 'plan.x'; did you mean 'plan.c', 'plan.b' "
                          "or 'plan.a'? (see 'scaletrack frameworks show mini')"),
    (["Alpha", "plan.a", "--rating", "green"],
     "Error: checkpoint plan.a is ticked, not rated: use --status with one of: started, done, "
     "blocked, reopened (or no option for done)"),
    (["Alpha", "health.funding"],
     "Error: checkpoint health.funding is rated, not ticked: use --rating with one of: green, "
     "amber, red"),
    (["Alpha", "health.funding", "--rating", "purple"],
     "Error: 'purple' is not a level of health.funding; use one of: green, amber, red"),
    (["Alpha", "plan.a", "--on", "2026-02-30"],
     "Error: --on '2026-02-30' is not a real date (check the month and day)"),
    (["Alpha", "plan.a", "--on", "03/02/2026"],
     "Error: --on '03/02/2026' is not a date: write it as YYYY-MM-DD, e.g. 2026-03-31"),
    (["Alpha", "plan.a", "--status", "note"], "Error: a note event needs --note TEXT"),
])
def test_log_errors(mini, args, message):
    r = mini("log", *args, code=2)
    assert r.stderr.strip() == message
    assert "Traceback" not in r.output
    assert mini.count() == 0


def test_events_list_and_retract(mini):
    mini("log", "Alpha", "plan.a", "--on", "2026-02-03")
    mini("log", "Beta", "plan.a", "--on", "2026-01-03")
    r = mini("events", "retract", "1", "--reason", "wrong site")
    assert r.stderr.strip() == "Retracted event 1 (retraction is event 3)"
    rows = json.loads(mini("events", "list", "--format", "json").stdout)
    assert [(e["id"], e["site"], e["kind"], e["retracts"], e["retracted_by"]) for e in rows] == [
        (2, "Beta", "done", None, None), (1, "Alpha", "done", None, 3),
        (3, "Alpha", "retract", 1, None)]
    only_beta = json.loads(mini("events", "list", "--site", "beta", "--format", "json").stdout)
    assert [e["id"] for e in only_beta] == [2]
    since = json.loads(mini("events", "list", "--since", "2026-02-01", "--format", "json").stdout)
    assert [e["id"] for e in since] == [1, 3]

    r = mini("events", "retract", "1", code=2)
    assert r.stderr.startswith("Error: record 1 is already retracted, by record 3 (recorded ")
    assert r.stderr.rstrip().endswith("; to make it count again, retract record 3")
    r = mini("events", "retract", "99", code=2)
    assert r.stderr.strip() == "Error: there is no record 99; see 'scaletrack events list'"
    assert mini.count() == 3
    # a retracted event no longer counts
    doc = json.loads(mini("status", "--format", "json").stdout)
    assert doc["sites"][0]["stages"][0]["done"] == 0
    # retracting the retraction makes it count again; the log keeps all three
    r = mini("events", "retract", "3", "--reason", "it was Alpha after all")
    assert r.stderr.strip() == ("Retracted retraction 3: record 1 counts again "
                                "(retraction is event 4)")
    doc = json.loads(mini("status", "--format", "json").stdout)
    assert doc["sites"][0]["stages"][0]["done"] == 1
    rows = json.loads(mini("events", "list", "--format", "json").stdout)
    assert [(e["id"], e["retracts"], e["retracted_by"], e["in_force"]) for e in rows] == [
        (2, None, None, True), (1, None, 3, True), (3, 1, 4, False), (4, 3, None, True)]
    # and retracting event 1 again retracts the restoring record
    r = mini("events", "retract", "1")
    assert r.stderr.strip() == ("Retracted record 1 again, by retracting record 4, which had "
                                "restored it (retraction is event 5)")
    doc = json.loads(mini("status", "--format", "json").stdout)
    assert doc["sites"][0]["stages"][0]["done"] == 0
    assert mini.rows("SELECT id, retracts FROM events WHERE kind = 'retract' ORDER BY id") == [
        (3, 1), (4, 3), (5, 4)]


def test_retract_event_of_another_initiative(mini):
    mini("log", "Alpha", "plan.a")
    mini("initiative", "create", "Other", "--framework", "mini")
    r = mini("events", "retract", "1", "-i", "Other", code=2)
    assert r.stderr.strip() == ("Error: record 1 belongs to initiative 'Mini', not 'Other'; "
                                "choose it with -i")


def test_choosing_among_initiatives(mini):
    mini("initiative", "create", "Other", "--framework", "nasss")
    r = mini("status", code=2)
    assert r.stderr.strip() == ("Error: this database holds 2 initiatives (Mini, Other): choose "
                                "one with -i NAME or SCALETRACK_INITIATIVE")
    r = mini("status", "-i", "Othr", code=2)
    assert r.stderr.strip() == ("Error: unknown initiative 'Othr'; did you mean 'Other'? "
                                "(see 'scaletrack initiative list')")
    assert "Alpha" in mini("status", "-i", "mini").stdout
    assert "Alpha" in mini("status", env={"SCALETRACK_INITIATIVE": "Mini"}).stdout


def test_no_initiative_yet(run):
    Store.open(run.url).close()  # a scaletrack database, with no initiative in it
    r = run("site", "add", "Alpha", code=2)
    assert r.stderr.strip() == ("Error: there are no initiatives yet: create one with "
                                "'scaletrack initiative create NAME --framework ID'")


def test_unwritable_database_path(run_sqlite, tmp_path):
    run = run_sqlite
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    r = run("initiative", "create", "X", "--framework", "mini", code=1,
            env={"SCALETRACK_DB": str(blocker / "sub" / "x.db")})
    assert r.stderr.startswith(f"Error: cannot create the folder for the database at {blocker}")
    assert "choose another place with --db PATH" in r.stderr


def test_file_that_is_not_a_database(run_sqlite, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not a database\n" * 20)
    r = run_sqlite("status", code=1, env={"SCALETRACK_DB": str(text)})
    assert r.stderr.strip() == (f"Error: {text} is not a database (its first bytes are not "
                                "SQLite's); scaletrack has left it unchanged: give another file "
                                "with --db (a new file name makes a new database)")
    assert text.read_text() == "hello, this is not a database\n" * 20


def test_database_that_is_not_scaletrack(run_sqlite, tmp_path):
    run = run_sqlite
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    r = run("initiative", "list", code=1, env={"SCALETRACK_DB": str(other)})
    assert ("is another application's database (tables: invoices), not scaletrack's; "
            "scaletrack has left it unchanged") in r.stderr


def test_user_framework_is_pinned(run, tmp_path):
    folder = tmp_path / "catalog"
    folder.mkdir()
    shutil.copy(DATA / "mini.toml", folder / "mini.toml")
    env = {"SCALETRACK_CATALOG": str(folder)}
    run("initiative", "create", "Pinned", "--framework", "mini", env=env)
    run("site", "add", "Alpha", env=env)
    text = (folder / "mini.toml").read_text()
    (folder / "mini.toml").write_text(text.replace('id = "h"', 'id = "h2"'))
    run("log", "Alpha", "spread.h", env=env)  # the pinned definition still has h
    doc = json.loads(run("status", "--format", "json", env=env).stdout)
    assert doc["sites"][0]["stages"][2]["total"] == 3


def test_default_database_location(tmp_path):
    from click.testing import CliRunner

    from tracker.cli import cli

    r = CliRunner().invoke(cli, ["db", "path"], env={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert r.stdout.strip() == str(tmp_path / "data" / "scaletrack" / "scaletrack.db")
    r = CliRunner().invoke(cli, ["initiative", "create", "X", "--framework", "nasss"],
                           env={"XDG_DATA_HOME": str(tmp_path / "data")})
    assert r.exit_code == 0
    assert (tmp_path / "data" / "scaletrack" / "scaletrack.db").exists()


def test_db_commands(run):
    from tracker.store.engine import describe

    Store.open(run.url).close()
    from tracker.store.schema import SCHEMA_HEAD

    assert run("db", "current").stdout.strip() == (
        f"{SCHEMA_HEAD} (this scaletrack needs {SCHEMA_HEAD}: up to date)")
    assert run("db", "path").stdout.strip() == describe(run.url)
    r = run("db", "upgrade")
    assert f"Already up to date at schema {SCHEMA_HEAD}." in r.stderr


def test_demo(run, tmp_path):
    Store.open(run.url).close()
    r = run("demo", "--out", str(tmp_path / "demo"))
    lines = r.stdout.splitlines()
    assert lines[0] == ("Shared Lives North (demo): IHI Framework for Going to Full Scale "
                        "(ihi-full-scale 2.0), as of 2026-09-30")
    leeds = next(line for line in lines if line.startswith("Leeds"))
    assert leeds.split()[:7] == ["Leeds", "full-scale", "full-scale", "6/6", "5/5", "4/4", "2/4"]
    assert "The sample is in" in r.stderr
    assert run.count("initiatives") == 0  # SCALETRACK_DB is left alone by the demo
    assert "Calderdale (8)" in r.stdout and "blocked" in r.stdout  # the gaps follow the status
    assert sorted(p.name for p in (tmp_path / "demo").iterdir() if not p.name.startswith(".")) == [
        "adoption.png", "compare.csv", "compare.png", "gaps.csv", "gaps.png", "report.html",
        "report.md", "status.csv", "timeline.png"]
    md = (tmp_path / "demo" / "report.md").read_text()
    assert "| Leeds | Phase 3: Test of scale-up | 2026-07-12 |" in md.splitlines()
    assert "open report.html in a browser" in r.stderr


def test_version_and_module_entry_point():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "tracker", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.startswith("scaletrack, version ")


def test_missing_postgres_driver_names_the_install_command(monkeypatch, tmp_path):
    import sys

    from click.testing import CliRunner

    from tracker.cli import cli

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if it were not installed
    r = CliRunner().invoke(cli, ["status"],
                           env={"SCALETRACK_DB": "postgresql+psycopg://u@127.0.0.1/db"})
    assert r.exit_code == 1
    assert r.stderr.strip() == ("Error: PostgreSQL needs the psycopg driver, which is not "
                                "installed: pip install 'scaletrack[postgres]'")


def test_unsupported_database_url():
    from click.testing import CliRunner

    from tracker.cli import cli

    r = CliRunner().invoke(cli, ["status"], env={"SCALETRACK_DB": "mysql://u@h/db"})
    assert r.exit_code == 2
    assert r.stderr.strip() == ("Error: scaletrack works with SQLite and PostgreSQL, not 'mysql': "
                                "give a file path, sqlite:///PATH or "
                                "postgresql+psycopg://user@host/dbname")


# -- date guard rails (issue 11, item 3) ------------------------------------

def test_log_today_and_yesterday(mini):
    import datetime as dt
    before = dt.date.today()
    mini("log", "Alpha", "plan.a", "--on", "today")
    mini("log", "Alpha", "plan.b", "--on", "Yesterday")
    after = dt.date.today()
    dates = [r[0] for r in mini.rows("SELECT CAST(occurred_on AS VARCHAR(10)) FROM events "
                                     "ORDER BY id")]
    assert dates[0] in {before.isoformat(), after.isoformat()}
    assert dates[1] in {(before - dt.timedelta(days=1)).isoformat(),
                        (after - dt.timedelta(days=1)).isoformat()}


def test_log_in_the_future_is_refused(mini):
    import datetime as dt
    r = mini("log", "Alpha", "plan.a", "--on", "2062-11-28", code=2)
    assert r.stderr.strip() == (
        f"Error: --on 2062-11-28 is after today ({dt.date.today().isoformat()}): events record "
        "what happened; a target date is a plan (scaletrack plan SITE STAGE --due DATE)")
    assert mini.count() == 0


def test_log_unlikely_dates_are_recorded_with_a_warning(mini):
    r = mini("log", "Beta", "plan.a", "--on", "1900-01-01")
    assert r.stderr.splitlines() == [
        "Warning: --on 1900-01-01 is before 2000; recorded as given, check the year "
        "(retract it if it is wrong)",
        "Logged event 1: Beta, plan.a done on 1900-01-01"]
    r = mini("log", "Alpha", "plan.a", "--on", "2025-12-31")  # Alpha joined 2026-01-01
    assert r.stderr.splitlines() == [
        "Warning: --on 2025-12-31 is before site 'Alpha' joined (2026-01-01); recorded as given",
        "Logged event 2: Alpha, plan.a done on 2025-12-31"]
    r = mini("log", "Alpha", "plan.b", "--on", "2026-01-01")
    assert r.stderr.splitlines() == ["Logged event 3: Alpha, plan.b done on 2026-01-01"]
    assert mini.count() == 3


def test_plan_due_before_it_was_agreed_is_refused(mini):
    r = mini("plan", "Alpha", "pilot", "--due", "2026-03-01", "--on", "2026-04-01", code=2)
    assert r.stderr.strip() == ("Error: --due 2026-03-01 is before --on 2026-04-01: a plan "
                                "cannot be due before the day it was agreed")
    assert mini.count() == 0
    mini("plan", "Alpha", "pilot", "--due", "2026-04-01", "--on", "2026-04-01")
    assert mini.rows("SELECT kind, stage, checkpoint FROM events") == [("plan", "pilot", "pilot")]


def test_gaps_for_a_site_not_yet_joined_is_not_an_all_clear(mini):
    mini("log", "Alpha", "plan.a", "--on", "2026-02-03")
    r = mini("gaps", "--site", "alpha", "--as-of", "2025-12-31", code=2)
    assert r.stderr.strip() == ("Error: site 'Alpha' joined on 2026-01-01, after 2025-12-31; "
                                "give a later --as-of")
    assert r.stdout == ""
    r = mini("gaps", "--site", "Gamma", code=2)
    assert r.stderr.strip() == ("Error: unknown site 'Gamma'; known sites: Alpha, Beta (add it "
                                "with 'scaletrack site add NAME')")
    doc = json.loads(mini("gaps", "--site", " ALPHA ", "--as-of", "2026-02-03",
                          "--format", "json").stdout)
    assert [(g["site"], g["checkpoint"], g["kind"]) for g in doc] == [
        ("Alpha", "plan.b", "open")]  # plan.c is optional
    mini("site", "retire", "Alpha", "--on", "2026-03-01")
    r = mini("gaps", "--site", "Alpha", "--as-of", "2026-03-01", code=2)
    assert r.stderr.strip() == ("Error: site 'Alpha' was retired on 2026-03-01, so analyses as "
                                "of 2026-03-01 leave it out; give an earlier --as-of")
    assert len(json.loads(mini("gaps", "--site", "Alpha", "--as-of", "2026-02-28",
                               "--format", "json").stdout)) == 1
    r = mini("next", "alpha", "--as-of", "2026-03-02", code=2)  # the same rule as gaps
    assert r.stderr.strip() == ("Error: site 'Alpha' was retired on 2026-03-01, so analyses as "
                                "of 2026-03-02 leave it out; give an earlier --as-of")


# -- empty names and filters, quoted hints (issue 11, items 4 and 11) --------

def test_empty_names_and_filters_are_usage_errors(mini):
    mini("log", "Alpha", "plan.a", "--on", "2026-02-03")
    r = mini("gaps", "--site", "", code=2)
    assert r.stderr.strip() == "Error: --site is empty: give a name, or leave the option out"
    assert r.stdout == ""
    r = mini("gaps", "--site", "   ", code=2)
    assert r.stderr.strip() == "Error: --site is empty: give a name, or leave the option out"
    for name in ("", "   "):
        r = mini("site", "add", name, code=2)
        assert r.stderr.strip() == "Error: the site name is empty"
    assert mini.count("sites") == 2


def test_site_add_hint_is_quoted_for_the_shell(mini):
    import shlex
    name = """O'Brien's "Care"; DROP TABLE sites"""
    r = mini("site", "add", name)
    hint = r.stderr.strip().split("Next: ", 1)[1]
    assert hint == ("""scaletrack log 'O'"'"'Brien'"'"'s "Care"; DROP TABLE sites' """
                    "CHECKPOINT")
    assert shlex.split(hint) == ["scaletrack", "log", name, "CHECKPOINT"]
    assert mini.count("sites") == 3


def test_a_new_database_that_cannot_be_made_is_refused_in_words(run_sqlite, tmp_path,
                                                                monkeypatch):
    """A folder where no file can be made (a read-only share; as root it cannot be made
    read-only, so SQLite's refusal is given as it gives it) leaves nothing behind."""
    import sqlite3

    real = sqlite3.connect

    def refuse(path, *args, **kwargs):
        if str(path).endswith(".new.part"):
            raise sqlite3.OperationalError("unable to open database file")
        return real(path, *args, **kwargs)
    monkeypatch.setattr(sqlite3, "connect", refuse)
    where = tmp_path / "share"
    r = run_sqlite("initiative", "create", "X", "--framework", "mini", code=1,
                   env={"SCALETRACK_DB": str(where / "x.db")})
    assert r.stderr == (f"Error: cannot create the database at {where / 'x.db'}: unable to "
                        "open database file; choose another place with --db PATH\n")
    assert list(where.iterdir()) == []
