"""Charts as PNG files.  matplotlib is imported here and below, never by the CLI at import.

``draw`` builds figures (tests inspect their artists); ``write`` and
``write_many`` save them, splitting long charts into numbered pages.  Pages
are independent, so on a machine with several cores they are drawn in
parallel (forked worker processes that inherit the data, so nothing is
re-read); the bytes written are the same either way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import BadInput

@dataclass(frozen=True)
class ChartKind:
    """Everything the rest of scaletrack knows about one kind of chart."""

    name: str
    module: str            # tracker.charts.<module> draws it
    title: str             # how report.md names it
    fits: tuple[str, ...]  # the framework kinds it means something for
    weight: int            # drawing cost: heavier pages are started first
    needs_history: bool = False  # draws every rating over time, not only the latest


REGISTRY = {k.name: k for k in (
    ChartKind("timeline", "timeline", "Progress by site (timeline)", ("phased",), 2),
    ChartKind("gaps", "grid", "Checkpoints by site (gaps grid)", ("phased", "domains"), 0),
    ChartKind("compare", "compare", "Stages by site", ("phased", "domains"), 1),
    ChartKind("complexity", "complexity", "Complexity by domain over time", ("domains",), 1,
              needs_history=True),
    ChartKind("adoption", "adoption", "Sites entering and completing each stage over time",
              ("phased",), 3),
)}
KINDS = tuple(REGISTRY)


def applicable(framework) -> tuple[str, ...]:
    """The chart kinds that fit a framework, in the order a report shows them."""
    return tuple(k.name for k in REGISTRY.values() if framework.kind in k.fits)


def needs_history(framework) -> bool:
    """Whether any chart of this framework's report draws the rating history."""
    return any(REGISTRY[k].needs_history for k in applicable(framework))


def _module(kind: str):
    import importlib

    return importlib.import_module(f"tracker.charts.{REGISTRY[kind].module}")


def _check(kind: str, snapshot) -> None:
    if kind not in applicable(snapshot.framework):
        raise BadInput(f"the {kind} chart does not fit {snapshot.framework.id} "
                       f"({snapshot.framework.kind}); it takes: "
                       f"{', '.join(applicable(snapshot.framework))}")
    if REGISTRY[kind].needs_history and snapshot.history is None:
        raise ValueError(f"the {kind} chart needs a snapshot read with its rating history")


def draw(kind: str, snapshot, period, only: int | None = None) -> list:
    """The chart's figures: every page, or only page ``only`` (1-based)."""
    import matplotlib

    from tracker.charts.style import RC

    _check(kind, snapshot)
    with matplotlib.rc_context(RC):  # every axes and text made inside gets the house style
        return _module(kind).draw(snapshot, period, only)


def write(kind: str, snapshot, period, path: Path) -> list[Path]:
    """Save one chart; several pages become FILE-1.png, FILE-2.png..."""
    return write_many([(kind, path)], snapshot, period)[kind]


# The data the forked workers draw from, set just before the pool starts.
_CONTEXT: dict = {}


def _render(job: tuple) -> str:
    from tracker.charts.style import save

    kind, page, path = job
    c = _CONTEXT
    (fig,) = draw(kind, c["snapshot"], c["period"], only=page)
    return str(save(fig, Path(path)))


def write_many(charts: list[tuple[str, Path]], snapshot, period, progress=None) -> dict[str, list[Path]]:
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
    jobs.sort(key=lambda job: REGISTRY[job[0]].weight)
    _CONTEXT.update(snapshot=snapshot, period=period)
    workers = min(len(jobs), os.cpu_count() or 1, 4)
    try:
        import multiprocessing  # only a report drawing several pages needs it

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
