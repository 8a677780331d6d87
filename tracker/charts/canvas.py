"""The Agg canvas every chart is drawn on, with the text work remembered between pages.

A report draws the same texts again and again: every page of a chart repeats
its title, legend, caption and axis labels, and site names and tick labels
come back in other charts.  matplotlib's Agg renderer measures, lays out and
rasterises each of them afresh on every page, and a 200-site report spent
about a third of its drawing time there.  This renderer keeps, for the life of
the process (a worker draws many pages):

- the glyphs each text is laid out into (libraqm's shaping, the costly part);
- the width, height and descent of each measured text, worked out from that
  layout and each glyph's box rather than by shaping the text a second time;
- each glyph's bitmap, by its sub-pixel position: FreeType renders a glyph
  moved by whole pixels to the same bitmap moved by those pixels, so a bitmap
  drawn once at a fractional position serves every later place with the same
  fraction;
- each text's glyphs merged into one image (two where glyphs ink the same
  pixel), by the sub-pixel places of its glyphs, so a text is one call to Agg
  rather than one a glyph.

The pixels are exactly Agg's (a test compares them byte for byte).  The glyph
cache uses the same private FreeType calls as matplotlib's own Agg backend
(``_set_transform``, ``_render_glyph``); where a matplotlib lacks them, this
renderer is plain Agg.
"""

from __future__ import annotations

import math
import os

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.ft2font import FT2Font, RenderMode

_FAST_GLYPHS = (hasattr(RendererAgg, "_draw_text_glyphs_and_boxes")
                and hasattr(FT2Font, "_render_glyph") and hasattr(FT2Font, "_set_transform")
                and hasattr(FT2Font, "_layout"))

_METRICS: dict = {}  # (text, font key, dpi, hinting) -> (width, height, descent)
_LAYOUTS: dict = {}  # (text, font file, size, dpi, hinting) -> glyphs, as (font, index, x, y)
_GLYPHS: dict = {}   # (font file, size, dpi, glyph, flags, matrix, x and y fraction, mode)
_BOXES: dict = {}    # (font file, size, dpi, glyph, hinting) -> its box's bottom, top; advance
_TEXTS: dict = {}    # (layout key, matrix, antialiasing, pen positions) -> merged bitmaps
_MATRICES: dict = {}  # (angle, slant, extend) -> cos, sin, FreeType's matrix
_MOST = 200_000      # entries per cache: a pathological page cannot grow them for ever

# A layout holds FreeType font objects, which read their font file through a file
# descriptor: a forked worker shares its offset with the parent, so two processes reading
# glyphs through one would read each other's bytes ("invalid outline").  matplotlib drops
# its cached fonts in a new child for that reason; the layouts that hold them go too.
# Measurements and bitmaps hold no font object and stay.
os.register_at_fork(after_in_child=_LAYOUTS.clear)


def _font_key(prop) -> tuple:
    # what FontProperties.__hash__ reads, taken now: the object itself is mutable
    return (tuple(prop.get_family()), prop.get_slant(), prop.get_variant(),
            prop.get_weight(), prop.get_stretch(), prop.get_size_in_points(),
            prop.get_file(), prop.get_math_fontfamily())


def _remember(cache: dict, key, value):
    if len(cache) >= _MOST:
        cache.clear()
    cache[key] = value
    return value


