"""The columns of an export, and the guard that keeps a cell from running as a formula.

One row per event, in stable columns documented in ``events.schema.json``
(shipped with the package).  Exports meant for spreadsheets are made safe: a
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is prefixed with an apostrophe so Excel shows it instead of running it, and
import takes the apostrophe off again.  So that this is exact for every
string, a value that already starts with apostrophes followed by one of
those characters (``'=x``) gets one more, and import takes exactly one off
(``''=x`` -> ``'=x``); any other apostrophe is left alone.  JSON Lines is
for scripts, and is neither neutralised nor restored.
"""

from __future__ import annotations

import json
from importlib import resources

from tracker.rules import EVENT_KINDS
# The guard itself lives with the other output escapes; every CSV scaletrack writes uses it.
from tracker.textsafe import DANGEROUS, neutralise, restore  # noqa: F401

COLUMNS = ("event_id", "initiative", "framework_id", "framework_version", "site", "stage",
           "checkpoint", "kind", "rating", "occurred_on", "recorded_at", "recorded_by", "note",
           "evidence", "retracts", "source", "due_on", "region", "initiative_uid", "site_uid",
           "merged_into")
# A spreadsheet a person fills in (``events template``) needs only these; its
# ``status`` column is the export's ``kind``, and an empty one means done.
PERSON_COLUMNS = ("site", "checkpoint", "status", "rating", "occurred_on", "note", "evidence")
ACCEPTED = COLUMNS + ("status",)
REQUIRED = ("site",)
QUOTE_LIMIT = 60
# Besides events, a full export carries a row per site (kind 'site': its region and the
# date it joined, in occurred_on), per retired site (kind 'retired': the date it was
# retired, in occurred_on) and per plan (kind 'plan': stage, due_on, and the day it was
# set, in occurred_on), and per site merged into another (kind 'merged': the site it was
# merged into in merged_into, the day in occurred_on), so that an import reproduces every
# analysis exactly.  A site row also carries the initiative's and the site's stable
# identifiers (``initiative_uid``, ``site_uid``), which a quarterly return is matched by;
# files written before they existed import as they always did.
ROW_KINDS = EVENT_KINDS + ("site", "retired", "plan", "merged")


def quoted(value: str, limit: int = QUOTE_LIMIT) -> str:
    """A value as an error message quotes it: in quotes, and cut short when long."""
    text = value if len(value) <= limit else value[:limit] + f"... ({len(value)} characters)"
    return f"'{text}'"


def schema() -> dict:
    """The machine-readable description of the columns (a Frictionless Table Schema)."""
    text = (resources.files("tracker") / "events.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def text_cell(value) -> str | None:
    """A free-text cell, empty as None (CSV cells are restored as they are read)."""
    return value or None
