"""NASSS domains x assessment dates: the level of each domain, written and coloured.

A domain's level on a date is ours: the most complex of its sub-domains' ratings
in force then (the latest rating of each sub-domain on or before that date).
A column stands only for a date on which a sub-domain was rated (a date with
only a SCIE-factor rating gets none).

Up to ``MAX_DETAIL`` assessed sites, each gets a panel of its own, at most
``SITES_PER_PAGE`` to a landscape page, the pages filled evenly.  A site with no
sub-domain rated yet gets no empty panel: the page's note names it.  Past
``MAX_DETAIL``, a page a site is more than anyone reads, so the chart becomes one
page for the programme: domains x the ends of the quarters in which a sub-domain
was rated, each cell the sites' level mix drawn as a bar (sites not yet rated
included) with one number written, the share of sites rated complex.
"""

from __future__ import annotations

import bisect
from collections import Counter

from matplotlib.collections import PolyCollection
from matplotlib.patches import Patch, Rectangle

from tracker.analysis.domains import LEVEL_RULE, NOT_YET_RATED, scale_of
from tracker.analysis.periods import quarter_at
from tracker.charts.style import (WIDTH, caption_text, ink_on, text_on, each_page, has_events, heading,
                                  label_width, legend_right, level_colours, new_figure, pages,
                                  say_empty, text_width)

SITES_PER_PAGE = 3
MAX_DETAIL = 12  # assessed sites drawn one by one (four pages); past this, the programme page
ROW = 0.28  # inches a domain, in a site's panel
CELL = 1.0  # inches an assessment date needs: "not yet rated" and an ISO date fit
QUARTERS = 8  # at most this many quarter ends on the programme page: the last two years
EDGE = "#777777"


def domain_ids(framework) -> set[str]:
    return {c.full_id for st in framework.stages for c in st.checkpoints if c.scale}


def domain_levels(framework, history: list) -> tuple[list, dict]:
    """(assessment dates, {(domain, date): worst level}) from one site's rating history;
    only dates on which a sub-domain was rated (not the SCIE factors' dates)."""
    ids = domain_ids(framework)
    history = [h for h in history if h[0] in ids]
    dates = sorted({on for _, on, _ in history})
    latest: dict[str, str] = {}
    out: dict = {}
    by_date: dict = {}
    for cp, on, level in history:
        by_date.setdefault(on, []).append((cp, level))
    for day in dates:
        for cp, level in by_date[day]:
            latest[cp] = level
        for stage in framework.stages:
            rated = [(framework.levels(framework.checkpoint(c.full_id)), latest[c.full_id])
                     for c in stage.checkpoints if c.full_id in latest and c.scale]
            if rated:
                out[(stage.id, day)] = max(rated, key=lambda r: r[0].index(r[1]))[1]
    return dates, out


def split_sites(snapshot) -> tuple[list, list]:
    """(sites with a sub-domain rated, sites with none yet), each by name."""
    ids = domain_ids(snapshot.framework)
    history = snapshot.history or {}
    sites = sorted(snapshot.status.sites, key=lambda s: s.site.casefold())
    rated = [s for s in sites if any(h[0] in ids for h in history.get(s.site, ()))]
    return rated, [s for s in sites if s not in rated]


def _unassessed_note(unassessed: list) -> str:
    if not unassessed:
        return ""
    names = "; ".join(s.site for s in unassessed)
    return (f" Not yet assessed (no sub-domain rated), so not drawn: {names}.")


