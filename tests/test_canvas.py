"""The charts' canvas and PNG writer: Agg's pixels exactly, faster; PNGs that read back exactly."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from tracker.charts import canvas, png


def busy_figure() -> Figure:
    """Texts of every kind the charts draw: sizes, weights, rotations, kerning pairs,
    repeated words at fractional positions, accents, a non-antialiased text."""
    fig = Figure(figsize=(6.3, 3.1), dpi=150)
    ax = fig.add_subplot()
    ax.set_title("Bournemouth, Christchurch and Poole: progress by site, 2026 Q2",
                 fontsize=13, fontweight="bold")
    for i in range(40):
        ax.text(0.013 * i + 0.0007 * i * i, (i % 13) / 13, "AVAWAY Ynys Môn 7.5",
                fontsize=7 + (i % 5) * 1.3, rotation=(0, 90, 33, -12)[i % 4],
                fontweight="bold" if i % 3 == 0 else "normal",
                antialiased=i % 7 != 0, transform=ax.transAxes)
    ax.set_xlabel("Quarter (Apr–Jun)")
    ax.set_ylabel("Sites", rotation=90)
    ax.plot([0, 1, 2], [2, 0, 1], label="Step 7: Tie scaling up to routine")
    ax.legend()
    return fig


def pixels(fig: Figure, canvas_class) -> np.ndarray:
    c = canvas_class(fig)
    c.draw()
    return np.asarray(c.buffer_rgba()).copy()


def test_the_canvas_draws_exactly_the_pixels_agg_draws():
    first = pixels(busy_figure(), canvas.Canvas)  # glyph caches filled here
    again = pixels(busy_figure(), canvas.Canvas)  # and drawn from them here
    agg = pixels(busy_figure(), FigureCanvasAgg)
    assert first.shape == agg.shape
    assert (first == agg).all()
    assert (again == agg).all()


@pytest.mark.skipif(not canvas._FAST_GLYPHS, reason="this matplotlib lacks the glyph calls")
def test_the_second_page_reuses_glyphs_layouts_and_texts():
    for cache in (canvas._GLYPHS, canvas._LAYOUTS, canvas._TEXTS):
        cache.clear()
    pixels(busy_figure(), canvas.Canvas)
    sizes = len(canvas._GLYPHS), len(canvas._LAYOUTS), len(canvas._TEXTS)
    assert all(sizes)
    pixels(busy_figure(), canvas.Canvas)
    assert (len(canvas._GLYPHS), len(canvas._LAYOUTS), len(canvas._TEXTS)) == sizes


@pytest.mark.skipif(not canvas._FAST_GLYPHS, reason="this matplotlib lacks the glyph calls")
def test_glyphs_whose_ink_meets_are_blended_one_after_the_other():
    """A text is drawn as one image of its glyphs, except where two glyphs ink the same
    pixel: blending twice is not blending their sum, so the later goes on a later image."""
    a = np.array([[0, 200], [0, 90]], dtype=np.uint8)
    b = np.array([[50, 0], [255, 0]], dtype=np.uint8)
    apart = canvas.Renderer._layers([(a, 0, 0), (b, 0, 0)])
    assert len(apart) == 1 and (apart[0][0] == a | b).all()
    meet = canvas.Renderer._layers([(a, 0, 0), (a, 0, 0), (b, 5, 5)])
    assert [(image.shape, x, y) for image, x, y in meet] == [((7, 7), 0, 0)] * 2
    assert meet[1][0].sum() == a.sum()  # the second a alone on the later image
    assert canvas.Renderer._layers([(np.zeros((0, 0), dtype=np.uint8), 3, 3)]) == []


@pytest.mark.skipif(not canvas._FAST_GLYPHS, reason="this matplotlib lacks the glyph calls")
@pytest.mark.filterwarnings(r"ignore:Glyph \d+ .*missing from font")  # the tab and newline
def test_texts_are_measured_as_agg_measures_them():
    """Widths, heights and descents from the layout equal FT2Font.set_text's, for the
    sizes, weights and styles the charts use, even with a rotation left on the font."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    rng = np.random.default_rng(5)
    letters = list("abcdefghijklmnopqrstuvwxyzAVWYTLJQ0123456789 ,.;:'-()/&%éüßñ–—’…")
    texts = ["Bournemouth, Christchurch and Poole 001", "Ynys Môn", "Q3\n2026", " lead",
             "trail ", "—", ".", "AVAWAY", "x\u00ady", "Quarter (Apr–Jun)", "a\tb"]
    texts += ["".join(rng.choice(letters, rng.integers(1, 30))) for _ in range(150)]
    ours, agg = canvas.Renderer(50, 50, 150), RendererAgg(50, 50, 150)
    for size in (9, 10, 14, 7.3):
        for weight, style in (("normal", "normal"), ("bold", "normal"), ("normal", "italic")):
            prop = FontProperties(family="DejaVu Sans", size=size, weight=weight, style=style)
            font = ours._prepare_font(prop)
            font._set_transform(np.array([[0, -0x10000], [0x10000, 0]]), [13, 40])
            for text in texts:
                expected = agg.get_text_width_height_descent(text, prop, False)
                assert ours._measure(text, prop) in (expected, None), (text, size, style)
                assert ours.get_text_width_height_descent(text, prop, False) == expected
    # measured from the layout unless a glyph comes from a fallback font or there is none
    assert ours._measure("Ynys Môn", FontProperties(size=10)) is not None
    assert ours._measure("", FontProperties(size=10)) is None


