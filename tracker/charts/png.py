"""PNG files written straight from the canvas: no filter, light zlib compression.

A chart is mostly flat colour, which zlib alone packs well; PNG's per-row filters
(what Pillow chooses by default) cost more time than they save bytes on such
images.  Written here from the rendered buffer, a 2000 px page takes about half
the time of ``savefig`` through Pillow, and the file is no larger.  The alpha
channel is dropped when the page is opaque (a chart always is), so a pixel is
three bytes, not four.  Nothing in the file varies run to run: no time, no
software version.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
LEVEL = 1  # zlib: a third larger than level 6 on charts, at a fifth of the time
# Said in every page, and the same in every version: how ``made_here`` knows the pages
# an earlier chart of the same name left behind from a user's own pictures.
MARK = b"Software\x00scaletrack"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def encode(rgba: np.ndarray, dpi: float) -> bytes:
    """The PNG of an (height, width, 4) array of 8-bit RGBA pixels, marked at ``dpi``."""
    return page(rgba, dpi)[0]


def page(rgba: np.ndarray, dpi: float, palette_over: int | None = None) -> tuple[bytes, bytes | None]:
    """``encode``, and the page's ``palette`` version if the PNG comes to more than
    ``palette_over`` bytes (else None), made from the same rows: a chart page is opaque,
    so its rows are already the RGB that the palette is chosen from."""
    height, width, _ = rgba.shape
    # alpha is the top byte of each pixel read as a little-endian 32-bit word
    opaque = (bool(rgba.view("<u4").min() >= 0xFF000000) if rgba.flags.c_contiguous
              else bool((rgba[..., 3] == 255).all()))
    channels = 3 if opaque else 4
    rows = np.empty((height, width * channels + 1), dtype=np.uint8)
    rows[:, 0] = 0  # filter type None on every row
    pixels = rows[:, 1:].reshape(height, width, channels)
    for channel in range(channels):  # a channel at a time: six times faster than one strided copy
        pixels[..., channel] = rgba[..., channel]
    per_metre = int(dpi / 0.0254 + 0.5)
    data = b"".join((
        SIGNATURE,
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2 if opaque else 6, 0, 0, 0)),
        _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
        _chunk(b"tEXt", MARK),
        _chunk(b"IDAT", zlib.compress(memoryview(rows), LEVEL)),
        _chunk(b"IEND", b""),
    ))
    if palette_over is None or len(data) <= palette_over:
        return data, None
    if not opaque:
        return data, palette(rgba)
    from PIL import Image  # matplotlib's own dependency

    # the rows less their filter bytes: Pillow reads them in place, row by row
    image = Image.frombuffer("RGB", (width, height), memoryview(rows.reshape(-1))[1:], "raw",
                             "RGB", rows.shape[1], 1)
    return data, _quantized(image)


def palette(rgba: np.ndarray) -> bytes:
    """The same pixels as a PNG of at most 256 colours: about 40 % of the bytes, the same
    to the eye (a chart has few colours; its anti-aliased edges are what make thousands)."""
    from PIL import Image  # matplotlib's own dependency

    height, width, _ = rgba.shape
    return _quantized(Image.frombuffer("RGBA", (width, height), np.ascontiguousarray(rgba),
                                       "raw", "RGBA", 0, 1).convert("RGB"))


def _quantized(image) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.FASTOCTREE).save(out, "PNG",
                                                                      compress_level=LEVEL)
    return out.getvalue()


def made_here(path) -> bool:
    """Whether a file is a PNG that scaletrack wrote (its mark comes before the pixels)."""
    try:
        with open(path, "rb") as f:
            head = f.read(128)
    except OSError:
        return False
    return head.startswith(SIGNATURE) and _chunk(b"tEXt", MARK) in head