def draw(snapshot, period, only: int | None = None):
    """From the snapshot's history: site name -> [(checkpoint, date, level)] in date order."""
    status, fw, history = snapshot.status, snapshot.framework, snapshot.history
    scale = scale_of(fw)
    colours = dict(zip(scale, level_colours(len(scale))))
    rated, unassessed = split_sites(snapshot)
    if len(rated) > MAX_DETAIL:
        return [_programme(status, fw, period, rated + unassessed, history, scale, colours)] \
            if only in (None, 1) else []
    if not rated:
        return [_nothing_rated(status, fw, period, unassessed)] if only in (None, 1) else []
    handles = [Patch(facecolor=c, edgecolor=EDGE, label=lvl) for lvl, c in colours.items()]
    handles.append(Patch(facecolor="white", edgecolor=EDGE, label=NOT_YET_RATED))
    title = f"{status.initiative}: complexity by domain, {period.label}"
    left = label_width([s.title for s in fw.stages], 9)
    right = 0.95 + max(text_width(h.get_label()) for h in handles)
    most = max(1, int((WIDTH - left - right) / CELL))
    panel = ROW * len(fw.stages) + 0.9  # a site's title above, its dates below
    note = _unassessed_note(unassessed)
    figures = []
    for _number, group, page in each_page(pages(rated, SITES_PER_PAGE), only):
        levels = {s.site: domain_levels(fw, history.get(s.site, [])) for s in group}
        cut = any(len(d) > most for d, _ in levels.values())
        caption = caption_text(fw, status.as_of, f"A column for each date a sub-domain was "
                               f"rated; each domain shows its {LEVEL_RULE.split(': ')[0]} "
                               "then (the most complex of its sub-domains' ratings in force, "
                               "scaletrack's summary)"
                               + (f"; the latest {most} dates of each site" if cut else "")
                               + "." + note + page)
        fig = new_figure(0.75 + panel * len(group), left=left, right=right, top=0.8,
                         bottom=0.45, caption=caption, headline=title)
        axes = fig.subplots(len(group), 1, squeeze=False,
                            gridspec_kw={"hspace": 0.9 / (ROW * len(fw.stages))})[:, 0]
        # one column width on a page, whatever each site's number of dates
        columns = max(min(len(d), most) for d, _ in levels.values())
        for ax, site in zip(axes, group):
            dates, site_levels = levels[site.site]
            _panel(ax, fw, site.site, dates[-most:], site_levels, colours, columns)
        heading(fig, title, caption)
        axes[0].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1),
                       frameon=False)
        figures.append(fig)
    return figures


def _nothing_rated(status, fw, period, unassessed):
    """No site has rated a sub-domain: one page that says so, and names the sites."""
    caption = caption_text(fw, status.as_of, "A column for each date a sub-domain was rated."
                           + _unassessed_note(unassessed))
    title = f"{status.initiative}: complexity by domain, {period.label}"
    fig = new_figure(4.0, left=0.5, right=0.5, top=0.8, bottom=0.3, caption=caption,
                     headline=title)
    ax = fig.add_subplot()
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    say_empty(ax, "No events in this period" if not has_events(status)
              else "No sub-domain rated yet")
    heading(fig, title, caption)
    return fig


def _panel(ax, fw, site, dates, levels, colours, columns):
    rows = list(fw.stages)
    n = len(rows)
    for x, day in enumerate(dates):
        for r, stage in enumerate(rows):
            y = n - 1 - r
            level = levels.get((stage.id, day))
            ax.add_patch(Rectangle((x - 0.48, y - 0.45), 0.96, 0.9,
                                   facecolor=colours[level] if level else "white",
                                   edgecolor=EDGE, lw=0.6, gid=f"cell:{level or 'none'}"))
            ax.text(x, y, level or NOT_YET_RATED, ha="center", va="center", fontsize=9,
                    color=ink_on(colours[level]) if level else text_on("#666666", "white"))
    ax.set_xlim(-0.55, max(columns, 1) - 0.45)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_yticks(range(n))
    ax.set_yticklabels([s.title for s in reversed(rows)], fontsize=9)
    ax.set_xticks(range(len(dates)))
    ax.tick_params(axis="x", labelsize=9)
    ax.set_xticklabels([d.isoformat() for d in dates])
    ax.tick_params(length=0)
    ax.set_title(site, loc="left", fontsize=11, fontweight="bold")
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)


def page_count(snapshot) -> int:
    rated, _ = split_sites(snapshot)
    return 1 if len(rated) > MAX_DETAIL or not rated else len(pages(rated, SITES_PER_PAGE))


def quarter_ends(period, as_of, dates, most: int = QUARTERS) -> list:
    """The ends of the latest ``most`` quarters up to ``as_of`` in which a sub-domain was
    rated (on one of ``dates``), the current one cut at ``as_of``, as (label, date)."""
    convention = period.convention if period.convention in ("calendar", "fy") else "calendar"
    wanted = {}
    for day in dates:
        if day <= as_of:
            q = quarter_at(day, convention)
            wanted[q.start] = (q.label.split(" (")[0], min(q.end, as_of))
    return [wanted[k] for k in sorted(wanted)][-most:]


