"""Names are compared as people read them, the same way in every path (issue 23 item 4).

"Ynys Môn" typed with a combining accent (NFD), or "Leeds" with a zero-width space,
joiner or right-to-left mark pasted in, looks exactly like the site already there:
``log``, import, ``site add``, ``rename``, ``plan``, ``next``, ``gaps --site`` and
``-i`` all find the existing name, and nothing stores the invisible characters.
"""

from __future__ import annotations

import unicodedata

import pytest

from tracker.rules import clean_name, look_alike, name_key, plain_name

NFC = "Ynys Môn"
NFD = unicodedata.normalize("NFD", NFC)
INVISIBLES = {"zero-width space": "\u200b", "zero-width joiner": "\u200d",
              "zero-width non-joiner": "\u200c", "word joiner": "\u2060",
              "byte order mark": "\ufeff", "right-to-left mark": "\u200f",
              "left-to-right mark": "\u200e", "right-to-left override": "\u202e",
              "first strong isolate": "\u2068", "arabic letter mark": "\u061c"}
LOOKS_LIKE_LEEDS = [pytest.param(f"Le{ch}eds", id=what) for what, ch in INVISIBLES.items()]
LOOKS_LIKE_LEEDS.append(pytest.param("\u200fLeeds\u200b", id="marks at both ends"))


def test_plain_name_normalises_and_strips_what_cannot_be_seen():
    assert NFD != NFC and plain_name(NFD) == NFC
    for ch in INVISIBLES.values():
        assert plain_name(f"Le{ch}eds") == "Leeds"
        assert name_key(f"LE{ch}EDS") == name_key("leeds") == "leeds"
        assert look_alike(f"Le{ch}eds") == "leeds"
    assert clean_name(f" {NFD}\u200b ", "site") == NFC
    assert name_key(NFD) == name_key(NFC.upper())


@pytest.fixture
def two(run):
    run("initiative", "create", "Cymru", "--framework", "mini")
    run("site", "add", NFC)
    run("site", "add", "Leeds")
    return run


def _sites(run):
    return sorted(r[0] for r in run.rows("SELECT name FROM sites"))


def _events_by_site(run):
    return sorted(run.rows("SELECT s.name, count(*) FROM events e JOIN sites s "
                           "ON s.id = e.site_id GROUP BY s.name"))


@pytest.mark.parametrize("typed", [NFD, *LOOKS_LIKE_LEEDS])
def test_log_finds_the_site_that_looks_the_same(two, typed):
    r = two("log", typed, "plan.a", "--on", "2026-01-05")
    meant = NFC if typed == NFD else "Leeds"
    assert r.stderr.startswith(f"Logged event 1: {meant}, plan.a done on 2026-01-05")
    assert _events_by_site(two) == [(meant, 1)]
    assert _sites(two) == sorted([NFC, "Leeds"])


