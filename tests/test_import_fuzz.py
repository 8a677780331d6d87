"""Random files through 'events import': never a traceback, and a refusal changes nothing.

Random bytes, random CSV (known and unknown columns, hostile cells) and random
JSON Lines (any JSON value in any field) go through the command line as a
user would give them.  Every run must end in exit 0 or 2 with no traceback;
whenever it is not 0 the database must be exactly as it was.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA, Run, make_db_url
from tracker.cli import cli
from tracker.exchange.columns import ACCEPTED


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def target(request):
    url, cleanup = make_db_url(request.param, Path(tempfile.mkdtemp(prefix="scaletrack-fuzz-")))
    run = Run(url)
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "North", "--joined", "2026-01-02")
    run("log", "North", "plan.a", "--on", "2026-01-05")
    yield run
    cleanup()


def _state(run: Run) -> tuple:
    return tuple(run.rows(f"SELECT count(*), coalesce(max(id), 0) FROM {t}")[0]
                 for t in ("events", "sites"))


def _import(run: Run, content: bytes, suffix: str) -> None:
    with tempfile.NamedTemporaryFile("wb", suffix=suffix, delete=False) as f:
        f.write(content)
    before = _state(run)
    result = CliRunner().invoke(cli, ["events", "import", f.name, "-i", "Mini"],
                                env={"SCALETRACK_DB": run.url, "SCALETRACK_CATALOG": str(DATA)})
    Path(f.name).unlink()
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exc_info)
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 2), result.output
    if result.exit_code != 0:
        assert _state(run) == before, result.output


HOSTILE = st.sampled_from(["", "'", "'=x", "=1+1", "\x00", "\u0663", "\u00b2", "9" * 30,
                           "2026-01-05", "2062-11-28", "1900-01-01", "31/12/2025",
                           "9999-12-31T23:59:59-05:00", "2026-01-05T10:00:00Z", "North",
                           "plan.a", "health.funding", "done", "rated", "retract", "site",
                           "plan", "AMBER", "pilot", "1", "2", "-1", ";", ",", "\t", '"',
                           "\r\n", "Mini", "mini"])
CELL = st.one_of(HOSTILE, st.text(max_size=10))
COLUMN = st.one_of(st.sampled_from(ACCEPTED), st.text(max_size=6))
# SCALETRACK_FUZZ_EXAMPLES=2000 for a longer hunt than CI's
SETTINGS = settings(max_examples=int(os.environ.get("SCALETRACK_FUZZ_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@SETTINGS
@given(content=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".jsonl", ".dat"]))
def test_random_bytes(target, content, suffix):
    _import(target, content, suffix)


@SETTINGS
@given(header=st.lists(COLUMN, min_size=1, max_size=8),
       rows=st.lists(st.lists(CELL, min_size=0, max_size=9), max_size=6),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_random_csv(target, header, rows, delimiter):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    _import(target, out.getvalue().encode("utf-8", "surrogatepass"), ".csv")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | CELL,
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=4), inner, max_size=3), max_leaves=6)


@SETTINGS
@given(lines=st.lists(st.one_of(st.dictionaries(COLUMN, st.one_of(CELL, JSON), max_size=9),
                                JSON), min_size=1, max_size=6))
def test_random_json_lines(target, lines):
    text = "".join(json.dumps(x) + "\n" for x in lines)
    _import(target, text.encode("utf-8", "surrogatepass"), ".jsonl")
