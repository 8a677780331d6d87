"""Output that is safe to open (issue 23 item 5): every CSV carries the formula guard,
report.md shows stored text as typed, and messages show control characters escaped."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tracker.textsafe import markdown_text, neutralise, restore, terminal_text

EVIL = '=HYPERLINK("https://evil.example","Leeds")'
GUARDED = "'" + EVIL


def _cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def _live(text: str) -> list[str]:
    """Cells a spreadsheet would run as a formula."""
    return [c for c in _cells(text) if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


@pytest.fixture
def evil(run):
    run("initiative", "create", "Safe", "--framework", "mini")
    run("site", "add", EVIL, "--region", "+44 region")
    run("site", "add", "York")
    run("log", EVIL, "plan.a", "--on", "2026-01-05", "--note", "@SUM(A1:A9)")
    run("log", "York", "plan.a", "--on", "2026-01-05")
    run("plan", EVIL, "plan", "--due", "2026-02-01", "--on", "2026-01-05")
    run("site", "rename", "--by", "=cmd", "--", "York", "-York")
    return run


@pytest.mark.parametrize("command", [
    ("status",), ("gaps",), ("compare",), ("next",), ("events", "list"), ("site", "list"),
    ("site", "history"), ("gaps", "--site", EVIL), ("next", EVIL)],
    ids=lambda c: " ".join(c)[:20])
def test_every_csv_guards_formulas(evil, command):
    out = evil(*command, "--format", "csv", "--as-of", "2026-06-30").stdout \
        if command[0] in ("status", "gaps", "compare", "next") else \
        evil(*command, "--format", "csv").stdout
    assert _live(out) == []
    if command[0] not in ("compare",) and command != ("site", "history"):
        assert GUARDED in _cells(out)


def test_site_history_and_events_list_guard_every_text_column(evil):
    history = _cells(evil("site", "history", "--format", "csv").stdout)
    assert "'-York" in history and "'=cmd" in history
    events = _cells(evil("events", "list", "--format", "csv").stdout)
    assert "'@SUM(A1:A9)" in events and GUARDED in events
    sites = _cells(evil("site", "list", "--format", "csv").stdout)
    assert "'+44 region" in sites


def test_report_tables_guard_and_report_md_shows_names_as_typed(evil, tmp_path):
    evil("site", "add", "<img src=x onerror=alert(1)>")
    evil("site", "add", "[Leeds](https://evil.example/phish)")
    evil("log", "<img src=x onerror=alert(1)>", "plan.a", "--on", "2026-01-06",
         "--status", "blocked")
    evil("log", "[Leeds](https://evil.example/phish)", "plan.a", "--on", "2026-01-06",
         "--status", "blocked")
    out = tmp_path / "report"
    evil("report", "--quarter", "2026Q1", "--as-of", "2026-03-31", "--out", str(out))
    for name in ("status.csv", "gaps.csv", "compare.csv"):
        text = (out / name).read_text(encoding="utf-8")
        assert _live(text) == [], name
    assert GUARDED in _cells((out / "gaps.csv").read_text(encoding="utf-8"))
    md = (out / "report.md").read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)<img", md) and not re.search(r"(?<!\\)\]\(https", md)
    assert r"\<img src=x onerror=alert(1)\>" in md
    assert r"\[Leeds\](https\://evil.example/phish)" in md  # no autolink either
    assert '=HYPERLINK("https\\://evil.example","Leeds")' in md  # as typed, never a link
    markdown_it = pytest.importorskip("markdown_it")
    html = markdown_it.MarkdownIt("commonmark").enable("table").render(md)
    assert "<img src=x" not in html and "onerror" not in html.replace("onerror=alert(1)&gt;", "")
    assert 'href="https://evil.example/phish"' not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_export_and_import_still_round_trip_guarded_cells(evil, tmp_path):
    path = tmp_path / "all.csv"
    evil("events", "export", "-o", str(path))
    assert _live(path.read_text(encoding="utf-8")) == []
    evil("events", "import", str(path))
    assert evil.rows("SELECT note FROM events WHERE note IS NOT NULL") == [("@SUM(A1:A9)",)]
    assert evil.count("sites") == 2 and evil.count("events") == 3  # two events, a plan


@pytest.mark.parametrize("value", ["=1+1", "-2", "+3", "@x", "\tx", "\rx", "'=x", "''-x",
                                   "plain", "'quoted", ""])
def test_the_guard_is_undone_exactly(value):
    assert restore(neutralise(value)) == value


def test_markdown_text_escapes_markup_and_controls():
    assert markdown_text("<b>x</b> & *y* _z_ `c` | ~s~") == \
        r"\<b\>x\</b\> \& \*y\* \_z\_ \`c\` \| \~s\~"
    assert markdown_text("# heading") == r"\# heading"
    assert markdown_text("1. one") == r"1\. one"
    assert markdown_text("a\x1bb\u202ec") == r"a\\x1bb\\u202ec"  # renders as a\x1bb...
    assert markdown_text("Ynys Môn, St. Helens") == "Ynys Môn, St. Helens"


def test_terminal_text_escapes_controls_but_keeps_lines():
    assert terminal_text("a\x1b[31mb\u202ec\x9bd\nnext") == "a\\x1b[31mb\\u202ec\\x9bd\nnext"


def test_messages_show_controls_escaped(evil, tmp_path):
    r = evil("site", "edit", "York", "--region", "\x1b[31mred\u202e\x9b", code=2)  # renamed
    assert "\x1b" not in r.stderr
    r = evil("site", "edit", "--region", "\x1b[31mred\u202e\x9b", "--", "-York")
    assert r.stderr.strip() == r"Edited site '-York': region (none) -> \x1b[31mred\u202e\x9b"
    path = tmp_path / "bad.csv"
    path.write_text("site,checkpoint,occurred_on\nYork,\x1b]0;title\x07,2026-01-01\n",
                    encoding="utf-8")
    r = evil("events", "import", str(path), code=2)
    assert "\x1b" not in r.stderr and "\x07" not in r.stderr
    assert r"\x1b]0;title\x07" in r.stderr
    r = evil("site", "add", "Bad\x9bname", code=2)
    assert r.stderr.strip() == "Error: the site name contains control characters"


def test_headings_escape_names_stored_before_they_were_cleaned(evil):
    from sqlalchemy import create_engine, text

    engine = create_engine(evil.url)
    with engine.begin() as conn:
        ini = conn.execute(text("SELECT id FROM initiatives")).scalar()
        conn.execute(text("INSERT INTO sites (initiative_id, name, name_key, created_at) "
                          "VALUES (:i, :n, :k, '2026-01-01 00:00:00')"),
                     {"i": ini, "n": "Old\u202eetis", "k": "old\u202eetis"})
    engine.dispose()
    out = evil("gaps", "--as-of", "2026-06-30").stdout
    assert "\u202e" not in out
    assert "Old\\u202eetis (" in out


def test_frameworks_validate_shows_a_files_controls_escaped(run, tmp_path):
    path = tmp_path / "f.toml"
    path.write_text('id = "f"\ntitle = "F"\nversion = "1.0"\nkind = "phased"\n\n[scales]\n'
                    'level = ["Hi\\u001b[2J", "hi\\u001b[2J"]\n', encoding="utf-8")
    r = run("frameworks", "validate", str(path), code=1)
    assert "\x1b" not in r.stdout
    assert r"levels 'Hi\x1b[2J', 'hi\x1b[2J' differ only in case" in r.stdout
