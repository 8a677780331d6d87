"""Inputs that used to crash, hang or mislead (issue 23, item 7): each ends with a clear
message, or now simply works."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DATA, PG_URL
from edge_helpers import env_for, scaletrack
from tracker.analysis.periods import quarter_at


def seed(run) -> None:
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Alpha", "--joined", "2025-04-01")
    run("log", "Alpha", "plan.a", "--on", "2026-01-02")


# -- database URLs ------------------------------------------------------------------------------

@pytest.mark.parametrize("driver", ["psycopg2", "asyncpg", "pg8000"])
def test_another_postgresql_driver_is_named(driver):
    r = scaletrack(f"postgresql+{driver}://u@127.0.0.1/db", "status")
    assert r.returncode == 2
    assert r.stderr.decode() == (
        f"Error: scaletrack reaches PostgreSQL through the psycopg driver only, not {driver}: "
        f"write postgresql+psycopg:// instead of postgresql+{driver}:// in "
        f"'postgresql+{driver}://u@127.0.0.1/db'\n")


def test_another_database_names_what_works():
    r = scaletrack("sqlite+aiosqlite:///x.db", "status")
    assert r.returncode == 2
    assert r.stderr.decode() == (
        "Error: scaletrack works with SQLite and PostgreSQL, not 'sqlite+aiosqlite': give a "
        "file path, sqlite:///PATH or postgresql+psycopg://user@host/dbname\n")


@pytest.mark.skipif(not PG_URL, reason="needs a PostgreSQL server")
def test_postgresql_with_no_driver_means_psycopg():
    r = scaletrack(PG_URL.replace("postgresql+psycopg://", "postgresql://"), "db", "current")
    assert r.returncode == 0, r.stderr
    assert b"Traceback" not in r.stderr


def test_a_port_that_is_not_a_number():
    r = scaletrack("postgresql+psycopg://u@127.0.0.1:abc/db", "status")
    assert r.returncode == 2
    assert r.stderr.decode() == (
        "Error: 'postgresql+psycopg://u@127.0.0.1:abc/db' is not a database URL; give a file "
        "path or a URL like postgresql+psycopg://user@host:5432/dbname (the port, if given, "
        "is a number)\n")


@pytest.mark.parametrize("password", ["t!pw", "p@t!pw", "a/b@c:d", "s3cr@t@"])
def test_a_password_is_never_printed_even_in_part(password):
    from tracker.store.engine import describe, resolve_url

    url = resolve_url(f"postgresql+psycopg://postgres:{password}@127.0.0.1:1/db")
    assert describe(url) == "postgresql+psycopg://postgres:***@127.0.0.1:1/db"
    r = scaletrack(f"postgresql+psycopg://postgres:{password}@127.0.0.1:1/db", "status")
    err = r.stderr.decode()
    assert r.returncode == 1 and "Traceback" not in err
    assert "postgres:***@127.0.0.1:1/db" in err
    for piece in {password, *(p for p in re.split(r"[@/:]", password) if len(p) >= 3)}:
        assert piece not in err.replace("postgres:***@127.0.0.1:1/db", ""), piece


def test_a_password_holding_an_at_sign_reaches_the_server_whole():
    from sqlalchemy.engine import make_url

    from tracker.store.engine import resolve_url

    url = make_url(resolve_url("postgresql+psycopg://postgres:p@t!pw@127.0.0.1:5432/db"))
    assert (url.username, url.password, url.host, url.port) == ("postgres", "p@t!pw",
                                                                "127.0.0.1", 5432)


def test_a_database_of_spaces_is_refused(tmp_path):
    r = subprocess.run([sys.executable, "-m", "tracker", "status"], cwd=tmp_path,
                       env={**env_for(" ")}, capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr == ("Error: the database (--db or SCALETRACK_DB) is only spaces; give a "
                        "database file or URL, or leave it unset for the default\n")
    assert list(tmp_path.iterdir()) == []


# -- catalogue files ---------------------------------------------------------------------------

LONG = "Supercalifragilistic" * 7  # 140 characters, no space


@pytest.fixture
def long_titles(tmp_path):
    folder = tmp_path / "catalog"
    folder.mkdir()
    text = (DATA / "mini.toml").read_text().replace('id = "mini"', 'id = "longy"')
    text = text.replace('title = "Plan"', f'title = "{LONG}"', 1)
    (folder / "longy.toml").write_text(text)
    return folder


@pytest.mark.parametrize("kind", ["timeline", "adoption"])
def test_a_long_stage_title_with_no_space_is_drawn(run, tmp_path, long_titles, kind):
    env = {"SCALETRACK_CATALOG": str(long_titles)}
    run("initiative", "create", "L", "--framework", "longy", env=env)
    run("site", "add", "Alpha", env=env)
    run("log", "Alpha", "plan.a", "--on", "2026-01-05", env=env)
    out = tmp_path / f"{kind}.png"
    run("chart", kind, "--quarter", "2026Q1", "-o", str(out), env=env)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    run("report", "--quarter", "2026Q1", "--out", str(tmp_path / "r"), env=env)
    assert (tmp_path / "r" / "report.md").exists()


def test_wrap_cuts_a_word_wider_than_a_line():
    from tracker.charts.style import text_width, wrap

    lines = wrap(LONG, 3.0).split("\n")
    assert "".join(lines) == LONG and len(lines) > 1
    assert all(text_width(line, 10) <= 3.0 for line in lines)


@pytest.mark.parametrize("make", ["fifo", "link to /dev/zero", "too large"])
def test_a_catalogue_reads_only_regular_files_of_a_sane_size(tmp_path, make):
    folder = tmp_path / "catalog"
    folder.mkdir()
    target = folder / "x.toml"
    if make == "fifo":
        os.mkfifo(target)
        why = "not a regular file (a folder, a pipe or a device), so it was not read"
    elif make == "link to /dev/zero":
        target.symlink_to("/dev/zero")
        why = "not a regular file (a folder, a pipe or a device), so it was not read"
    else:
        target.write_text("# " + "x" * (2 * 1024 * 1024))
        why = ("2,097,154 bytes is too large for a framework file (at most 1 MB), so it was "
               "not read")
    env = {**env_for("unused.db"), "SCALETRACK_CATALOG": str(folder)}
    r = subprocess.run([sys.executable, "-m", "tracker", "frameworks", "list"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "nasss" in r.stdout
    assert f"{target}: {why}" in r.stderr
    r = subprocess.run([sys.executable, "-m", "tracker", "frameworks", "validate", str(target)],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and f"{target}: {why}" in r.stdout + r.stderr


# -- dates ---------------------------------------------------------------------------------------

def test_an_as_of_date_before_the_period_is_refused(run):
    seed(run)
    r = run("report", "--quarter", "2026Q3", "--as-of", "2026-05-01", code=2)
    assert r.stderr == ("Error: --as-of 2026-05-01 is before 2026 Q3 (Jul-Sep 2026) starts "
                        "(2026-07-01); give an as-of date in or after the period, or leave "
                        "--as-of out\n")
    run("chart", "timeline", "--quarter", "2026Q3", "--as-of", "2026-05-01", "-o", "x.png",
        code=2)


def test_a_quarter_that_has_not_started_is_refused(run, tmp_path):
    seed(run)
    today = dt.date.today()
    coming = quarter_at(quarter_at(today, "calendar").end + dt.timedelta(days=1), "calendar")
    r = run("report", "--quarter", coming.code, "--out", str(tmp_path / "r"), code=2)
    assert r.stderr == (f"Error: {coming.label} has not started yet (it starts on "
                        f"{coming.start.isoformat()}; today is {today.isoformat()}), so there "
                        "is nothing to report: choose a quarter that has started\n")
    assert not (tmp_path / "r").exists()


def test_a_quarter_still_running_says_it_counts_up_to_today(run, tmp_path):
    seed(run)
    today = dt.date.today()
    current = quarter_at(today, "calendar")
    r = run("report", "--quarter", current.code, "--out", str(tmp_path / "r"))
    if today < current.end:
        assert r.stderr.startswith(f"{current.label} is not over yet: counting events up to "
                                   f"today, {today.isoformat()}\n")


@pytest.mark.parametrize("args", [("site", "add", "Beta"), ("site", "edit", "Alpha")],
                         ids=" ".join)
def test_joined_after_today_is_refused(run, args):
    seed(run)
    later = dt.date.today() + dt.timedelta(days=1)
    r = run(*args, "--joined", later.isoformat(), code=2)
    assert r.stderr == (f"Error: --joined {later.isoformat()} is after today "
                        f"({dt.date.today().isoformat()}): give the day the site joined, once "
                        "it has; a site joining later is added then\n")
    assert run.rows("SELECT name, CAST(joined_on AS VARCHAR(10)) FROM sites") == [
        ("Alpha", "2025-04-01")]  # nothing added, nothing changed


def test_status_before_any_site_joined_says_so(run):
    seed(run)
    r = run("status", "--as-of", "2000-01-01")
    assert r.stdout.endswith("No site had joined by 2000-01-01, so there is nothing to show "
                             "for that date: the site joined on 2025-04-01.\n")


# -- import from standard input, and files it cannot read ----------------------------------------

CSV = ("site,checkpoint,status,rating,occurred_on,note,evidence\n"
       "Alpha,plan.b,done,,2026-01-03,from a pipe,\n")


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_import_reads_standard_input(run, name):
    seed(run)
    p = subprocess.run([sys.executable, "-m", "tracker", "events", "import", name],
                       input=CSV.encode(), env=env_for(run.url), capture_output=True)
    assert p.returncode == 0, p.stderr
    assert p.stderr.decode() == "Imported 1 events (0 were already recorded).\n"
    assert run.rows("SELECT checkpoint, note FROM events ORDER BY id")[-1] == ("plan.b",
                                                                              "from a pipe")


def test_import_problems_on_standard_input_name_it(run):
    seed(run)
    p = subprocess.run([sys.executable, "-m", "tracker", "events", "import", "-"],
                       input=CSV.replace("plan.b", "plan.zz").encode(), env=env_for(run.url),
                       capture_output=True)
    assert p.returncode == 2
    assert p.stderr.decode().startswith("Error: standard input: 1 problem(s); nothing was "
                                        "imported:\nline 2: ")
    assert run.count() == 1


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-16"])
def test_a_utf16_file_is_named_without_raw_nul_bytes(run, tmp_path, encoding):
    seed(run)
    path = tmp_path / "u16.csv"
    path.write_bytes(CSV.encode(encoding))
    r = run("events", "import", str(path), code=2)
    assert r.stderr == (f"Error: {path} is UTF-16 text (two bytes a character), not UTF-8; "
                        "save it as UTF-8 (Excel: 'CSV UTF-8') and import it again\n")
    assert run.count() == 1


# -- what is printed ------------------------------------------------------------------------------

def test_cjk_names_give_one_note_not_a_warning_per_glyph(run, tmp_path):
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "東京都")
    run("log", "東京都", "plan.a", "--on", "2026-01-02")
    for args in (["chart", "timeline", "--quarter", "2026Q1", "-o", str(tmp_path / "c.png")],
                 ["report", "--quarter", "2026Q1", "--out", str(tmp_path / "r")]):
        r = scaletrack(run.url, *args)
        err = r.stderr.decode()
        assert r.returncode == 0, err
        assert "Warning" not in err and "missing from font" not in err
        assert err.count("Note: the charts' font has no glyph for some characters in names or "
                         "titles (東京都); they show as empty boxes on the charts.") == 1


EVIL = "Evil\u202eSite\x9b31m"


def test_messages_and_gaps_headings_escape_controls(run):
    """A name cannot hold a control character (refused, and bidi marks are dropped:
    tests/test_names_as_read.py); a note can, and the message that echoes it shows it
    escaped (a name stored before names were cleaned: test_safe_output.py)."""
    run("initiative", "create", "Mini", "--framework", "mini")
    r = run("site", "add", EVIL, code=2)
    assert r.stderr == "Error: the site name contains control characters\n"
    run("site", "add", "Evil Site")
    r = run("plan", "Evil Site", "plan", "--due", "2026-06-30", "--on", "2026-01-02",
            "--note", "see \x1b[31mred")
    assert "\x1b" not in r.stderr
