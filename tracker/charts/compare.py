"""Share of checkpoints done per stage per site, with the programme median."""

from __future__ import annotations

import statistics

from tracker.charts.style import (STAGE_COLOURS, caption_text, heading, label_width, new_figure,
                                  pages)

ROWS_PER_PAGE = 50
LABELLED_ROWS = 25


def draw(snapshot, period, only: int | None = None):
    status, fw = snapshot.status, snapshot.framework
    sites = sorted(status.sites, key=lambda s: s.site.casefold())
    medians = {st.id: statistics.median([s.stage(st.id).proportion for s in sites])
               if sites else 0.0 for st in fw.stages}
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
    return len(pages(snapshot.status.sites, ROWS_PER_PAGE))
