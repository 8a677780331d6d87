"""The charts' colours, one meaning each, and the contrast of text drawn on them.

Okabe-Ito's colour-blind-safe palette for the status marks, Tol's schemes for
the stages, a light-to-dark ramp for rating scales; ``ink_on`` picks black or
white text for a fill and records the pair, so that tests/test_charts.py can
check every text-on-fill pair the charts draw (WCAG 2.2: at least 4.5:1).
"""

from __future__ import annotations

ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE, BLACK = (
    "#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
WINE = "#882255"
# One meaning per colour.  The status marks keep Okabe-Ito's signal colours and neutrals:
# done (black dot; green cell), started (sky-blue cell), blocked (vermilion), planned
# (white diamond), the as-of line (dark grey) and the report period (mid-grey dashes).
AS_OF_COLOUR = "#333333"
PERIOD_COLOUR = "#888888"
STATUS_COLOURS = (BLACK, "#FFFFFF", GREEN, SKY, VERMILLION, AS_OF_COLOUR, PERIOD_COLOUR)
# The nine stage colours (Tol's bright, muted and light schemes) were searched for the
# largest smallest CAM02-UCS distance, under each simulated colour-vision deficiency at
# full severity, between any two of them and between any of them and a status colour
# (tests/test_charts.py measures both); ordered so neighbouring stages differ in lightness.
STAGE_COLOURS = ("#0077BB", "#EEDD88", "#AA3377", "#BBCC33", "#332288", "#FFAABB",
                 "#AAAA00", "#99DDFF", WINE)

# NASSS's three levels (and any three-level scale), best first: light, middle, dark, so
# they differ in lightness as well as hue; "not yet rated" is white and hatched.
LEVEL_COLOURS_3 = ("#99DDFF", "#CC8833", WINE)


def level_colours(n: int) -> list[str]:
    """Colours for a rating scale, best first, from light to dark."""
    if n <= 1:
        return [LEVEL_COLOURS_3[0]]
    if n == 2:
        return [LEVEL_COLOURS_3[0], LEVEL_COLOURS_3[2]]
    if n == 3:
        return list(LEVEL_COLOURS_3)
    ramp = ["#CCEEFF", "#99DDFF", "#DDCC77", "#CC8833", "#BB5566", WINE, "#332288"]
    return [ramp[round(i * (len(ramp) - 1) / (n - 1))] for i in range(n)]


def luminance(colour) -> float:
    """WCAG relative luminance of a colour."""
    from matplotlib.colors import to_rgb

    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


# Every (text colour, fill colour) pair the charts draw text with, recorded by ``ink_on``
# as they draw: tests/test_charts.py checks each has a contrast of at least 4.5:1.
TEXT_ON_FILL: set[tuple[str, str]] = set()


def ink_on(fill) -> str:
    """Black or white, whichever reads better on ``fill``; the pair is recorded."""
    from matplotlib.colors import to_hex

    fill = to_hex(fill).upper()
    ink = BLACK if contrast(BLACK, fill) >= contrast("#FFFFFF", fill) else "#FFFFFF"
    TEXT_ON_FILL.add((ink, fill))
    return ink


def text_on(ink, fill) -> str:
    """Record a text colour drawn on a fill chosen by hand (``ink_on`` chooses for you)."""
    from matplotlib.colors import to_hex

    TEXT_ON_FILL.add((to_hex(ink).upper(), to_hex(fill).upper()))
    return ink
