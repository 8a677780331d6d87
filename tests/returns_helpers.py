"""Helpers for the returns tests: make returns, fill them as a site lead would."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import load_workbook

TODAY = dt.date.today()


def make(run, out: Path, *args: str, code: int = 0):
    return run("returns", "make", "-o", str(out), *args, code=code)


def rows_of(path: Path) -> dict[str, int]:
    """{what column A shows: row number} of a return's Return sheet."""
    ws = load_workbook(path, read_only=True)["Return"]
    found = {row[0]: n for n, row in enumerate(ws.iter_rows(min_row=2, max_col=1,
                                                            values_only=True), start=2)}
    return found


def fill(path: Path, cells: dict[str, object], name: str | None = None,
         save_as: Path | None = None) -> Path:
    """Type values into cells of the Return sheet (and the name on the cover), as a site
    lead would in Excel, and save."""
    wb = load_workbook(path)
    ws = wb["Return"]
    for ref, value in cells.items():
        ws[ref] = value
    if name is not None:
        wb["Cover"]["B13"] = name
    target = save_as or path
    wb.save(target)
    return target


def at(rows: dict[str, int], key: str, column: str) -> str:
    return f"{column}{rows[key]}"
