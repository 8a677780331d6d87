"""Export and import the event log as tidy CSV or JSON Lines.

``columns``: the stable, documented columns and the spreadsheet guard.
``export``: an initiative's sites, plans and events as rows.
``reading``: a file, CSV or JSONL, as (line, row) pairs, with the line of
each problem.  ``checking``: one row checked against the initiative's
framework and turned into the values to store.  ``background``: the reading
and checking of a large file moved to a second process.  ``importing``: the
all-or-nothing, idempotent import itself, with ``import_result`` (what it
found and did) and ``import_writes`` (its plans, retractions and own events).
"""

from tracker.exchange.columns import COLUMNS, neutralise, restore, schema
from tracker.exchange.export import Exported, export_rows, export_to_file, write_export
from tracker.exchange.importing import ImportProblems, ImportResult, import_file

__all__ = ["COLUMNS", "Exported", "ImportProblems", "ImportResult", "export_rows",
           "export_to_file", "import_file", "neutralise", "restore", "schema", "write_export"]
