"""Lengths the PostgreSQL schema enforces are checked on input, on both backends, with a
message naming the field (and the line, on import); ``frameworks validate`` checks the
same limits, and scale levels must differ once case is folded (issue 23 item 6 and 4)."""

from __future__ import annotations

import pytest

from tracker.limits import LIMITS
from tracker.store.schema import Base

LONG = "x" * 300


def test_the_schema_takes_its_lengths_from_the_one_table():
    lengths = {(t.name, c.name): c.type.length for t in Base.metadata.tables.values()
               for c in t.columns if getattr(c.type, "length", None)}
    assert lengths[("events", "recorded_by")] == LIMITS["recorded_by"] == 200
    assert lengths[("events", "stage")] == LIMITS["stage"] == 100
    assert lengths[("events", "rating")] == LIMITS["rating"] == 100
    assert lengths[("frameworks", "version")] == LIMITS["version"] == 20
    assert set(lengths.values()) <= set(LIMITS.values())


@pytest.fixture
def one(run):
    run("initiative", "create", "Limits", "--framework", "mini")
    run("site", "add", "Leeds")
    return run


@pytest.mark.parametrize("args", [
    ("log", "Leeds", "plan.a", "--on", "2026-01-01", "--by", LONG),
    ("plan", "Leeds", "pilot", "--due", "2027-01-01", "--by", LONG),
    ("site", "rename", "Leeds", "York", "--by", LONG),
    ("site", "retire", "Leeds", "--by", LONG),
], ids=["log", "plan", "rename", "retire"])
def test_by_longer_than_the_column_is_refused_naming_it(one, args):
    r = one(*args, code=2)
    assert r.stderr.strip() == "Error: --by is 300 characters long; the most it can hold is 200"
    assert one.count("events") == one.count("site_changes") == 0


def test_by_of_exactly_the_limit_is_stored(one):
    one("log", "Leeds", "plan.a", "--on", "2026-01-01", "--by", "y" * 200)
    assert one.rows("SELECT length(recorded_by) FROM events") == [(200,)]


@pytest.mark.parametrize("args", [("site", "add", "York", "--region", LONG),
                                  ("site", "edit", "Leeds", "--region", LONG)])
def test_region_longer_than_the_column_is_refused(one, args):
    r = one(*args, code=2)
    assert r.stderr.strip() == ("Error: --region is 300 characters long; the most it can "
                                "hold is 200")
    assert one.rows("SELECT name, region FROM sites") == [("Leeds", None)]


def test_names_longer_than_the_column_are_refused(one):
    r = one("site", "add", "n" * 201, code=2)
    assert r.stderr.strip() == ("Error: the site name is 201 characters long; keep it under "
                                "200")


def test_import_names_the_field_and_the_line(one, tmp_path):
    path = tmp_path / "long.csv"
    path.write_text("site,checkpoint,occurred_on,recorded_by,source,kind,region,stage,due_on\n"
                    f"Leeds,plan.a,2026-01-01,{LONG},,,,,\n"
                    f"Leeds,plan.b,2026-01-01,me,{LONG},,,,\n"
                    f"York,,2026-01-01,me,,site,{LONG},,\n"
                    f"Leeds,,2026-01-01,{LONG},,plan,,pilot,2027-01-01\n"
                    "Leeds,plan.c,2026-01-01," + "z" * 200 + ",,,,,\n", encoding="utf-8")
    r = one("events", "import", str(path), code=2)
    assert r.stderr.strip() == (
        f"Error: {path}: 4 problem(s); nothing was imported:\n"
        "line 2: recorded_by is 300 characters long; the most it can hold is 200\n"
        "line 3: source is 300 characters long; the most it can hold is 200\n"
        "line 4: region is 300 characters long; the most it can hold is 200\n"
        "line 5: recorded_by is 300 characters long; the most it can hold is 200")
    assert one.count("events") == 0
    assert one.count("sites") == 1


def _framework(tmp_path, scales: str, version: str = "1.0", stage: str = "s") -> str:
    path = tmp_path / "f.toml"
    path.write_text(f'''id = "caps"
title = "Caps"
version = "{version}"
kind = "phased"

[scales]
{scales}

[[citations]]
authors = "A"
year = 2026
title = "T"

[[stages]]
id = "{stage}"
title = "S"
  [[stages.checkpoints]]
  id = "a"
  title = "A"
  guidance = "g"
  scale = "level"
''', encoding="utf-8")
    return str(path)


def test_validate_refuses_levels_that_differ_only_in_case(run, tmp_path):
    path = _framework(tmp_path, 'level = ["High", "high", "HIGH", "Low"]')
    r = run("frameworks", "validate", path, code=1)
    assert (f"{path}:7: scales.level: levels 'High', 'high', 'HIGH' differ only in case or "
            "spacing; a rating is typed ignoring case, so make each level a different word"
            ) in r.stdout + r.stderr


def test_validate_checks_the_database_limits(run, tmp_path):
    path = _framework(tmp_path, f'level = ["ok", "{"L" * 101}"]', version="1." + "0" * 20,
                      stage="s" * 101)
    r = run("frameworks", "validate", path, code=1)
    out = r.stdout + r.stderr
    assert f"{path}:3: version: version is 22 characters long; the most it can hold is 20" in out
    assert (f"{path}:7: scales.level: level '{'L' * 40}...' is 101 characters long; the most "
            "it can hold is 100") in out
    assert f"{path}:14: stages[0]: the id is 101 characters long; the most it can hold is 100" \
        in out


def test_a_rating_typed_in_another_case_records_the_catalogue_spelling(run, tmp_path):
    path = _framework(tmp_path, 'level = ["High", "Medium", "Low"]')
    env = {"SCALETRACK_CATALOG": str(tmp_path)}
    run("initiative", "create", "Caps", "--framework", "caps", env=env)
    run("site", "add", "Leeds", env=env)
    r = run("log", "Leeds", "s.a", "--rating", "high", "--on", "2026-01-01", env=env)
    assert r.stderr.startswith("Logged event 1: Leeds, s.a rated High on 2026-01-01")
    rows = tmp_path / "rows.csv"
    rows.write_text("site,checkpoint,rating,occurred_on\nLeeds,s.a,MEDIUM,2026-01-02\n"
                    "Leeds,s.a, low ,2026-01-03\n", encoding="utf-8")
    run("events", "import", str(rows), env=env)
    assert run.rows("SELECT rating FROM events ORDER BY id") == [("High",), ("Medium",),
                                                                 ("Low",)]
    assert path
