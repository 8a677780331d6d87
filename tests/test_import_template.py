"""A spreadsheet a person fills in: the template, its few columns, any delimiter."""

from __future__ import annotations

import datetime as dt

import pytest

TODAY = dt.date.today().isoformat()


@pytest.fixture
def mini(run):
    run("initiative", "create", "Mini", "--framework", "mini")
    return run


def test_template_has_one_example_row_per_checkpoint(mini, tmp_path):
    out = tmp_path / "fill in.csv"
    r = mini("events", "template", "-o", str(out), "--excel")
    assert r.stderr.strip() == (f"Wrote a template of 31 example rows to {out}; edit it, "
                                f"then: scaletrack events import '{out}'")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "site,checkpoint,status,rating,occurred_on,note,evidence"
    assert lines[1] == f"Example site,plan.a,done,,{TODAY},,"
    assert lines[9] == f"Example site,health.funding,,green,{TODAY},,"
    assert len(lines) == 32
    assert mini("events", "template").stdout.splitlines() == lines


def test_the_template_imports_as_it_is(mini, tmp_path):
    mini("site", "add", "North")
    out = tmp_path / "t.csv"
    mini("events", "template", "-o", str(out))
    r = mini("events", "import", str(out))
    assert r.stderr.strip() == "Imported 31 events (0 were already recorded)."
    assert mini.rows("SELECT kind, rating, checkpoint FROM events ORDER BY id")[7:9] == [
        ("done", None, "spread.h"), ("rated", "green", "health.funding")]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_person_columns_with_any_delimiter(mini, tmp_path, delimiter):
    text = "\n".join(delimiter.join(cells) for cells in [
        ("site", "checkpoint", "occurred_on", "note"),
        ("North", "plan.a", "2026-01-05", "kick-off; agreed"),
        ("North", "b", "2026-01-06", ""),  # the bare id, as 'log' takes it
    ]) + "\n"
    if delimiter == ";":
        text = text.replace("kick-off; agreed", '"kick-off; agreed"')
    path = tmp_path / "typed.csv"
    path.write_text(text, encoding="utf-8")
    mini("site", "add", "North")
    mini("events", "import", str(path))
    assert mini.rows("SELECT checkpoint, kind, note FROM events ORDER BY id") == [
        ("plan.a", "done", "kick-off; agreed"), ("plan.b", "done", None)]


def test_every_problem_of_every_line(mini, tmp_path):
    path = tmp_path / "typed.csv"
    path.write_text("site;checkpoint;status;rating;occurred_on\n"
                    "North;plan.zz;done;;31/12/2025\n"
                    ";health.funding;;purple;2026-13-01\n", encoding="utf-8")
    r = mini("events", "import", str(path), code=2)
    assert r.stderr.splitlines()[1:] == [
        "line 2: unknown checkpoint 'plan.zz'; did you mean 'plan.c', 'plan.b' or "
        "'plan.a'? (see 'scaletrack frameworks show mini')",
        "line 2: occurred_on '31/12/2025' is not a YYYY-MM-DD date",
        "line 3: the site name is empty",
        "line 3: 'purple' is not a level of health.funding; use one of: green, amber, red",
        "line 3: occurred_on '2026-13-01' is not a YYYY-MM-DD date",
    ]
    assert mini.count() == 0


def test_kind_and_status_together_are_refused(mini, tmp_path):
    path = tmp_path / "both.csv"
    path.write_text("site,checkpoint,kind,status,occurred_on\nNorth,plan.a,done,done,"
                    "2026-01-05\n")
    r = mini("events", "import", str(path), code=2)
    assert "both 'kind' and 'status' columns: keep one" in r.stderr


def test_json_lines_take_the_same_person_fields(mini, tmp_path):
    path = tmp_path / "typed.jsonl"
    path.write_text('{"site": "North", "checkpoint": "a", "status": "Started", '
                    '"occurred_on": "2026-01-05"}\n'
                    '{"site": "North", "checkpoint": "health.funding", "rating": "RED", '
                    '"occurred_on": "2026-01-06"}\n')
    mini("events", "import", str(path), "--add-sites")
    assert mini.rows("SELECT checkpoint, kind, rating FROM events ORDER BY id") == [
        ("plan.a", "started", None), ("health.funding", "rated", "red")]
    both = tmp_path / "both.jsonl"
    both.write_text('{"site": "North", "checkpoint": "a", "status": "done", "kind": "done", '
                    '"occurred_on": "2026-01-05"}\n')
    r = mini("events", "import", str(both), code=2)
    assert r.stderr.splitlines()[1] == "line 1: both 'kind' and 'status' fields: keep one"
