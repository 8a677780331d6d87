"""NASSS domains x assessment dates: the level of each domain, written and coloured.

A domain's level on a date is its most complex sub-domain rating in force then
(the latest rating of each sub-domain on or before that date).

Up to ``MAX_DETAIL`` sites, each site gets a panel of its own, four to a page.
Past that, a page a site is more than anyone reads (200 sites made 50 pages
and took 14 s), so the chart becomes one page for the programme: domains x
quarter ends, each cell the number of sites at each level, drawn as a bar and
written as counts.
"""

from __future__ import annotations

import bisect
from collections import Counter

from matplotlib.collections import PolyCollection
from matplotlib.patches import Patch, Rectangle

from tracker.analysis.periods import quarter_at
from tracker.charts.style import (WIDTH, caption_text, each_page, has_events, heading,
                                  label_width, legend_right, level_colours, new_figure, pages,
                                  say_empty, text_width)

SITES_PER_PAGE = 3
MAX_DETAIL = 12  # sites drawn one by one (four pages); past this, the programme page
ROW = 0.28  # inches a domain, in a site's panel
CELL = 0.95  # inches an assessment date needs: "complicated" and an ISO date fit
QUARTERS = 8  # quarter ends on the programme page: the last two years


def domain_levels(framework, history: list) -> tuple[list, dict]:
    """(assessment dates, {(domain, date): worst level}) from one site's rating history."""
    domain_ids = {c.full_id for st in framework.stages for c in st.checkpoints if c.scale}
    history = [h for h in history if h[0] in domain_ids]  # not the SCIE factors' dates
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


def draw(snapshot, period, only: int | None = None):
    """From the snapshot's history: site name -> [(checkpoint, date, level)] in date order."""
    status, fw, history = snapshot.status, snapshot.framework, snapshot.history
    scale = next(fw.levels(cp) for st in fw.stages for cp in st.checkpoints if cp.scale)
    colours = dict(zip(scale, level_colours(len(scale))))
    sites = sorted(status.sites, key=lambda s: s.site.casefold())
    if len(sites) > MAX_DETAIL:
        return [_programme(status, fw, period, sites, history, scale, colours)] \
            if only in (None, 1) else []
    handles = [Patch(facecolor=c, edgecolor="#777777", label=lvl) for lvl, c in colours.items()]
    handles.append(Patch(facecolor="white", edgecolor="#777777", label="not rated"))
    left = label_width([s.title for s in fw.stages], 9)
    right = 0.95 + max(text_width(h.get_label()) for h in handles)
    most = max(1, int((WIDTH - left - right) / CELL))
    panel = ROW * len(fw.stages) + 0.95  # a site's title above, its dates below
    figures = []
    for _number, group, page in each_page(pages(sites, SITES_PER_PAGE), only):
        levels = {s.site: domain_levels(fw, history.get(s.site, [])) for s in group}
        cut = any(len(d) > most for d, _ in levels.values())
        caption = caption_text(fw, status.as_of, "A domain shows its most complex sub-domain "
                               "rating in force on each date a domain was assessed"
                               + (f"; the latest {most} dates of each site" if cut else "")
                               + "." + page)
        fig = new_figure(0.8 + panel * max(len(group), 1), left=left, right=right, top=0.85,
                         bottom=0.45, caption=caption)
        axes = fig.subplots(max(len(group), 1), 1, squeeze=False,
                            gridspec_kw={"hspace": 0.95 / (ROW * len(fw.stages))})[:, 0]
        for ax, site in zip(axes, group):
            dates, site_levels = levels[site.site]
            _panel(ax, fw, site.site, dates[-most:], site_levels, colours)
        if not has_events(status):
            say_empty(axes[0])
        heading(fig, f"{status.initiative}: complexity by domain, {period.label}", caption)
        axes[0].legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1),
                       frameon=False)
        figures.append(fig)
    return figures


def _panel(ax, fw, site, dates, levels, colours):
    rows = list(fw.stages)
    n = len(rows)
    for x, day in enumerate(dates):
        for r, stage in enumerate(rows):
            y = n - 1 - r
            level = levels.get((stage.id, day))
            ax.add_patch(Rectangle((x - 0.48, y - 0.45), 0.96, 0.9,
                                   facecolor=colours[level] if level else "white",
                                   edgecolor="#777777", lw=0.6, gid=f"cell:{level or 'none'}"))
            ax.text(x, y, level or "not rated", ha="center", va="center", fontsize=9,
                    color="black" if level else "#666666")
    ax.set_xlim(-0.55, max(len(dates), 1) - 0.45)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_yticks(range(n))
    ax.set_yticklabels([s.title for s in reversed(rows)], fontsize=9)
    ax.set_xticks(range(len(dates)))
    ax.tick_params(axis="x", labelsize=9)
    ax.set_xticklabels([d.isoformat() for d in dates])
    ax.tick_params(length=0)
    ax.set_title(site if dates else f"{site}: no assessment yet", loc="left", fontsize=11,
                 fontweight="bold")
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)



