"""Shared fixtures: a fresh database per test on SQLite, and on PostgreSQL when one is given.

Every test that takes ``db_url`` (or ``store``/``run``, which build on it) runs
twice: on a new SQLite file, and on a new PostgreSQL schema when
SCALETRACK_TEST_DATABASE_URL names a server (it is skipped, with that reason,
when it does not).  With SCALETRACK_REQUIRE_POSTGRES=1, as CI sets it, a
skipped PostgreSQL test fails instead.  Tests marked ``browser`` (report.html in
headless Chromium) are skipped when Chromium is missing, and fail instead with
SCALETRACK_REQUIRE_BROWSER=1 or CI=true.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from tracker.catalog import Catalog
from tracker.cli import cli
from tracker.store import Store

DATA = Path(__file__).parent / "data"
PG_URL = os.environ.get("SCALETRACK_TEST_DATABASE_URL")
PG_SKIP = ("PostgreSQL tests need a server: set SCALETRACK_TEST_DATABASE_URL, e.g. "
           "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test may see the developer's own database or settings."""
    for name in ("SCALETRACK_DB", "SCALETRACK_INITIATIVE", "SCALETRACK_CATALOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"


class PgSchema:
    """A throwaway schema on the test server, dropped afterwards."""

    def __init__(self):
        self.name = f"st_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        self.url = pg_schema_url(self.name)

    def drop(self):
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()


def make_db_url(backend: str, tmp_path: Path):
    """(url, cleanup) for a brand-new database of the given backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}", lambda: None
    if not PG_URL:
        pytest.skip(PG_SKIP)
    schema = PgSchema()
    return schema.url, schema.drop


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    url, cleanup = make_db_url(request.param, tmp_path)
    yield url
    cleanup()


@pytest.fixture
def sqlite_url(tmp_path):
    """For the few tests about SQLite itself (files, WAL, backups)."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def store(db_url):
    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(str(DATA))


class Run:
    """Invoke the CLI against one database, as a user would type it."""

    def __init__(self, url: str):
        self.url = url
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int | None = 0, env: dict | None = None):
        full_env = {"SCALETRACK_DB": self.url, "SCALETRACK_CATALOG": str(DATA)}
        full_env.update(env or {})
        result = self.runner.invoke(cli, list(args), env=full_env, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, (
                f"exit {result.exit_code}, wanted {code}\nstdout: {result.stdout}\n"
                f"stderr: {result.stderr}")
        return result

    def rows(self, sql: str, **params) -> list[tuple]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as conn:
                return [tuple(r) for r in conn.execute(text(sql), params)]
        finally:
            engine.dispose()

    def count(self, table: str = "events") -> int:
        return self.rows(f"SELECT count(*) FROM {table}")[0][0]


@pytest.fixture
def run(db_url) -> Run:
    return Run(db_url)


@pytest.fixture
def run_sqlite(sqlite_url) -> Run:
    return Run(sqlite_url)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if (report.skipped and os.environ.get("SCALETRACK_REQUIRE_POSTGRES")
            and "postgresql" in item.nodeid):
        report.outcome = "failed"
        report.longrepr = f"PostgreSQL test skipped although CI requires it: {PG_SKIP}"
    if report.skipped and browser_required() and item.get_closest_marker("browser"):
        report.outcome = "failed"
        report.longrepr = (f"browser test skipped although CI requires it "
                           f"(SCALETRACK_REQUIRE_BROWSER=1 or CI=true): {report.longrepr}")


def browser_required() -> bool:
    """CI runs the browser tests (SCALETRACK_REQUIRE_BROWSER=1, or CI=true as CI services
    set it): there a missing Chromium fails the run instead of skipping."""
    return (os.environ.get("SCALETRACK_REQUIRE_BROWSER", "") not in ("", "0")
            or os.environ.get("CI", "").lower() == "true")
