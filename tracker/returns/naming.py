"""File names for returns that are safe on every file system and never clash.

A site name can hold anything a person types: accents (Ynys Môn), slashes
("Bath / NE Somerset"), characters Windows refuses (``: * ? " < > |``), or a
script with no Latin letters at all.  The file name keeps the ASCII letters
and digits of the name (accents folded: Môn -> Mon), joins the rest with
hyphens, stays short, and ends in the period (``Ynys-Mon-2026Q3.xlsx``), so it
is never a name Windows reserves (CON, NUL...).  Two sites whose names fold to
the same file name, compared ignoring case as Windows and macOS do, are told
apart by a number (``Ynys-Mon-2-2026Q3.xlsx``), in the order the sites are
given; a name with nothing left after folding becomes ``site``.
"""

from __future__ import annotations

import re
import unicodedata

LIMIT = 60  # characters of the site's part: well inside every file system's limit
_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def safe_stem(name: str) -> str:
    """The ASCII letters and digits of ``name``, accents folded, joined by hyphens."""
    folded = unicodedata.normalize("NFKD", name)
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    stem = _UNSAFE.sub("-", ascii_only).strip("-")[:LIMIT].strip("-")
    return stem or "site"


def file_names(site_names: list[str], period_code: str) -> list[str]:
    """One file name per site, in the same order, no two alike ignoring case."""
    taken: set[str] = set()
    out = []
    for name in site_names:
        stem = safe_stem(name)
        candidate, n = f"{stem}-{period_code}.xlsx", 1
        while candidate.casefold() in taken:
            n += 1
            candidate = f"{stem}-{n}-{period_code}.xlsx"
        taken.add(candidate.casefold())
        out.append(candidate)
    return out