class Renderer(RendererAgg):
    """Agg, with measured texts, layouts and glyph bitmaps kept between pages."""

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        key = (s, _font_key(prop), self.dpi, get_hinting_flag())
        found = _METRICS.get(key)
        if found is None:
            found = _remember(_METRICS, key, (_FAST_GLYPHS and self._measure(s, prop))
                              or super().get_text_width_height_descent(s, prop, ismath))
        return found

    if _FAST_GLYPHS:
        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
            features = mtext.get_fontfeatures() if mtext is not None else None
            language = mtext.get_language() if mtext is not None else None
            if ismath or features or language:
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            font, key, (glyphs, dx, dy) = self._layout(s, prop)
            _, _, size, _, flags = key
            if not glyphs:
                return
            cos, sin, matrix = _rotation(angle, 0, 1)
            # every pen position at once, with the same arithmetic as one at a time
            px = np.rint(0x40 * (x + dx * cos - dy * sin)).astype(np.int64)
            py = np.rint(0x40 * (self.height - y + dx * sin + dy * cos)).astype(np.int64)
            # the text's pixels are the same wherever its first pen position has the same
            # sub-pixel fraction and the others keep their places relative to it
            bx, by = int(px[0]) >> 6, int(py[0]) >> 6
            px -= bx << 6
            py -= by << 6
            antialiased = gc.get_antialiased()
            look = (key, matrix, antialiased, px.tobytes(), py.tobytes())
            layers = _TEXTS.get(look)
            if layers is None:
                layers = _remember(_TEXTS, look, self._layers(
                    [self._bitmap(font, size, index, flags, matrix, int(gx), int(gy),
                                  antialiased)
                     for (font, index), gx, gy in zip(glyphs, px, py)]))
            bottom = int(self.height) - by
            for image, left, top in layers:
                self._renderer.draw_text_image(image, bx + left, bottom + top + image.shape[0],
                                               0, gc)

        def _layout(self, s, prop):
            """The font, the layout's key and the layout: each glyph's font and index, and
            its pen position (pixels, from the text's origin), as libraqm shapes the text."""
            size = prop.get_size_in_points()
            flags = get_hinting_flag()
            font = self._prepare_font(prop)
            key = (s, font.fname, size, self.dpi, flags)
            layout = _LAYOUTS.get(key)
            if layout is None:
                items = font._layout(s, flags=flags, features=None, language=None)
                layout = _remember(_LAYOUTS, key, (
                    [(item.ft_object, item.glyph_index) for item in items],
                    np.array([item.x for item in items], dtype=float),
                    np.array([item.y for item in items], dtype=float)))
            return font, key, layout

        def _measure(self, s, prop):
            """A one-font text's width, height and descent as ``FT2Font.set_text`` gives
            them, from the layout ``draw_text`` needs anyway: shaping a text costs as much
            as measuring it, and each new text was shaped twice.  The width runs from the
            pen's start to its end, the height and descent are the glyphs' boxes (26.6
            fixed point), each glyph's box measured once.  None where this does not apply
            (no glyph, or one from a fallback font): Agg measures those."""
            font, key, (glyphs, dx, dy) = self._layout(s, prop)
            if not glyphs or any(ft is not font for ft, _ in glyphs):
                return None
            _, fname, size, dpi, flags = key
            low, high = 32000, -32000
            for (_, index), y in zip(glyphs, dy):
                box = _BOXES.get((fname, size, dpi, index, flags))
                if box is None:
                    font._set_transform(np.array(((0x10000, 0), (0, 0x10000))), [0, 0])
                    glyph = font.load_glyph(index, flags)
                    box = _remember(_BOXES, (fname, size, dpi, index, flags),
                                    (glyph.bbox[1], glyph.bbox[3], glyph.horiAdvance))
                pen = round(0x40 * y)
                low, high = min(low, box[0] + pen), max(high, box[1] + pen)
            width = round(0x40 * dx[-1]) + box[2]
            return width / 64.0, (high - low) / 64.0, -low / 64.0

        @staticmethod
        def _layers(placed):
            """Glyph bitmaps placed as Agg places them, merged into as few images as
            blend to the same pixels: one, unless two glyphs' inked pixels meet (a
            kerned pair), when the later glyph goes to a later image so that pixel is
            still blended twice, in the same order.  A pixel no glyph inks blends as
            nothing (cover 0), so the images' blank margins change nothing."""
            placed = [p for p in placed if p[0].size]
            if not placed:
                return []
            x0 = min(left for _, left, _ in placed)
            x1 = max(left + b.shape[1] for b, left, _ in placed)
            y0 = min(top for _, _, top in placed)
            y1 = max(top + b.shape[0] for b, _, top in placed)
            images: list[np.ndarray] = []
            for buffer, left, top in placed:
                where = (slice(top - y0, top - y0 + buffer.shape[0]),
                         slice(left - x0, left - x0 + buffer.shape[1]))
                ink = buffer != 0
                level = 0
                for i, image in enumerate(images):
                    if (image[where] != 0)[ink].any():
                        level = i + 1
                if level == len(images):
                    images.append(np.zeros((y1 - y0, x1 - x0), dtype=np.uint8))
                images[level][where] |= buffer
            return [(image, x0, y0) for image in images]

        def _bitmap(self, font, size, index, flags, matrix, px, py, antialiased):
            """A glyph's bitmap with its left and top pixel, the pen at ``px, py`` (1/64
            pixel, y downwards from the top: FreeType's y is upwards), as Agg draws it."""
            key = (font.fname, size, self.dpi, index, flags, matrix, px & 63, py & 63,
                   antialiased)
            found = _GLYPHS.get(key)
            if found is None:
                font.set_size(size, self.dpi)
                font._set_transform(np.array(matrix), [px & 63, py & 63])
                bitmap = font._render_glyph(index, flags, RenderMode.NORMAL if antialiased
                                            else RenderMode.MONO)
                buffer = np.array(bitmap.buffer, copy=True)
                if not antialiased:
                    buffer *= 0xff
                found = _remember(_GLYPHS, key, (buffer, bitmap.left, bitmap.top))
            buffer, left, top = found
            # a whole-pixel move of the pen moves the bitmap by as many pixels
            return buffer, left + (px >> 6), -(top + (py >> 6))

        def _draw_text_glyphs_and_boxes(self, gc, x, y, angle, glyphs, boxes):
            if boxes:  # mathtext's rules: matplotlib's own way
                return super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
            flags = get_hinting_flag()
            antialiased = gc.get_antialiased()
            bottom = int(self.height)
            for font, size, index, slant, extend, dx, dy in glyphs:  # dy is upwards
                cos, sin, matrix = _rotation(angle, slant, extend)
                # the pen position in 1/64 pixel, as Agg computes it (FreeType's y is upwards)
                px = round(0x40 * (x + dx * cos - dy * sin))
                py = round(0x40 * (self.height - y + dx * sin + dy * cos))
                buffer, left, top = self._bitmap(font, size, index, flags, matrix, px, py,
                                                 antialiased)
                self._renderer.draw_text_image(buffer, left, bottom + top + buffer.shape[0],
                                               0, gc)


def _rotation(angle, slant, extend):
    """cos and sin of ``angle`` and FreeType's 16.16 matrix for it, as Agg computes them."""
    found = _MATRICES.get((angle, slant, extend))
    if found is None:
        cos = math.cos(math.radians(angle))
        sin = math.sin(math.radians(angle))
        matrix = tuple(map(tuple, (0x10000 * np.array([[cos, -sin], [sin, cos]])
                                   @ [[extend, extend * slant], [0, 1]]).round().astype(int)))
        found = _MATRICES[(angle, slant, extend)] = (cos, sin, matrix)
    return found


class Canvas(FigureCanvasAgg):
    """FigureCanvasAgg drawing with ``Renderer``."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = Renderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer
