"""The diffusion curve of the scale-out: how many sites had reached each stage, over time."""

from __future__ import annotations

import datetime as dt

from tracker.analysis.periods import MONTHS
from tracker.charts.style import STAGE_COLOURS, VERMILLION, caption_text, heading, new_figure

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h")
STYLES = ("-", "--", "-.", ":")


def curves(status):
    """Per stage, the sorted dates on which sites reached it."""
    return {stage.id: sorted(s.stage(stage.id).completed_on for s in status.sites
                             if s.stage(stage.id).completed_on is not None)
            for stage in status.framework.stages}


def draw(snapshot, period, only: int | None = None):
    status, fw = snapshot.status, snapshot.framework
    fig = new_figure(6.5, left=0.9, right=4.2, top=0.55, bottom=0.85)
    ax = fig.add_subplot()
    data = curves(status)
    firsts = [d[0] for d in data.values() if d]
    start = min(firsts + [period.start]) - dt.timedelta(days=30)
    for i, stage in enumerate(fw.stages):
        dates = data[stage.id]
        xs = [start] + dates + [status.as_of]
        ys = [0] + list(range(1, len(dates) + 1)) + [len(dates)]
        ax.step(xs, ys, where="post", color=STAGE_COLOURS[i % len(STAGE_COLOURS)], lw=2.2,
                ls=STYLES[i % len(STYLES)], marker=MARKERS[i % len(MARKERS)], markevery=
                list(range(1, len(dates) + 1)), ms=7, label=f"{stage.title}: {len(dates)}",
                gid=f"adoption:{stage.id}")
    total = len(status.sites)
    ax.axhline(total, color="#777777", ls=":", lw=1)
    ax.text(start, total, f" all {total} sites", va="bottom", fontsize=10, color="#444444")
    ax.axvline(status.as_of, color=VERMILLION, lw=1.5)
    ax.annotate(f"as of {status.as_of.day} {MONTHS[status.as_of.month - 1]} {status.as_of.year}",
                (status.as_of, total), xytext=(4, -14), textcoords="offset points",
                color=VERMILLION, fontsize=10)
    ax.axvspan(period.start, period.end + dt.timedelta(days=1), color="#F0F0F0", zorder=0,
               lw=0, label="report period")
    ax.set_ylim(0, total + 0.8)
    ax.set_ylabel("sites that had reached the stage")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1), frameon=False,
              title="Stage: sites reached")
    heading(fig, f"{status.initiative}: sites reaching each stage over time, {period.label}",
            caption_text(fw, status.as_of))
    return [fig]


def page_count(snapshot) -> int:
    return 1
