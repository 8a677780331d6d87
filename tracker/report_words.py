"""The report's sentences: gaps, changes and sites named as a commissioner reads them.

Stages and checkpoints go by their titles, never by id; a gap closed in the
period is worded as what happened ("Bradford completed Replicated in more units
on 2026-08-14"), not as the gap it was.  Everything here returns plain text:
the templates escape it for HTML and Markdown, so a site or note holding markup
stays text.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.analysis.gaps import Gap
from tracker.analysis.status import COMPLETE, SiteStatus

# the reasons a site needs attention, most urgent first
ATTENTION_KINDS = ("blocked", "overdue", "stalled", "slow", "key-barrier", "unassessed")
LABELS = {"blocked": "Blocked", "overdue": "Overdue", "stalled": "Stalled", "slow": "Slow",
          "key-barrier": "Key barrier", "unassessed": "Not yet assessed"}
DOMAIN_LABELS = {"stalled": "Not reassessed"}


@dataclass(frozen=True)
class Reason:
    kind: str
    label: str   # one or two words that lead the sentence: "Blocked", "Stalled"
    text: str    # the rest of the sentence, in words


def n_of(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def days(n: int) -> str:
    return n_of(n, "day")


def stage_title(fw, stage_id: str | None) -> str:
    if not stage_id:
        return ""
    if stage_id == COMPLETE:
        return "every stage completed"
    for group in (*fw.stages, *fw.checklists):
        if group.id == stage_id:
            return group.title
    return stage_id


def checkpoint_title(fw, cp_id: str | None) -> str:
    try:
        return fw.checkpoint(cp_id).title
    except (KeyError, TypeError):
        return cp_id or ""


def where(fw, gap: Gap) -> str:
    """'Replicated in more units (Phase 3: Test of scale-up)', or the stage alone."""
    if gap.checkpoint:
        return f"{checkpoint_title(fw, gap.checkpoint)} ({stage_title(fw, gap.stage)})"
    return stage_title(fw, gap.stage)


def attention_kind(fw, gap: Gap) -> str | None:
    """Which reason for attention a gap is, if it is one."""
    if gap.kind in ("blocked", "overdue", "stalled", "slow"):
        return gap.kind
    if gap.kind == "at-worst-level" and gap.key:
        return "key-barrier"
    if gap.kind == "unrated" and not gap.stage and fw.kind == "domains":
        return "unassessed"
    return None


def reason(fw, gap: Gap, site: SiteStatus | None, plans: dict, notes: dict,
           stalled_after: int) -> Reason:
    """A gap that needs attention, as a sentence."""
    kind = attention_kind(fw, gap) or gap.kind
    label = (DOMAIN_LABELS.get(kind) if fw.kind == "domains" else None) or LABELS.get(kind, kind)
    state = site.states.get(gap.checkpoint) if site and gap.checkpoint else None
    if kind == "blocked" and state is not None:
        text = f"{where(fw, gap)}, since {state.status_on.isoformat()}"
        note = notes.get((site.site_id, gap.checkpoint))
        if note and note[0] == state.status_on:
            text += f': "{note[1]}"'
    elif kind == "overdue" and site is not None:
        st = site.stage(gap.stage)
        due = plans.get((site.site_id, gap.stage))
        text = (f"{stage_title(fw, gap.stage)} was planned to be completed by "
                f"{due.isoformat() if due else 'an earlier date'}; "
                f"{st.done} of {st.total} checkpoints done")
    elif kind == "stalled" and site is not None:
        since = site.last_activity or site.joined_on
        if fw.kind == "domains" and site.last_activity:
            text = (f"last rated on {site.last_activity.isoformat()}, more than "
                    f"{days(stalled_after)} ago")
        elif site.last_activity:
            text = (f"no events since {site.last_activity.isoformat()} "
                    f"(more than {days(stalled_after)})")
        elif since:
            text = f"no events since joining on {since.isoformat()}"
        else:
            text = gap.detail
        if site.current_stage not in (None, COMPLETE):
            text += f", in {stage_title(fw, site.current_stage)}"
    elif kind == "slow" and site is not None:
        text = slow_text(fw, gap, site)
    elif kind == "key-barrier" and state is not None:
        text = f"{checkpoint_title(fw, gap.checkpoint).capitalize()}, rated {state.rating} " \
               f"on {state.rated_on.isoformat()}"
    elif kind == "unassessed":
        text = "no sub-domain rated yet"
    else:
        text = gap_text(fw, gap, site)
    return Reason(kind, label, text)


def slow_text(fw, gap: Gap, site: SiteStatus) -> str:
    st = site.stage(gap.stage)
    # the analysis's detail: "N days in this stage; the K sites that completed it took a
    # median of M"; said again with the stage's title and the unit
    median = gap.detail.rsplit("median of ", 1)[-1]
    others = gap.detail.split("; the ", 1)[-1].split(" sites", 1)[0]
    return (f"{days(st.days_in_stage or 0)} in {stage_title(fw, gap.stage)}; the {others} "
            f"sites that completed it took a median of {median} days")


def gap_text(fw, gap: Gap, site: SiteStatus | None) -> str:
    """Any gap, as a phrase after the site's name (new gaps, the gaps list)."""
    state = site.states.get(gap.checkpoint) if site and gap.checkpoint else None
    if gap.kind == "open":
        if state is not None and state.status in ("started", "reopened"):
            return f"{where(fw, gap)}: {state.status} on {state.status_on.isoformat()}"
        return f"{where(fw, gap)}: not started"
    if gap.kind == "skipped":
        furthest = stage_title(fw, site.furthest_stage) if site else "a later stage"
        return f"{where(fw, gap)}: not done, though the site has moved on to {furthest}"
    if gap.kind == "at-worst-level" and state is not None:
        return f"{where(fw, gap)}: rated {state.rating} on {state.rated_on.isoformat()}"
    if gap.kind == "unrated":
        return f"{stage_title(fw, gap.stage)}: {gap.detail}" if gap.stage else gap.detail
    if gap.kind == "blocked" and state is not None:
        return f"{where(fw, gap)}: blocked since {state.status_on.isoformat()}"
    if gap.kind == "stalled":
        return gap.detail
    return f"{where(fw, gap)}: {gap.detail}" if where(fw, gap) else gap.detail


