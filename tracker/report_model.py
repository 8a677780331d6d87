"""The report as a document: sections of plain text, lists, tables and figures.

One model, two renderings (``report.html`` for the commissioner, ``report.md``
beside it), so the two never say different things.  Built from the analyses of
two snapshots (the as-of date, and the day before the period) by
``build_document``; every string in it is plain text, escaped by the template
that renders it.  The order is the reader's: "At a glance", "Sites that need
attention" (each site once, most urgent first), what changed, then the detail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tracker.analysis.domains import scale_of, unrated_by_site
from tracker.analysis.status import COMPLETE
from tracker.report_words import (ATTENTION_KINDS, LABELS, DOMAIN_LABELS, Reason,
                                  attention_kind, gap_text, n_of, reason, resolved_text,
                                  stage_title)


@dataclass
class Para:
    text: str
    kind: str = "para"


@dataclass
class Item:
    text: str
    label: str = ""                        # leads the item in bold ("Blocked", a site)
    sub: list = field(default_factory=list)  # nested items (Item)


@dataclass
class Bullets:
    items: list
    kind: str = "list"


@dataclass
class Table:
    id: str
    caption: str
    columns: list
    rows: list                 # lists of strings; the first cell heads its row
    note: str = ""
    kind: str = "table"


@dataclass
class Figure:
    id: str
    title: str
    alt: str
    path: Path
    data: str                  # the id of the table holding the chart's data
    data_caption: str
    kind: str = "figure"


@dataclass
class Files:
    items: list                # (file name, what it holds)
    kind: str = "files"


@dataclass
class Section:
    id: str
    title: str
    blocks: list = field(default_factory=list)
    sections: list = field(default_factory=list)


@dataclass
class Document:
    lang: str
    title: str
    subtitle: str
    sections: list
    footer: str


@dataclass
class Attention:
    site: str
    reasons: list  # Reason, most urgent first

    @property
    def rank(self) -> tuple:
        return (min(ATTENTION_KINDS.index(r.kind) for r in self.reasons), -len(self.reasons),
                self.site.casefold())


def attention(snap, gaps: list, notes: dict, stalled_after: int,
              new: set | None = None, word: str = "period") -> list[Attention]:
    """Each site that needs attention once, with every reason, most urgent first; a
    reason whose gap is in ``new`` (opened this period) says so."""
    fw = snap.framework
    new = new or set()
    sites = {s.site: s for s in snap.status.sites}
    by_site: dict[str, list[Reason]] = {}
    for g in gaps:
        if attention_kind(fw, g):
            r = reason(fw, g, sites.get(g.site), snap.plans, notes, stalled_after)
            if g in new:
                r = Reason(r.kind, r.label, f"{r.text} (new this {word})")
            by_site.setdefault(g.site, []).append(r)
    out = [Attention(site, sorted(rs, key=lambda r: ATTENTION_KINDS.index(r.kind)))
           for site, rs in by_site.items()]
    return sorted(out, key=lambda a: a.rank)


def _stage_counts(snap) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in snap.status.sites:
        counts[s.current_stage] = counts.get(s.current_stage, 0) + 1
    return counts


def _kind_counts(items: list[Attention]) -> dict[str, int]:
    """Per reason, how many sites have it (a site blocked twice counts once)."""
    counts = {k: 0 for k in ATTENTION_KINDS}
    for a in items:
        for kind in {r.kind for r in a.reasons}:
            counts[kind] += 1
    return counts


def _counted(counts: dict[str, int], fw, stalled_after: int) -> str:
    words = {"blocked": "blocked", "overdue": "overdue", "slow": "slow",
             "stalled": ("not reassessed for more than " + n_of(stalled_after, "day"))
             if fw.kind == "domains" else "stalled",
             "key-barrier": "with a key barrier", "unassessed": "not yet assessed"}
    return "; ".join(f"{n} {words[k]}" for k, n in counts.items() if n)


def glance(ctx) -> list[Item]:
    """'At a glance': a few sentences, each number beside the previous quarter's."""
    now, before, s, fw = ctx.now, ctx.before, ctx.summary, ctx.now.framework
    word = ctx.period_word
    n, n0 = len(now.status.sites), len(before.status.sites)
    if not n:
        return [Item("No sites yet, so there is nothing to report for this period."
                     if not now.retired else "No sites are counted: every site has been "
                     "retired, so there is nothing to report for this period.")
                ] + _retired(s, word)
    items = [Item(f"{n_of(n, 'site')} in the programme on {now.as_of.isoformat()} "
                  f"(previous {word}: {n0}).")]
    if fw.kind == "phased":
        done, done0 = len(s["completed"]), len(ctx.completed_before)
        who = len({r[0] for r in s["completed"]})
        items.append(Item(f"{n_of(done, 'stage')} completed this {word}"
                          + (f", by {n_of(who, 'site')}" if done else "")
                          + f" (previous {word}: {done0})."))
        now_c, before_c = _stage_counts(now), _stage_counts(before)
        counts = [(stage, now_c.get(stage, 0), before_c.get(stage, 0))
                  for stage in (*[st.id for st in fw.stages], COMPLETE)]
        counts = [c for c in counts if c[1] or c[2]]
        text = "; ".join(f"{a} in {stage_title(fw, stage)} ({b})" for stage, a, b in counts)
        short = ""
        if len(text.split()) > 40:  # long titles ("Step 3: Assess the environment and...")
            text = "; ".join(f"{a} in {short_title(fw, stage)} ({b})" for stage, a, b in counts)
            short = " (stages named in full in the programme roll-up)"
        items.append(Item(f"Sites by stage now, with the previous {word} in brackets{short}: "
                          + text + "."))
    else:
        worst = (scale_of(fw) or ("complex",))[-1]
        a, b = ctx.complex_domains(now), ctx.complex_domains(before)
        items.append(Item(f"{a} of {len(fw.stages)} domains rated {worst} at one site or "
                          f"more (previous {word}: {b})."))
        m, t = _unrated(now)
        m0, t0 = _unrated(before)
        items.append(Item(f"{m} of {t} sub-domain ratings still to make (previous {word}: "
                          f"{m0} of {t0})."))
        worse = len({site for x in s["moves"] for site in x.worse})
        better = len({site for x in s["moves"] for site in x.better})
        if worse or better:
            items.append(Item(f"This {word}, a sub-domain was rated more {worst} than before "
                              f"at {n_of(worse, 'site')}, and less {worst} at "
                              f"{n_of(better, 'site')}."))
    a, a0 = ctx.attention, ctx.attention_before
    if a:
        items.append(Item(f"{n_of(len(a), 'site')} need{'s' if len(a) == 1 else ''} attention "
                          f"(previous {word}: {len(a0)}): "
                          f"{_counted(_kind_counts(a), fw, ctx.stalled_after)}."))
    else:
        items.append(Item(f"No site needs attention (previous {word}: {len(a0)})."))
    if fw.kind == "phased":
        items.append(Item(f"{n_of(len(s['resolved_gaps']), 'gap')} closed and "
                          f"{len(s['new_gaps'])} opened this {word}; "
                          f"{len(s['gaps'])} open now (previous {word}: "
                          f"{len(ctx.gaps_before)})."))
    return items + _retired(s, word)


