"""``site add`` refuses a name that is an existing site typed another way."""

from __future__ import annotations

import pytest

from tracker.rules import look_alike


def test_look_alike_folds_case_accents_and_spacing():
    assert look_alike("Ynys Môn") == look_alike("ynys mon") == "ynys mon"
    assert look_alike("  Rhondda   Cynon Taf ") == "rhondda cynon taf"
    assert look_alike("Bournemouth, Christchurch and Poole") != look_alike("Bournemouth")


@pytest.fixture
def welsh(run):
    run("initiative", "create", "Cymru", "--framework", "mini")
    run("site", "add", "Ynys Môn")
    return run


@pytest.mark.parametrize("typed", ["Ynys Mon", "YNYS MON"])
def test_near_duplicate_is_refused_naming_the_existing_site(welsh, typed):
    r = welsh("site", "add", typed, code=2)
    assert r.stderr.strip() == (
        f"Error: initiative 'Cymru' already has a site called 'Ynys Môn', which differs from "
        f"'{typed}' only in accents or spacing; use that name, or add --force if they really "
        "are two sites")
    assert welsh.rows("SELECT name FROM sites") == [("Ynys Môn",)]


def test_force_adds_it_anyway(welsh):
    welsh("site", "add", "Ynys Mon", "--force")
    assert sorted(welsh.rows("SELECT name FROM sites")) == [("Ynys Mon",), ("Ynys Môn",)]


def test_same_name_in_another_case_is_still_the_exact_clash(welsh):
    r = welsh("site", "add", "ynys môn", code=2)
    assert r.stderr.strip() == ("Error: initiative 'Cymru' already has a site called 'Ynys Môn' "
                                "(site names ignore case)")
