"""Draw a ``SiteReturn`` as an ``.xlsx`` workbook (openpyxl, write-only mode).

What a site lead sees: a ``Cover`` sheet saying what the return is, for whom,
for which period, how to fill it in and whom to send it to; a ``Return`` sheet
whose grey cells are filled in and locked and whose yellow cells take the
news, each checked by the spreadsheet's own data validation (a drop-down of
exactly what the checkpoint takes; a date between the day the site joined and
the end of the period, or for the plan row a date from the day the return was
made).  Sheets are protected without a password, so nobody is ever locked out;
the workbook's structure is protected so the hidden identity sheet is not
deleted or shown by accident.

Write-only mode streams rows to the file: a workbook costs about a third of
what the ordinary mode takes; each cell style is made once per workbook (see
``_cell``); and many returns are drawn by forked workers, one share each, so
200 sites' returns take a few seconds.
``write_workbook`` is the one place a workbook reaches the disk.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from tracker import children
from tracker.returns import layout
from tracker.returns.making import SiteReturn, words

GREY = PatternFill("solid", fgColor="EDEDED")
YELLOW = PatternFill("solid", fgColor="FFF2CC")
HEAD = PatternFill("solid", fgColor="D9D9D9")
EDGE = Side(style="thin", color="A6A6A6")
BOX = Border(left=EDGE, right=EDGE, top=EDGE, bottom=EDGE)
WRAP = Alignment(wrap_text=True, vertical="top")
OPEN = Protection(locked=False)
WIDTHS = (32, 30, 60, 24, 20, 13, 36, 28)


def _lines(text: str | None, width: float) -> int:
    """About how many lines ``text`` wraps to in a column ``width`` characters wide."""
    if not text:
        return 1
    per_line = max(1, int(width * 1.1))
    return sum(max(1, -(-len(part) // per_line)) for part in str(text).split("\n"))


def _height(ws, row: int, texts, widths) -> None:
    """Set a row's height to fit its wrapped text: spreadsheet programs do not work this
    out for a file they did not write themselves (LibreOffice prints the rows one line
    high otherwise)."""
    lines = max(_lines(t, w) for t, w in zip(texts, widths))
    if lines > 1:
        ws.row_dimensions[row].height = 15 * lines + 3


def _cell(ws, value, *, bold=False, fill=None, open_=False, size=None, date=False,
          wrap=True):
    """A cell with its style.  Setting styles cell by cell makes openpyxl hash every style
    object each time (most of the cost of a workbook), so each combination is set once
    per workbook, on a first cell, and later cells copy that cell's style indices."""
    c = WriteOnlyCell(ws, value)
    styles = ws.parent._scaletrack_styles
    key = (bold, id(fill), open_, size, date, wrap)
    proto = styles.get(key)
    if proto is None:
        if wrap:
            c.alignment = WRAP
        if bold or size:
            c.font = Font(bold=bold, size=size or 11)
        if fill is not None:
            c.fill = fill
            c.border = BOX
        if open_:
            c.protection = OPEN
        if date:
            c.number_format = layout.DATE_FORMAT
        styles[key] = c._style
    else:
        c._style = copy(proto)
    return c


