"""report.html and report.md from one document model: structure, escaping and wording.

These read the files as text and parse them (html.parser, a CommonMark parser);
tests/test_report_browser.py opens them in a real browser.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from tracker.catalog import Catalog
from tracker.report_render import md_escape
from tracker.store.initiatives import create_initiative
from tracker.store.sites import add_site
from tracker.store.writes import log_event

D = dt.date
HOSTILE_SITE = "[Leeds](https://evil.example)"
HOSTILE_NOTE = '<script>alert(1)</script><img src=x onerror=alert(2)> **now** | `x` _y_'


class Page(HTMLParser):
    """The parts of report.html the tests check: tags in order, headings, text, images."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.headings: list[tuple[int, str]] = []
        self._heading: int | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = int(tag[1])
            self.headings.append((self._heading, ""))

    def handle_endtag(self, tag):
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self._heading is not None:
            level, text = self.headings[-1]
            self.headings[-1] = (level, text + data)

    def all(self, tag: str) -> list[dict]:
        return [attrs for t, attrs in self.tags if t == tag]


def _markdown():
    """CommonMark with GitHub's tables and strikethrough."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


@pytest.fixture
def hostile(store, run, tmp_path):
    """A programme whose stored text is markup in both languages."""
    create_initiative(store, Catalog(), "Care *first* <i>now</i>", "ihi-full-scale")
    add_site(store, None, HOSTILE_SITE, joined_on=D(2026, 1, 5))
    add_site(store, None, "Bournemouth, Christchurch and Poole", joined_on=D(2026, 1, 5))
    add_site(store, None, "Redcar and Cleveland", joined_on=D(2026, 1, 5))
    log_event(store, None, HOSTILE_SITE, "set-up.target-defined", on=D(2026, 2, 1))
    log_event(store, None, HOSTILE_SITE, "set-up.baseline", status="blocked",
              on=D(2026, 5, 2), note=HOSTILE_NOTE)
    for site in ("Bournemouth, Christchurch and Poole", "Redcar and Cleveland"):
        log_event(store, None, site, "set-up.target-defined", on=D(2026, 1, 20))
    run("report", "--quarter", "2026Q2", "--out", str(tmp_path / "h"))
    return tmp_path / "h"


def test_stored_markup_is_text_in_the_html(hostile):
    html = (hostile / "report.html").read_text(encoding="utf-8")
    page = Page(html)
    assert page.all("script") == [] and page.all("i") == []
    assert [a["href"] for a in page.all("a") if not a["href"].startswith("#")] == []
    text = "".join(page.text)
    assert HOSTILE_SITE in text
    assert f'"{HOSTILE_NOTE}"' in text  # the blocking note, quoted, as it was typed
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    assert page.headings[0] == (1, "Care *first* <i>now</i>: progress report, 2026 Q2 "
                                   "(Apr-Jun 2026)")
    # the page's own policy forbids scripts and any request, should anything slip through
    (csp,) = [m["content"] for m in page.all("meta") if m.get("http-equiv")]
    assert csp.startswith("default-src 'none'; img-src data:;")


def test_stored_markup_is_text_in_the_markdown(hostile):
    md = (hostile / "report.md").read_text(encoding="utf-8")
    tokens = _markdown().parse(md)
    kinds = {t.type for t in tokens} | {c.type for t in tokens for c in (t.children or [])}
    # (bold is the report's own: the labels and site names that lead list items)
    assert not kinds & {"html_inline", "html_block", "em_open", "s_open", "code_inline"}
    links = [c.attrs.get("href") for t in tokens for c in (t.children or [])
             if c.type == "link_open"]
    assert all(not href.startswith("http") for href in links), links  # only the CSV files
    rendered = _markdown().render(md)
    assert "<script>" not in rendered and "<i>" not in rendered and "<em>" not in rendered
    assert "[Leeds](https://evil.example)" in rendered  # shown, not linked
    assert "evil.example</a>" not in rendered
    line = next(x for x in md.splitlines() if "**Blocked**" in x)
    assert line == ('  - **Blocked**: Context and baseline understood (Phase 1: Set-up), since 2026-05-02: '
                    '"\\<script\\>alert(1)\\</script\\>\\<img src=x onerror=alert(2)\\> '
                    '\\*\\*now\\*\\* \\| \\`x\\` \\_y\\_" (new this quarter)')
    assert md.startswith("# Care \\*first\\* \\<i\\>now\\</i\\>: progress report")


def test_site_lists_cannot_be_misread(hostile):
    md = (hostile / "report.md").read_text(encoding="utf-8")
    # names with commas are each a bullet or a table row, never joined by commas
    assert "Bournemouth, Christchurch and Poole, Redcar" not in md
    assert "| Bournemouth, Christchurch and Poole | Phase 1: Set-up |" in md


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
               max_size=60))
def test_md_escape_reads_back_as_the_same_text(text):
    """Whatever a site or note holds, Markdown shows it as that text (spaces folded):
    no link, emphasis, code, HTML or table cell appears."""
    tokens = _markdown().parseInline("Site: " + md_escape(text) + " (new)")
    children = tokens[0].children
    assert [c.type for c in children if c.type not in ("text", "softbreak")] == [], children
    shown = "".join(c.content for c in children)
    assert shown == "Site: " + " ".join(text.split()) + " (new)"


def _words(md: str) -> int:
    glance = md.split("## At a glance\n\n")[1].split("\n## ")[0]
    return len(re.findall(r"[A-Za-z0-9][\w'-]*", glance))


@pytest.mark.parametrize("framework", ["ihi-full-scale", "expandnet-nine-steps",
                                       "milat-four-steps", "nasss"])
def test_each_demo_reads_in_the_order_a_commissioner_reads(run, tmp_path, framework):
    run("demo", "--framework", framework, "--out", str(tmp_path / "d"))
    html = (tmp_path / "d" / "report.html").read_text(encoding="utf-8")
    md = (tmp_path / "d" / "report.md").read_text(encoding="utf-8")
    page = Page(html)
    levels = [level for level, _ in page.headings]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:]))  # no level skipped
    h2 = [text for level, text in page.headings if level == 2]
    assert h2[:3] == ["At a glance", "Sites that need attention", "What changed this quarter"]
    assert h2[-2:] == ["How to read this report", "About the framework"]
    assert [t for t, _ in page.tags if t in ("header", "main", "footer")] == [
        "header", "main", "footer"]
    assert page.all("html")[0]["lang"] == "en-GB"
    assert _words(md) <= 150
    # every chart is inline, says what it shows, and is followed by (a link to) its data
    images = page.all("img")
    assert images and all(i["src"].startswith("data:image/png;base64,") for i in images)
    assert all(len(i["alt"]) > 60 and ".png" not in i["alt"] for i in images)
    table_ids = {t["id"] for t in page.all("table")}
    figure_links = [a["href"][1:] for a in page.all("a") if a["href"].startswith("#")
                    and a["href"][1:] in table_ids]
    assert len(figure_links) == len(images)
    assert len(page.all("caption")) == len(page.all("table"))
    assert all(th.get("scope") in ("col", "row") for th in page.all("th"))
    # nothing that cannot apply: a domains framework is never blocked or overdue
    text = "".join(page.text)
    if framework == "nasss":
        assert not re.search(r"(?i)\b(blocked|overdue)\b", text)
        assert "not been reassessed for more than 183 days" in text
    else:
        assert "stalled when nothing has been recorded for more than 90 days" in text
    assert "Reference" in text and ("doi:" in text or "https://" in text)


def test_the_ihi_demo_names_each_site_that_needs_attention_once(run, tmp_path):
    run("demo", "--out", str(tmp_path / "d"))
    md = (tmp_path / "d" / "report.md").read_text(encoding="utf-8")
    section = md.split("## Sites that need attention\n\n")[1].split("\n## ")[0]
    sites = re.findall(r"^- \*\*(.+)\*\*$", section, re.M)
    assert sites == ["Kirklees", "Wakefield", "North Yorkshire", "Calderdale", "York"]
    assert ("  - **Blocked**: Adoption mechanisms and support systems tested at scale "
            "(Phase 3: Test of scale-up), since 2026-08-02: \"data-sharing agreement with the "
            "NHS trust not yet signed\" (new this quarter)") in section.splitlines()
    assert "- Bradford completed Adoption mechanisms and support systems tested at scale " \
           "(Phase 3: Test of scale-up) on 2026-08-24" in md.splitlines()
    assert "open at" not in md and "at-worst-level" not in md


def test_the_cli_starts_without_jinja2():
    code = "import sys, tracker.cli; print('jinja2' in sys.modules, 'selenium' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "False"]


def test_charts_are_embedded_as_they_are_until_the_file_would_be_too_big(tmp_path,
                                                                          monkeypatch):
    import base64
    import io

    from PIL import Image

    from tracker import report_render

    chart = Path(__file__).parent.parent / "docs" / "demo-timeline.png"  # a real chart
    pages = [tmp_path / "page-0.png"]
    pages[0].write_bytes(chart.read_bytes())
    for i, size in enumerate((200, 100), start=1):
        pages.append(tmp_path / f"page-{i}.png")
        Image.new("RGB", (size, size), "white").save(pages[-1])
    sizes = [p.stat().st_size for p in pages]

    def decoded(uri: str) -> bytes:
        assert uri.startswith("data:image/png;base64,")
        return base64.b64decode(uri.split(",", 1)[1])

    as_they_are = report_render.embedded_images(pages)
    assert [decoded(as_they_are[p]) for p in pages] == [p.read_bytes() for p in pages]
    # over the budget, only the largest pages get a palette, until the total fits
    monkeypatch.setattr(report_render, "IMAGE_BUDGET", sum(sizes) - 100)
    fitted = report_render.embedded_images(pages)
    assert decoded(fitted[pages[1]]) == pages[1].read_bytes()
    assert decoded(fitted[pages[2]]) == pages[2].read_bytes()
    smaller = Image.open(io.BytesIO(decoded(fitted[pages[0]])))
    assert smaller.mode == "P" and smaller.size == Image.open(chart).size
    assert sum(len(decoded(u)) for u in fitted.values()) <= report_render.IMAGE_BUDGET


def test_a_large_report_embeds_the_palettes_its_drawing_workers_made(store, run, tmp_path,
                                                                    monkeypatch):
    """Pages over their share of the image budget are reduced where they are drawn, in
    parallel, not one after another in the main process after the drawing."""
    import base64
    import io

    from PIL import Image

    from tracker import report_render

    monkeypatch.setattr(report_render, "IMAGE_BUDGET", 1)  # every page over its share

    def not_here(png):
        raise AssertionError("a page was reduced in the main process")

    monkeypatch.setattr(report_render, "palette_png", not_here)
    run("demo", "--out", str(tmp_path / "d"))
    html = (tmp_path / "d" / "report.html").read_text(encoding="utf-8")
    uris = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    pages = sorted((tmp_path / "d").glob("*.png"))
    assert len(uris) == len(pages) >= 4
    for uri in uris:
        image = Image.open(io.BytesIO(base64.b64decode(uri)))
        assert image.mode == "P"
    for page in pages:  # the files themselves stay full colour
        assert Image.open(page).mode == "RGB"
