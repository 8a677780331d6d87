"""Sites: the listings, and looking after sites (rename, edit, retire) through the CLI.

Every test runs on SQLite and, when a server is given, PostgreSQL (the ``run``
fixture).  Dates are fixed and in the past, so the tests do not move with the
calendar.
"""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def mini(run):
    run("initiative", "create", "Mini", "--framework", "mini", "--started", "2026-01-01")
    run("site", "add", "Alpha", "--region", "North", "--joined", "2026-01-01")
    run("site", "add", "Beta")
    return run


def test_listings_count_sites_and_events_per_initiative(mini):
    mini("initiative", "create", "Other", "--framework", "mini")
    mini("site", "add", "Gamma", "-i", "Other")
    mini("log", "Alpha", "plan.a", "--on", "2026-01-02", "-i", "Mini")
    mini("log", "Alpha", "plan.b", "--on", "2026-01-03", "-i", "Mini")
    mini("log", "Beta", "plan.a", "--on", "2026-01-04", "-i", "Mini")
    mini("events", "retract", "2", "-i", "Mini")  # a retraction is an event too
    rows = json.loads(mini("initiative", "list", "--format", "json").stdout)
    assert [(r["name"], r["sites"], r["events"]) for r in rows] == [("Mini", 2, 4),
                                                                    ("Other", 1, 0)]
    rows = json.loads(mini("site", "list", "-i", "Mini", "--format", "json").stdout)
    assert [(r["site"], r["events"]) for r in rows] == [("Alpha", 3), ("Beta", 1)]
    assert mini("site", "list", "-i", "Other", "--format", "csv").stdout == (
        "site,region,joined,events\nGamma,,,0\n")
