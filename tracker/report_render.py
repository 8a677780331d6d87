"""Rendering the report document: Jinja2 templates for report.html and report.md.

jinja2 is imported here, and this module only by ``tracker.report`` when a
report is written, never at CLI start-up.  Both templates escape every value
they are given: HTML by Jinja's autoescape, Markdown by ``md_escape`` applied
to every ``{{ }}`` output (``finalize``), so a site named
``[Leeds](https://evil.example)`` or a note holding ``<script>`` is text in both.
The templates are package data (``tracker/templates``), loaded from the package.
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

# Characters with a meaning in Markdown (CommonMark and GitHub's tables and autolinks),
# escaped with a backslash wherever stored text lands; every ASCII punctuation character
# may be backslash-escaped, so the escape itself always reads back as the character.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#!~&$])")
_MD_AUTOLINK = re.compile(r"(?i)(://|www\.)")
_MD_LINE_START = re.compile(r"^(\d*)([.)]|[-+>=])(?=\s|$)")


def md_escape(value) -> str:
    """Text as Markdown that shows exactly that text: no links, emphasis, HTML or tables."""
    text = " ".join(str(value).split())  # a newline in a note would start a new block
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _MD_AUTOLINK.sub(lambda m: m.group(1).replace(":", "\\:").replace(".", "\\."), text)
    # a list marker or a heading underline where a block begins: "1. ", "- ", "="
    return _MD_LINE_START.sub(r"\1\\\2", text)


# The charts' PNG bytes above which report.html carries its largest pages with a
# 256-colour palette: base64 adds a third, so this keeps a 200-site report (18 pages of
# 2000 px charts, 9 MB of PNG for ExpandNet's nine steps) under 10 MB to attach to an
# e-mail, with 1 MB for the text.  Smaller reports embed the PNG files as they are.
IMAGE_BUDGET = 6_700_000


def embedded_images(paths: list[Path], read=None, smaller=None) -> dict[Path, str]:
    """Each chart page as a data: URI, so the HTML file needs no other file and no network
    (``read(path)`` gives a page's bytes: a report reads them before they are renamed into
    place; ``smaller`` has the palette versions the drawing made already, by path)."""
    read = read or (lambda path: path.read_bytes())
    smaller = smaller or {}
    raw = {Path(p): read(Path(p)) for p in paths}
    total = sum(len(b) for b in raw.values())
    # the largest pages first, and only as many as it takes: the cost stays in proportion
    for p in sorted(raw, key=lambda p: (-len(raw[p]), str(p))):
        if total <= IMAGE_BUDGET:
            break
        fewer = smaller.get(Path(p)) or palette_png(raw[p])
        if len(fewer) < len(raw[p]):
            total -= len(raw[p]) - len(fewer)
            raw[p] = fewer
    return {p: "data:image/png;base64," + base64.b64encode(b).decode("ascii")
            for p, b in raw.items()}


def palette_png(png: bytes) -> bytes:
    """A page the drawing did not reduce (``charts.png.palette``), read back from its PNG."""
    import io

    import numpy as np
    from PIL import Image  # matplotlib's own dependency

    from tracker.charts.png import palette

    with Image.open(io.BytesIO(png)) as image:
        return palette(np.asarray(image.convert("RGBA")))


@functools.cache
def _environments():
    import jinja2
    from markupsafe import Markup

    loader = jinja2.PackageLoader("tracker", "templates")
    html = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=False,
                              undefined=jinja2.StrictUndefined)

    def finalize(value):
        return value if isinstance(value, Markup) else md_escape(value)

    md = jinja2.Environment(loader=loader, autoescape=False, finalize=finalize,
                            undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    md.filters["md"] = md_escape
    md.filters["safe"] = Markup  # file names the report itself chose
    return html, md


def render_html(doc, read=None, smaller=None) -> str:
    from tracker import __version__

    html, _ = _environments()
    figures = [b.path for s in _all_sections(doc.sections) for b in s.blocks
               if b.kind == "figure"]
    return html.get_template("report.html.j2").render(doc=doc, version=__version__,
                                                      images=embedded_images(figures, read, smaller))


def _all_sections(sections):
    for s in sections:
        yield s
        yield from _all_sections(s.sections)


def render_markdown(doc) -> str:
    _, md = _environments()
    text = md.get_template("report.md.j2").render(doc=doc)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
