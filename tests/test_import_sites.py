"""events import creates a site only when the file declares it or --add-sites is given.

A typo in a spreadsheet ('Leds', 'Bradfrod') used to become a new site without
a word.  Now the whole import is refused, naming each unknown site once with its
lines and the closest existing site, and nothing is written.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def leeds(run):
    run("initiative", "create", "Mini", "--framework", "mini")
    run("site", "add", "Leeds")
    run("site", "add", "Bradford")
    return run


SHEET = ("site,checkpoint,occurred_on\n"
         "Leeds,plan.a,2026-01-05\n"
         "Leds,plan.b,2026-01-06\n"
         "Bradfrod,plan.a,2026-01-07\n"
         "Leds,pilot.d,2026-01-08\n"
         "Bradford,plan.b,2026-01-09\n")


def test_typo_sites_refuse_the_whole_import_with_their_lines_and_closest_site(leeds, tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text(SHEET, encoding="utf-8")
    r = leeds("events", "import", str(path), code=2)
    assert r.stderr == (
        f"Error: {path}: 2 problem(s); nothing was imported:\n"
        "line 3: unknown site 'Leds' on lines 3 and 5 (closest existing site: 'Leeds'); add "
        "it first (scaletrack site add Leds), give it a row of kind site in the file, or "
        "import with --add-sites\n"
        "line 4: unknown site 'Bradfrod' on line 4 (closest existing site: 'Bradford'); add "
        "it first (scaletrack site add Bradfrod), give it a row of kind site in the file, or "
        "import with --add-sites\n")
    assert leeds.count() == 0
    assert leeds.rows("SELECT name FROM sites ORDER BY id") == [("Leeds",), ("Bradford",)]
    r = leeds("events", "import", str(path), "--dry-run", code=2)
    assert "unknown site 'Leds' on lines 3 and 5" in r.stderr
    assert leeds.count("sites") == 2


def test_corrected_sheet_imports(leeds, tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text(SHEET.replace("Leds,", "Leeds,").replace("Bradfrod", "Bradford"),
                    encoding="utf-8")
    r = leeds("events", "import", str(path))
    assert r.stderr == "Imported 5 events (0 were already recorded).\n"
    assert leeds.count("sites") == 2


def test_add_sites_creates_new_sites_but_not_typos_of_existing_ones(leeds, tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_text("site,checkpoint,occurred_on\n"
                    "Wakefield,plan.a,2026-01-05\n"
                    "Bradfrod,plan.a,2026-01-07\n", encoding="utf-8")
    r = leeds("events", "import", str(path), "--add-sites", code=2)
    assert r.stderr.splitlines()[1:] == [
        "line 3: new site 'Bradfrod' (on line 3) looks like a mistyping of the site 'Bradford': "
        "correct the file, or if it really is another site add it first with scaletrack site "
        "add Bradfrod --force"]
    assert leeds.count("sites") == 2 and leeds.count() == 0
    path.write_text("site,checkpoint,occurred_on\n"
                    "Wakefield,plan.a,2026-01-05\n"
                    "York,plan.a,2026-01-07\n", encoding="utf-8")
    r = leeds("events", "import", str(path), "--add-sites")
    assert r.stderr == ("Imported 2 events (0 were already recorded); new sites: Wakefield, "
                        "York.\n")
    assert leeds.rows("SELECT name FROM sites ORDER BY id") == [
        ("Leeds",), ("Bradford",), ("Wakefield",), ("York",)]


def test_a_site_row_anywhere_in_the_file_declares_the_site(leeds, tmp_path):
    path = tmp_path / "sheet.jsonl"
    path.write_text(
        '{"site": "Wakefield", "checkpoint": "plan.a", "occurred_on": "2026-01-05"}\n'
        '{"site": "Wakefield", "kind": "site", "region": "West", "occurred_on": "2026-01-01"}\n'
        '{"site": "Leds", "kind": "plan", "stage": "pilot", "due_on": "2026-06-01", '
        '"occurred_on": "2026-01-02"}\n', encoding="utf-8")
    r = leeds("events", "import", str(path), code=2)
    assert r.stderr.splitlines()[1:] == [
        "line 3: unknown site 'Leds' on line 3 (closest existing site: 'Leeds'); add it first "
        "(scaletrack site add Leds), give it a row of kind site in the file, or import with "
        "--add-sites"]
    assert leeds.count("sites") == 2
    path.write_text(path.read_text().replace('"Leds"', '"Leeds"'), encoding="utf-8")
    r = leeds("events", "import", str(path))
    assert r.stderr == ("Imported 1 events (0 were already recorded); plans: 1 added, 0 already "
                        "recorded; new sites: Wakefield.\n")
    assert [(n, r, str(j)) for n, r, j in leeds.rows(
        "SELECT name, region, joined_on FROM sites WHERE name = 'Wakefield'")] == [
        ("Wakefield", "West", "2026-01-01")]


def test_no_sites_yet_says_so(run, tmp_path):
    run("initiative", "create", "Mini", "--framework", "mini")
    path = tmp_path / "t.csv"
    run("events", "template", "-o", str(path))
    r = run("events", "import", str(path), code=2)
    assert r.stderr.splitlines()[1].startswith(
        "line 2: unknown site 'Example site' on lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 21 "
        "more (the initiative has no sites yet); add it first (scaletrack site add 'Example "
        "site')")
    assert run.count("sites") == 0
