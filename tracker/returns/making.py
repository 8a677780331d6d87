"""``returns make``: what goes in each site's return, worked out from the store.

For each site still in the programme (not retired) a ``SiteReturn``: who it is
for (the initiative's and site's uids, names, framework, period, dates) and
its rows.  For a phased framework the rows are the checkpoints of the site's
current stage and of the next one that it has not completed (optional ones
marked), a row for the date it plans to complete the current stage, then
every checklist item (IHI adoption mechanisms, the SCIE factors); for a
domains framework (NASSS) every sub-domain, then the checklists.  Each row
says what it takes (``choices``) and its state now, as of the as-of date.

The period is ``--quarter`` (default: the quarter of the as-of date); the
as-of date defaults to the period's end, or today if sooner.  A return takes
dates up to the period's end (``due_on``) and not before the site joined.
``workbook.draw`` turns a ``SiteReturn`` into a workbook; this module needs no
openpyxl.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tracker.analysis.load import snapshot
from tracker.analysis.periods import Period, check_reportable, parse_quarter, period_as_of, \
    quarter_at
from tracker.analysis.status import COMPLETE, SiteInfo, is_done, site_status
from tracker.catalog import Checkpoint, Framework, Stage
from tracker.errors import BadInput
from tracker.returns import layout
from tracker.returns.naming import file_names
from tracker.store import Store
from tracker.store.identity import return_sites

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def words(day: dt.date | None) -> str:
    """A date as no reader can misread it: 3 Apr 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}" if day else ""


@dataclass(frozen=True)
class Row:
    """One row of the Return sheet: its key, what it takes, and its locked cells' text."""

    key: str                     # checkpoint full id, or plan:<stage id>
    kind: str                    # ticked, rated or plan
    cells: tuple[str, ...]       # Checkpoint, Stage, What counts as done, Status now
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteReturn:
    site: str
    file_name: str
    identity: dict[str, str]     # layout.IDENTITY keys
    framework_title: str
    period_label: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Returns:
    initiative: str
    period: Period
    as_of: dt.date
    returns: tuple[SiteReturn, ...]


def _status_now(framework: Framework, cp: Checkpoint, state) -> str:
    if framework.levels(cp):
        if state is not None and state.rating:
            return f"{state.rating} (rated {words(state.rated_on)})"
        return "not rated yet"
    if state is not None and state.status in ("started", "blocked", "reopened", "done"):
        return f"{state.status} {words(state.status_on)}"
    return "not started"


def _row(framework: Framework, group: Stage, cp: Checkpoint, state, stage_label: str) -> Row:
    levels = framework.levels(cp)
    what = f"{cp.title}. {cp.guidance}".strip()
    if cp.optional:
        what += " (Optional.)"
    if levels:  # in print, and where a program shows no drop-down, the choices still show
        what += f" Rate it {', '.join(levels[:-1])} or {levels[-1]}."
    return Row(cp.full_id, "rated" if levels else "ticked",
               (cp.full_id, stage_label, what, _status_now(framework, cp, state)),
               tuple(levels) if levels else layout.TICKED_CHOICES)


def _plan_row(stage: Stage, due: dt.date | None) -> Row:
    now = f"planned for {words(due)}" if due else "no date planned yet"
    return Row(layout.PLAN_KEY + stage.id, "plan",
               (layout.PLAN_LABEL, f"{stage.title} (current stage)",
                f"The date by which you now expect to complete {stage.title}. Put it in Date "
                "only if it is new or has changed.", now))


def site_rows(framework: Framework, status, plans: dict) -> tuple[Row, ...]:
    """The rows of one site's return, from its ``SiteStatus``."""
    states = status.states
    rows: list[Row] = []
    if framework.kind == "phased":
        if status.current_stage != COMPLETE:
            order = [s.id for s in framework.stages]
            at = order.index(status.current_stage)
            for n, stage in enumerate(framework.stages[at:at + 2]):
                label = f"{stage.title} ({'current' if n == 0 else 'next'} stage)"
                for cp in stage.checkpoints:
                    if not is_done(cp, states.get(cp.full_id)):
                        rows.append(_row(framework, stage, cp, states.get(cp.full_id), label))
                if n == 0:
                    rows.append(_plan_row(stage, plans.get((status.site_id, stage.id))))
    else:
        for domain in framework.stages:
            for cp in domain.checkpoints:
                state = states.get(cp.full_id)
                if framework.levels(cp) or not is_done(cp, state):
                    rows.append(_row(framework, domain, cp, state, domain.title))
    for checklist in framework.checklists:
        for cp in checklist.checkpoints:
            rows.append(_row(framework, checklist, cp, states.get(cp.full_id),
                             checklist.title))
    return tuple(rows)


def plan_returns(store: Store, initiative_name: str | None, site_names: list[str] | None = None,
                 as_of: dt.date | None = None, quarter: str | None = None,
                 contact: str | None = None, today: dt.date | None = None) -> Returns:
    """Every return to make: one per site asked for (default: every site not retired)."""
    today = today or dt.date.today()
    if quarter:
        period = parse_quarter(quarter)
        as_of = period_as_of(period, as_of, today)
    else:
        as_of = as_of or today
        period = quarter_at(as_of, "calendar")
    check_reportable(period, as_of)
    if as_of > today:
        raise BadInput(f"--as-of {as_of.isoformat()} is after today ({today.isoformat()}); "
                       "a return shows what has happened")
    contact = " ".join((contact or "").split())
    initiative, sites = return_sites(store, initiative_name, site_names)
    snap = snapshot(store, initiative.name, as_of)
    framework = snap.framework
    by_id = {s.site_id: s for s in snap.status.sites}
    names = file_names([s.name for s in sites], period.code)
    made: list[SiteReturn] = []
    for site, file_name in zip(sites, names):
        status = by_id.get(site.id) or site_status(
            framework, SiteInfo(site.id, site.name, None, site.joined_on), {}, as_of)
        identity = {
            "format": layout.FORMAT, "initiative_uid": initiative.uid,
            "initiative": initiative.name, "site_uid": site.uid, "site": site.name,
            "framework_id": framework.id, "framework_version": framework.version,
            "period": period.code, "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(), "as_of": as_of.isoformat(),
            "made_on": today.isoformat(), "due_on": period.end.isoformat(),
            "earliest": site.joined_on.isoformat() if site.joined_on else "",
            "contact": contact}
        made.append(SiteReturn(site.name, file_name, identity,
                               f"{framework.title} ({framework.id} {framework.version})",
                               period.label, site_rows(framework, status, snap.plans)))
    return Returns(initiative.name, period, as_of, tuple(made))
