"""The look shared by every chart, and saving PNGs that are identical run to run.

Okabe-Ito colours (distinguishable under the common colour-vision
deficiencies), and never colour alone: every state also has a marker, an outline
or a written label.  matplotlib's bundled DejaVu Sans, so output is the same
on every machine, and no text under 9 pt at 100 %.  Figures are built on
``matplotlib.figure.Figure`` with the Agg canvas: no pyplot, no GUI backend,
no global state.  PNGs carry no timestamp or software version, so the same
data and as-of date give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import unicodedata
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ft2font import Kerning

from tracker.charts.canvas import Canvas

# the colours, and the contrast of text on them, live in tracker.charts.colours
from tracker.charts.colours import (AS_OF_COLOUR, BLACK, BLUE, GREEN, LEVEL_COLOURS_3,  # noqa: F401,E402
                                    ORANGE, PERIOD_COLOUR, PURPLE, SKY, STAGE_COLOURS,
                                    STATUS_COLOURS, TEXT_ON_FILL, VERMILLION, WINE, YELLOW,
                                    contrast, ink_on, level_colours, luminance, text_on)

GREY = "#BBBBBB"
SHADE = "#F0F0F0"
DPI = 150
WIDTH = 2000 / DPI  # inches: a 16:9 slide, 2000 px wide
MIN_PT = 9
LANES_PER_PAGE = 25

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 11,
    "axes.titlesize": 13,
    "axes.labelsize": 11,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "legend.fontsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "scaletrack",
    "path.simplify": True,
    # Every text on a chart is the programme's own words: "Pay $5 or $10" is a name, not
    # TeX to typeset (matplotlib would draw "Pay 5or10" in italics).  Mathtext would also
    # keep FreeType fonts alive in its caches past the cache that a forked chart worker
    # empties, and two workers reading glyphs through the one file offset they share
    # would read each other's bytes ("invalid outline").
    "text.parse_math": False,
}


def new_figure(height: float, width: float = WIDTH, *, left: float = 1.0, right: float = 0.4,
               top: float = 0.8, bottom: float = 0.9, caption: str = "",
               headline: str = "") -> Figure:
    """A figure whose axes area leaves fixed margins, given in inches.

    ``bottom`` is the room for tick labels; the caption's own height (it is
    wrapped to the page's width) is added below that.  ``headline``, the title
    ``heading`` will write, adds the room of its second line when it needs one.

    Margins are set by hand rather than by a layout engine: constrained layout
    draws every figure twice, which doubled the time of a 200-site report.
    """
    text, note = fit_headline(headline, width)
    extra = caption_height(caption + note, width)
    above = TITLE_LINE * text.count("\n")
    bottom += extra
    top += above
    height = max(3.0, height + extra + above)
    fig = Figure(figsize=(width, height), dpi=DPI)
    Canvas(fig)
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height)
    return fig


TITLE_PT = 14
TITLE_LINE = TITLE_PT * 1.2 / 72 + 0.02  # inches a second line of the title takes


def title_room(start: str, width: float = WIDTH) -> float:
    """Inches a title beginning with ``start`` and ending with the longest period label
    takes beyond its first line: what a chart that pages before it knows its period
    (``page_count``) keeps free for it."""
    return TITLE_LINE * fit_headline(start + "2026/27 Q4 (Dec 2026-Feb 2027)",
                                     width)[0].count("\n")


def fit_headline(title: str, width: float = WIDTH) -> tuple[str, str]:
    """The title as drawn, and what the caption adds for it.

    A title wraps to a second line; one that would need a third (an 80-character
    initiative name with a long chart title, or a name with no spaces) is cut
    to two lines ending in an ellipsis, and the caption gives it in full.
    """
    if not title:
        return "", ""
    room = width - 0.3
    lines = wrap(title, room, TITLE_PT, bold=True).split("\n")
    if len(lines) <= 2:
        return "\n".join(lines), ""
    last = lines[1]
    while last and text_width(last + "…", TITLE_PT, True) > room:
        last = last[:-1]
    return f"{lines[0]}\n{last.rstrip()}…", f" Title in full: {title}."


@functools.lru_cache(maxsize=8192)
def text_width(text: str, points: float = 10, bold: bool = False) -> float:
    """Inches a one-line text takes in DejaVu Sans at ``points``, never less than Agg draws it.

    Summed from each glyph's hinted advance and the font's kerning, as FreeType
    gives them, rather than laid out by Agg: since matplotlib 3.11 shapes text
    with libraqm, measuring a 40-character label costs milliseconds, and a
    200-site report measures thousands.  The sum is within a pixel of what Agg
    draws or wider (shaping can only pull glyphs closer here: DejaVu Sans has no
    ligatures that widen a run), so layouts built on it never collide;
    tests/test_layout.py checks every drawn text after the fact.  (Hence
    matplotlib 3.11 or later: earlier releases scaled glyphs by a hinting
    factor, and laid text out without libraqm.)
    """
    try:
        return _summed_width(str(text), points, bool(bold))
    except RuntimeError:  # FreeType refused a glyph: measure as Agg draws it instead
        return _agg_width(str(text), points, bool(bold))


def _summed_width(text: str, points: float, bold: bool) -> float:
    font = _font(bold)
    font.set_size(points, DPI)
    flags = _hinting()
    widest = 0
    for line in text.split("\n"):
        total, previous = 0, None
        for char in line:
            if char in _INVISIBLE:
                continue  # shaping drops soft hyphens and other format characters
            advance, index = _glyph(font, bold, points, char, flags)
            if previous is not None:
                total += font.get_kerning(previous, index, Kerning.DEFAULT)
            total += advance
            previous = index
        widest = max(widest, total)
    return (widest / 64 + 1) / DPI  # 26.6 fixed point to pixels, plus a pixel of rounding


def _agg_width(text: str, points: float, bold: bool) -> float:
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    font = FontProperties(family="DejaVu Sans", size=points, weight="bold" if bold else "normal")
    renderer = RendererAgg(10, 10, DPI)
    return max(renderer.get_text_width_height_descent(line, font, ismath=False)[0]
               for line in text.split("\n")) / DPI


_FONTS: dict = {}
# FreeType reads a font's file through a descriptor whose offset a forked worker shares
# with its parent: each process opens its own (as matplotlib does with its font cache)
os.register_at_fork(after_in_child=_FONTS.clear)
# format characters (category Cf: soft hyphen, zero-width joiners, direction marks), which
# libraqm lays out with no width
_INVISIBLE = frozenset(chr(c) for c in range(0x10000)
                       if unicodedata.category(chr(c)) == "Cf")
_GLYPHS: dict = {}


def _font(bold: bool):
    """A font object of our own: the one matplotlib caches is shared with the renderer,
    which leaves a rotation set on it after drawing a vertical label."""
    if bold not in _FONTS:
        from matplotlib.font_manager import FontProperties, findfont
        from matplotlib.ft2font import FT2Font

        _FONTS[bold] = FT2Font(findfont(FontProperties(
            family="DejaVu Sans", weight="bold" if bold else "normal")))
    return _FONTS[bold]


def _hinting():
    from matplotlib.backends.backend_agg import get_hinting_flag

    return get_hinting_flag()


def _glyph(font, bold: bool, points: float, char: str, flags) -> tuple[int, int]:
    key = (bold, points, char, flags)
    found = _GLYPHS.get(key)
    if found is None:
        glyph = font.load_char(ord(char), flags=flags)
        found = _GLYPHS[key] = (glyph.horiAdvance, font.get_char_index(ord(char)))
    return found


def label_width(labels, points: float = 10) -> float:
    """Inches needed for the longest of some labels, with a little air."""
    return 0.25 + max((text_width(str(x), points) for x in labels), default=0.3)


def stage_labels(framework, room: float, points: float = 10) -> tuple[list[str], list[str]]:
    """What to call each stage on a chart where ``room`` inches are free per title.

    Titles that fit are used whole.  Otherwise each stage gets its short name
    ("Step 3", "Phase 2", "Domain 4": the word before the number in the
    framework's own titles) and the full titles go in a key, returned as lines.
    """
    titles = [st.title for st in framework.stages]
    if all(text_width(t, points) <= room for t in titles):
        return titles, []
    short = [short_name(framework, i) for i in range(len(titles))]
    return short, [f"{s}: {rest_of_title(t)}" for s, t in zip(short, titles)]


def short_name(framework, index: int) -> str:
    import re

    title = framework.stages[index].title
    m = re.match(r"^\s*([A-Za-z]+)\s+\d+\s*:", title)
    word = m.group(1) if m else ("Domain" if framework.kind == "domains" else "Stage")
    return f"{word} {index + 1}"


def rest_of_title(title: str) -> str:
    """A title without its own numbering ("Step 3: Prepare" -> "Prepare")."""
    import re

    return re.sub(r"^\s*(?:[A-Za-z]+\s+)?\d+\s*[:.]\s*", "", title) or title


def wrap(text: str, inches: float, points: float = 10, bold: bool = False) -> str:
    """Wrap text to lines no wider than ``inches`` (measured, not guessed).

    A word wider than a whole line (a 130-character title with no space) is cut
    into pieces that fit, so no label can push the plot off its page."""
    words, lines, line = [], [], ""
    for word in text.split():
        words += _pieces(word, inches, points, bold)
    for word in words:
        candidate = f"{line} {word}".strip()
        if line and text_width(candidate, points, bold) > inches:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return "\n".join(lines)


def _pieces(word: str, inches: float, points: float, bold: bool) -> list[str]:
    """``word`` as it is when it fits on a line, else cut into the longest pieces that do."""
    if text_width(word, points, bold) <= inches:
        return [word]
    pieces, piece = [], ""
    for char in word:
        if piece and text_width(piece + char, points, bold) > inches:
            pieces.append(piece)
            piece = ""
        piece += char
    return pieces + [piece] if piece else pieces


def shorten(text: str, inches: float, points: float = 10) -> str:
    """``text`` cut to ``inches`` with an ellipsis when it is wider (else as it is)."""
    if text_width(text, points) <= inches:
        return text
    while text and text_width(text + "\u2026", points) > inches:
        text = text[:-1]
    return text.rstrip() + "\u2026"


def say_empty(ax, what: str = "No events in this period") -> None:
    """An empty period or programme says so in words, in the middle of the plot."""
    ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center", va="center", fontsize=14,
            color="#444444", gid="empty")


def heading(fig: Figure, title: str, caption: str) -> None:
    """A title that states the initiative and period, a caption with framework and as-of.

    The title is fitted as ``new_figure`` planned it (``fit_headline``): give
    both the same title and caption."""
    height, width = fig.get_figheight(), fig.get_figwidth()
    text, note = fit_headline(title, width)
    fig.text(0.01, 1 - 0.12 / height, text, fontsize=TITLE_PT, fontweight="bold", ha="left",
             va="top", linespacing=1.1, gid="title")
    fig.text(0.01, 0.06 / height, wrap(caption + note, width * 0.97, MIN_PT), fontsize=MIN_PT,
             color="#333333", ha="left", va="bottom", linespacing=1.3, gid="caption")


def caption_height(caption: str, width: float = WIDTH) -> float:
    """Inches the wrapped caption takes beyond the first line's allowance."""
    if not caption:
        return 0.0
    lines = wrap(caption, width * 0.97, MIN_PT).count("\n") + 1
    return max(0, lines - 1) * MIN_PT * 1.3 / 72 + 0.05


def key_text(key: list[str]) -> str:
    """The full stage titles behind the short names on a chart, for its caption."""
    return (" Key: " + "; ".join(key) + ".") if key else ""


def caption_text(framework, as_of: dt.date, extra: str = "") -> str:
    text = (f"Framework: {framework.title} ({framework.id}, version {framework.version}). "
            f"As of {as_of.isoformat()}.")
    return f"{text} {extra}".strip()


def save(fig: Figure, path: Path, palette_over: int | None = None) -> bytes | None:
    """Write the page as a PNG.  If it comes to more than ``palette_over`` bytes, also
    return it with a 256-colour palette (what ``report.html`` embeds of a large report),
    made here from the drawn pixels while they are at hand."""
    from tracker.charts.png import page

    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(RC):
        fig.canvas.draw()
    data, smaller = page(np.asarray(fig.canvas.buffer_rgba()), fig.dpi, palette_over)
    path.write_bytes(data)
    return smaller


def pages_by_height(items: list, heights: list[float], most: float) -> list[list]:
    """Evenly filled pages (as ``pages``) none of whose items add up to more than
    ``most``: the fewest pages for which such an even split exists."""
    count = max(1, -(-int(sum(heights) * 1000) // int(most * 1000)))
    index = {id(x): h for x, h in zip(items, heights)}
    while True:
        groups = pages(items, max(1, -(-len(items) // count)))
        if all(sum(index[id(x)] for x in g) <= most + 1e-9 for g in groups) \
                or count >= len(items):
            return groups
        count += 1


def pages(items: list, per_page: int = LANES_PER_PAGE) -> list[list]:
    """At most ``per_page`` items a page, spread evenly: 5 sites at 4 a page are 3 + 2,
    never 4 + 1, so no site is left alone on a page when a balanced split exists."""
    if not items:
        return [[]]
    count = -(-len(items) // per_page)
    size, extra = divmod(len(items), count)
    out, at = [], 0
    for i in range(count):
        n = size + (i < extra)
        out.append(items[at:at + n])
        at += n
    return out


def each_page(groups: list[list], only: int | None):
    """The shared paging loop of every chart: (page number, items, " Page n of m." or "")
    for every page, or only for page ``only`` (the one a worker process draws)."""
    for number, group in enumerate(groups, start=1):
        if only is None or number == only:
            suffix = f" Page {number} of {len(groups)}." if len(groups) > 1 else ""
            yield number, group, suffix


def page_paths(path: Path, n: int) -> list[Path]:
    """``FILE.png`` for one page; ``FILE-1.png``, ``FILE-2.png``... for several."""
    if n == 1:
        return [path]
    return [path.with_name(f"{path.stem}-{i}{path.suffix}") for i in range(1, n + 1)]


def has_events(status) -> bool:
    """Whether any site has logged anything by the as-of date."""
    return any(site.last_activity is not None for site in status.sites)


def legend_height(handles, points: float = 10) -> float:
    """Inches a legend of these entries takes (one line of text is 1.2 em; entries are
    half an em apart; a title counts as a line)."""
    lines = sum(h.get_label().count("\n") + 1 for h in handles)
    em = points / 72
    return lines * 1.2 * em + len(handles) * 0.5 * em + 0.35


def keep_gids(legend, handles):
    """Give a legend's drawn entries the gids of the handles they were made from (matplotlib
    copies colours, not gids): an entry marked "no-colour" shows a shape or pattern whose
    colour is not its meaning (the colour test leaves it out)."""
    for source, drawn in zip(handles, legend.legend_handles):
        if drawn is not None:
            drawn.set_gid(source.get_gid())
    return legend


def legend_right(height: float, handles, *, left: float, top: float, bottom: float,
                 title: str = "", width: float = WIDTH, caption: str = "",
                 headline: str = ""):
    """A figure with a legend column at the right, as wide as its longest entry and
    never taller than the plot beside it: the one layout rule for side legends.

    Returns the figure and the right margin (inches) the legend takes.
    """
    labels = [h.get_label() for h in handles] + ([title] if title else [])
    right = 0.95 + max(text_width(x) for x in labels)
    needed = legend_height(handles) + (0.3 if title else 0) + top + bottom
    fig = new_figure(max(height, needed), width, left=left, right=right, top=top,
                     bottom=bottom, caption=caption, headline=headline)
    return fig, right


def quarter_axis(ax, lo, hi, convention: str, most: int = 16) -> None:
    """Ticks at the start of each quarter from ``lo`` to ``hi``, labelled "Q3 / 2026"
    (or the financial year), whatever the span: a few days' range gets one quarter
    tick, not a crowd of dates."""
    from tracker.analysis.periods import add_months, quarter_at

    q = quarter_at(lo).start
    ticks = []
    while q <= hi:
        ticks.append(q)
        q = add_months(q, 3)
    step = max(1, -(-len(ticks) // most))  # at most 16 labels across the page
    ticks = ticks[::step]
    ax.set_xticks(ticks)
    ax.set_xticklabels([quarter_label(t, convention) for t in ticks])


def quarter_label(day, convention: str) -> str:
    if convention == "fy":
        fy = day.year if day.month >= 4 else day.year - 1
        q = ((day.month - 4) % 12) // 3 + 1
        return f"Q{q}\n{fy % 100:02d}/{(fy + 1) % 100:02d}"
    return f"Q{(day.month - 1) // 3 + 1}\n{day.year}"


def row_labels(ax, labels, fontsize: float = 10, pad: float = 3.5, at=None) -> None:
    """Name the rows 0..n-1 (labels given top row first), left of the axes; ``at``
    gives each label's y in data units instead.

    Plain texts, not tick labels: an axis builds two lines, two texts and a
    grid line for every tick and measures each label twice when it is drawn,
    which was a third of a 25-lane page's drawing time.
    """
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    ax.set_yticks([])
    move = ScaledTranslation(-pad / 72, 0, ax.figure.dpi_scale_trans)
    where = blended_transform_factory(ax.transAxes, ax.transData) + move
    n = len(labels)
    for i, label in enumerate(labels):
        ax.text(0, n - 1 - i if at is None else at[i], label, transform=where, ha="right",
                va="center", fontsize=fontsize, clip_on=False, gid="row-label")


def column_labels(ax, labels, fontsize: float = 9, pad: float = 3.5) -> None:
    """Name the columns 0..n-1 below the axes, written upwards (see ``row_labels``)."""
    from matplotlib.transforms import ScaledTranslation, blended_transform_factory

    ax.set_xticks([])
    move = ScaledTranslation(0, -pad / 72, ax.figure.dpi_scale_trans)
    where = blended_transform_factory(ax.transData, ax.transAxes) + move
    for i, label in enumerate(labels):
        ax.text(i, 0, label, transform=where, ha="center", va="top", rotation=90,
                fontsize=fontsize, clip_on=False, gid="column-label")
