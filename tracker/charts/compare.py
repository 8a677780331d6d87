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

from tracker.charts.style import (GREY, STAGE_COLOURS, WIDTH, caption_text, each_page,
                                  has_events, heading, key_text, label_width, legend_right,
                                  level_colours, new_figure, pages, say_empty, stage_labels,
                                  text_width)

ROWS_PER_PAGE = 25
MAX_BARS = 40  # past this many sites a bar per site is unreadable: show the spread instead
NOT_RATED = "not yet rated"


def draw(snapshot, period, only: int | None = None):
    status, fw = snapshot.status, snapshot.framework
    if fw.kind == "domains":
        return [_levels(status, fw, period)] if only in (None, 1) else []
    sites = sorted(status.sites, key=lambda s: s.site.casefold())
    medians = {st.id: statistics.median([s.stage(st.id).proportion for s in sites])
               if sites else 0.0 for st in fw.stages}
    if len(sites) > MAX_BARS:
        return [_spread(status, fw, sites, medians, period)] if only in (None, 1) else []
    left = label_width([s.site for s in sites])
    panel = (WIDTH - left - 0.3) / len(fw.stages) - 0.15
    names, key = stage_labels(fw, panel - 0.1)
    caption = caption_text(fw, status.as_of, "Dashed line: programme median. A full bar is a "
                           "stage completed." + key_text(key))
    figures = []
    for _number, group, page in each_page(pages(sites, ROWS_PER_PAGE), only):
        text = caption + page
        fig = new_figure(2.2 + 0.3 * max(len(group), 3), left=left, right=0.3, top=1.15,
                         bottom=0.6, caption=text)
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
            for y, v in zip(ys, values) if has_events(status) else ():
                ax.text(min(v, 1.0) + 0.03, y, f"{v:.0%}", va="center", fontsize=9)
            ax.axvline(medians[stage.id], color="black", ls="--", lw=1.2, gid="median")
            ax.set_title(f"{names[i]}\nmedian {medians[stage.id]:.0%}", fontsize=10)
            ax.set_xlim(0, xmax)
            ax.set_xticks([0, 1])
            ax.set_xticklabels(["0", "100%"])
        axes[0].set_ylim(-0.6, max(n, 1) - 0.4)
        axes[0].set_yticks(range(n))
        axes[0].set_yticklabels([s.site for s in reversed(group)])
        axes[0].tick_params(axis="y", length=0)
        if not has_events(status):
            say_empty(axes[len(axes) // 2] if n else axes[0])
        heading(fig, f"{status.initiative}: share of checkpoints done by stage, "
                f"{period.label}", text)
        figures.append(fig)
    return figures


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
    fig = new_figure(7.0, left=0.9, right=0.4, top=0.6, bottom=0.7, caption=caption)
    ax = fig.add_subplot()
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
        ax.text(i, 1.07, f"median {m:.0%}\n{completed} of {n}\ncompleted", ha="center",
                va="bottom", fontsize=9)
    ax.set_xticks(range(len(fw.stages)))
    ax.set_xticklabels(names, fontsize=10)
    ax.set_xlim(-0.6, len(fw.stages) - 0.4)
    ax.set_ylim(-0.05, 1.42)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax.set_yticklabels(["0", "25%", "50%", "75%", "100%"])
    ax.set_ylabel("share of the stage's checkpoints done")
    heading(fig, f"{status.initiative}: share of checkpoints done by stage, {period.label}",
            caption)
    return fig


def site_levels(fw, site) -> dict[str, str | None]:
    """Per domain, the site's most complex latest sub-domain rating (None: not yet rated)."""
    out = {}
    for stage in fw.stages:
        worst = None
        for cp in stage.checkpoints:
            state = site.states.get(cp.full_id)
            levels = fw.levels(cp)
            if levels and state is not None and state.rating in levels:
                if worst is None or levels.index(state.rating) > levels.index(worst):
                    worst = state.rating
        out[stage.id] = worst
    return out


def _levels(status, fw, period):
    """A domains framework: per domain, how many sites stand at each level."""
    scale = next(fw.levels(cp) for st in fw.stages for cp in st.checkpoints if cp.scale)
    colours = dict(zip(scale, level_colours(len(scale))))
    colours[NOT_RATED] = "white"
    counts = {st.id: dict.fromkeys((*scale, NOT_RATED), 0) for st in fw.stages}
    for site in status.sites:
        for domain, level in site_levels(fw, site).items():
            counts[domain][level or NOT_RATED] += 1
    handles = [Patch(facecolor=colours[lvl], edgecolor="#555555",
                     hatch="//" if lvl == NOT_RATED else None, label=lvl)
               for lvl in (*scale, NOT_RATED)]
    title = "sites at each level"
    left = label_width([st.title for st in fw.stages])
    written = [", ".join(f"{c[lvl]} {lvl}" for lvl in c) for c in counts.values()]
    right = 0.4 + max(text_width(w, 9) for w in written)
    caption = caption_text(fw, status.as_of, "A site stands at a domain's most complex "
                           "latest sub-domain rating; a domain with no sub-domain rated yet "
                           "is 'not yet rated'. Per-site figures are in status.csv.")
    fig, legend = legend_right(1.9 + 0.55 * len(fw.stages), handles, left=left, top=0.6,
                               bottom=0.8, title=title, caption=caption)
    ax = fig.add_subplot()
    n = max(len(status.sites), 1)
    rows = list(fw.stages)
    for r, stage in enumerate(rows):
        y = len(rows) - 1 - r
        x = 0
        for lvl, c in counts[stage.id].items():
            if c:
                ax.barh(y, c, left=x, height=0.6, color=colours[lvl], edgecolor="#555555",
                        hatch="//" if lvl == NOT_RATED else None, lw=0.6,
                        gid=f"level:{stage.id}:{lvl}")
                x += c
        if has_events(status):
            ax.text(len(status.sites) + n * 0.02, y, written[r], va="center", fontsize=9)
    # the written counts need the space right of the bars: the axis runs on past them
    plot = WIDTH - left - legend
    ax.set_xlim(0, n / max(0.2, 1 - (right + 0.1) / plot))
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([st.title for st in reversed(rows)])
    ax.set_xlabel("sites")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.tick_params(axis="y", length=0)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1), frameon=False,
              title=title)
    if not has_events(status):
        say_empty(ax)
    heading(fig, f"{status.initiative}: sites at each level of complexity by domain, "
            f"{period.label}", caption)
    return fig
