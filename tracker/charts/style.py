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
import textwrap
from pathlib import Path

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE, BLACK = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
STAGE_COLOURS = (SKY, ORANGE, GREEN, PURPLE, BLUE, YELLOW, VERMILLION, "#999999", BLACK)
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
}


def level_colours(n: int) -> list[str]:
    """Colours for a rating scale, best first: blue, then orange, vermillion for the worst."""
    if n <= 1:
        return [BLUE]
    ramp = [BLUE, SKY, YELLOW, ORANGE, VERMILLION]
    if n == 2:
        return [BLUE, VERMILLION]
    if n == 3:
        return [BLUE, ORANGE, VERMILLION]
    return [ramp[round(i * (len(ramp) - 1) / (n - 1))] for i in range(n)]


def new_figure(height: float, width: float = WIDTH, *, left: float = 1.0, right: float = 0.4,
               top: float = 0.8, bottom: float = 0.9) -> Figure:
    """A figure whose axes area leaves fixed margins, given in inches.

    Margins are set by hand rather than by a layout engine: constrained layout
    draws every figure twice, which doubled the time of a 200-site report.
    """
    height = max(3.0, height)
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height)
    return fig


def label_width(labels, points: float = 10) -> float:
    """Inches needed for the longest of some labels (DejaVu Sans, roughly)."""
    longest = max((len(str(x)) for x in labels), default=4)
    return 0.25 + longest * points * 0.55 / 72


def heading(fig: Figure, title: str, caption: str) -> None:
    """A title that states the initiative and period, a caption with framework and as-of."""
    height, width = fig.get_figheight(), fig.get_figwidth()
    fig.text(0.01, 1 - 0.12 / height, title, fontsize=14, fontweight="bold", ha="left",
             va="top")
    # wrapped to the figure's width (DejaVu Sans averages about 0.55 em a character)
    per_line = int(width * 0.97 * 72 / (MIN_PT * 0.56))
    fig.text(0.01, 0.06 / height, textwrap.fill(caption, per_line), fontsize=MIN_PT,
             color="#333333", ha="left", va="bottom", linespacing=1.3)


def caption_text(framework, as_of: dt.date, extra: str = "") -> str:
    text = (f"Framework: {framework.title} ({framework.id}, version {framework.version}). "
            f"As of {as_of.isoformat()}.")
    return f"{text} {extra}".strip()


def save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context(RC):
        # light compression: a quarter larger files, a sixth less time per page
        fig.savefig(path, format="png", dpi=DPI, metadata={"Software": None},
                    pil_kwargs={"compress_level": 1})
    return path


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
