"""The swimlane timeline: a lane per site, stage bands, done, planned and blocked markers."""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from tracker.analysis.periods import MONTHS, Period, add_months, quarter_at
from tracker.charts.style import (AS_OF_COLOUR, BLACK, LANES_PER_PAGE, PERIOD_COLOUR, SHADE,
                                  STAGE_COLOURS, VERMILLION, caption_height, caption_text,
                                  each_page, has_events, heading, keep_gids, key_text,
                                  label_width, legend_right, pages_by_height, quarter_axis,
                                  row_labels, say_empty, stage_labels, title_room)

LANE = 0.3  # inches a site with one row of bands
ROW = 0.12  # inches a band row never goes below: a lane with more rows grows instead
GAP = 0.1  # inches between lanes
PAGE = LANES_PER_PAGE * LANE  # inches of lanes a page holds
LEGEND_ROOM = 2.3  # inches for a stage's legend label: nine stages take a quarter of the page


def lane_order(status):
    """Furthest along first: most stages completed, then earliest start, then name."""
    def key(site):
        completed = sum(st.completed_on is not None for st in site.stages)
        starts = [st.first_activity for st in site.stages if st.first_activity]
        return (-completed, min(starts) if starts else dt.date.max, site.site.casefold())
    return sorted(status.sites, key=key)


def site_marks(framework, site):
    """(stage id, date, "done" or "blocked") for the done and blocked checkpoints of a site."""
    marks = []
    for stage in framework.stages:
        for cp in stage.checkpoints:
            state = site.states.get(cp.full_id)
            if state is not None and state.status in ("done", "blocked"):
                marks.append((stage.id, state.status_on, state.status))
    return marks


def band_rows(site, as_of) -> dict[str, int]:
    """Which row of its lane each stage's band takes, so that no two bands overlap.

    Stages overlap in time whenever a site starts the next stage before it has
    finished the last (a checkpoint left open keeps a band running to the as-of
    date).  Drawn over each other, bands would mix into colours the legend does
    not show; instead a lane is split into as many rows as it has bands running
    at once, each band in the first row free at its start (stage order breaks
    ties), as a Gantt chart does.
    """
    ends: list[dt.date] = []  # per row, the day its last band ends
    rows = {}
    for st in sorted((st for st in site.stages if st.first_activity is not None),
                     key=lambda st: st.first_activity):
        end = max(st.completed_on or as_of, st.first_activity + dt.timedelta(days=2))
        row = next((i for i, e in enumerate(ends) if e <= st.first_activity), len(ends))
        if row == len(ends):
            ends.append(end)
        else:
            ends[row] = end
        rows[st.stage] = row
    return rows


def x_range(status, period: Period, plans: dict):
    firsts = [st.first_activity for s in status.sites for st in s.stages if st.first_activity]
    start = min([period.start] + firsts)
    horizon = status.as_of + dt.timedelta(days=366)
    dues = [d for d in plans.values() if d <= horizon]
    end = max([period.end, status.as_of] + dues)
    return quarter_at(start).start, add_months(quarter_at(end).start, 3)


def lane_height(depth: int) -> float:
    """Inches a lane takes with ``depth`` rows of bands: rows keep ``ROW`` at least."""
    return max(LANE, depth * ROW + GAP)


CAPTION = ("Bands run from a stage's first activity to the day it was completed; hatched "
           "bands with a dashed outline are stages not yet completed. A lane splits into rows "
           "where a site worked on several stages at once.")
MAX_HEIGHT = 9.95  # inches: a page stays within 1500 px


def _caption(fw, as_of, page: str = "") -> str:
    return caption_text(fw, as_of, CAPTION + key_text(stage_labels(fw, LEGEND_ROOM)[1]) + page)


def _lanes(snapshot):
    """(sites in lane order, each site's band rows, the pages of sites).  A page holds
    25 one-row lanes' height, less what a long caption and a two-line title take.
    Worked out once per snapshot (``page_count`` runs before the workers fork)."""
    plans = snapshot.__dict__.setdefault("_chart_plans", {})
    if "timeline" not in plans:
        plans["timeline"] = _work_out(snapshot)
    return plans["timeline"]


def _work_out(snapshot):
    status = snapshot.status
    ordered = lane_order(status)
    rows = {s.site_id: band_rows(s, status.as_of) for s in ordered}
    heights = [lane_height(max(rows[s.site_id].values(), default=0) + 1) for s in ordered]
    room = MAX_HEIGHT - 1.9 - caption_height(_caption(
        snapshot.framework, status.as_of, " Page 99 of 99.")) \
        - title_room(f"{status.initiative}: progress by site, ")
    return ordered, rows, pages_by_height(ordered, heights, min(PAGE, room))


def draw(snapshot, period: Period, only: int | None = None):
    """One figure per page of at most 25 one-row lanes' height."""
    status, fw = snapshot.status, snapshot.framework
    ordered, rows, groups = _lanes(snapshot)
    lo, hi = x_range(status, period, snapshot.plans)
    left = label_width([s.site for s in ordered])
    names, _key = stage_labels(fw, LEGEND_ROOM)
    title = f"{status.initiative}: progress by site, {period.label}"
    figures = []
    for _number, group, page in each_page(groups, only):
        handles = _handles(fw, names, status.as_of)
        caption = _caption(fw, status.as_of, page)
        plot = sum(lane_height(max(rows[s.site_id].values(), default=0) + 1) for s in group)
        fig, right = legend_right(1.9 + max(plot, 3 * LANE), handles, left=left,
                                  top=0.55, bottom=0.95, caption=caption, headline=title)
        ax = fig.add_subplot()
        _draw_page(ax, fw, group, rows, snapshot.plans, status.as_of, period, lo, hi)
        keep_gids(ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1),
                            frameon=False), handles)
        if not has_events(status):
            say_empty(ax)
        heading(fig, title, caption)
        figures.append(fig)
    return figures


