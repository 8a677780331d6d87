"""Share of checkpoints done per stage per site, with the programme median."""

from __future__ import annotations

import statistics

from tracker.charts.style import (STAGE_COLOURS, caption_text, heading, label_width, new_figure,
                                  pages)

ROWS_PER_PAGE = 50
LABELLED_ROWS = 25
MAX_BARS = 40  # past this many sites a bar per site is unreadable: show the spread instead


def draw(snapshot, period, only: int | None = None):
    status, fw = snapshot.status, snapshot.framework
    sites = sorted(status.sites, key=lambda s: s.site.casefold())
    medians = {st.id: statistics.median([s.stage(st.id).proportion for s in sites])
               if sites else 0.0 for st in fw.stages}
    if len(sites) > MAX_BARS:
        return [_spread(status, fw, sites, medians, period)]
    groups = pages(sites, ROWS_PER_PAGE)
    figures = []
    left = label_width([s.site for s in sites])
    for number, group in enumerate(groups, start=1):
        if only is not None and number != only:
            continue
        fig = new_figure(2.4 + 0.3 * max(len(group), 3), left=left, right=0.3, top=1.15,
                         bottom=0.85)
        axes = fig.subplots(1, len(fw.stages), sharey=True, squeeze=False,
                            gridspec_kw={"wspace": 0.12})[0]
        n = len(group)
        for i, (ax, stage) in enumerate(zip(axes, fw.stages)):
            colour = STAGE_COLOURS[i % len(STAGE_COLOURS)]
            values = [s.stage(stage.id).proportion for s in group]
            ys = list(range(n - 1, -1, -1))
            # bars as one line collection (a thick line per site): one artist, not fifty
            ax.hlines(ys, 0, values, colors=colour, lw=13, gid=f"bars:{stage.id}")
            if n <= LABELLED_ROWS:  # past that, the numbers are in compare.csv / status.csv
                for y, v in zip(ys, values):
                    ax.text(min(v, 1.0) + 0.03, y, f"{v:.0%}", va="center", fontsize=9)
            ax.axvline(medians[stage.id], color="black", ls="--", lw=1.2, gid="median")
            ax.set_title(f"{stage.title}\nmedian {medians[stage.id]:.0%}", fontsize=10)
            ax.set_xlim(0, 1.3)
            ax.set_xticks([0, 0.5, 1])
            ax.set_xticklabels(["0", "50%", "100%"])
        axes[0].set_yticks(range(n))
        axes[0].set_yticklabels([s.site for s in reversed(group)])
        axes[0].tick_params(axis="y", length=0)
        page = f" Page {number} of {len(groups)}." if len(groups) > 1 else ""
        heading(fig, f"{status.initiative}: share of checkpoints done by stage, {period.label}",
                caption_text(fw, status.as_of, "Dashed line: programme median. A full bar is a "
                             "stage reached." + page))
        figures.append(fig)
    return figures


def page_count(snapshot) -> int:
    n = len(snapshot.status.sites)
    return 1 if n > MAX_BARS else len(pages(snapshot.status.sites, ROWS_PER_PAGE))


def _spread(status, fw, sites, medians, period):
    """One dot per site per stage (the share done), the median marked and written."""
    fig = new_figure(7.0, left=0.9, right=0.4, top=0.6, bottom=0.95)
    ax = fig.add_subplot()
    n = len(sites)
    for i, stage in enumerate(fw.stages):
        values = [s.stage(stage.id).proportion for s in sites]
        # a fixed spread across the column (not random), so the PNG is the same every time
        xs = [i + ((k * 0.618034) % 1 - 0.5) * 0.6 for k in range(n)]
        ax.scatter(xs, values, s=14, color=STAGE_COLOURS[i % len(STAGE_COLOURS)],
                   alpha=0.6, edgecolors="none", gid=f"dots:{stage.id}")
        m = medians[stage.id]
        ax.hlines(m, i - 0.38, i + 0.38, colors="black", lw=2.5, gid="median")
        reached = sum(v >= 1.0 for v in values)
        ax.text(i + 0.4, m, f"median {m:.0%}", va="center", fontsize=9)
        ax.text(i, 1.08, f"{reached} of {n} reached", ha="center", fontsize=9)
    ax.set_xticks(range(len(fw.stages)))
    ax.set_xticklabels([st.title for st in fw.stages], fontsize=10)
    ax.set_xlim(-0.6, len(fw.stages) - 0.2)
    ax.set_ylim(-0.05, 1.15)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1])
    ax.set_yticklabels(["0", "25%", "50%", "75%", "100%"])
    ax.set_ylabel("share of the stage's checkpoints done")
    heading(fig, f"{status.initiative}: share of checkpoints done by stage, {period.label}",
            caption_text(fw, status.as_of, f"One dot per site ({n} sites); black bar: "
                         "programme median. Per-site figures are in status.csv."))
    return fig
