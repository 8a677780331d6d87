"""The diffusion curves of the scale-out, as small multiples: one panel per stage, how
many sites had entered it (thin dashed line) and completed it (thick line, a dot for each
site) by each date, on axes shared by every panel.

One question: how fast are sites entering and completing each stage?  A single
axis with two lines per stage was spaghetti at nine stages (18 lines), and even
at four, one stage's "entered" lay on another's "completed"; a panel per stage
never carries more than the two lines of one stage.
"""

from __future__ import annotations

import datetime as dt

from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tracker.analysis.periods import MONTHS

from tracker.charts.style import (AS_OF_COLOUR, BLACK, ORANGE, PERIOD_COLOUR, WIDTH,
                                  caption_height, caption_text, each_page, has_events, heading, key_text,
                                  new_figure, quarter_axis, rest_of_title, say_empty,
                                  short_name, text_width, wrap)

ENTERED = ORANGE  # sites entered: thin, dashed; sites completed: black, thick, dotted
PANEL_HEIGHT = 2.2  # inches of plot a row of panels, at most
MAX_HEIGHT = 9.95  # inches: the page stays within 1500 px
TITLE_POINTS = 10


def curves(status, field: str = "completed_on"):
    """Per stage, the sorted dates on which sites completed (or entered) it."""
    return {stage.id: sorted(getattr(s.stage(stage.id), field) for s in status.sites
                             if getattr(s.stage(stage.id), field) is not None)
            for stage in status.framework.stages}


