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
    ChartKind("gaps", "grid", "Gaps by site", ("phased", "domains"), 0),
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


def _render_in_order(jobs: list[tuple]) -> int:
    """Draw a worker's share of the pages, always the same share in the same order."""
    for job in jobs:
        _render(job)
    return len(jobs)


def write_many(charts: list[tuple[str, Path]], snapshot, period, progress=None) -> dict[str, list[Path]]:
    """Save several charts, their pages spread over the machine's cores."""
    drawing = Drawing(charts, snapshot, period, progress)
    drawing.start()
    return drawing.finish()


class Drawing:
    """The pages of several charts, drawn by worker processes while the caller goes on.

    ``files`` (the page paths, per chart) is known as soon as the drawing is made,
    so a report can write its tables and summary while the pages are drawn,
    instead of after: on two cores that hides the report's own work behind
    the drawing.  ``finish`` waits for every page and raises the first error.
    Workers are forked after the snapshot is read and inherit it: nothing is
    pickled but the page numbers.
    """

    def __init__(self, charts: list[tuple[str, Path]], snapshot, period, progress=None):
        from tracker.charts.style import page_paths

        self.files: dict[str, list[Path]] = {}
        self.jobs: list[tuple] = []
        self.progress = progress
        for kind, path in charts:
            if path.suffix.lower() != ".png":
                raise BadInput(f"charts are PNG files: give a name ending in .png, "
                               f"not '{path.name}'")
            _check(kind, snapshot)
            paths = page_paths(path, _module(kind).page_count(snapshot))
            self.files[kind] = paths
            self.jobs += [(kind, page, str(p)) for page, p in enumerate(paths, start=1)]
        # in weight order, so no worker is left drawing a big page alone at the end
        self.jobs.sort(key=lambda job: REGISTRY[job[0]].weight)
        self.snapshot, self.period = snapshot, period
        self._pool = self._pending = None

    def start(self) -> None:
        for paths in self.files.values():
            paths[0].parent.mkdir(parents=True, exist_ok=True)
        _CONTEXT.update(snapshot=self.snapshot, period=self.period)
        workers = min(len(self.jobs), os.cpu_count() or 1, 4)
        import multiprocessing  # only a report drawing several pages needs it

        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            # Each worker gets a fixed share, not the next page free: a page's pixels can
            # depend on what its process drew before (font state), and PNGs must be
            # byte-identical run after run.
            self._pool = multiprocessing.get_context("fork").Pool(workers)
            self._pending = self._pool.imap_unordered(
                _render_in_order, [self.jobs[i::workers] for i in range(workers)])

    def finish(self) -> dict[str, list[Path]]:
        try:
            if self._pool is not None:
                for drawn in self._pending:
                    for _ in range(drawn):
                        if self.progress:
                            self.progress()
                self._pool.close()
                self._pool.join()
            else:
                for job in self.jobs:
                    _render(job)
                    if self.progress:
                        self.progress()
        finally:
            if self._pool is not None:
                self._pool.terminate()
                self._pool = None
            _CONTEXT.clear()
        return self.files
