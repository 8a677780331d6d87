"""A file of rows, CSV or JSON Lines, read as (line number, row) pairs.

Problems with the file itself (not UTF-8, broken CSV, a row with the wrong
number of cells, a line that is not a JSON object) come out in the same
stream as (line number, problem text), so the import can list every one.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from tracker.errors import BadInput
from tracker.exchange.columns import COLUMNS, REQUIRED


def _detect(path: Path, head: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"{") else "csv"


def records(path: Path, on_bytes: Callable[[int], None] | None = None
            ) -> Iterator[tuple[int, dict | str]]:
    """(line number, row as a dict of strings) or (line number, problem text)."""
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror or exc}") from None
    with raw:
        fmt = _detect(path, raw.read(64))
        raw.seek(0)
        bad = []  # the line that was not UTF-8, if one was
        text = _decoded_lines(raw, bad, on_bytes)
        try:
            if fmt == "jsonl":
                for line, chunk in enumerate(text, start=1):
                    if not chunk.strip():
                        continue
                    try:
                        obj = json.loads(chunk)
                    except json.JSONDecodeError as exc:
                        yield line, f"not valid JSON ({exc.msg})"
                        continue
                    if not isinstance(obj, dict):
                        yield line, "each line must be a JSON object"
                        continue
                    yield line, {k: "" if v is None else str(v) for k, v in obj.items()}
            else:
                yield from _csv_records(text)
        except csv.Error as exc:
            yield (bad[0] if bad else 0) or 1, f"broken CSV ({exc})"
        if bad:
            yield bad[0], "not UTF-8 text; save the file as UTF-8 (Excel: 'CSV UTF-8')"


def _decoded_lines(raw, bad: list, on_bytes: Callable[[int], None] | None = None
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
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(number)
            return
    if on_bytes and pending:
        on_bytes(pending)


def _csv_records(text: Iterator[str]) -> Iterator[tuple[int, dict | str]]:
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        yield 1, "the file is empty"
        return
    header = [h.strip() for h in header]
    unknown = [h for h in header if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in header]
    if unknown or missing:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        yield 1, "; ".join(parts) + f" (columns: {', '.join(COLUMNS)})"
        return
    for row in reader:
        line = reader.line_num
        if not row:
            continue
        if len(row) != len(header):
            yield line, f"{len(row)} cells where the header has {len(header)}"
            continue
        yield line, dict(zip(header, row))