def grid_shape(n: int) -> tuple[int, int]:
    """(rows, columns) of panels for ``n`` stages: a slide-shaped page for 2 to 12."""
    columns = n if n <= 3 else 2 if n == 4 else 3 if n <= 9 else 4
    return -(-n // columns), columns


LEFT, RIGHT, GAP_X = 0.9, 0.3, 0.35  # inches


def panel_titles(fw, columns: int) -> tuple[list[str], list[str]]:
    """Each panel's stage title, wrapped to two lines.  A title that needs more is cut
    to two lines ending in an ellipsis, and every full title goes in a key for the
    caption."""
    room = (WIDTH - LEFT - RIGHT - GAP_X * (columns - 1)) / columns - 0.1
    out, cut = [], False
    for st in fw.stages:
        lines = wrap(st.title, room, TITLE_POINTS).split("\n")
        if len(lines) > 2:
            cut = True
            last = lines[1]
            while last and text_width(last + "\u2026", TITLE_POINTS) > room:
                last = last[:-1]
            lines = [lines[0], last.rstrip() + "\u2026"]
        out.append("\n".join(lines))
    if not cut:
        return out, []
    return out, [f"{short_name(fw, i)}: {rest_of_title(st.title)}"
                 for i, st in enumerate(fw.stages)]


def draw(snapshot, period, only: int | None = None):
    status, fw = snapshot.status, snapshot.framework
    completed, entered = curves(status), curves(status, "entered_on")
    n = len(fw.stages)
    rows, columns = grid_shape(n)
    titles, key = panel_titles(fw, columns)
    lines = max(t.count("\n") + 1 for t in titles) + 1  # the title, then the counts
    above = lines * TITLE_POINTS * 1.25 / 72 + 0.12  # inches a panel's title takes
    as_of = status.as_of
    handles = [Line2D([], [], color=BLACK, lw=2.4, marker="o", ms=5,
                      label="sites that completed the stage (a dot per site)"),
               Line2D([], [], color=ENTERED, lw=1.6, ls=(0, (5, 2)),
                      label="sites that entered it (a checkpoint done)"),
               Patch(facecolor="none", edgecolor=PERIOD_COLOUR, ls="--", lw=1.2,
                     label="report period"),
               Line2D([], [], color=AS_OF_COLOUR, lw=1.5,
                      label=f"as of {as_of.day} {MONTHS[as_of.month - 1]} {as_of.year}")]
    title = (f"{status.initiative}: sites entering and completing each stage over time, "
             f"{period.label}")
    caption = caption_text(fw, as_of, f"One panel per stage, all on the same axes; "
                           f"{len(status.sites)} sites in all. A site enters a stage with "
                           "its first checkpoint done and completes it when every required "
                           "checkpoint is done. The dates are in status.csv."
                           + key_text(key))
    figures = []
    for _number, _group, _page in each_page([[]], only):
        top = 0.55 + 0.45 + above  # the title, the legend row, the first panels' titles
        between = (rows - 1) * (above + 0.35)
        room = MAX_HEIGHT - top - 0.75 - between - caption_height(caption + _note(title)) \
            - _extra(title) - 0.05
        panel = min(PANEL_HEIGHT, room / rows)
        fig = new_figure(top + 0.75 + rows * panel + between,
                         left=LEFT, right=RIGHT, top=top, bottom=0.75, caption=caption,
                         headline=title)
        axes = fig.subplots(rows, columns, sharex=True, sharey=True, squeeze=False,
                            gridspec_kw={"hspace": (above + 0.35) / panel,
                                         "wspace": GAP_X * columns / (
                                             WIDTH - LEFT - RIGHT - GAP_X * (columns - 1))})
        _panels(axes, status, period, completed, entered, titles, columns)
        # the legend in one row under the title, right of nothing else
        fig.legend(handles=handles, loc="upper left", ncol=len(handles), frameon=False,
                   bbox_to_anchor=(LEFT / WIDTH, 1 - (0.55 + _extra(title)) /
                                   fig.get_figheight()),
                   borderaxespad=0, columnspacing=1.6, handlelength=2.6)
        if not has_events(status):
            say_empty(axes[0][0] if n == 1 else fig.axes[len(fig.axes) // 2])
        heading(fig, title, caption)
        figures.append(fig)
    return figures


def _note(title: str) -> str:
    from tracker.charts.style import fit_headline

    return fit_headline(title)[1]


def _extra(title: str) -> float:
    from tracker.charts.style import TITLE_LINE, fit_headline

    return TITLE_LINE * fit_headline(title)[0].count("\n")


def _panels(axes, status, period, completed, entered, titles, columns):
    fw = status.framework
    firsts = [d[0] for d in entered.values() if d]
    start = min(firsts + [period.start]) - dt.timedelta(days=30)
    end = max(status.as_of, period.end) + dt.timedelta(days=30)
    total = len(status.sites)
    flat = [ax for row in axes for ax in row]
    n = len(fw.stages)
    for ax in flat[n:]:
        ax.set_visible(False)
    for i, (ax, stage) in enumerate(zip(flat, fw.stages)):
        ax.axvspan(period.start, period.end + dt.timedelta(days=1), facecolor="none",
                   edgecolor=PERIOD_COLOUR, ls="--", lw=1.0, zorder=0, gid="report-period")
        ax.axhline(total, color="#BBBBBB", lw=0.8, zorder=1)
        dates = entered[stage.id]
        ax.step([start] + dates + [status.as_of],
                [0] + list(range(1, len(dates) + 1)) + [len(dates)], where="post",
                color=ENTERED, lw=1.6, ls=(0, (5, 2)), zorder=2, gid=f"entered:{stage.id}")
        done = completed[stage.id]
        ax.step([start] + done + [status.as_of],
                [0] + list(range(1, len(done) + 1)) + [len(done)], where="post",
                color=BLACK, lw=2.4, marker="o", ms=4.5, zorder=3,
                markevery=list(range(1, len(done) + 1)), gid=f"adoption:{stage.id}")
        ax.axvline(status.as_of, color=AS_OF_COLOUR, lw=1.5, zorder=2)
        ax.set_title(f"{titles[i]}\n{len(dates)} entered, {len(done)} completed",
                     loc="left", fontsize=TITLE_POINTS, linespacing=1.25)
        # x labels on the lowest panel of each column only (the axes are shared)
        below = i + columns < n
        ax.tick_params(labelbottom=not below, labelleft=i % columns == 0)
        if i % columns == 0:
            ax.set_ylabel(f"sites (of {total})")
    ax0 = flat[0]
    ax0.set_xlim(start, end)
    width = (WIDTH - LEFT - RIGHT) / columns
    quarter_axis(ax0, start, end, period.convention, most=max(2, int(width / 0.55)))
    ax0.set_ylim(0, total * 1.08 + 0.5)
    ax0.yaxis.get_major_locator().set_params(integer=True)


def page_count(snapshot) -> int:
    return 1
