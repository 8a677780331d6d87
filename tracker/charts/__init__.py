"""Charts as PNG files.  matplotlib is imported here and below, never by the CLI at import.

``draw`` builds figures (tests inspect their artists); ``write`` and
``write_many`` save them, splitting long charts into numbered pages.  Pages
are independent, so on a machine with several cores they are drawn in
parallel (forked worker processes that inherit the data, so nothing is
re-read); the bytes written are the same either way.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path

from tracker.errors import BadInput

KINDS = ("timeline", "gaps", "compare", "complexity", "adoption")
PHASED = ("timeline", "gaps", "compare", "adoption")
DOMAINS = ("complexity", "gaps", "compare")
MODULES = {"timeline": "timeline", "gaps": "grid", "compare": "compare",
           "complexity": "complexity", "adoption": "adoption"}


def applicable(framework) -> tuple[str, ...]:
    return DOMAINS if framework.kind == "domains" else PHASED


def _module(kind: str):
    import importlib

    return importlib.import_module(f"tracker.charts.{MODULES[kind]}")


def _check(kind: str, snapshot) -> None:
    if kind not in applicable(snapshot.framework):
        raise BadInput(f"the {kind} chart does not fit {snapshot.framework.id} "
                       f"({snapshot.framework.kind}); it takes: "
                       f"{', '.join(applicable(snapshot.framework))}")


def draw(kind: str, snapshot, period, history: dict | None = None,
         only: int | None = None) -> list:
    """The chart's figures: every page, or only page ``only`` (1-based)."""
    import matplotlib

    from tracker.charts.style import RC

    _check(kind, snapshot)
    module = _module(kind)
    with matplotlib.rc_context(RC):  # every axes and text made inside gets the house style
        if kind == "complexity":
            return module.draw(snapshot, period, history or {}, only)
        return module.draw(snapshot, period, only)


def write(kind: str, snapshot, period, path: Path, history: dict | None = None) -> list[Path]:
    """Save one chart; several pages become FILE-1.png, FILE-2.png..."""
    return write_many([(kind, path)], snapshot, period, history)[kind]


# The data the forked workers draw from, set just before the pool starts.
_CONTEXT: dict = {}


def _render(job: tuple) -> str:
    from tracker.charts.style import save

    kind, page, path = job
    c = _CONTEXT
    (fig,) = draw(kind, c["snapshot"], c["period"], c["history"], only=page)
    return str(save(fig, Path(path)))


def write_many(charts: list[tuple[str, Path]], snapshot, period,
               history: dict | None = None, progress=None) -> dict[str, list[Path]]:
    """Save several charts, their pages spread over the machine's cores."""
    from tracker.charts.style import page_paths

    jobs, out = [], {}
    for kind, path in charts:
        if path.suffix.lower() != ".png":
            raise BadInput(f"charts are PNG files: give a name ending in .png, not '{path.name}'")
        _check(kind, snapshot)
        n = _module(kind).page_count(snapshot)
        paths = page_paths(path, n)
        out[kind] = paths
        jobs += [(kind, page, str(p)) for page, p in enumerate(paths, start=1)]
        path.parent.mkdir(parents=True, exist_ok=True)
    # the heaviest pages first, so no worker is left drawing a big page alone at the end
    weight = {"gaps": 0, "compare": 1, "complexity": 1, "timeline": 2, "adoption": 3}
    jobs.sort(key=lambda job: weight[job[0]])
    _CONTEXT.update(snapshot=snapshot, period=period, history=history)
    workers = min(len(jobs), os.cpu_count() or 1, 4)
    try:
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                for _ in pool.imap_unordered(_render, jobs):
                    if progress:
                        progress()
        else:
            for job in jobs:
                _render(job)
                if progress:
                    progress()
    finally:
        _CONTEXT.clear()
    return out
