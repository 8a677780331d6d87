"""What a return workbook looks like: the contract between making and reading it.

A workbook has three sheets: ``Cover`` (what it is and how to fill it in, and
one input cell, the name of whoever filled it in), ``Return`` (one row per
checkpoint, with the columns below) and a hidden sheet, ``scaletrack``, that
holds what the return is for (``IDENTITY`` keys: the initiative's and site's
uids, the period, the dates) and, for each row of ``Return``, its key and the
text of every cell scaletrack filled in and locked.  Reading compares the
locked cells with that text, so a row edited in a locked column is found even
where a spreadsheet program ignored the protection.
"""

from __future__ import annotations

FORMAT = "scaletrack-return 1"
COVER, RETURN, HIDDEN = "Cover", "Return", "scaletrack"
HEADERS = ("Checkpoint", "Stage", "What counts as done", "Status now",
           "New status or rating", "Date", "Note", "Evidence")
LETTERS = "ABCDEFGH"
CHECKPOINT, STAGE, WHAT, NOW, NEW, DATE, NOTE, EVIDENCE = range(8)
LOCKED = (CHECKPOINT, STAGE, WHAT, NOW)  # filled in by scaletrack
INPUTS = (NEW, DATE, NOTE, EVIDENCE)
TICKED_CHOICES = ("done", "started", "blocked")
# The identity rows of the hidden sheet, in order: (key, value) in columns A and B.
IDENTITY = ("format", "initiative_uid", "initiative", "site_uid", "site", "framework_id",
            "framework_version", "period", "period_start", "period_end", "as_of", "made_on",
            "due_on", "earliest", "contact")
# Below them, a row "rows" and then one row per Return row:
# Return row number, key, kind (ticked / rated / plan), and the locked cells' text as a
# JSON list in one cell (one cell, not four: a workbook is a quarter smaller and quicker).
ROWS_MARK = "rows"
PLAN_KEY = "plan:"  # a plan row's key: plan:<stage id>
PLAN_LABEL = "Planned completion"
PLAN_NEW = "(put the date in Date)"
NAME_LABEL = "Your name (optional)"
NAME_CELL = "B13"  # the cover's one input cell; making.py lays the cover out to match
DATE_FORMAT = "D MMM YYYY"


def cell(column: int, row: int) -> str:
    return f"{LETTERS[column]}{row}"