@pytest.mark.parametrize("typed", [NFD, *LOOKS_LIKE_LEEDS])
def test_import_puts_the_row_on_the_site_that_looks_the_same(two, typed, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(f"site,checkpoint,occurred_on\n{typed},plan.a,2026-01-05\n",
                    encoding="utf-8")
    r = two("events", "import", str(path))
    assert "new site" not in r.stderr.lower()
    meant = NFC if typed == NFD else "Leeds"
    assert _events_by_site(two) == [(meant, 1)]
    assert _sites(two) == sorted([NFC, "Leeds"])  # no second, identical-looking site


@pytest.mark.parametrize("typed", [NFD, *LOOKS_LIKE_LEEDS])
def test_site_add_refuses_the_same_name_typed_invisibly_differently(two, typed):
    r = two("site", "add", typed, code=2)
    meant = NFC if typed == NFD else "Leeds"
    assert r.stderr.strip() == (f"Error: initiative 'Cymru' already has a site called "
                                f"'{meant}' (site names ignore case)")
    assert _sites(two) == sorted([NFC, "Leeds"])


def test_a_new_name_is_stored_without_invisible_characters(two):
    r = two("site", "add", "Brad\u200bford\u200f")
    assert r.stderr.startswith("Added site 'Bradford' to 'Cymru'.")
    two("site", "rename", "Bradford", unicodedata.normalize("NFD", "Bradförd"))
    names = _sites(two)
    assert "Bradförd" in names and all(unicodedata.is_normalized("NFC", n) for n in names)
    assert two.rows("SELECT name_key FROM sites WHERE name = 'Bradförd'") == [("bradförd",)]


def test_rename_finds_the_old_name_typed_another_way(two):
    two("site", "rename", NFD, "Anglesey")
    assert _sites(two) == ["Anglesey", "Leeds"]
    r = two("site", "rename", "Leeds", "Le\u200beds", code=2)
    assert "already called that" in r.stderr


def test_plan_next_gaps_and_events_list_find_the_site(two):
    two("log", "Leeds", "plan.a", "--on", "2026-01-05")
    two("plan", "Le\u200deds", "plan", "--due", "2027-01-01", "--on", "2026-01-05")
    assert two.rows("SELECT s.name FROM events p JOIN sites s ON s.id = p.site_id "
                    "WHERE p.kind = 'plan'") == [("Leeds",)]
    out = two("next", "\u200fLeeds", "--format", "csv").stdout
    assert out.splitlines()[1].startswith("Leeds,plan,")
    gaps = two("gaps", "--site", NFD, "--format", "csv").stdout.splitlines()
    assert len(gaps) > 1 and all(line.startswith(f"{NFC},") for line in gaps[1:])
    listed = two("events", "list", "--site", "LEEDS\u200b", "--format", "csv").stdout
    assert len(listed.splitlines()) == 3  # the header, the event and the plan


def test_initiatives_too(run):
    run("initiative", "create", NFC, "--framework", "mini")
    r = run("initiative", "create", NFD, "--framework", "mini", code=2)
    assert r.stderr.strip() == f"Error: an initiative called '{NFC}' already exists; " \
                               "choose another name"
    run("initiative", "create", "Other\u200b", "--framework", "mini")
    assert sorted(r[0] for r in run.rows("SELECT name FROM initiatives")) == ["Other", NFC]
    run("site", "add", "Leeds", "-i", NFD)
    run("log", "Leeds", "plan.a", "-i", f"{NFC.upper()}\u200e", "--on", "2026-01-05")
    assert run.rows("SELECT i.name FROM events e JOIN initiatives i "
                    "ON i.id = e.initiative_id") == [(NFC,)]


def test_names_stored_before_normalising_are_still_found(two, tmp_path):
    """An older database may hold a name as typed (NFD, a zero-width space) with its key
    made the old way; look-ups and the duplicate checks still find it, without a
    migration."""
    initiative = two.rows("SELECT id FROM initiatives")[0][0]
    old = "Brad\u200bford"
    _insert_site(two, initiative, NFD.replace("Ynys", "Sir"), old)
    two("log", "Sir Môn", "plan.a", "--on", "2026-01-05")
    two("log", "bradford", "plan.b", "--on", "2026-01-05")
    path = tmp_path / "rows.csv"
    path.write_text("site,checkpoint,occurred_on\nSir Môn,plan.b,2026-01-06\n"
                    "Bradford,plan.a,2026-01-06\n", encoding="utf-8")
    two("events", "import", str(path))
    counts = dict(two.rows("SELECT s.name_key, count(*) FROM events e JOIN sites s "
                           "ON s.id = e.site_id GROUP BY s.name_key"))
    assert counts == {NFD.replace("Ynys", "Sir").casefold(): 2, old.casefold(): 2}
    r = two("site", "add", "Bradford", code=2)
    assert "already has a site called" in r.stderr
    assert len(_sites(two)) == 4


def _insert_site(run, initiative: int, *names: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(run.url)
    with engine.begin() as conn:
        for name in names:
            conn.execute(text("INSERT INTO sites (initiative_id, name, name_key, created_at) "
                              "VALUES (:i, :n, :k, '2026-01-01 00:00:00')"),
                         {"i": initiative, "n": name, "k": name.strip().casefold()})
    engine.dispose()


def test_twins_made_before_normalising_resolve_alike_in_log_and_import(two, tmp_path):
    """A database where the old import bug made a second, NFD 'Ynys Môn': log and import
    both choose the site whose stored key is today's (``site merge`` can join the two)."""
    initiative = two.rows("SELECT id FROM initiatives")[0][0]
    _insert_site(two, initiative, NFD)
    two("log", NFD, "plan.a", "--on", "2026-01-05")
    path = tmp_path / "rows.csv"
    path.write_text(f"site,checkpoint,occurred_on\n{NFD},plan.b,2026-01-06\n", encoding="utf-8")
    two("events", "import", str(path))
    assert two.rows("SELECT DISTINCT s.name_key FROM events e JOIN sites s "
                    "ON s.id = e.site_id") == [(name_key(NFC),)]
