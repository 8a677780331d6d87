"""Render rows as an aligned text table, CSV or JSON.

Tables are for people (dates as YYYY-MM-DD, blanks as '-', no colour); CSV and
JSON are for scripts and keep stable keys and ISO dates.  CSV cells that a
spreadsheet would run as a formula get an apostrophe in front (``textsafe``).  The report writer
uses the same functions, so a CSV beside a chart is exactly what
``--format csv`` prints.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence

FORMATS = ("table", "csv", "json")


def plain(value):
    """A value as JSON and CSV carry it."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 4)
    return value


def to_json(document) -> str:
    def default(value):
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        raise TypeError(f"cannot write {type(value).__name__} as JSON")
    return json.dumps(document, indent=2, ensure_ascii=False, default=default) + "\n"


def to_csv(rows: Iterable[dict], columns: Sequence[str]) -> str:
    """CSV with the spreadsheet formula guard on every text cell (``textsafe.neutralise``):
    a site named ``=HYPERLINK(...)`` is shown, not run, by whoever opens the file."""
    from tracker.textsafe import guard_cell  # it reads this module's escapes

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else guard_cell(plain(row.get(c)))
                         for c in columns])
    return out.getvalue()


# Control characters (ESC, BEL, NUL, ...) and the bidirectional overrides, shown as
# escapes: a note must not be able to recolour, clear or retitle the reader's terminal.
_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROLS.update({c: f"\\u{c:04x}" for c in (0x200E, 0x200F, *range(0x202A, 0x202F),
                                             *range(0x2066, 0x206A))})




def shown(text: str) -> str:
    """Text as a table shows it: whitespace runs as one space, controls escaped."""
    return " ".join(text.split()).translate(_CONTROLS)


def _cell(value) -> str:
    if value is None or value == "":
        return "-"
    if isinstance(value, float):
        return f"{value:.0%}" if 0 <= value <= 1 else f"{value:g}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return shown(str(value))


def to_table(rows: Iterable[dict], columns: Sequence[str],
             headers: Sequence[str] | None = None, max_width: int = 60) -> str:
    headers = list(headers or columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            text = _cell(row.get(c))
            if len(text) > max_width:
                text = text[: max_width - 3] + "..."
            cells.append(text)
        body.append(cells)
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for cells in body:
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip())
    return "\n".join(lines) + "\n"


def render(rows: list[dict], columns: Sequence[str], fmt: str, *, document=None,
           headers: Sequence[str] | None = None) -> str:
    """One listing in the chosen format; ``document`` overrides the JSON shape."""
    if fmt == "json":
        return to_json(document if document is not None else
                       [{c: plain(r.get(c)) for c in columns} for r in rows])
    if fmt == "csv":
        return to_csv(rows, columns)
    return to_table(rows, columns, headers)
