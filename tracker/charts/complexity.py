"""NASSS domains x assessment dates: the level of each domain, written and coloured.

A domain's level on a date is its most complex sub-domain rating in force then
(the latest rating of each sub-domain on or before that date).
"""

from __future__ import annotations

from matplotlib.patches import Patch, Rectangle

from tracker.charts.style import caption_text, heading, level_colours, new_figure, pages

SITES_PER_PAGE = 4


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


def draw(snapshot, period, history: dict, only: int | None = None):
    """``history``: site name -> [(checkpoint, date, level)] in date order."""
    status, fw = snapshot.status, snapshot.framework
    scale = next(fw.levels(cp) for st in fw.stages for cp in st.checkpoints if cp.scale)
    colours = dict(zip(scale, level_colours(len(scale))))
    sites = sorted(status.sites, key=lambda s: s.site.casefold())
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
    return len(pages(snapshot.status.sites, SITES_PER_PAGE))
