"""A filled return checked cell by cell: the records it gives, or what is wrong.

Every problem names the file, the sheet and the cell, says what is wrong and
what would be right.  A file is refused whole when it is for another
initiative (matched by uid, never by name), for a site the initiative does
not have or has retired, or is not a return at all.  Within the Return sheet:

- the locked cells (Checkpoint, Stage, What counts as done, Status now, and
  the plan row's New status cell) must read as the hidden sheet says they were
  made; a row is found by its checkpoint, so sorted rows still read;
- a row records something only when its New status or rating is filled in:
  exactly one of the choices the checkpoint takes (a status for a ticked one,
  a level of its scale for a rated one), with a Date that is a date, not in
  the future, not after the end of the period and not before the site joined
  (``textdates`` says how text is read);
- the plan row records a plan when its Date is filled in: on or after the day
  the return was made, and unlike the plan shown as in force.

A Date, Note or Evidence on a row with no new status or rating is recorded
nowhere, and the import says so in a warning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from tracker.catalog import Framework
from tracker.returns import layout
from tracker.returns.making import words
from tracker.returns.reading import ReturnFile
from tracker.returns.textdates import NotADate, read_date
from tracker.rules import STATUS_KINDS
from tracker.store.identity import InitiativeRef, SiteRef

SHOWN = 60


def _quote(value) -> str:
    text = " ".join(str(value).split())
    return f"'{text if len(text) <= SHOWN else text[:SHOWN] + '...'}'"


@dataclass
class Record:
    """One thing a return records, in the columns ``events import`` reads."""

    values: dict
    where: str       # file, sheet and cell, for a problem found later
    summary: str     # for the per-site summary


@dataclass
class Checked:
    file: ReturnFile
    site: SiteRef | None = None
    records: list[Record] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Context:
    initiative: InitiativeRef
    framework: Framework
    sites: dict[str, SiteRef]              # uid -> site
    other_initiatives: dict[str, str]      # uid -> name, of the database's other initiatives
    today: dt.date


def where(file: ReturnFile, column: int | None = None, row: int | None = None,
          sheet: str = layout.RETURN) -> str:
    if column is None:
        return f"{file.path.name}"
    return f"{file.path.name}, sheet {sheet}, cell {layout.cell(column, row)}"


def check_identity(file: ReturnFile, ctx: Context) -> tuple[SiteRef | None, str | None]:
    """The site the return is for, or the one problem that refuses the whole file."""
    ident = file.identity
    if ident.get("format") != layout.FORMAT:
        return None, (f"is not a return this scaletrack can read (it says "
                      f"{_quote(ident.get('format', ''))}, not '{layout.FORMAT}')")
    uid, name = ident.get("initiative_uid", ""), ident.get("initiative", "")
    if uid != ctx.initiative.uid:
        if uid in ctx.other_initiatives:
            return None, (f"is a return for initiative '{ctx.other_initiatives[uid]}', not "
                          f"'{ctx.initiative.name}'; import it with -i "
                          f"\"{ctx.other_initiatives[uid]}\"")
        return None, (f"was made for initiative '{name}' in another database (identifier "
                      f"{uid}), not for '{ctx.initiative.name}' of this one (identifier "
                      f"{ctx.initiative.uid}): an initiative of the same name elsewhere is "
                      "another initiative; import it into the database it was made from (or "
                      "the one its data were moved to with 'events export' and 'events import')")
    if ident.get("framework_id") != ctx.framework.id:
        return None, (f"was made for framework {ident.get('framework_id')}, but "
                      f"'{ctx.initiative.name}' now follows {ctx.framework.id}; make a new "
                      "return")
    site = ctx.sites.get(ident.get("site_uid", ""))
    if site is None:
        return None, (f"is a return for site '{ident.get('site', '')}', which initiative "
                      f"'{ctx.initiative.name}' does not have (see 'scaletrack site list')")
    if site.retired_on is not None:
        return None, (f"is a return for site '{site.name}', which was retired on "
                      f"{site.retired_on.isoformat()}: a retired site's return is not "
                      "imported (reinstate the site first if it came back)")
    return site, None


def check_return(file: ReturnFile, ctx: Context) -> Checked:
    out = Checked(file)
    if file.problem:
        out.problems.append(f"{file.path.name}: {file.problem}")
        return out
    site, refused = check_identity(file, ctx)
    if refused:
        out.problems.append(f"{file.path.name}: {refused}")
        return out
    out.site = site
    if tuple(file.header) != layout.HEADERS:
        out.problems.append(f"{file.path.name}, sheet {layout.RETURN}, row 1: the header row "
                            f"was changed; it must read {', '.join(layout.HEADERS)}, in that "
                            "order (ask for a new return)")
        return out
    by = file.name[:200] or "site return"
    made = {m.locked[0]: m for m in file.made if m.locked}  # by what column A shows
    by_number = {m.number: m for m in file.made}
    seen: dict[str, int] = {}
    for number, values in enumerate(file.rows, start=2):
        if all(v is None or str(v).strip() == "" for v in values):
            continue
        key = str(values[layout.CHECKPOINT] or "").strip()
        original = made.get(key)
        if original is None:
            at = by_number.get(number)
            if at is not None:
                _changed(out, file, layout.CHECKPOINT, number, at.locked[0])
            else:
                out.problems.append(f"{where(file, layout.CHECKPOINT, number)}: row {number} "
                                    "is not a row of this return; put what it says in one of "
                                    "the return's own rows")
            continue
        if key in seen:
            out.problems.append(f"{where(file, layout.CHECKPOINT, number)}: {key} is also on "
                                f"row {seen[key]}; each row of the return appears once")
            continue
        seen[key] = number
        locked = layout.LOCKED + ((layout.NEW,) if original.kind == "plan" else ())
        changed = False
        for column, text in zip(locked, original.locked):
            if _plain(values[column]) != _plain(text):
                _changed(out, file, column, number, text)
                changed = True
        if not changed:
            _row(out, file, ctx, site, original, number, values, by)
    return out


def _plain(value) -> str:
    return " ".join(str(value if value is not None else "").split())


def _changed(out: Checked, file: ReturnFile, column: int, number: int, text: str) -> None:
    out.problems.append(f"{where(file, column, number)}: this cell was changed, but "
                        f"scaletrack fills it in and locks it (it said {_quote(text)}); put "
                        "that back, or ask for a new return")


def _row(out: Checked, file: ReturnFile, ctx: Context, site: SiteRef, made, number: int,
         values: tuple, by: str) -> None:
    ident = file.identity
    new, date_cell = values[layout.NEW], values[layout.DATE]
    note = _free(values[layout.NOTE])
    evidence = _free(values[layout.EVIDENCE])
    source = f"return {file.path.name}"[:200]
    if made.kind == "plan":
        if _empty(date_cell):
            if note or evidence:
                out.warnings.append(f"{where(file, layout.NOTE, number)}: a note or evidence "
                                    "on the plan row with no Date is not recorded")
            return
        day = _date(out, file, number, date_cell)
        if day is None:
            return
        made_on = dt.date.fromisoformat(ident["made_on"])
        if day < made_on:
            out.problems.append(f"{where(file, layout.DATE, number)}: planned date "
                                f"{day.isoformat()} is before the return was made "
                                f"({made_on.isoformat()}); give the date you now expect to "
                                "complete the stage")
            return
        if made.locked[3] == f"planned for {words(day)}":
            return  # the plan in force already: nothing new
        stage = made.key[len(layout.PLAN_KEY):]
        out.records.append(Record(
            {"site": site.name, "kind": "plan", "stage": stage, "due_on": day.isoformat(),
             "occurred_on": made_on.isoformat(), "recorded_by": by, "source": source,
             "note": " ".join(x for x in (note, evidence) if x) or None},
            where(file, layout.DATE, number), f"plan to complete {stage} by {day.isoformat()}"))
        return
    if _empty(new):
        if not (_empty(date_cell) and note is None and evidence is None):
            out.warnings.append(f"{where(file, layout.NEW, number)}: no new status or rating, "
                                "so the date, note or evidence on this row is not recorded")
        return
    cp = made.key
    if cp not in ctx.framework.checkpoint_ids:
        out.problems.append(f"{where(file, layout.CHECKPOINT, number)}: checkpoint {cp} is no "
                            f"longer in {ctx.framework.id} {ctx.framework.version}; make a new "
                            "return")
        return
    choice = _choice(out, file, ctx, cp, number, new)
    day = _date(out, file, number, date_cell, required=True)
    if choice is None or day is None:
        return
    due = dt.date.fromisoformat(ident["due_on"])
    cell = where(file, layout.DATE, number)
    if day > ctx.today:
        out.problems.append(f"{cell}: {day.isoformat()} is in the future (today is "
                            f"{ctx.today.isoformat()}); a return records what has happened")
        return
    if day > due:
        out.problems.append(f"{cell}: {day.isoformat()} is after the end of this return's "
                            f"period ({due.isoformat()}); record it in the next return")
        return
    if site.joined_on is not None and day < site.joined_on:
        out.problems.append(f"{cell}: {day.isoformat()} is before site '{site.name}' joined "
                            f"({site.joined_on.isoformat()})")
        return
    kind, rating = choice
    values = {"site": site.name, "checkpoint": cp, "kind": kind, "rating": rating,
              "occurred_on": day.isoformat(), "note": note, "evidence": evidence,
              "recorded_by": by, "source": source}
    what = f"rated {rating}" if kind == "rated" else kind
    out.records.append(Record(values, where(file, layout.NEW, number),
                              f"{cp} {what} on {day.isoformat()}"))


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _free(value) -> str | None:
    if _empty(value):
        return None
    return str(value).strip()


def _choice(out: Checked, file: ReturnFile, ctx: Context, cp: str, number: int,
            new) -> tuple[str, str | None] | None:
    framework = ctx.framework
    levels = framework.levels(framework.checkpoint(cp))
    text = " ".join(str(new).split())
    folded = text.casefold()
    cell = where(file, layout.NEW, number)
    if levels:
        for level in levels:
            if level.casefold() == folded:
                return "rated", level
        if folded in STATUS_KINDS:
            out.problems.append(f"{cell}: {_quote(text)} is a status, but {cp} is rated: "
                                f"choose one of {', '.join(levels)}")
        else:
            out.problems.append(f"{cell}: {_quote(text)} is not a rating of {cp}: choose one "
                                f"of {', '.join(levels)}")
        return None
    if folded in layout.TICKED_CHOICES:
        return folded, None
    every_level = {lv.casefold() for scale in framework.scales.values() for lv in scale}
    if folded in every_level:
        out.problems.append(f"{cell}: {_quote(text)} is a rating, but {cp} is ticked, not "
                            f"rated: choose {', '.join(layout.TICKED_CHOICES[:-1])} or "
                            f"{layout.TICKED_CHOICES[-1]}")
    else:
        out.problems.append(f"{cell}: {_quote(text)} is not a status {cp} takes: choose "
                            f"{', '.join(layout.TICKED_CHOICES[:-1])} or "
                            f"{layout.TICKED_CHOICES[-1]}")
    return None


def _date(out: Checked, file: ReturnFile, number: int, value,
          required: bool = False) -> dt.date | None:
    cell = where(file, layout.DATE, number)
    if _empty(value):
        if required:
            out.problems.append(f"{cell}: the date is empty; give the date it happened (a "
                                "return does not date anything for you)")
        return None
    try:
        return read_date(value)
    except NotADate as exc:
        out.problems.append(f"{cell}: {exc}")
        return None
