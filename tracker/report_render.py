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


def data_uri(path: Path) -> str:
    """A PNG as a data: URI, so the HTML file needs no other file and no network."""
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


@functools.cache
def _environments():
    import jinja2
    from markupsafe import Markup

    loader = jinja2.PackageLoader("tracker", "templates")
    html = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=False,
                              undefined=jinja2.StrictUndefined)
    html.filters["data_uri"] = data_uri

    def finalize(value):
        return value if isinstance(value, Markup) else md_escape(value)

    md = jinja2.Environment(loader=loader, autoescape=False, finalize=finalize,
                            undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    md.filters["md"] = md_escape
    md.filters["safe"] = Markup  # file names the report itself chose
    return html, md


def render_html(doc) -> str:
    from tracker import __version__

    html, _ = _environments()
    return html.get_template("report.html.j2").render(doc=doc, version=__version__)


def render_markdown(doc) -> str:
    _, md = _environments()
    text = md.get_template("report.md.j2").render(doc=doc)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def write_text(path: Path, text: str) -> Path:
    """Every file of the report is written here (one place to make writes atomic)."""
    path.write_text(text, encoding="utf-8")
    return path
