"""The gaps grid: sites x checkpoints, grouped by stage, each cell's state drawn and written."""

from __future__ import annotations

from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy

from tracker.charts.style import (GREEN, SKY, VERMILLION, WIDTH, caption_height,
                                  caption_text, each_page, has_events, heading, key_text,
                                  label_width, level_colours, new_figure, pages, rest_of_title,
                                  row_labels, column_labels, say_empty,
                                  short_name, text_width, wrap)


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


def _plan(snapshot) -> dict:
    """Everything the pages share, page_count's answer among it."""
    status, fw = snapshot.status, snapshot.framework
    columns = [(stage, cp) for stage in fw.stages for cp in stage.checkpoints]
    scale = next((fw.levels(cp) for _, cp in columns if cp.scale), None)
    sites = sorted(status.sites, key=lambda s: s.site.casefold())
    left = label_width([s.site for s in sites])
    bottom = 0.45 + label_width([cp.id for _, cp in columns], 9)
    handles = _handles(scale)
    right = 0.95 + max(text_width(h.get_label()) for h in handles)
    cell = (WIDTH - left - right) / max(len(columns), 1)
    headers, key = _headers(fw, cell)
    caption = caption_text(fw, status.as_of, key_text(key).strip())
    room = MAX_HEIGHT - TOP - bottom - caption_height(caption) - 0.1
    row = 0.3 if len(sites) * 0.3 <= room else 0.21  # long pages: tighter rows, still 9 pt
    groups = pages(sites, max(1, int(room / row)))
    return dict(columns=columns, scale=scale, left=left, bottom=bottom, handles=handles,
                right=right, headers=headers, caption=caption, row=row, groups=groups)


def draw(snapshot, period, only: int | None = None):
    status, fw = snapshot.status, snapshot.framework
    p = _plan(snapshot)
    columns, scale, left, bottom, handles, right, headers, caption, row, groups = (
        p[k] for k in ("columns", "scale", "left", "bottom", "handles", "right", "headers",
                       "caption", "row", "groups"))
    what = "ratings" if scale else "checkpoints"
    figures = []
    for _number, group, page in each_page(groups, only):
        text = (caption + page).strip()
        fig = new_figure(bottom + TOP + 0.1 + row * max(len(group), 3), left=left,
                         right=right, top=TOP, bottom=bottom, caption=text)
        ax = fig.add_subplot()
        _draw_page(ax, fw, columns, group, scale, headers)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.005, 1),
                  frameon=False)
        if not has_events(status):
            say_empty(ax)
        heading(fig, f"{status.initiative}: {what} by site, {period.label}", text)
        figures.append(fig)
    return figures


MAX_HEIGHT = 10.0  # inches: a 4:3 slide 2000 px wide
TOP = 1.25


def _headers(fw, cell: float) -> tuple[list[str], list[str]]:
    """Each stage's header over its columns: the title wrapped to two lines if it fits,
    else the short names ("Step 3") for every stage, with the full titles in the key."""
    out = []
    for stage in fw.stages:
        room = cell * len(stage.checkpoints) - 0.08
        text = wrap(stage.title, room, 10, bold=True)
        lines = text.split("\n")
        if len(lines) > 2 or any(text_width(x, 10, bold=True) > room for x in lines):
            break
        out.append(text)
    else:
        return out, []
    short = [short_name(fw, i) for i in range(len(fw.stages))]
    if any(text_width(x, 10, bold=True) > cell * len(st.checkpoints) - 0.08
           for x, st in zip(short, fw.stages)):
        short = [str(i + 1) for i in range(len(fw.stages))]
    return short, [f"{s}: {rest_of_title(st.title)}" for s, st in zip(short, fw.stages)]


