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
from tracker.charts.style import caption_text, heading, level_colours, new_figure, pages

SITES_PER_PAGE = 4
MAX_DETAIL = 12  # sites drawn one by one (three pages); past this, the programme page
QUARTERS = 8  # quarter ends on the programme page: the last two years


def domain_levels(framework, history: list) -> tuple[list, dict]:
    """(assessment dates, {(domain, date): worst level}) from one site's rating history."""
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
        return [_programme(status, fw, period, sites, history, scale, colours)]
    groups = pages(sites, SITES_PER_PAGE)
    figures = []
    for number, group in enumerate(groups, start=1):
        if only is not None and number != only:
            continue
        fig = new_figure(1.4 + 3.3 * max(len(group), 1), left=3.6, right=2.2, top=0.6,
                         bottom=0.7)
        axes = fig.subplots(max(len(group), 1), 1, squeeze=False,
                            gridspec_kw={"hspace": 0.45})[:, 0]
        for ax, site in zip(axes, group):
            dates, levels = domain_levels(fw, history.get(site.site, []))
            _panel(ax, fw, site.site, dates, levels, colours)
        page = f" Page {number} of {len(groups)}." if len(groups) > 1 else ""
        heading(fig, f"{status.initiative}: complexity by domain, {period.label}",
                caption_text(fw, status.as_of, "A domain shows its most complex sub-domain "
                             "rating in force on each assessment date." + page))
        axes[0].legend(handles=[Patch(facecolor=c, edgecolor="#777777", label=lvl)
                                for lvl, c in colours.items()],
                       loc="upper left", bbox_to_anchor=(1.005, 1), frameon=False)
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
    firsts = [h[0][1] for h in (history.get(s.site) for s in sites) if h]
    ends = quarter_ends(period, status.as_of, min(firsts, default=status.as_of))
    counts = programme_counts(fw, sites, history, ends)
    rows = list(fw.stages)
    n = len(rows)
    fig = new_figure(1.9 + 0.95 * n, left=3.6, right=2.6, top=0.75, bottom=1.15)
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
    ax.legend(handles=[Patch(facecolor=colours[lvl], edgecolor="#777777", label=lvl)
                       for lvl in scale], title="sites at each level",
              loc="upper left", bbox_to_anchor=(1.005, 1), frameon=False)
    order = " / ".join(scale)
    heading(fig, f"{status.initiative}: complexity by domain, {period.label}",
            caption_text(fw, status.as_of, f"{len(sites)} sites. Each cell counts the sites "
                         f"at each level at the quarter's end ({order}), a domain at its most "
                         "complex sub-domain rating in force; sites not yet rated are left "
                         "out. Per-site figures are in status.csv."))
    return fig
