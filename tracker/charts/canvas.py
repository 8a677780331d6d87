"""The Agg canvas every chart is drawn on, with the text work remembered between pages.

A report draws the same texts again and again: every page of a chart repeats
its title, legend, caption and axis labels, and site names and tick labels
come back in other charts.  matplotlib's Agg renderer measures, lays out and
rasterises each of them afresh on every page, and a 200-site report spent
about a third of its drawing time there.  This renderer keeps, for the life of
the process (a worker draws many pages):

- the width, height and descent of each measured text;
- the glyphs each text is laid out into;
- each glyph's bitmap, by its sub-pixel position: FreeType renders a glyph
  moved by whole pixels to the same bitmap moved by those pixels, so a bitmap
  drawn once at a fractional position serves every later place with the same
  fraction.

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
            found = _remember(_METRICS, key,
                              super().get_text_width_height_descent(s, prop, ismath))
        return found

    if _FAST_GLYPHS:
        def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
            features = mtext.get_fontfeatures() if mtext is not None else None
            language = mtext.get_language() if mtext is not None else None
            if ismath or features or language:
                return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
            size = prop.get_size_in_points()
            flags = get_hinting_flag()
            font = self._prepare_font(prop)
            key = (s, font.fname, size, self.dpi, flags)
            items = _LAYOUTS.get(key)
            if items is None:
                items = _remember(_LAYOUTS, key, [
                    (item.ft_object, item.glyph_index, item.x, item.y)
                    for item in font._layout(s, flags=flags, features=None, language=None)])
            self._draw_text_glyphs_and_boxes(
                gc, x, y, angle,
                ((ft, size, index, 0, 1, gx, gy) for ft, index, gx, gy in items), [])

        def _draw_text_glyphs_and_boxes(self, gc, x, y, angle, glyphs, boxes):
            if boxes:  # mathtext's rules: matplotlib's own way
                return super()._draw_text_glyphs_and_boxes(gc, x, y, angle, glyphs, boxes)
            cos = math.cos(math.radians(angle))
            sin = math.sin(math.radians(angle))
            flags = get_hinting_flag()
            antialiased = gc.get_antialiased()
            mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
            height = self.height
            matrices: dict = {}
            for font, size, index, slant, extend, dx, dy in glyphs:  # dy is upwards
                matrix = matrices.get((slant, extend))
                if matrix is None:
                    matrix = matrices[(slant, extend)] = tuple(map(tuple, (
                        0x10000 * np.array([[cos, -sin], [sin, cos]])
                        @ [[extend, extend * slant], [0, 1]]).round().astype(int)))
                # the pen position in 1/64 pixel, as Agg computes it (FreeType's y is upwards)
                px = round(0x40 * (x + dx * cos - dy * sin))
                py = round(0x40 * (height - y + dx * sin + dy * cos))
                key = (font.fname, size, self.dpi, index, flags, matrix, px & 63, py & 63,
                       antialiased)
                found = _GLYPHS.get(key)
                if found is None:
                    font.set_size(size, self.dpi)
                    font._set_transform(np.array(matrix), [px & 63, py & 63])
                    bitmap = font._render_glyph(index, flags, mode)
                    buffer = np.array(bitmap.buffer, copy=True)
                    if not antialiased:
                        buffer *= 0xff
                    found = _remember(_GLYPHS, key, (buffer, bitmap.left, bitmap.top))
                buffer, left, top = found
                # a whole-pixel move of the pen moves the bitmap by as many pixels
                self._renderer.draw_text_image(
                    buffer, left + (px >> 6), int(height) - (top + (py >> 6)) + buffer.shape[0],
                    0, gc)


class Canvas(FigureCanvasAgg):
    """FigureCanvasAgg drawing with ``Renderer``."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = Renderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer
