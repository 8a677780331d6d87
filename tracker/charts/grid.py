"""The gaps grid: sites x checkpoints, grouped by stage, each cell's state drawn and written."""

from __future__ import annotations

import textwrap

from matplotlib.patches import Patch, Rectangle

from tracker.charts.style import (GREEN, SKY, VERMILLION, caption_text, heading, level_colours,
                                  new_figure, pages)

ROWS_PER_PAGE = 40
STATES = {  # state: (colour, symbol written in the cell, legend label)
    "done": (GREEN, "\u2713", "done"),
    "started": (SKY, "\u2026", "started or reopened"),
    "blocked": (VERMILLION, "\u2715", "blocked"),
    "not started": ("white", "", "not started"),
}


def cell_state(cp, state, levels):
    """('done'|'started'|'blocked'|'not started', None) or ('rated', level index)."""
    if levels:
        if state is not None and state.rating is not None:
            return "rated", levels.index(state.rating)
        return "not started", None
    if state is None or state.status is None:
        return "not started", None
    if state.status == "done":
        return "done", None
    if state.status == "blocked":
        return "blocked", None
    return "started", None


def draw(snapshot, period):
    status, fw = snapshot.status, snapshot.framework
    columns = [(stage, cp) for stage in fw.stages for cp in stage.checkpoints]
    scale = next((fw.levels(cp) for _, cp in columns if cp.scale), None)
    sites = sorted(status.sites, key=lambda s: s.site.casefold())
    groups = pages(sites, ROWS_PER_PAGE)
    figures = []
    for number, group in enumerate(groups, start=1):
        width = min(20.0, 4.5 + 0.36 * len(columns))
        fig = new_figure(3.2 + 0.34 * max(len(group), 3), width=width)
        ax = fig.add_subplot()
        _draw_page(ax, fw, columns, group, scale)
        page = f" Page {number} of {len(groups)}." if len(groups) > 1 else ""
        what = "ratings" if scale else "checkpoints"
        heading(fig, f"{status.initiative}: {what} by site, {period.label}",
                caption_text(fw, status.as_of, page.strip()))
        figures.append(fig)
    return figures


def _draw_page(ax, fw, columns, sites, scale):
    n = len(sites)
    colours = level_colours(len(scale)) if scale else []
    counts = {}
    for row, site in enumerate(sites):
        y = n - 1 - row
        for x, (stage, cp) in enumerate(columns):
            kind, level = cell_state(cp, site.states.get(cp.full_id), fw.levels(cp))
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "rated":
                face, text = colours[level], str(level + 1)
            else:
                face, text, _ = STATES[kind]
            ax.add_patch(Rectangle((x - 0.45, y - 0.42), 0.9, 0.84, facecolor=face,
                                   edgecolor="#777777", lw=0.6, gid=f"cell:{kind}"))
            if text:
                ax.text(x, y, text, ha="center", va="center", fontsize=10,
                        color="black" if kind != "blocked" else "white", fontweight="bold")
    # stage groups: separators and titles
    x = 0
    for stage in fw.stages:
        width = len(stage.checkpoints)
        if x:
            ax.axvline(x - 0.5, color="black", lw=1.5)
        ax.text(x + width / 2 - 0.5, n - 0.2, textwrap.fill(stage.title, max(8, 5 * width)),
                ha="center", va="bottom", fontsize=10, fontweight="bold")
        x += width
    ax.set_xlim(-0.6, len(columns) - 0.4)
    ax.set_ylim(-0.6, n + 1.2)
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels([cp.id for _, cp in columns], rotation=90, fontsize=9)
    ax.set_yticks(range(n))
    ax.set_yticklabels([s.site for s in reversed(sites)])
    ax.tick_params(length=0)
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)
    if scale:
        handles = [Patch(facecolor=c, edgecolor="#777777", label=f"{i + 1} = {lvl}")
                   for i, (lvl, c) in enumerate(zip(scale, colours))]
        handles.append(Patch(facecolor="white", edgecolor="#777777", label="not rated"))
    else:
        handles = [Patch(facecolor=c, edgecolor="#777777", label=f"{sym} {label}".strip())
                   for c, sym, label in STATES.values()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1), frameon=False)
