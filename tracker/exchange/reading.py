"""A file of rows, CSV or JSON Lines, read as (line number, row) pairs.

Problems with the file itself (not UTF-8, broken CSV, a row with the wrong
number of cells, a line that is not a JSON object, a value that is not text,
a NUL character) come out in the same stream as (line number, problem text),
so the import can list every one.  CSV cells come out with the spreadsheet
guard taken off (``columns.restore``); JSON Lines values exactly as written.

A CSV file may be separated by commas, semicolons (what Excel writes where
the decimal mark is a comma) or tabs: the header says which.  A cell may be
as long as a string scaletrack can store (a note of a megabyte exports and
must import again), so Python's default limit of 131,072 characters is lifted.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from tracker.errors import BadInput
from tracker.exchange.columns import ACCEPTED, COLUMNS, REQUIRED, quoted, restore

DELIMITERS = (",", ";", "\t")
FIELD_LIMIT = 2**31 - 1  # the largest a C long holds everywhere, Windows included
NUMBER_FIELDS = ("event_id", "retracts")  # JSON may give these as numbers
SHOWN = 10  # unknown or repeated column names an error lists


def _detect(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{") else "csv"


def _utf16(head: bytes) -> str | None:
    """'UTF-16' when the first bytes are text with a NUL beside every character (with or
    without a byte-order mark): its names would otherwise be shown with raw NUL bytes."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    pairs = len(head) // 2
    if pairs < 4:
        return None
    even, odd = head[0:pairs * 2:2], head[1:pairs * 2:2]
    if (odd.count(0) >= pairs * 0.9 and even.count(0) == 0) or \
            (even.count(0) >= pairs * 0.9 and odd.count(0) == 0):
        return "UTF-16"
    return None


class _Marks:
    """The last line that held an apostrophe and the last that held a NUL, so the
    per-cell work is done only for the rows that need it."""

    quote = 0
    nul = 0
    bad = 0  # the line that was not UTF-8, if one was