def _handles(scale):
    if scale:
        colours = level_colours(len(scale))
        handles = [Patch(facecolor=c, edgecolor="#777777", label=f"{i + 1} = {lvl}")
                   for i, (lvl, c) in enumerate(zip(scale, colours))]
        return handles + [Patch(facecolor="white", edgecolor="#777777", label="not rated")]
    return [Patch(facecolor=STATES[k][0], edgecolor="#777777",
                  label=f"{STATES[k][2]} ({_shape(k)})") for k in STATES]


MARKERS = {"done": ("o", "black"), "started": (">", "black"), "blocked": ("X", "white")}


def _draw_page(ax, fw, columns, sites, scale, headers):
    """Cells as one mesh, each state and each level one marker collection: a handful of
    artists for any number of rows."""
    from matplotlib.colors import to_rgb

    n = len(sites)
    colours = level_colours(len(scale)) if scale else []
    image = []
    points: dict[str, list] = {}  # state -> cell positions
    numbers: dict[int, list] = {}  # level number -> cell positions of rated cells
    for row, site in enumerate(sites):
        line = []
        for x, (stage, cp) in enumerate(columns):
            kind, level = cell_state(cp, site.states.get(cp.full_id), fw.levels(cp))
            if kind == "rated":
                line.append(to_rgb(colours[level]))
                numbers.setdefault(level + 1, []).append((x, n - 1 - row))
            else:
                line.append(to_rgb(STATES[kind][0]))
                points.setdefault(kind, []).append((x, n - 1 - row))
        image.append(line)
    if image:
        import numpy as np

        # one mesh of flat cells: Agg fills a few thousand quads faster than it
        # resamples an image to the page's pixels
        ax.pcolormesh(np.arange(len(columns) + 1) - 0.5, np.arange(n + 1) - 0.5,
                      np.asarray(image[::-1]), shading="flat", edgecolors="none",
                      snap=True)
    for kind, (marker, colour) in MARKERS.items():
        xy = points.get(kind, [])
        ax.scatter([p[0] for p in xy], [p[1] for p in xy], marker=marker, s=46, c=colour,
                   edgecolors="black" if kind == "blocked" else "none", linewidths=0.5,
                   zorder=3, gid=f"cells:{kind}")
    # rated cells: the level's number, explained in the legend, drawn as one marker
    # collection per level (thousands of Text objects took a second a page)
    for number, xy in sorted(numbers.items()):
        ax.scatter([p[0] for p in xy], [p[1] for p in xy], s=52, c="black", linewidths=0,
                   marker=rf"$\mathbf{{{number}}}$", zorder=3, gid=f"levels:{number}")
    # cell borders as two line collections (minor ticks would make an object per line),
    # then stage separators and titles
    ax.hlines([y - 0.5 for y in range(n + 1)], -0.5, len(columns) - 0.5, color="#999999",
              lw=0.6, zorder=2, clip_on=False)
    ax.vlines([x - 0.5 for x in range(len(columns) + 1)], -0.5, n - 0.5, color="#999999",
              lw=0.6, zorder=2, clip_on=False)
    x = 0
    for stage, header in zip(fw.stages, headers):
        width = len(stage.checkpoints)
        if x:
            ax.axvline(x - 0.5, color="black", lw=1.8)
        ax.text(x + width / 2 - 0.5, max(n, 1) - 0.5, header, ha="center", va="bottom",
                fontsize=10, fontweight="bold", clip_on=False,
                # a few points above the grid's top edge, whatever the row height
                transform=offset_copy(ax.transData, fig=ax.figure, y=4, units="points"))
        x += width
    ax.set_xlim(-0.5, len(columns) - 0.5)
    ax.set_ylim(-0.5, max(n, 1) - 0.5)
    column_labels(ax, [cp.id for _, cp in columns])
    row_labels(ax, [s.site for s in sites])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)


def _shape(kind: str) -> str:
    return {"done": "dot", "started": "triangle", "blocked": "cross",
            "not started": "empty"}[kind]


def page_count(snapshot) -> int:
    return len(_plan(snapshot)["groups"])