def _handles(fw, names, as_of):
    from tracker.charts.style import wrap

    handles = [Patch(facecolor=STAGE_COLOURS[i % len(STAGE_COLOURS)],
                     label=wrap(name, LEGEND_ROOM)) for i, name in enumerate(names)]
    return handles + [
        # its colour is the stage's: the entry shows the hatching and dashes only
        Patch(facecolor="white", edgecolor="#333333", hatch="//", ls=(0, (4, 2)), lw=1.3,
              label="stage not yet completed\n(its colour, hatched)", gid="no-colour"),
        Line2D([], [], ls="none", marker="o", color=BLACK, label="checkpoint done"),
        Line2D([], [], ls="none", marker="D", mfc="white", mec=BLACK, mew=1.5,
               label="planned date for a stage"),
        Line2D([], [], ls="none", marker="X", color=VERMILLION, mec=BLACK, label="blocked"),
        Patch(facecolor="none", edgecolor=PERIOD_COLOUR, ls="--", lw=1.2,
              label="report period"),
        Line2D([], [], color=AS_OF_COLOUR, lw=1.5,
               label=f"as of {as_of.day} {MONTHS[as_of.month - 1]} {as_of.year}"),
    ]


def _draw_page(ax, fw, sites, all_rows, plans, as_of, period, lo, hi):
    """Lanes top to bottom; y is in inches from the bottom of the plot."""
    stage_index = {s.id: i for i, s in enumerate(fw.stages)}
    # alternate quarters shaded, the report period outlined
    q = lo
    shade = False
    while q < hi:
        nxt = add_months(q, 3)
        if shade:
            ax.axvspan(q, nxt, color=SHADE, zorder=0, lw=0)
        shade = not shade
        q = nxt
    ax.axvspan(period.start, period.end + dt.timedelta(days=1), facecolor="none",
               edgecolor=PERIOD_COLOUR, lw=1.2, ls="--", zorder=1, gid="report-period")
    done_x, done_y, plan_x, plan_y, block_x, block_y = [], [], [], [], [], []
    bands: dict[tuple[str, bool], list] = {}
    heights = [lane_height(max(all_rows[s.site_id].values(), default=0) + 1) for s in sites]
    total = sum(heights)
    middles = []
    floor = total
    for site, lane in zip(sites, heights):
        floor -= lane
        rows = all_rows[site.site_id]
        depth = max(rows.values(), default=0) + 1
        height = (lane - GAP) / depth
        y = floor + lane / 2  # the lane's middle
        middles.append(y)
        centre = {}  # stage id -> the y of its band's middle
        for st in site.stages:
            if st.first_activity is None:
                continue
            end = st.completed_on or as_of
            x0 = mdates.date2num(st.first_activity)
            x1 = x0 + max((end - st.first_activity).days, 2)
            top = floor + lane - GAP / 2 - rows[st.stage] * height
            centre[st.stage] = top - height / 2
            bands.setdefault((st.stage, st.completed_on is not None), []).append(
                [(x0, top - height), (x1, top - height), (x1, top), (x0, top)])
        for stage_id, on, kind in site_marks(fw, site):
            where = centre.get(stage_id, y)
            if kind == "done":
                done_x.append(on)
                done_y.append(where)
            else:
                block_x.append(on)
                block_y.append(where)
        for stage in fw.stages:
            due = plans.get((site.site_id, stage.id))
            if due is not None and lo <= due <= hi:
                plan_x.append(due)
                plan_y.append(centre.get(stage.id, y))
    # one collection per stage and state: a 25-lane page draws a handful of artists
    for (stage_id, completed), polygons in bands.items():
        colour = STAGE_COLOURS[stage_index[stage_id] % len(STAGE_COLOURS)]
        ax.add_collection(PolyCollection(
            # solid colours only (never blended), and not colour alone: a stage not yet
            # completed is hatched white and outlined with dashes
            polygons, facecolors=colour, hatch=None if completed else "/",
            hatchcolor=_hatch(colour), edgecolors=colour if completed else "#333333",
            linestyles="solid" if completed else (0, (4, 2)),
            linewidths=0.8 if completed else 1.3, zorder=2,
            gid=f"bands:{stage_id}:{'completed' if completed else 'in progress'}"))
    ax.plot(done_x, done_y, ls="none", marker="o", ms=5, color=BLACK, zorder=4, gid="done")
    ax.plot(plan_x, plan_y, ls="none", marker="D", ms=8, mfc="white", mec=BLACK, mew=1.5,
            zorder=4, gid="planned")
    ax.plot(block_x, block_y, ls="none", marker="X", ms=11, color=VERMILLION, mec=BLACK,
            mew=0.6, zorder=5, gid="blocked")
    ax.axvline(as_of, color=AS_OF_COLOUR, lw=1.5, zorder=3, gid="as-of")
    ax.set_ylim(-0.06, max(total, 3 * LANE) + 0.18)
    row_labels(ax, [s.site for s in sites], at=middles)
    ax.set_xlim(lo, hi + dt.timedelta(days=12))
    quarter_axis(ax, lo, hi, period.convention)
    ax.tick_params(axis="y", length=0)


def _hatch(colour: str) -> str:
    """White hatching on a dark band, dark grey on a light one: visible on either."""
    from tracker.charts.style import contrast

    return "white" if contrast("white", colour) >= contrast("#333333", colour) else "#333333"


def page_count(snapshot) -> int:
    return len(_lanes(snapshot)[2])
