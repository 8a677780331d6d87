"""A return workbook's cells, read as the spreadsheet program saved them.

Only values are read (``data_only``: what a formula last showed, never the
formula), in openpyxl's read-only mode, which streams a sheet instead of
building every cell: a return opens in a few milliseconds.  What comes out is
plain data for ``checking``: the hidden sheet's identity and row keys, the
name on the cover, and the Return sheet's rows of eight values.
"""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tracker.errors import BadInput
from tracker.returns import layout


@dataclass(frozen=True)
class MadeRow:
    """A row as it was made: its Return row number, key, kind and locked cells' text."""

    number: int
    key: str
    kind: str
    locked: tuple[str, ...]


@dataclass
class ReturnFile:
    path: Path
    identity: dict[str, str] = field(default_factory=dict)
    made: list[MadeRow] = field(default_factory=list)
    name: str = ""  # who filled it in, from the cover
    header: tuple = ()
    rows: list[tuple] = field(default_factory=list)  # Return rows 2, 3, ...: 8 values each
    problem: str | None = None  # why the file could not be read as a return at all


def return_files(paths: list[str]) -> list[Path]:
    """The files named, and the .xlsx files in the folders named, in a stable order.
    Lock and temporary files (``~$name.xlsx``, ``.name.xlsx``) are passed over."""
    found: list[Path] = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir() if p.suffix.lower() == ".xlsx"
                            and p.is_file() and not p.name.startswith(("~$", ".")))
            if not inside:
                raise BadInput(f"{path} holds no .xlsx files; give the returns' folder or files")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise BadInput(f"cannot read {path}: no such file or folder")
    seen, unique = set(), []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def _text(value) -> str:
    return "" if value is None else str(value)


def read_return(path: Path) -> ReturnFile:
    """Read one workbook; a file that is not a return says so in ``problem``."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    out = ReturnFile(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        out.problem = ("cannot be read as an .xlsx workbook"
                       + (f" ({exc.strerror})" if isinstance(exc, OSError) and exc.strerror
                          else "") + "; save it as Excel Workbook (.xlsx)")
        return out
    try:
        names = wb.sheetnames
        if layout.HIDDEN not in names:
            out.problem = ("is not a scaletrack return (it has no hidden 'scaletrack' sheet); "
                           "fill in the return scaletrack made, not a copy of its cells")
            return out
        missing = [s for s in (layout.RETURN, layout.COVER) if s not in names]
        if missing:
            out.problem = (f"has no sheet named '{missing[0]}': sheets must keep their names "
                           f"({layout.COVER}, {layout.RETURN})")
            return out
        in_rows = False
        for values in wb[layout.HIDDEN].iter_rows(values_only=True):
            if not values or values[0] is None:
                continue
            if in_rows:
                number, key, kind, locked = values[:4]
                out.made.append(MadeRow(int(number), _text(key), _text(kind),
                                        tuple(_text(v) for v in json.loads(locked))))
            elif values[0] == layout.ROWS_MARK:
                in_rows = True
            else:
                out.identity[_text(values[0])] = _text(values[1] if len(values) > 1 else None)
        name_row = int(layout.NAME_CELL[1:])
        for number, values in enumerate(wb[layout.COVER].iter_rows(
                min_row=name_row, max_row=name_row, max_col=2, values_only=True), name_row):
            out.name = " ".join(_text(values[1] if len(values) > 1 else None).split())
        sheet_rows = wb[layout.RETURN].iter_rows(max_col=len(layout.HEADERS), values_only=True)
        out.header = tuple(next(sheet_rows, ()))
        width = len(layout.HEADERS)
        out.rows = [tuple(values) + (None,) * (width - len(values)) for values in sheet_rows]
    except (ValueError, TypeError):  # json.JSONDecodeError is a ValueError
        out.problem = "is not a return scaletrack can read: its hidden sheet was changed"
    finally:
        wb.close()
    return out
