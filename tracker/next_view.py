"""How ``scaletrack next`` prints what each site has left: a table for people, CSV and JSON.

Kept out of the command module so the command only parses, calls
``site_next_steps`` and prints, as every command does.
"""

from __future__ import annotations

import textwrap

from tracker.tables import render, shown, to_json

CSV_COLUMNS = ["site", "stage", "stage_title", "due_on", "checkpoint", "title", "state", "since",
               "guidance"]
GUIDANCE_WIDTH = 100


def next_view(result, fmt: str) -> str:
    if fmt == "json":
        return to_json(result.as_dict())
    if fmt == "csv":
        return render(csv_rows(result), CSV_COLUMNS, "csv")
    return next_table(result)


def csv_rows(result) -> list[dict]:
    rows = []
    for entry in result.sites:
        head = {"site": entry.site, "stage": entry.stage, "stage_title": entry.stage_title,
                "due_on": entry.due_on}
        if not entry.items:
            rows.append(head)
        for item in entry.items:
            rows.append({**head, **item.as_dict(), "since": item.since})
    return rows


# -- the table, for people ----------------------------------------------------

def _state_text(item) -> str:
    on = item.since.isoformat() if item.since else ""
    return {"started": f"started on {on}", "blocked": f"blocked since {on}",
            "reopened": f"reopened on {on}", "not-started": "not started",
            "not-rated": "not rated",
            "at-worst-level": f"{item.level} since {on}"}[item.state]


def _days(n: int) -> str:
    return f"{n} day" + ("" if n == 1 else "s")


def _due_text(due, as_of) -> str:
    days = (due - as_of).days
    when = ("today" if days == 0 else f"in {_days(days)}" if days > 0
            else f"{_days(-days)} ago")
    return f"due {due.isoformat()} ({when})"


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _phased_heading(entry, as_of, fw) -> str:
    if entry.stage == "complete":
        return f"{shown(entry.site)}: every stage completed"
    words = [f"{shown(entry.site)}: {shown(entry.stage_title or entry.stage)}",
             f"{len(entry.items)} of {entry.total} left"]
    if entry.due_on is not None:
        words.append(_due_text(entry.due_on, as_of))
    text = ", ".join(words)
    if entry.furthest_stage is not None and entry.furthest_stage != entry.stage:
        later = shown(fw.stage(entry.furthest_stage).title)
        text += f" (it already has records in {later})"
    return text


def _domains_heading(site: str, items: list, unassessed: bool, worst: str, fw) -> str:
    if unassessed:
        return (f"{shown(site)}: no assessment yet ({len(items)} to rate; "
                f"see 'scaletrack frameworks show {fw.id}')")
    if not items:
        return f"{shown(site)}: nothing rated {worst}, nothing left to rate"
    counts = []
    for state, label in (("at-worst-level", worst), ("not-rated", "not rated")):
        n = sum(i.state == state for i in items)
        if n:
            counts.append(f"{n} {label}")
    other = sum(i.state not in ("at-worst-level", "not-rated") for i in items)
    if other:
        counts.append(f"{other} to do")
    return f"{shown(site)}: " + ", ".join(counts)


def _key(fw, items: list, heading: str) -> list[str]:
    """Each listed checkpoint's guidance once, in the framework's order."""
    order = {cp: i for i, cp in enumerate(fw.checkpoint_ids)}
    seen = {}
    for item in sorted(items, key=lambda i: order.get(i.checkpoint, len(order))):
        seen.setdefault(item.checkpoint, item.guidance)
    if not seen:
        return []
    width = max(len(c) for c in seen)
    out = ["", heading]
    for checkpoint, guidance in seen.items():
        lines = textwrap.wrap(shown(guidance), max(40, GUIDANCE_WIDTH - width - 4)) or ["-"]
        out.append(f"  {checkpoint.ljust(width)}  {lines[0]}")
        out.extend(f"  {' ' * width}  {line}" for line in lines[1:])
    return out


def next_table(result) -> str:
    fw = result.framework
    out = [f"{shown(result.initiative)}: what each site has left, as of "
           f"{result.as_of.isoformat()} ({fw.id} {fw.version})"]
    if not result.sites:
        return "\n".join(out + ["", "No sites yet: add one with 'scaletrack site add NAME'.", ""])
    domains = fw.kind == "domains"
    # one block per site; a domains site has one entry per domain, shown together
    blocks: dict[str, list] = {}
    for entry in result.sites:
        blocks.setdefault(entry.site, []).append(entry)
    listed = [i for site, entries in blocks.items() if site not in result.unassessed
              for e in entries for i in e.items]
    id_width = max((len(i.checkpoint) for i in listed), default=0)
    state_width = max((len(_state_text(i)) for i in listed), default=0)
    worst = _worst_level(fw)
    for site, entries in blocks.items():
        items = [i for e in entries for i in e.items]
        out.append("")
        if domains:
            # the JSON groups by domain; a person reads every worst-level rating first
            items.sort(key=lambda i: i.state != "at-worst-level")
            out.append(_domains_heading(site, items, site in result.unassessed, worst, fw))
            if site in result.unassessed:
                continue
        else:
            out.append(_phased_heading(entries[0], result.as_of, result.framework))
        for item in items:
            out.append(f"  {item.checkpoint.ljust(id_width)}  "
                       f"{_state_text(item).ljust(state_width)}  {shown(item.title)}")
    if len(blocks) > 1:
        out += ["", _total(result, worst)]
    if domains:
        out += _key(fw, [i for i in listed if i.state != "at-worst-level"], "How to rate:")
    else:
        out += _key(fw, listed, "What counts as done:")
    return "\n".join(out) + "\n"


def _worst_level(fw) -> str:
    for stage in fw.stages:
        for cp in stage.checkpoints:
            levels = fw.levels(cp)
            if levels:
                return levels[-1]
    return "at the worst level"


def _total(result, worst: str) -> str:
    items = [i for e in result.sites for i in e.items]
    if result.framework.kind == "domains":
        at_worst = [i for i in items if i.state == "at-worst-level"]
        sites_worst = len({e.site for e in result.sites
                           if any(i.state == "at-worst-level" for i in e.items)})
        words = [f"{len(at_worst)} {worst} at {_count(sites_worst, 'site')}"] if at_worst else []
        rate = [i for e in result.sites if e.site not in result.unassessed for i in e.items
                if i.state == "not-rated"]
        if rate:
            words.append(f"{_count(len(rate), 'sub-domain')} to rate")
        other = [i for i in items if i.state not in ("at-worst-level", "not-rated")]
        if other:
            words.append(f"{_count(len(other), 'checkpoint')} to do")
        if result.unassessed:
            words.append(f"{_count(len(result.unassessed), 'site')} not assessed yet")
        return "Total: " + ("; ".join(words) or f"nothing rated {worst}, nothing left to rate")
    left = [e for e in result.sites if e.items]
    words = []
    if items:
        states = [f"{n} {s}" for s in ("blocked", "started", "reopened")
                  if (n := sum(i.state == s for i in items))]
        words.append(f"{_count(len(items), 'checkpoint')} left at {_count(len(left), 'site')}"
                     + (f" ({', '.join(states)})" if states else ""))
    complete = sum(e.stage == "complete" for e in result.sites)
    if complete:
        words.append(f"{_count(complete, 'site')} complete")
    return "Total: " + "; ".join(words)
