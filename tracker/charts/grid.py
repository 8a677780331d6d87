"""Gaps by site: sites x checkpoints, grouped by stage, each cell's state drawn, and beside
the grid what the gaps analysis finds for each site, in marks and in words.

One question: what stands between each site and its next stage?  The cells
show each checkpoint's state (a skipped checkpoint, not done in a stage the
site has moved past, apart from one not yet started; optional checkpoints in
italics); the columns after the grid mark an overdue plan, a stalled or slow
site and a key social care barrier (SCIE), and the words say which stage, by
when, how long.  For NASSS the cells show each sub-domain's rating, and the
marks a sub-domain rated complex and sub-domains not yet rated.
"""

from __future__ import annotations

import re

from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import offset_copy

from tracker.charts.style import (GREEN, SKY, TITLE_LINE, VERMILLION, WIDTH, caption_height,
                                  caption_text, column_labels, each_page, fit_headline,
                                  has_events, heading, ink_on, keep_gids, key_text,
                                  label_width, level_colours, new_figure, pages,
                                  rest_of_title, row_labels, say_empty, short_name,
                                  text_width, title_room, wrap)

SKIPPED = "#DDDDDD"
STATES = {  # state: (colour, symbol written in the cell, legend label)
    "done": (GREEN, "\u2713", "done"),
    "started": (SKY, "\u2026", "started or reopened"),
    "blocked": (VERMILLION, "\u2715", "blocked"),
    "skipped": (SKIPPED, "-", "skipped: the site moved on"),
    "not started": ("white", "", "not started"),
}

# gap marks, in the columns after the grid: kind -> (marker, column label, legend label)
PHASED_MARKS = {
    "overdue": ("D", "overdue plan", "plan date passed"),
    "stalled": ("s", "stalled", "stalled (no events for {days} days)"),
    "slow": ("v", "slow", "slow (1.5 x the median time)"),
    "barrier": ("^", "key barrier", "key social care barrier (SCIE)"),
}
DOMAIN_MARKS = {
    "complex": ("P", "complex", "a sub-domain rated complex"),
    "unrated": ("o", "not yet rated", "sub-domains not yet rated"),
    "stalled": ("s", "not reassessed", "not reassessed for {days} days"),
    "barrier": ("^", "key barrier", "key social care barrier (SCIE)"),
}
WORDS_MAX = 3.2  # inches at most for a site's gaps in words
WORDS_PT = 9


def cell_state(cp, state, levels, skipped: bool = False):
    """('done'|'started'|'blocked'|'skipped'|'not started', None) or ('rated', level)."""
    if levels:
        if state is not None and state.rating is not None:
            return "rated", levels.index(state.rating)
        return "not started", None
    if state is None or state.status is None:
        return ("skipped" if skipped else "not started"), None
    if state.status == "done":
        return "done", None
    if state.status == "blocked":
        return "blocked", None
    return "started", None


def findings(snapshot) -> tuple[dict, set]:
    """Per site, {mark kind: [gaps]}; and the (site, checkpoint) pairs skipped."""
    from tracker.analysis.gaps import compute_gaps
    from tracker.catalog import SCIE_FACTORS_ID

    stages = {st.id for st in snapshot.framework.stages}
    found: dict = {}
    skipped = set()
    # stalled as the report around the chart counts it (its --stalled-after, or the
    # framework's default: 90 days, 183 for a framework that is reassessed)
    for g in compute_gaps(snapshot.status, snapshot.plans, snapshot.stalled_days()):
        kind = g.kind
        if kind == "skipped":
            skipped.add((g.site, g.checkpoint))
            continue
        if kind == "at-worst-level":
            if g.stage == SCIE_FACTORS_ID and g.key:
                kind = "barrier"
            elif g.stage in stages:
                kind = "complex"
            else:
                continue
        if kind in ("overdue", "stalled", "slow", "barrier", "complex", "unrated"):
            found.setdefault(g.site, {}).setdefault(kind, []).append(g)
    return found, skipped