def programme_counts(framework, sites, history, ends) -> dict:
    """{(domain, column): Counter of levels}: each site's domain levels in force at each
    quarter end, with the sites joined by then and not yet rated in the domain counted
    under NOT_YET_RATED."""
    counts: dict = {}
    for site in sites:
        dates, levels = domain_levels(framework, history.get(site.site, []))
        for column, (_, end) in enumerate(ends):
            if site.joined_on is not None and site.joined_on > end:
                continue
            at = bisect.bisect_right(dates, end)
            day = dates[at - 1] if at else None
            for stage in framework.stages:
                level = levels.get((stage.id, day)) if day else None
                counts.setdefault((stage.id, column), Counter())[level or NOT_YET_RATED] += 1
    return counts


def cell_text(got: Counter, worst: str) -> str:
    """The one number a programme cell carries: the share of its sites at the worst level."""
    total = sum(got.values())
    return f"{got[worst] / total:.0%} {worst}" if total else "no sites yet"


def _programme(status, fw, period, sites, history, scale, colours):
    """Domains x quarter ends: each cell the level mix as a bar and one number, the share of
    sites at the worst level ("35% complex"), so that 40 or 200 sites read the same."""
    ids = domain_ids(fw)
    dates = {on for s in sites for cp, on, _ in history.get(s.site, ()) if cp in ids}
    names = (*scale, NOT_YET_RATED)
    worst = scale[-1]
    rows = list(fw.stages)
    n = len(rows)
    handles = [Patch(facecolor=colours[lvl], edgecolor=EDGE, label=lvl) for lvl in scale]
    handles.append(Patch(facecolor="white", edgecolor=EDGE, hatch="//", label=NOT_YET_RATED))
    left = label_width([s.title for s in rows], 9)
    title = "level mix of the sites"
    widest = max(text_width(f"100% {worst}", 10), 0.9) + 0.25
    legend_w = 0.95 + max(text_width(x) for x in [*names, title])
    most = max(1, min(QUARTERS, int((WIDTH - left - legend_w) / widest)))
    ends = quarter_ends(period, status.as_of, dates, most)
    counts = programme_counts(fw, sites, history, ends)
    caption = caption_text(fw, status.as_of, f"{len(sites)} sites. A column for each quarter "
                           f"in which a sub-domain was rated (the latest {most} at most), "
                           "at the quarter's end. Each cell: the bar splits the sites by their "
                           f"{LEVEL_RULE.split(': ')[0]} in the domain (the most complex of "
                           "its sub-domains' ratings in force, scaletrack's summary); the "
                           f"number is the share of sites at {worst}. The counts at the as-of "
                           "date are in compare.csv, each site's ratings in status.csv.")
    heading_text = f"{status.initiative}: complexity by domain, {period.label}"
    fig, _right = legend_right(1.5 + 0.75 * n, handles, left=left, top=0.75, bottom=0.75,
                               title=title, caption=caption, headline=heading_text)
    ax = fig.add_subplot()
    cells, faces, blank = [], [], []
    for column in range(len(ends)):
        for r, stage in enumerate(rows):
            y = n - 1 - r
            got = counts.get((stage.id, column), Counter())
            total = sum(got.values())
            x = column - 0.45
            for level in names:  # a bar across the cell, split by level, in scale order
                if got[level]:
                    w = 0.9 * got[level] / total
                    box = [(x, y - 0.05), (x + w, y - 0.05), (x + w, y + 0.3), (x, y + 0.3)]
                    if level == NOT_YET_RATED:
                        blank.append(box)
                    else:
                        cells.append(box)
                        faces.append(colours[level])
                    x += w
            ax.text(column, y - 0.12, cell_text(got, worst), ha="center", va="top",
                    fontsize=10)
    ax.add_collection(PolyCollection(cells, facecolors=faces, edgecolors="white", lw=0.5,
                                     gid="counts"))
    ax.add_collection(PolyCollection(blank, facecolors="white", edgecolors=EDGE, lw=0.5,
                                     hatch="//", gid="not-yet-rated"))
    ax.set_xlim(-0.55, max(len(ends), 1) - 0.45)
    ax.set_ylim(-0.55, n - 0.5)
    ax.set_yticks(range(n))
    ax.set_yticklabels([s.title for s in reversed(rows)], fontsize=9)
    ax.set_xticks(range(len(ends)))
    ax.set_xticklabels([label for label, _ in ends])
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.legend(handles=handles, title=title, loc="upper left", bbox_to_anchor=(1.005, 1),
              frameon=False)
    if not has_events(status):
        say_empty(ax)
    heading(fig, heading_text, caption)
    return fig