def _retired(s: dict, word: str) -> list[Item]:
    n = len(s["retired"])
    return [Item(f"{n_of(n, 'site')} retired this {word} and {'is' if n == 1 else 'are'} "
                 "no longer counted.")] if n else []


def short_title(fw, stage_id: str) -> str:
    """'Step 3' for 'Step 3: Assess the environment...'; the title when it has no such head."""
    title = stage_title(fw, stage_id)
    head = title.split(":", 1)[0]
    return head if ":" in title and len(head.split()) <= 3 else title


def _unrated(snap) -> tuple[int, int]:
    rows = unrated_by_site(snap.status)
    return sum(r[1] for r in rows), sum(r[2] for r in rows)


def attention_section(ctx) -> Section:
    fw = ctx.now.framework
    sec = Section("attention", "Sites that need attention")
    if not ctx.attention:
        sec.blocks.append(Para("No site needs attention: none is "
                               + ("blocked, overdue, stalled or slow"
                                  if fw.kind == "phased" else "overdue for reassessment")
                               + ", and none rates a key social care factor as a barrier."
                               if fw.checklists or fw.kind == "phased" else "."))
        return sec
    sec.blocks.append(Para(
        "Each site once, most urgent first: "
        + ", then ".join(w.lower() for w in _applicable_labels(fw)) + "."))
    sec.blocks.append(Bullets([Item("", label=a.site,
                                    sub=[Item(r.text, label=r.label) for r in a.reasons])
                               for a in ctx.attention]))
    return sec


def _applicable_labels(fw) -> list[str]:
    if fw.kind == "domains":
        kinds = ["stalled", "unassessed"] + (["key-barrier"] if fw.checklists else [])
        return [DOMAIN_LABELS.get(k, LABELS[k]) for k in kinds]
    kinds = ["blocked", "overdue", "stalled", "slow"] + (["key-barrier"] if fw.checklists else [])
    return [LABELS[k] for k in kinds]


def changes_section(ctx) -> Section:
    fw, s, word = ctx.now.framework, ctx.summary, ctx.period_word
    sec = Section("changes", f"What changed this {word}")
    sites = {x.site: x for x in ctx.now.status.sites}
    if fw.kind == "phased":
        sub = Section("completed", "Stages completed")
        if s["completed"]:
            sub.blocks.append(Table("completed-table", f"Stages completed this {word}",
                                    ["Site", "Stage", "Completed on"],
                                    [[site, stage_title(fw, stage), day.isoformat()]
                                     for site, stage, day in s["completed"]]))
        else:
            sub.blocks.append(Para(f"No site completed a stage this {word}."))
        sec.sections.append(sub)
    sub = Section("closed", "Gaps closed")
    sub.blocks.append(_bullets([resolved_text(fw, g, sites.get(g.site), ctx.now.plans)
                                for g in s["resolved_gaps"]], f"No gap was closed this {word}."))
    sec.sections.append(sub)
    sub = Section("opened", "New gaps")
    grouped: dict[str, list] = {}
    for g in s["new_gaps"]:
        if not attention_kind(fw, g):  # those are in "Sites that need attention", marked new
            grouped.setdefault(g.site, []).append(Item(gap_text(fw, g, sites.get(g.site))))
    if grouped:
        sub.blocks.append(Para("Gaps that opened this " + word + ", by site; those that "
                               "need attention are in \"Sites that need attention\", "
                               "marked new."))
    sub.blocks.append(Bullets([Item("", label=site, sub=items)
                               for site, items in grouped.items()])
                      if grouped else Para(f"No other gap opened this {word}."))
    sec.sections.append(sub)
    if s["retired"]:
        sub = Section("retired", "Sites retired")
        sub.blocks.append(Para("These sites are left out of this report from their "
                               "retirement date; their history is kept."))
        sub.blocks.append(Bullets([Item(f"{site}, on {on.isoformat()}")
                                   for site, on in s["retired"]]))
        sec.sections.append(sub)
    return sec


def _bullets(texts: list[str], empty: str):
    return Bullets([Item(t) for t in texts]) if texts else Para(empty)
