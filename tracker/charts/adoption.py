"""The diffusion curves of the scale-out: how many sites had entered and completed each
stage, over time (a thin line for entered, a thick one with markers for completed)."""

from __future__ import annotations

import datetime as dt

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tracker.analysis.periods import MONTHS

from tracker.charts.style import (STAGE_COLOURS, VERMILLION, caption_text, each_page,
                                  has_events, heading, legend_right, quarter_axis, say_empty,
                                  wrap)

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h")
STYLES = ("-", "--", "-.", ":")


def curves(status, field: str = "completed_on"):
    """Per stage, the sorted dates on which sites completed (or entered) it."""
    return {stage.id: sorted(getattr(s.stage(stage.id), field) for s in status.sites
                             if getattr(s.stage(stage.id), field) is not None)
            for stage in status.framework.stages}


def draw(snapshot, period, only: int | None = None):
    status, fw = snapshot.status, snapshot.framework
    data, entered = curves(status), curves(status, "entered_on")
    handles = [Line2D([], [], color=STAGE_COLOURS[i % len(STAGE_COLOURS)], lw=2.2,
                      ls=STYLES[i % len(STYLES)], marker=MARKERS[i % len(MARKERS)], ms=7,
                      label=wrap(f"{stage.title}: {len(entered[stage.id])} entered, "
                                 f"{len(data[stage.id])} completed", 3.2))
               for i, stage in enumerate(fw.stages)]
    as_of = status.as_of
    handles += [Line2D([], [], color="#555555", lw=1.0, label="thin line: sites entered"),
                Line2D([], [], color="#555555", lw=2.2, marker="o", ms=6,
                       label="thick line, markers: completed"),
                Patch(color="#F0F0F0", label="report period"),
                Line2D([], [], color=VERMILLION, lw=1.5,
                       label=f"as of {as_of.day} {MONTHS[as_of.month - 1]} {as_of.year}")]
    figures = []
    for _number, _group, _page in each_page([[]], only):
        title = "Stage: sites by the as-of date"
        fig, _right = legend_right(6.5, handles, left=0.9, top=0.55, bottom=0.85, title=title)
        ax = fig.add_subplot()
        _curves(ax, status, period, data, entered)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1), frameon=False,
                  title=title)
        if not has_events(status):
            say_empty(ax)
        heading(fig, f"{status.initiative}: sites entering and completing each stage over time, "
                f"{period.label}", caption_text(fw, status.as_of))
        figures.append(fig)
    return figures


def _curves(ax, status, period, data, entered):
    fw = status.framework
    firsts = [d[0] for d in entered.values() if d]
    start = min(firsts + [period.start]) - dt.timedelta(days=30)
    for i, stage in enumerate(fw.stages):
        dates = entered[stage.id]
        ax.step([start] + dates + [status.as_of],
                [0] + list(range(1, len(dates) + 1)) + [len(dates)], where="post",
                color=STAGE_COLOURS[i % len(STAGE_COLOURS)], lw=1.0,
                ls=STYLES[i % len(STYLES)], gid=f"entered:{stage.id}")
        dates = data[stage.id]
        xs = [start] + dates + [status.as_of]
        ys = [0] + list(range(1, len(dates) + 1)) + [len(dates)]
        ax.step(xs, ys, where="post", color=STAGE_COLOURS[i % len(STAGE_COLOURS)], lw=2.2,
                ls=STYLES[i % len(STYLES)], marker=MARKERS[i % len(MARKERS)], markevery=
                list(range(1, len(dates) + 1)), ms=7, gid=f"adoption:{stage.id}")
    total = len(status.sites)
    ax.axhline(total, color="#777777", ls=":", lw=1)
    ax.text(start, total, f" all {total} sites", va="bottom", fontsize=10, color="#444444")
    ax.axvline(status.as_of, color=VERMILLION, lw=1.5)
    ax.axvspan(period.start, period.end + dt.timedelta(days=1), color="#F0F0F0", zorder=0,
               lw=0)
    end = max(status.as_of, period.end) + dt.timedelta(days=30)
    ax.set_xlim(start, end)
    quarter_axis(ax, start, end, period.convention)
    ax.set_ylim(0, total * 1.08 + 1)
    ax.set_ylabel("sites that had entered or completed the stage")
    ax.yaxis.get_major_locator().set_params(integer=True)


def page_count(snapshot) -> int:
    return 1