def words(fw, found: dict, compact: bool = False) -> str:
    """A site's gaps in a few words, most urgent first (the details are in gaps.csv);
    ``compact`` counts the key barriers instead of naming them."""
    order = {st.id: i for i, st in enumerate(fw.stages)}
    parts = []
    for g in found.get("overdue", ()):
        due = re.search(r"\d{4}-\d\d-\d\d", g.detail)
        parts.append(f"{_stage_name(fw, order, g.stage)} due {due.group(0) if due else '?'}")
    for g in found.get("stalled", ()):
        days = re.search(r"\d+ days?", g.detail)
        since = days.group(0) if days else ""
        parts.append((f"not reassessed for {since}" if fw.kind == "domains"
                      else f"stalled {since}").strip())
    for g in found.get("slow", ()):
        parts.append(f"slow in {_stage_name(fw, order, g.stage)}")
    if found.get("complex"):
        parts.append(f"{len(found['complex'])} complex")
    unrated = found.get("unrated", ())
    if unrated:
        counts = [re.match(r"(\d+) of", g.detail) for g in unrated]
        if all(counts):
            parts.append(f"{sum(int(c.group(1)) for c in counts)} not yet rated")
        else:
            parts.append("no assessment yet")
    barriers = [_factor(fw, g.checkpoint) for g in found.get("barrier", ())]
    if barriers and compact:
        parts.append(f"{len(barriers)} key barrier" + ("s" if len(barriers) > 1 else ""))
    elif barriers:
        parts.append("barrier: " + ", ".join(barriers))
    return "; ".join(parts)


def _stage_name(fw, order, stage_id) -> str:
    """A stage's title when short ("Pilot"), else its short name ("Step 3")."""
    if stage_id not in order:
        return stage_id
    title = fw.stages[order[stage_id]].title
    return title if len(title) <= 20 else short_name(fw, order[stage_id])


def _factor(fw, checkpoint: str) -> str:
    try:
        return fw.checkpoint(checkpoint).title.lower()
    except KeyError:
        return checkpoint.rsplit(".", 1)[-1]


def fit_words(text: str, room: float) -> str:
    """One line of at most ``room`` inches, cut with an ellipsis (the cut is found by
    halving: measuring every shorter prefix cost a tenth of a second a page)."""
    if text_width(text, WORDS_PT) <= room:
        return text
    lo, hi = 0, len(text)  # text[:lo] + "..." fits; text[:hi] + "..." does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if text_width(text[:mid] + "\u2026", WORDS_PT) <= room:
            lo = mid
        else:
            hi = mid
    return text[:lo].rstrip("; ,") + "\u2026"


