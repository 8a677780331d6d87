"""Stored text made safe for where it is shown: a spreadsheet, Markdown, a terminal.

Names and notes are typed by people and imported from files, so they can hold
anything: ``=HYPERLINK(...)`` that a spreadsheet would run, ``<img onerror=...>``
or ``[Leeds](https://evil.example)`` that a Markdown viewer would render, an
ESC or a right-to-left override that would recolour or reorder the terminal.
Each output escapes what its reader would act on, and nothing else:

- ``neutralise``/``restore``: the spreadsheet formula guard for every CSV
  scaletrack writes (an apostrophe before ``= + - @``, tab or CR, which import
  takes off again, exactly); ``guard_batch`` does it a column of a batch at a
  time for long listings;
- ``markdown_text``: text for a Markdown document, shown as typed, never markup;
- ``terminal_text``: a message for the terminal with control characters shown
  as escapes (the table cells' rule, ``tables.shown``, without joining lines).

No imports beyond the standard library and ``tables``: the command line loads it.
"""

from __future__ import annotations

import re
from operator import itemgetter

from tracker.tables import _CONTROLS

# -- spreadsheets --------------------------------------------------------------

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
# A cell can need the guard only if it starts with one of these (see neutralise).
GUARD_FIRST = frozenset("'=+-@\t\r")


def _guarded(value: str) -> bool:
    """Whether the value, past any apostrophes it starts with, would run as a formula."""
    return value.lstrip("'").startswith(DANGEROUS)


def neutralise(value: str) -> str:
    """The CSV cell for a value: an apostrophe in front when a spreadsheet would run it.

    So that this is exact for every string, a value that already starts with
    apostrophes followed by one of those characters (``'=x``) gets one more, and
    ``restore`` takes exactly one off (``''=x`` -> ``'=x``)."""
    return "'" + value if value and _guarded(value) else value


def restore(value: str) -> str:
    """The value of a CSV cell written by ``neutralise``: exactly its inverse."""
    return value[1:] if value[:1] == "'" and _guarded(value) else value


def guard_cell(value):
    """A value about to go into a CSV cell: text neutralised, anything else as it is."""
    return neutralise(value) if value.__class__ is str else value


def guard_batch(batch: list[tuple], columns) -> None:
    """Put neutralise's apostrophe in front of every cell of the batch (a list of tuples,
    changed in place) that needs it, looking only at the given column indexes."""
    for i in columns:
        column = itemgetter(i)
        if _may_need_guard(batch, column):
            for k, value in enumerate(map(column, batch)):
                if value.__class__ is str and value[:1] in GUARD_FIRST:
                    guarded = neutralise(value)
                    if guarded is not value:
                        row = batch[k]
                        batch[k] = (*row[:i], guarded, *row[i + 1:])


def _may_need_guard(batch: list[tuple], column: itemgetter) -> bool:
    """Whether any cell of a column of the batch could need the guard.

    Every character the guard looks for (an apostrophe, a tab, a carriage return,
    ``= + - @``) sorts before 'A' and none is a digit, so when the smallest non-empty
    text starts with 'A' or later, or every one starts with a digit, no cell does;
    ``min`` and ``max`` find that out at the speed of C.
    """
    try:  # None and "" never need it
        low = min(filter(None, map(column, batch)), default="A")
    except TypeError:  # text mixed with numbers
        return True
    if low.__class__ is not str:  # numbers only
        return False
    return low < "A" and not ("0" <= low and max(filter(None, map(column, batch))) < ":")


# -- Markdown ------------------------------------------------------------------

# Characters Markdown (CommonMark, GitHub's tables) or the HTML inside it act on
# anywhere in a line: emphasis, code, links and images, raw HTML, entities, table
# cells, strikethrough.  Each is shown as typed after a backslash.
_MARKDOWN_INLINE = re.compile(r"([\\`*_\[\]<>&|~])")
# ... and at the start of a line only: headings, lists, quotes, numbered lists.
_MARKDOWN_START = re.compile(r"^([#+\-=>])")
_MARKDOWN_NUMBERED = re.compile(r"^(\d+)([.)])")  # "1. x": the mark is escaped, not the digit


def markdown_text(text) -> str:
    """Stored text for a Markdown document: one line, every character shown as typed.

    ``<img src=x onerror=...>`` stays text, ``[Leeds](https://evil.example)`` stays
    the brackets and the address rather than a link named Leeds, and terminal
    controls are shown escaped as in a table."""
    one_line = " ".join(str(text).split()).translate(_CONTROLS)
    escaped = _MARKDOWN_INLINE.sub(r"\\\1", one_line)
    return _MARKDOWN_NUMBERED.sub(r"\1\\\2", _MARKDOWN_START.sub(r"\\\1", escaped))


# -- terminal messages -----------------------------------------------------------

# The table cells' escapes, but a message keeps its line breaks.
_MESSAGE = {c: e for c, e in _CONTROLS.items() if c != 0x0A}


def terminal_text(text: str) -> str:
    """A message for the terminal: ESC, C1 controls, bidirectional overrides and other
    controls shown as escapes (``\\x1b``, ``\\u202e``), line breaks kept."""
    return text.translate(_MESSAGE)
