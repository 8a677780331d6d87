"""The columns of an export, and the guard that keeps a cell from running as a formula.

One row per event, in stable columns documented in ``events.schema.json``
(shipped with the package).  Exports meant for spreadsheets are made safe: a
cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is prefixed with an apostrophe so Excel shows it instead of running it, and
import takes the apostrophe off again.
"""

from __future__ import annotations

import json
from importlib import resources

from tracker.store.schema import EVENT_KINDS

COLUMNS = ("event_id", "initiative", "framework_id", "framework_version", "site", "stage",
           "checkpoint", "kind", "rating", "occurred_on", "recorded_at", "recorded_by", "note",
           "evidence", "retracts", "source", "due_on", "region")
REQUIRED = ("site", "kind")
# Besides events, a full export carries a row per site (kind 'site': its region and the
# date it joined, in occurred_on) and per plan (kind 'plan': stage, due_on, and the day
# it was set, in occurred_on), so that an import reproduces every analysis exactly.
ROW_KINDS = EVENT_KINDS + ("site", "plan")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def schema() -> dict:
    """The machine-readable description of the columns (a Frictionless Table Schema)."""
    text = (resources.files("tracker") / "events.schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def neutralise(value: str) -> str:
    return "'" + value if value and value.startswith(DANGEROUS) else value


def restore(value: str) -> str:
    return value[1:] if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r" else value


def text_cell(value) -> str | None:
    """A free-text cell: the spreadsheet guard removed, empty as None."""
    if not value:
        return None
    return restore(value) if value[0] == "'" else value
