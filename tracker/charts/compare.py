"""Sites compared stage by stage: share done per stage (phased), level per domain (NASSS).

For a phased framework: a panel per stage, a bar per site for the share of the
stage's checkpoints done, the programme median dashed; past ``MAX_BARS`` sites,
one dot per site instead.  For a domains framework there is nothing to be
"done": each domain gets a bar split by how many sites stand at each level
(their most complex sub-domain rating), with the counts written beside it.
"""

from __future__ import annotations

import statistics

from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from tracker.analysis.domains import LEVEL_RULE, NOT_YET_RATED, scale_of, site_levels
from tracker.charts.style import (STAGE_COLOURS, WIDTH, caption_text, each_page, has_events,
                                  heading, key_text, label_width, legend_height, level_colours,
                                  new_figure, pages, say_empty, shorten, stage_labels,
                                  text_width)

ROWS_PER_PAGE = 25
MAX_LABEL = 3.4  # inches at most for a site's name
MAX_BARS = 40  # past this many sites a bar per site is unreadable: show the spread instead


def draw(snapshot, period, only: int | None = None):
    status, fw = snapshot.status, snapshot.framework
    if fw.kind == "domains":
        return [_levels(status, fw, period)] if only in (None, 1) else []
    sites = sorted(status.sites, key=lambda s: s.site.casefold())
    medians = {st.id: statistics.median([s.stage(st.id).proportion for s in sites])
               if sites else 0.0 for st in fw.stages}
    if len(sites) > MAX_BARS:
        return [_spread(status, fw, sites, medians, period)] if only in (None, 1) else []
    # a long site name is cut, so that nine stages keep panels wide enough to read
    labels = {s.site: shorten(s.site, MAX_LABEL) for s in sites}
    cut = any(k != v for k, v in labels.items())
    left = label_width(labels.values())
    panel = (WIDTH - left - 0.3) / len(fw.stages) - 0.15
    names, key = stage_labels(fw, panel - 0.1)
    # "median 100%" on one line if the panel is wide enough, else on two
    split = text_width("median 100%", 10) > panel - 0.05
    caption = caption_text(fw, status.as_of, "Dashed line: programme median. A full bar is a "
                           "stage completed." + (" Site names too long for the page end in "
                                                 "\u2026; status.csv has them in full."
                                                 if cut else "") + key_text(key))
    figures = []
    title = f"{status.initiative}: share of checkpoints done by stage, {period.label}"
    for _number, group, page in each_page(pages(sites, ROWS_PER_PAGE), only):
        text = caption + page
        fig = new_figure(2.2 + 0.3 * max(len(group), 3), left=left, right=0.3,
                         top=1.15 + 0.2 * split, bottom=0.6, caption=text, headline=title)
        axes = fig.subplots(1, len(fw.stages), sharey=True, squeeze=False,
                            gridspec_kw={"wspace": 0.15 / panel})[0]
        n = len(group)
        # room for "100%" after a full bar: the axis runs past 1 by the label's width
        xmax = 1.06 / max(0.3, 1 - (text_width("100%", 9) + 0.05) / panel)
        for i, (ax, stage) in enumerate(zip(axes, fw.stages)):
            colour = STAGE_COLOURS[i % len(STAGE_COLOURS)]
            values = [s.stage(stage.id).proportion for s in group]
            ys = list(range(n - 1, -1, -1))
            # bars as one line collection (a thick line per site): one artist, not fifty
            ax.hlines(ys, 0, values, colors=colour, lw=13, gid=f"bars:{stage.id}")
            median = medians[stage.id]
            for y, v in zip(ys, values) if has_events(status) else ():
                label = f"{v:.0%}"
                ax.text(_label_x(v, median, label, xmax / panel), y, label, va="center",
                        fontsize=9)
            ax.axvline(median, color="black", ls="--", lw=1.2, gid="median")
            ax.set_title(f"{names[i]}\nmedian{chr(10) if split else ' '}"
                         f"{medians[stage.id]:.0%}", fontsize=10)
            ax.set_xlim(0, xmax)
            ax.set_xticks([0, 1])
            ax.set_xticklabels(["0", "100%"])
        axes[0].set_ylim(-0.6, max(n, 1) - 0.4)
        axes[0].set_yticks(range(n))
        axes[0].set_yticklabels([labels[s.site] for s in reversed(group)])
        axes[0].tick_params(axis="y", length=0)
        if not has_events(status):
            say_empty(axes[len(axes) // 2] if n else axes[0])
        heading(fig, title, text)
        figures.append(fig)
    return figures


def _label_x(value: float, median: float, label: str, per_inch: float) -> float:
    """Where a bar's share label starts: just after the bar, unless the dashed median
    line would run through it; then just after the median line (the axis leaves room
    for "100%" after 1, and the median is never past 1, so the label still fits)."""
    gap = max(0.03, 0.06 * per_inch)  # at least 0.06 inch, however narrow the panel
    x = min(value, 1.0) + gap
    width = (text_width(label, 9) + 0.03) * per_inch
    if x - gap / 2 <= median <= x + width:
        x = median + gap
    return x


def page_count(snapshot) -> int:
    n = len(snapshot.status.sites)
    if snapshot.framework.kind == "domains" or n > MAX_BARS:
        return 1
    return len(pages(snapshot.status.sites, ROWS_PER_PAGE))


def _spread(status, fw, sites, medians, period):
    """One dot per site per stage (the share done), the median marked and written."""
    names, key = stage_labels(fw, (WIDTH - 1.3) / len(fw.stages) - 0.2)
    caption = caption_text(fw, status.as_of, f"One dot per site ({len(sites)} sites); black "
                           "bar: programme median. Per-site figures are in status.csv."
                           + key_text(key))
    # the per-stage summaries stand above the plot, so the axis ends at 100%
    title = f"{status.initiative}: share of checkpoints done by stage, {period.label}"
    fig = new_figure(7.0, left=0.9, right=0.4, top=1.25, bottom=0.7, caption=caption,
                     headline=title)
    ax = fig.add_subplot()
    above = blended_transform_factory(ax.transData, ax.transAxes)
    n = len(sites)
    for i, stage in enumerate(fw.stages):
        values = [s.stage(stage.id).proportion for s in sites]
        # a fixed spread across the column (not random), so the PNG is the same every time
        xs = [i + ((k * 0.618034) % 1 - 0.5) * 0.5 for k in range(n)]
        ax.scatter(xs, values, s=14, color=STAGE_COLOURS[i % len(STAGE_COLOURS)],
                   alpha=0.6, edgecolors="none", gid=f"dots:{stage.id}")
        m = medians[stage.id]
        ax.hlines(m, i - 0.3, i + 0.3, colors="black", lw=2.5, gid="median")
        completed = sum(v >= 1.0 for v in values)
        ax.text(i, 1.02, f"median {m:.0%}\n{completed} of {n}\ncompleted", ha="center",
                va="bottom", fontsize=9, transform=above)
    ax.set_xticks(range(len(fw.stages)))
    ax.set_xticklabels(names, fontsize=10)
    ax.set_xlim(-0.6, len(fw.stages) - 0.4)
    ax.set_ylim(-0.05, 1.05)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax.set_yticklabels(["0", "25%", "50%", "75%", "100%"])
    ax.set_ylabel("share of the stage's checkpoints done")
    heading(fig, title, caption)
    return fig


def _levels(status, fw, period):
    """A domains framework: per domain, how many sites stand at each level, as a bar
    split by level and as written counts beside it; the axis runs to the number of sites."""
    scale = scale_of(fw)
    colours = dict(zip(scale, level_colours(len(scale))))
    colours[NOT_YET_RATED] = "white"
    names = (*scale, NOT_YET_RATED)
    counts = {st.id: dict.fromkeys(names, 0) for st in fw.stages}
    for site in status.sites:
        for domain, level in site_levels(fw, site).items():
            counts[domain][level or NOT_YET_RATED] += 1
    handles = [Patch(facecolor=colours[lvl], edgecolor="#555555",
                     hatch="//" if lvl == NOT_YET_RATED else None, label=lvl) for lvl in names]
    title = "sites at each level"
    rows = list(fw.stages)
    left = label_width([st.title for st in rows])
    shown = has_events(status)
    written = [", ".join(f"{c[lvl]} {lvl}" for lvl in names) for c in counts.values()]
    # right of the plot: the written counts, then the legend column
    counts_room = (0.25 + max(text_width(w, 9) for w in written)) if shown else 0.0
    legend_room = 0.95 + max(text_width(x) for x in [*names, title])
    caption = caption_text(fw, status.as_of, f"Each bar counts the sites at each level of a "
                           f"domain. A site's {LEVEL_RULE}, at their latest ratings "
                           "(scaletrack's summary, not a NASSS score); 'not yet rated': no "
                           "sub-domain of the domain rated yet. The counts are in compare.csv.")
    top, bottom = 0.6, 0.8
    height = max(1.9 + 0.55 * len(rows), legend_height(handles) + 0.3 + top + bottom)
    which = "NASSS domain" if fw.id == "nasss" else "domain"
    headline = (f"{status.initiative}, {period.label}: sites by complexity level, per "
                f"{which}, as of {status.as_of.isoformat()}")
    fig = new_figure(height, left=left, right=counts_room + legend_room, top=top,
                     bottom=bottom, caption=caption, headline=headline)
    ax = fig.add_subplot()
    n = max(len(status.sites), 1)
    for r, stage in enumerate(rows):
        y = len(rows) - 1 - r
        x = 0
        for lvl, c in counts[stage.id].items():
            if c:
                ax.barh(y, c, left=x, height=0.6, color=colours[lvl], edgecolor="#555555",
                        hatch="//" if lvl == NOT_YET_RATED else None, lw=0.6,
                        gid=f"level:{stage.id}:{lvl}")
                x += c
        if shown:
            ax.annotate(written[r], xy=(1, y), xycoords=("axes fraction", "data"),
                        xytext=(0.2 * 72, 0), textcoords="offset points", va="center",
                        fontsize=9, annotation_clip=False, gid=f"counts:{stage.id}")
    ax.set_xlim(0, n)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([st.title for st in reversed(rows)])
    ax.set_xlabel("sites")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(axis="y", length=0)
    plot = WIDTH - left - counts_room - legend_room
    ax.legend(handles=handles, loc="upper left", frameon=False, title=title,
              bbox_to_anchor=(1 + counts_room / plot, 1))
    if not shown:
        say_empty(ax)
    heading(fig, headline, caption)
    return fig