def page_count(snapshot) -> int:
    n = len(snapshot.status.sites)
    return 1 if n > MAX_DETAIL else len(pages(snapshot.status.sites, SITES_PER_PAGE))


def quarter_ends(period, as_of, first) -> list:
    """The ends of the last ``QUARTERS`` quarters up to ``as_of`` (the last one cut at
    ``as_of``) that are not before the first assessment ``first``, as (label, date)."""
    convention = period.convention if period.convention in ("calendar", "fy") else "calendar"
    quarter = quarter_at(as_of, convention)
    out = []
    while len(out) < QUARTERS and quarter.end >= first:
        out.append((quarter.label.split(" (")[0], min(quarter.end, as_of)))
        quarter = quarter.previous()
    return out[::-1]


def programme_counts(framework, sites, history, ends) -> dict:
    """{(domain, column): Counter of levels}: each site's domain levels in force at
    each quarter end, counted over the sites rated by then."""
    counts: dict = {}
    for site in sites:
        dates, levels = domain_levels(framework, history.get(site.site, []))
        for column, (_, end) in enumerate(ends):
            at = bisect.bisect_right(dates, end)
            if not at:
                continue
            day = dates[at - 1]
            for stage in framework.stages:
                level = levels.get((stage.id, day))
                if level:
                    counts.setdefault((stage.id, column), Counter())[level] += 1
    return counts


def _programme(status, fw, period, sites, history, scale, colours):
    firsts = [d[0] for d in (domain_levels(fw, history.get(s.site, []))[0] for s in sites)
              if d]
    ends = quarter_ends(period, status.as_of, min(firsts, default=status.as_of))
    counts = programme_counts(fw, sites, history, ends)
    rows = list(fw.stages)
    n = len(rows)
    handles = [Patch(facecolor=colours[lvl], edgecolor="#777777", label=lvl) for lvl in scale]
    order = " / ".join(scale)
    caption = caption_text(fw, status.as_of, f"{len(sites)} sites. Each cell counts the sites "
                           f"at each level at the quarter's end ({order}), a domain at its "
                           "most complex sub-domain rating in force; sites not yet rated are "
                           "left out. Per-site figures are in status.csv.")
    fig, _right = legend_right(1.9 + 0.8 * n, handles, left=label_width(
        [s.title for s in rows], 9), top=0.75, bottom=0.75, title="sites at each level",
        caption=caption)
    ax = fig.add_subplot()
    cells, faces = [], []
    for column in range(len(ends)):
        for r, stage in enumerate(rows):
            y = n - 1 - r
            got = counts.get((stage.id, column), Counter())
            rated = sum(got.values())
            x = column - 0.45
            for level in scale:  # a bar across the cell, split by level, in scale order
                if got[level]:
                    w = 0.9 * got[level] / rated
                    cells.append([(x, y + 0.02), (x + w, y + 0.02), (x + w, y + 0.4),
                                  (x, y + 0.4)])
                    faces.append(colours[level])
                    x += w
            text = "/".join(str(got[level]) for level in scale) if rated else "none rated"
            ax.text(column, y - 0.2, text, ha="center", va="center", fontsize=9,
                    color="black" if rated else "#666666")
    ax.add_collection(PolyCollection(cells, facecolors=faces, edgecolors="white", lw=0.5,
                                     gid="counts"))
    ax.set_xlim(-0.55, max(len(ends), 1) - 0.45)
    ax.set_ylim(-0.6, n - 0.45)
    ax.set_yticks(range(n))
    ax.set_yticklabels([s.title for s in reversed(rows)], fontsize=9)
    ax.set_xticks(range(len(ends)))
    ax.set_xticklabels([label for label, _ in ends])
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.legend(handles=handles, title="sites at each level",
              loc="upper left", bbox_to_anchor=(1.005, 1), frameon=False)
    heading(fig, f"{status.initiative}: complexity by domain, {period.label}", caption)
    return fig
