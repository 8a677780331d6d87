"""A long listing written as its rows come, in the same formats as ``tables``.

``tables.render`` builds the whole text at once, which is right for a status
of a few hundred sites and wrong for an event log of a million rows.  Here
each row is written and dropped.  A table cannot know its column widths
before the end, so it takes them from a bounded first batch and cuts wider
text cells later on (numbers and dates are never cut; a longer one only
pushes its row out of line).  CSV and JSON come out byte for byte as
``tables.render`` would write them.

``write_tuples`` is the fast path for rows that are already plain: tuples in
column order holding only text, integers and None (dates already in ISO
form), as the event log is read.  CSV then goes to the csv module untouched
and JSON is encoded a batch at a time, column by column; the output is the
same bytes as ``write_rows`` gives for the same rows as dicts.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice, repeat
from json.encoder import encode_basestring
from types import SimpleNamespace

from tracker.tables import _cell, plain, to_json
from tracker.textsafe import guard_batch, guard_cell

FIRST_BATCH = 500
MAX_WIDTH = 60


def write_rows(rows: Iterable[dict], columns: Sequence[str], fmt: str,
               write: Callable[[str], object], first_batch: int = FIRST_BATCH) -> int:
    """Write ``rows`` as a table, CSV or a JSON array; returns how many were written."""
    if fmt == "csv":
        return _csv(rows, columns, write)
    if fmt == "json":
        return _json(rows, columns, write)
    return _table(iter(rows), columns, write, first_batch)


class _Count:
    def __init__(self, rows: Iterable):
        self.rows, self.n = rows, 0

    def __iter__(self) -> Iterator:
        for row in self.rows:
            self.n += 1
            yield row


def _csv(rows, columns, write) -> int:
    writer = csv.writer(SimpleNamespace(write=write), lineterminator="\n")
    writer.writerow(columns)
    counted = _Count(rows)
    writer.writerows(["" if row.get(c) is None else guard_cell(plain(row.get(c)))
                      for c in columns] for row in counted)
    return counted.n


def _json(rows, columns, write) -> int:
    n = 0
    for row in rows:
        item = to_json({c: plain(row.get(c)) for c in columns}).rstrip("\n")
        write(("[\n  " if n == 0 else ",\n  ") + item.replace("\n", "\n  "))
        n += 1
    write("\n]\n" if n else "[]\n")
    return n


def _fit(value, width: int) -> str:
    text = _cell(value)
    if len(text) > width and isinstance(value, str):
        return text[: width - 3] + "..." if width > 3 else text[:width]
    return text


def _table(rows: Iterator[dict], columns, write, first_batch: int) -> int:
    return _tuple_table((tuple(map(row.get, columns)) for row in rows), columns, write,
                        first_batch)


def _tuple_table(rows: Iterator[tuple], columns, write, first_batch: int) -> int:
    rows = iter(rows)
    first = list(islice(rows, first_batch))
    widths = [len(c) for c in columns]
    for row in first:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], min(len(_cell(value)), MAX_WIDTH))

    def line(cells) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() + "\n"

    write(line(columns) + "  ".join("-" * w for w in widths) + "\n")
    n = 0
    for batch in (first, rows):
        for row in batch:
            write(line([_fit(value, w) for value, w in zip(row, widths)]))
            n += 1
    return n


# -- rows that are already plain ---------------------------------------------------

BATCH = 2000


def write_tuples(rows: Iterable[tuple], columns: Sequence[str], fmt: str,
                 write: Callable[[str], object], first_batch: int = FIRST_BATCH) -> int:
    """``write_rows`` for tuples in ``columns`` order holding only str, int, bool and None."""
    rows = iter(rows)
    if fmt == "table":
        return _tuple_table(rows, columns, write, first_batch)
    n = 0
    if fmt == "csv":
        writer = csv.writer(SimpleNamespace(write=write), lineterminator="\n")
        writer.writerow(columns)
        every = range(len(columns))
        while batch := list(islice(rows, BATCH)):
            guard_batch(batch, every)  # the formula guard, as tables.to_csv has it
            writer.writerows(batch)  # the csv module writes None as an empty cell
            n += len(batch)
        return n
    # each row as to_json writes a dict of them, indented one level more
    item = ("{\n    " + ",\n    ".join(f"{encode_basestring(c)}: %s" for c in columns)
            + "\n  }")
    while batch := list(islice(rows, BATCH)):
        items = map(item.__mod__, zip(*map(_json_column, zip(*batch))))
        write(("[\n  " if n == 0 else ",\n  ") + ",\n  ".join(items))
        n += len(batch)
    write("\n]\n" if n else "[]\n")
    return n


def _json_column(values: tuple):
    """A column's values as JSON, by the encoder's own functions for their types."""
    kinds = set(map(type, values))
    if kinds == {str}:
        return map(encode_basestring, values)
    if kinds == {type(None)}:
        return repeat("null", len(values))
    if kinds <= {int, type(None)}:
        return ["null" if v is None else int.__repr__(v) for v in values]
    if kinds == {str, type(None)}:
        return ["null" if v is None else encode_basestring(v) for v in values]
    if kinds <= {bool}:  # events list's in_force
        return ["true" if v else "false" for v in values]
    return [json.dumps(v, ensure_ascii=False) for v in values]