def records(path: Path, on_bytes: Callable[[int], None] | None = None
            ) -> Iterator[tuple[int, dict | str]]:
    """(line number, row as a dict of strings) or (line number, problem text)."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    with raw:
        head = raw.read(64)
        wide = _utf16(head)
        if wide:
            raise BadInput(f"{path} is {wide} text (two bytes a character), not UTF-8; save "
                           "it as UTF-8 (Excel: 'CSV UTF-8') and import it again")
        fmt = _detect(path, head)
        raw.seek(0)
        marks = _Marks()
        text = _decoded_lines(raw, marks, on_bytes)
        if fmt == "jsonl":
            yield from _json_records(text)
        else:
            yield from _csv_records(text, marks)
        if marks.bad:
            yield marks.bad, "not UTF-8 text; save the file as UTF-8 (Excel: 'CSV UTF-8')"


def _decoded_lines(raw, marks: _Marks, on_bytes: Callable[[int], None] | None = None
                   ) -> Iterator[str]:
    """The file's lines as text; stops at the first line that is not UTF-8 and notes it.

    ``on_bytes`` hears how much of the file has been read, a megabyte at a time
    (once a row, a progress bar would cost more than the checking).
    """
    pending = 0
    for number, data in enumerate(raw, start=1):
        if on_bytes:
            pending += len(data)
            if pending >= 1 << 20:
                on_bytes(pending)
                pending = 0
        if number == 1 and data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        if b"'" in data:
            marks.quote = number
        if b"\x00" in data:
            marks.nul = number
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError:
            marks.bad = number
            return
    if on_bytes and pending:
        on_bytes(pending)


def _nul_problem(names, values) -> str | None:
    for name, value in zip(names, values):
        if "\x00" in value:
            return (f"{name} contains a NUL character (\\x00), which cannot be stored; "
                    "remove it")
    return None


def _json_records(text: Iterator[str]) -> Iterator[tuple[int, dict | str]]:
    for line, chunk in enumerate(text, start=1):
        if not chunk.strip():
            continue
        try:
            obj = json.loads(chunk)
        except json.JSONDecodeError as exc:
            yield line, f"not valid JSON ({exc.msg})"
            continue
        except RecursionError:
            yield line, "not valid JSON for an import (nested too deeply)"
            continue
        if not isinstance(obj, dict):
            yield line, "each line must be a JSON object"
            continue
        problem = _json_problem(obj)
        if problem:
            yield line, problem
            continue
        if "status" in obj:  # a person's name for the export's kind, as in CSV
            obj["kind"] = obj.pop("status")
        yield line, {k: "" if v is None else v if isinstance(v, str) else str(v)
                     for k, v in obj.items()}


def _json_problem(obj: dict) -> str | None:
    unknown = [k for k in obj if k not in ACCEPTED]
    if unknown:
        return (f"unknown field(s) {_names(unknown)} (fields: {', '.join(COLUMNS)})")
    if "kind" in obj and "status" in obj:
        return "both 'kind' and 'status' fields: keep one"
    for key, value in obj.items():
        if value is None or isinstance(value, str):
            continue
        if key in NUMBER_FIELDS and isinstance(value, int) and not isinstance(value, bool):
            continue
        what = {bool: "true or false", dict: "an object", list: "a list",
                float: "a number", int: "a number"}.get(type(value), "not text")
        return f"{key} must be text (a JSON string), not {what}"
    strings = [(k, v) for k, v in obj.items() if isinstance(v, str)]
    return _nul_problem([k for k, _ in strings], [v for _, v in strings])


def _names(names: list[str]) -> str:
    shown = ", ".join(quoted(n, 40) for n in names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def _delimiter(first: str) -> str:
    """The delimiter under which the header names the most known columns."""
    def known(delimiter: str) -> int:
        try:
            cells = next(csv.reader([first], delimiter=delimiter), [])
        except csv.Error:
            return -1
        return sum(c.strip() in ACCEPTED for c in cells)

    return max(DELIMITERS, key=known)  # ties go to the comma, listed first


def _header_problem(header: list[str]) -> str | None:
    unknown = [h for h in header if h not in ACCEPTED]
    missing = [c for c in REQUIRED if c not in header]
    counts = Counter(header)
    repeated = [h for h, n in counts.items() if n > 1 and h in ACCEPTED]
    parts = []
    if missing:
        parts.append(f"missing column(s) {', '.join(missing)}")
    if unknown:
        parts.append(f"unknown column(s) {_names(unknown)}")
    if repeated:
        parts.append(f"column(s) {_names(repeated)} appear more than once")
    if "kind" in header and "status" in header:
        parts.append("both 'kind' and 'status' columns: keep one")
    if parts:
        return "; ".join(parts) + f" (columns: {', '.join(COLUMNS)})"
    return None


def _csv_records(text: Iterator[str], marks: _Marks) -> Iterator[tuple[int, dict | str]]:
    csv.field_size_limit(FIELD_LIMIT)
    try:
        first = next(text)
    except StopIteration:
        if not marks.bad:
            yield 1, "the file is empty"
        return
    reader = csv.reader(itertools.chain([first], text), delimiter=_delimiter(first))
    try:
        try:
            header = next(reader)
        except StopIteration:
            yield 1, "the file is empty"
            return
        header = [h.strip() for h in header]
        problem = _header_problem(header)
        if problem:
            yield 1, problem
            return
        if "status" in header:
            header = ["kind" if h == "status" else h for h in header]
        width, done = len(header), reader.line_num
        for row in reader:
            line, start, done = reader.line_num, done, reader.line_num
            if not row:
                continue
            if len(row) != width:
                yield line, f"{len(row)} cells where the header has {width}"
                continue
            if marks.nul > start:
                problem = _nul_problem(header, row)
                if problem:
                    yield line, problem
                    continue
            if marks.quote > start:
                row = [restore(c) if c[:1] == "'" else c for c in row]
            yield line, dict(zip(header, row))
    except csv.Error as exc:
        yield (marks.bad or reader.line_num or 1), f"broken CSV ({exc})"
