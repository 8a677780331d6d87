"""Shared fixtures: a fresh database per test, the CLI runner, and the test catalogue."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.catalog import Catalog
from tracker.cli import cli
from tracker.store import Store

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path):
    """No test may see the developer's own database or settings."""
    for name in ("SCALETRACK_DB", "SCALETRACK_INITIATIVE", "SCALETRACK_CATALOG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture
def store(db_path):
    s = Store.open(str(db_path))
    yield s
    s.close()


@pytest.fixture
def catalog() -> Catalog:
    return Catalog(str(DATA))


class Run:
    """Invoke the CLI against one database, as a user would type it."""

    def __init__(self, db_path: Path):
        self.db_path = db_path
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int | None = 0, env: dict | None = None):
        full_env = {"SCALETRACK_DB": str(self.db_path), "SCALETRACK_CATALOG": str(DATA)}
        full_env.update(env or {})
        result = self.runner.invoke(cli, list(args), env=full_env, catch_exceptions=False)
        if code is not None:
            assert result.exit_code == code, (
                f"exit {result.exit_code}, wanted {code}\nstdout: {result.stdout}\n"
                f"stderr: {result.stderr}")
        return result


@pytest.fixture
def run(db_path) -> Run:
    return Run(db_path)