def _legend_layout(handles, width: float) -> tuple[int, float]:
    """(columns, inches tall) of a legend laid out in rows across ``width``."""
    sizes = [0.75 + text_width(h.get_label()) for h in handles]
    for ncol in range(len(handles), 0, -1):
        columns = [max(sizes[c::ncol]) for c in range(ncol)]
        if sum(columns) <= width:
            break
    rows = -(-len(handles) // ncol)
    return ncol, rows * 0.24 + 0.1


def _plan(snapshot) -> dict:
    """Everything the pages share, page_count's answer among it; worked out once per
    snapshot (``page_count`` runs before the workers fork, so they inherit it)."""
    plans = snapshot.__dict__.setdefault("_chart_plans", {})
    if "gaps" not in plans:
        plans["gaps"] = _work_out(snapshot)
    return plans["gaps"]


def _work_out(snapshot) -> dict:
    status, fw = snapshot.status, snapshot.framework
    columns = [(stage, cp) for stage in fw.stages for cp in stage.checkpoints]
    scale = next((fw.levels(cp) for _, cp in columns if cp.scale), None)
    marks = {kind: (marker, column, label.format(days=snapshot.stalled_days()))
             for kind, (marker, column, label) in
             (DOMAIN_MARKS if fw.kind == "domains" else PHASED_MARKS).items()}
    found, skipped = findings(snapshot)
    sites = sorted(status.sites, key=lambda s: s.site.casefold())
    said = {s.site: words(fw, found.get(s.site, {})) for s in sites}
    left = label_width([s.site for s in sites])
    bottom = 0.45 + label_width([_column_label(cp) for _, cp in columns]
                                + [m[1] for m in marks.values()], 9)
    handles = _handles(scale, marks)
    ncol, legend_h = _legend_layout(handles, WIDTH - 0.4)
    header = text_width("Gaps in words (details in gaps.csv)", 10, True) + 0.1
    room = max(header, min(WORDS_MAX, 0.2 + max((text_width(w, WORDS_PT)
                                                  for w in said.values()), default=0)))
    right = 0.25
    # cells: the checkpoints, a gap of half a cell, then a column per kind of mark
    units = len(columns) + 0.5 + len(marks)
    cell = (WIDTH - left - right - room - 0.15) / max(units, 1)
    headers, key = _headers(fw, cell)
    optional = any(cp.optional for _, cp in columns)
    caption = caption_text(fw, status.as_of, (
        "Cells: each checkpoint's state (grey with a dash: skipped, not done in a stage the "
        "site has moved past)" if not scale else "Cells: each sub-domain's latest rating")
        + (". Checkpoints in italics marked (optional) are optional" if optional else "")
        + ". Marks after the grid: what the gaps analysis finds per site, in words on the "
        "right; every gap is in gaps.csv." + key_text(key))
    header_lines = max((h.count("\n") + 1 for h in headers), default=1)
    top = TOP + legend_h + header_lines * 0.19 + 0.12
    # the title may take a second line (page_count does not know the period's label)
    space = MAX_HEIGHT - top - bottom - caption_height(caption + " Page 99 of 99.") - 0.1 \
        - title_room(f"{status.initiative}: gaps by site, ")
    row = 0.3 if len(sites) * 0.3 <= space else 0.21  # long pages: tighter rows, still 9 pt
    # a site's words take two lines where rows can be made tall enough for them
    two = (any(text_width(w, WORDS_PT) > room - 0.1 for w in said.values())
           and len(sites) * TWO_LINES <= space)
    if two:
        row = TWO_LINES
        said = {k: _two_lines(w, room - 0.1) for k, w in said.items()}
    else:  # one line: name the barriers only where they fit, else count them
        said = {s.site: w if text_width(w, WORDS_PT) <= room - 0.1
                else words(fw, found.get(s.site, {}), compact=True)
                for s, w in zip(sites, said.values())}
    groups = pages(sites, max(1, int(space / row)))
    return dict(columns=columns, scale=scale, left=left, bottom=bottom, handles=handles,
                right=right, headers=headers, caption=caption, row=row, groups=groups,
                marks=marks, found=found, skipped=skipped, said=said, room=room, cell=cell,
                top=top, ncol=ncol)


def _column_label(cp) -> str:
    return f"{cp.id} (optional)" if cp.optional else cp.id


def _title(status, period) -> str:
    return f"{status.initiative}: gaps by site, {period.label if period else ''}"


def draw(snapshot, period, only: int | None = None):
    status, fw = snapshot.status, snapshot.framework
    p = _plan(snapshot)
    title = _title(status, period)
    figures = []
    for _number, group, page in each_page(p["groups"], only):
        text = (p["caption"] + page).strip()
        fig = new_figure(p["bottom"] + p["top"] + 0.1 + p["row"] * max(len(group), 3),
                         left=p["left"], right=p["right"], top=p["top"], bottom=p["bottom"],
                         caption=text, headline=title)
        ax = fig.add_subplot()
        _draw_page(ax, fw, group, p)
        below_title = 0.5 + TITLE_LINE * fit_headline(title)[0].count("\n")
        keep_gids(fig.legend(handles=p["handles"], loc="upper left", ncol=p["ncol"],
                             frameon=False, bbox_to_anchor=(
                                 0.1 / WIDTH, 1 - below_title / fig.get_figheight()),
                             borderaxespad=0, columnspacing=1.2, handletextpad=0.5),
                  p["handles"])
        if not has_events(status):
            say_empty(ax)
        heading(fig, title, text)
        figures.append(fig)
    return figures


MAX_HEIGHT = 10.0  # inches: a 4:3 slide 2000 px wide
TOP = 0.55  # the title's line
TWO_LINES = 0.4  # inches a row whose words take two lines


def _two_lines(text: str, room: float) -> str:
    """Words wrapped to two lines of ``room`` inches, the second cut if need be."""
    lines = wrap(text, room, WORDS_PT).split("\n")
    if len(lines) <= 2:
        return "\n".join(lines)
    return lines[0] + "\n" + fit_words(" ".join(lines[1:]), room)


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


def _handles(scale, marks):
    if scale:
        colours = level_colours(len(scale))
        handles = [Patch(facecolor=c, edgecolor="#777777", label=f"{i + 1} = {lvl}")
                   for i, (lvl, c) in enumerate(zip(scale, colours))]
        handles.append(Patch(facecolor="white", edgecolor="#777777", label="not rated"))
    else:
        handles = [Patch(facecolor=STATES[k][0], edgecolor="#777777",
                         label=f"{STATES[k][2]} ({_shape(k)})") for k in STATES]
    return handles + [Line2D([], [], ls="none", marker=m, ms=7, color="black",
                             mfc="white" if kind == "unrated" else "black", label=label,
                             gid="no-colour")
                      for kind, (m, _column, label) in marks.items()]


MARKERS = {"done": ("o", "black"), "started": (">", "black"), "blocked": ("X", "white"),
           "skipped": ("_", "black")}


def _draw_page(ax, fw, sites, p):
    """Cells as one mesh, each state and each level one marker collection: a handful of
    artists for any number of rows."""
    from matplotlib.colors import to_rgb

    columns, scale, headers, marks = p["columns"], p["scale"], p["headers"], p["marks"]
    n = len(sites)
    colours = level_colours(len(scale)) if scale else []
    image = []
    points: dict[str, list] = {}  # state -> cell positions
    numbers: dict[int, list] = {}  # level number -> cell positions of rated cells
    for row, site in enumerate(sites):
        line = []
        for x, (stage, cp) in enumerate(columns):
            kind, level = cell_state(cp, site.states.get(cp.full_id), fw.levels(cp),
                                     (site.site, cp.full_id) in p["skipped"])
            if kind == "rated":
                line.append(to_rgb(colours[level]))
                numbers.setdefault(level + 1, []).append((x, n - 1 - row))
            else:
                line.append(to_rgb(STATES[kind][0]))
                points.setdefault(kind, []).append((x, n - 1 - row))
        image.append(line)
    size = min(46, (p["cell"] * 72 * 0.55) ** 2)  # markers shrink with narrow cells
    if image:
        import numpy as np

        # one mesh of flat cells: Agg fills a few thousand quads faster than it
        # resamples an image to the page's pixels
        ax.pcolormesh(np.arange(len(columns) + 1) - 0.5, np.arange(n + 1) - 0.5,
                      np.asarray(image[::-1]), shading="flat", edgecolors="none",
                      snap=True)
    for kind, (marker, colour) in MARKERS.items():
        xy = points.get(kind, [])
        # a dash is an unfilled marker: its colour is its face colour, it takes no edge
        edge = {} if kind == "skipped" else {
            "edgecolors": "black" if kind == "blocked" else "none"}
        ax.scatter([q[0] for q in xy], [q[1] for q in xy], marker=marker, s=size, c=colour,
                   linewidths=1.5 if kind == "skipped" else 0.5, zorder=3,
                   gid=f"cells:{kind}", **edge)
    # rated cells: the level's number, explained in the legend, drawn as one marker
    # collection per level (thousands of Text objects took a second a page), in black or
    # white, whichever reads on the level's colour
    for number, xy in sorted(numbers.items()):
        ax.scatter([q[0] for q in xy], [q[1] for q in xy], s=min(52, size * 1.15),
                   c=ink_on(colours[number - 1]), linewidths=0,
                   marker=rf"$\mathbf{{{number}}}$", zorder=3, gid=f"levels:{number}")
    width = len(columns)
    first = width + 0.5  # the first mark column's centre: half a cell after the grid
    mark_x = {kind: first + i for i, kind in enumerate(marks)}
    # cell borders as line collections (minor ticks would make an object per line),
    # then stage separators and titles
    ax.hlines([y - 0.5 for y in range(n + 1)], -0.5, width - 0.5, color="#999999",
              lw=0.6, zorder=2, clip_on=False)
    ax.vlines([x - 0.5 for x in range(width + 1)], -0.5, n - 0.5, color="#999999",
              lw=0.6, zorder=2, clip_on=False)
    ax.hlines([y - 0.5 for y in range(n + 1)], first - 0.5, first + len(marks) - 0.5,
              color="#999999", lw=0.6, zorder=2, clip_on=False)
    ax.vlines([first + i - 0.5 for i in range(len(marks) + 1)], -0.5, n - 0.5,
              color="#999999", lw=0.6, zorder=2, clip_on=False)
    x = 0
    for stage, header in zip(fw.stages, headers):
        span = len(stage.checkpoints)
        if x:
            ax.vlines(x - 0.5, -0.5, max(n, 1) - 0.5, color="black", lw=1.8, zorder=2)
        ax.text(x + span / 2 - 0.5, max(n, 1) - 0.5, header, ha="center", va="bottom",
                fontsize=10, fontweight="bold", clip_on=False,
                # a few points above the grid's top edge, whatever the row height
                transform=offset_copy(ax.transData, fig=ax.figure, y=4, units="points"))
        x += span
    # the gaps: a mark per kind found, then the words
    for kind, (marker, _column, _label) in marks.items():
        ys = [n - 1 - r for r, s in enumerate(sites) if p["found"].get(s.site, {}).get(kind)]
        ax.scatter([mark_x[kind]] * len(ys), ys, marker=marker, s=size,
                   facecolors="white" if kind == "unrated" else "black", linewidths=1.2,
                   edgecolors="black", zorder=3, gid=f"gaps:{kind}")
    words_x = first + len(marks) - 0.5 + 0.15 / p["cell"]
    room = p["room"] - 0.1
    for r, s in enumerate(sites):
        said = p["said"][s.site]
        if said:
            ax.text(words_x, n - 1 - r, said if "\n" in said else fit_words(said, room),
                    ha="left", va="center", fontsize=WORDS_PT, clip_on=False,
                    linespacing=1.1, gid="gap-words")
    ax.text(words_x, max(n, 1) - 0.5, "Gaps in words (details in gaps.csv)", ha="left",
            va="bottom", fontsize=10, fontweight="bold", clip_on=False,
            transform=offset_copy(ax.transData, fig=ax.figure, y=4, units="points"))
    ax.set_xlim(-0.5, words_x + p["room"] / p["cell"])
    ax.set_ylim(-0.5, max(n, 1) - 0.5)
    column_labels(ax, [_column_label(cp) for _, cp in columns]
                  + [m[1] for m in marks.values()])
    italic = {_column_label(cp) for _, cp in columns if cp.optional}
    labels = [t for t in ax.texts if t.get_gid() == "column-label"]
    for t in labels[:width]:
        if t.get_text() in italic:
            t.set_fontstyle("italic")
    for i, t in enumerate(labels[width:]):  # under the mark columns, not at width + i
        t.set_x(first + i)
    row_labels(ax, [s.site for s in sites])
    for side in ("left", "bottom"):
        ax.spines[side].set_visible(False)


def _shape(kind: str) -> str:
    return {"done": "dot", "started": "triangle", "blocked": "cross", "skipped": "dash",
            "not started": "empty"}[kind]


def page_count(snapshot) -> int:
    return len(_plan(snapshot)["groups"])