def test_a_full_cache_starts_again_rather_than_grow(monkeypatch):
    monkeypatch.setattr(canvas, "_MOST", 3)
    cache: dict = {}
    for i in range(7):
        canvas._remember(cache, i, i)
    assert cache == {6: 6}


def chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == png.SIGNATURE
    out, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        kind, body = data[at + 4:at + 8], data[at + 8:at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length:at + 12 + length])
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF
        out.append((kind, body))
        at += 12 + length
    return out


@pytest.mark.parametrize("opaque", [True, False])
def test_a_png_reads_back_as_the_pixels_it_was_given(opaque):
    rng = np.random.default_rng(3)
    rgba = rng.integers(0, 256, size=(41, 67, 4), dtype=np.uint8)
    if opaque:
        rgba[..., 3] = 255
    data = png.encode(rgba, 150)
    image = Image.open(io.BytesIO(data))
    assert image.mode == ("RGB" if opaque else "RGBA")
    assert image.size == (67, 41)
    assert (np.asarray(image.convert("RGBA")) == rgba).all()
    assert [kind for kind, _ in chunks(data)] == [b"IHDR", b"pHYs", b"tEXt", b"IDAT", b"IEND"]
    assert dict(chunks(data))[b"tEXt"] == b"Software\x00scaletrack"  # no version: same bytes
    assert image.info["Software"] == "scaletrack"
    assert struct.unpack(">IIB", dict(chunks(data))[b"pHYs"]) == (5906, 5906, 1)  # 150 dpi
    assert png.encode(rgba, 150) == data  # nothing varies run to run


def test_a_pages_palette_version_is_made_from_its_rows_the_same_as_from_its_pixels():
    fig = busy_figure()
    rgba = pixels(fig, canvas.Canvas)
    data, smaller = png.page(rgba, 150, palette_over=1000)
    assert data == png.encode(rgba, 150)
    assert smaller == png.palette(rgba)
    assert png.page(rgba, 150, palette_over=len(data)) == (data, None)
    see_through = rgba.copy()
    see_through[0, 0, 3] = 0
    assert png.page(see_through, 150, 1000)[1] == png.palette(see_through)


def test_made_here_knows_scaletracks_pngs_from_others(tmp_path):
    ours = tmp_path / "ours.png"
    ours.write_bytes(png.encode(np.full((3, 5, 4), 255, dtype=np.uint8), 150))
    theirs = tmp_path / "theirs.png"
    Image.new("RGB", (5, 3), "white").save(theirs)
    (tmp_path / "short.png").write_bytes(png.SIGNATURE)
    assert png.made_here(ours)
    assert not png.made_here(theirs)
    assert not png.made_here(tmp_path / "short.png")
    assert not png.made_here(tmp_path / "missing.png")


def test_a_chart_page_is_an_opaque_rgb_png_with_its_palette_version_on_request(tmp_path):
    from tracker.charts.style import save

    fig = busy_figure()
    canvas.Canvas(fig)
    assert save(fig, tmp_path / "a.png") is None
    written = Image.open(tmp_path / "a.png")
    assert written.mode == "RGB" and written.size == (945, 465)
    smaller = save(fig, tmp_path / "b.png", palette_over=1000)
    assert (tmp_path / "b.png").read_bytes() == (tmp_path / "a.png").read_bytes()
    fewer = Image.open(io.BytesIO(smaller))
    assert fewer.mode == "P" and fewer.size == written.size
    assert len(smaller) < (tmp_path / "a.png").stat().st_size
    # the same to the eye: no channel of any pixel off by more than a little
    drift = np.abs(np.asarray(fewer.convert("RGB"), dtype=int) - np.asarray(written, dtype=int))
    assert drift.mean() < 1.5
    assert save(fig, tmp_path / "c.png", palette_over=10_000_000) is None


def _draw_busy(width: float = 6.3) -> bytes:
    fig = busy_figure()
    fig.set_size_inches(width, 3.1)
    return pixels(fig, canvas.Canvas).tobytes()


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_workers_forked_after_drawing_draw_the_same_pixels_as_agg():
    """A worker inherits the parent's caches; the fonts they held must not be shared
    (the parent drawing at the same time would read the same file descriptor)."""
    from tracker import children

    widths = [6.3 + i / 7 for i in range(1, 4)]  # new places: glyphs rendered afresh
    expected = []
    for width in widths:
        fig = busy_figure()
        fig.set_size_inches(width, 3.1)
        expected.append(pixels(fig, FigureCanvasAgg).tobytes())
    _draw_busy()  # fills the caches with the parent's fonts
    workers: list = []
    try:
        for _ in range(2):
            children.fork(workers, lambda: [_draw_busy(w) for w in widths])
        assert [_draw_busy(w) for w in widths] == expected  # the parent draws meanwhile
        for drawn in children.results(workers):
            assert drawn == expected
    finally:
        children.kill_all(workers)