def _protect(ws) -> None:
    """Locked cells stay locked; columns and rows may still be widened. No password."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


COVER_WIDTHS = (28, 80)


def _cover(wb: Workbook, r: SiteReturn) -> None:
    ws = wb.create_sheet(layout.COVER)
    ws.column_dimensions["A"].width, ws.column_dimensions["B"].width = COVER_WIDTHS
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ident = r.identity
    contact = ident["contact"] or "the programme team that sent it to you"
    due = dt.date.fromisoformat(ident["due_on"])
    facts = [("Initiative", ident["initiative"]), ("Site", r.site),
             ("Framework", r.framework_title), ("Period", r.period_label),
             ("Status shown as of", words(dt.date.fromisoformat(ident["as_of"]))),
             ("Made on", words(dt.date.fromisoformat(ident["made_on"]))),
             ("Latest date you can enter", words(due)),
             ("Send it back to", contact)]
    steps = [
        "Each row is one thing your site still has to do, or to rate. Grey cells are filled "
        "in for you and cannot be changed.",
        "Where something has changed, choose the new status or rating from the drop-down in "
        "'New status or rating' (yellow), and put the date it happened in 'Date', for "
        f"example 14/08/{due.year}. Dates can be up to {words(due)}.",
        "Leave a row empty if nothing has changed: only rows with a new status or rating "
        "are recorded.",
        "In the row 'Planned completion', put the date you now expect to complete your "
        "current stage in 'Date', if it is new or has changed.",
        "Add a short 'Note' (what happened) and 'Evidence' (where it is written down) if you "
        "can. Never write anything that could identify a person who uses services.",
        f"Save the file as it is (.xlsx, same name) and send it back to {contact}.",
    ]
    ws.append([_cell(ws, f"Quarterly return: {r.site}", bold=True, size=14, wrap=False)])
    ws.append([_cell(ws, f"{ident['initiative']}, {r.period_label}", wrap=False)])
    for row, (label, value) in enumerate(facts, start=3):  # rows 3 to 10
        _height(ws, row, (label, value), COVER_WIDTHS)
        ws.append([_cell(ws, label, bold=True), _cell(ws, value)])
    ws.append([])
    ws.append([_cell(ws, "First your name, then the Return sheet (the tab at the bottom).",
                     bold=True, wrap=False)])
    # row 13: the one input cell of the cover (layout.NAME_CELL)
    ws.append([_cell(ws, layout.NAME_LABEL, bold=True), _cell(ws, None, fill=YELLOW, open_=True)])
    ws.append([])
    ws.append([_cell(ws, "How to fill in the Return sheet", bold=True, wrap=False)])
    for row, step in enumerate(steps, start=16):
        _height(ws, row, ("", step), COVER_WIDTHS)
        ws.append([_cell(ws, f"Step {row - 15}", bold=True), _cell(ws, step)])
    _protect(ws)


def _return_sheet(wb: Workbook, r: SiteReturn) -> None:
    ws = wb.create_sheet(layout.RETURN)
    for letter, width in zip(layout.LETTERS, WIDTHS):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ident = r.identity
    due = dt.date.fromisoformat(ident["due_on"])
    made = dt.date.fromisoformat(ident["made_on"])
    earliest = dt.date.fromisoformat(ident["earliest"]) if ident["earliest"] else None
    lists: dict[tuple[str, ...], DataValidation] = {}
    event_dates = DataValidation(
        type="date", operator="between" if earliest else "lessThanOrEqual",
        formula1=_excel_date(earliest) if earliest else _excel_date(due),
        formula2=_excel_date(due) if earliest else None, allow_blank=True,
        showErrorMessage=True, errorTitle="Date",
        error=(f"Give the date it happened, not after {words(due)}"
               + (f" and not before the site joined ({words(earliest)})." if earliest else ".")),
        showInputMessage=True, promptTitle="Date", prompt=f"The date it happened: up to {words(due)}")
    plan_dates = DataValidation(
        type="date", operator="greaterThanOrEqual", formula1=_excel_date(made),
        allow_blank=True, showErrorMessage=True, errorTitle="Planned date",
        error=f"Give the date you expect to complete the stage, from {words(made)} on.",
        showInputMessage=True, promptTitle="Planned date",
        prompt="The date you now expect to complete the stage")
    ws.append([_cell(ws, h, bold=True, fill=HEAD) for h in layout.HEADERS])
    for number, row in enumerate(r.rows, start=2):
        _height(ws, number, row.cells, WIDTHS)
        cells = [_cell(ws, text, fill=GREY) for text in row.cells]
        if row.kind == "plan":
            cells.append(_cell(ws, layout.PLAN_NEW, fill=GREY))
            plan_dates.add(layout.cell(layout.DATE, number))
        else:
            cells.append(_cell(ws, None, fill=YELLOW, open_=True))
            _choices(lists, row.choices).add(layout.cell(layout.NEW, number))
            event_dates.add(layout.cell(layout.DATE, number))
        cells.append(_cell(ws, None, fill=YELLOW, open_=True, date=True))
        cells += [_cell(ws, None, fill=YELLOW, open_=True) for _ in range(2)]
        ws.append(cells)
    for dv in (*lists.values(), event_dates, plan_dates):
        if dv.sqref:
            ws.data_validations.append(dv)
    _protect(ws)


def _choices(lists: dict, choices: tuple[str, ...]) -> DataValidation:
    dv = lists.get(choices)
    if dv is None:
        shown = ", ".join(choices)
        dv = lists[choices] = DataValidation(
            type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
            showErrorMessage=True, errorTitle="New status or rating",
            error=f"Choose one of: {shown}", showInputMessage=True,
            promptTitle="New status or rating", prompt=f"Choose one of: {shown}")
    return dv


def _excel_date(day: dt.date) -> str:
    return f"DATE({day.year},{day.month},{day.day})"


def _hidden(wb: Workbook, r: SiteReturn) -> None:
    ws = wb.create_sheet(layout.HIDDEN)
    ws.sheet_state = "hidden"
    for key in layout.IDENTITY:
        ws.append([key, r.identity[key]])
    ws.append([layout.ROWS_MARK])
    for number, row in enumerate(r.rows, start=2):
        locked = list(row.cells) + ([layout.PLAN_NEW] if row.kind == "plan" else [])
        ws.append([number, row.key, row.kind, json.dumps(locked, ensure_ascii=False)])


def draw(r: SiteReturn) -> Workbook:
    wb = Workbook(write_only=True)
    wb._scaletrack_styles = {}  # see _cell
    _cover(wb, r)
    _return_sheet(wb, r)
    _hidden(wb, r)
    wb.security = WorkbookProtection(lockStructure=True)
    return wb


def write_workbook(wb: Workbook, path: Path) -> None:
    """Save a workbook whole or not at all (``outputs.atomic``: a temporary file beside
    ``path``, synced and renamed into place; never over a link or the database)."""
    from tracker.outputs import atomic

    with atomic(path) as out:
        wb.save(out)


def is_return(path: Path) -> bool:
    """Whether the file at ``path`` is a return scaletrack made (its hidden sheet)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return f'name="{layout.HIDDEN}"'.encode() in z.read("xl/workbook.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def write_returns(returns, out_dir: Path) -> list[Path]:
    """Write every return into ``out_dir`` (made if missing).  A file of the same name is
    replaced only if it is itself a return; anything else there is refused before any
    file is written."""
    from tracker.errors import BadInput

    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise BadInput(f"-o {out_dir} is a file; give a folder for the returns")
    targets = [out_dir / r.file_name for r in returns.returns]
    foreign = [t.name for t in targets if t.exists() and not (t.is_file() and is_return(t))]
    if foreign:
        raise BadInput(f"{out_dir} already holds {', '.join(foreign[:5])}"
                       f"{' and more' if len(foreign) > 5 else ''}, which "
                       f"{'is not a return' if len(foreign) == 1 else 'are not returns'}; "
                       "choose another folder (nothing was written)")
    out_dir.mkdir(parents=True, exist_ok=True)
    jobs = list(zip(returns.returns, targets))
    workers = min(os.cpu_count() or 1, 4, len(jobs) // PER_WORKER)
    if workers > 1 and children.can_fork():
        # Forked workers inherit the returns; each draws a fixed share and reports back
        # only that it is done (an exception in one is raised here).  They ignore
        # Ctrl-C and are killed and reaped by this process whatever happens.
        running: list = []
        try:
            for i in range(workers):
                children.fork(running, _draw_all, jobs[i::workers])
            for _ in children.results(running):
                pass
        finally:
            children.kill_all(running)
    else:
        _draw_all(jobs)
    return targets


PER_WORKER = 25  # fewer returns than this a worker are quicker drawn in one process


def _draw_all(jobs) -> None:
    for r, target in jobs:
        write_workbook(draw(r), target)