def resolved_text(fw, gap: Gap, site: SiteStatus | None, plans_now: dict) -> str:
    """A gap open at the start of the period and closed by its end, as what happened."""
    name = gap.site
    if site is None:
        return f"{name}: {where(fw, gap)} no longer open"
    state = site.states.get(gap.checkpoint) if gap.checkpoint else None
    if gap.kind in ("open", "skipped") and state is not None:
        if state.status == "done":
            return f"{name} completed {where(fw, gap)} on {state.status_on.isoformat()}"
        if state.rating is not None:
            return f"{name} rated {where(fw, gap)} {state.rating} on {state.rated_on.isoformat()}"
    if gap.kind == "blocked":
        if state is not None and state.status:
            now = "completed" if state.status == "done" else f"{state.status}"
            return (f"{name}: {where(fw, gap)} is no longer blocked "
                    f"({now} on {state.status_on.isoformat()})")
        return f"{name}: {where(fw, gap)} is no longer blocked"
    if gap.kind in ("overdue", "slow"):
        st = site.stage(gap.stage)
        if st.completed_on is not None:
            return f"{name} completed {stage_title(fw, gap.stage)} on {st.completed_on.isoformat()}"
        due = plans_now.get((site.site_id, gap.stage))
        if gap.kind == "overdue" and due is not None:
            return (f"{name}: the plan for {stage_title(fw, gap.stage)} was moved to "
                    f"{due.isoformat()}")
        return f"{name}: {stage_title(fw, gap.stage)} is no longer {gap.kind}"
    if gap.kind == "stalled":
        when = site.last_activity.isoformat() if site.last_activity else "this period"
        verb = "was reassessed" if fw.kind == "domains" else "is active again"
        return f"{name} {verb} (latest event on {when})"
    if gap.kind == "at-worst-level" and state is not None and state.rating:
        return (f"{name}: {where(fw, gap)} rated {state.rating} on "
                f"{state.rated_on.isoformat()}")
    if gap.kind == "unrated":
        if not gap.stage:
            return f"{name} had its first assessment"
        return f"{name} rated every sub-domain of {stage_title(fw, gap.stage)}"
    return f"{name}: {where(fw, gap)} no longer open"
