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
    cost: int              # a page's drawing time, roughly (ms/10 at 200 sites): see ``shares``
    needs_history: bool = False  # draws every rating over time, not only the latest


REGISTRY = {k.name: k for k in (
    ChartKind("timeline", "timeline", "Progress by site (timeline)", ("phased",), 15),
    ChartKind("gaps", "grid", "Gaps by site", ("phased", "domains"), 22),
    ChartKind("compare", "compare", "Stages by site", ("phased", "domains"), 17),
    ChartKind("complexity", "complexity", "Complexity by domain over time", ("domains",), 20,
              needs_history=True),
    ChartKind("adoption", "adoption", "Sites entering and completing each stage over time",
              ("phased",), 34),
)}
KINDS = tuple(REGISTRY)


def applicable(framework) -> tuple[str, ...]:
    """The chart kinds that fit a framework, in the order a report shows them."""
    return tuple(k.name for k in REGISTRY.values() if framework.kind in k.fits)


def needs_history(framework) -> bool:
    """Whether any chart of this framework's report draws the rating history."""
    return any(REGISTRY[k].needs_history for k in applicable(framework))


def missing_glyphs(snapshot) -> str:
    """The characters of the names and titles a chart shows that its font cannot draw.

    matplotlib warns once per glyph and drawing call (120 lines for a few CJK site
    names); those warnings are silenced and a command says this once instead.
    """
    from tracker.charts.style import _font

    charmap = _font(False).get_charmap()
    texts = [s.site for s in snapshot.status.sites] + [snapshot.status.initiative,
                                                       snapshot.framework.title]
    texts += [st.title for st in snapshot.framework.stages]
    missing: dict[str, None] = {}
    for text in texts:
        for char in str(text):
            if ord(char) not in charmap and not char.isspace() and ord(char) >= 32:
                missing.setdefault(char)
    return "".join(missing)


def glyph_note(missing: str) -> str:
    shown = missing[:10] + ("..." if len(missing) > 10 else "")
    return (f"Note: the charts' font has no glyph for some characters in names or titles "
            f"({shown}); they show as empty boxes on the charts. The CSV tables have them "
            "as written.")


def _quiet_glyph_warnings() -> None:
    import warnings

    warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")


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

    _quiet_glyph_warnings()  # said once by the command instead (missing_glyphs)
    _check(kind, snapshot)
    with matplotlib.rc_context(RC):  # every axes and text made inside gets the house style
        return _module(kind).draw(snapshot, period, only)


def write(kind: str, snapshot, period, path: Path) -> list[Path]:
    """Save one chart; several pages become FILE-1.png, FILE-2.png..."""
    return write_many([(kind, path)], snapshot, period)[kind]


def write_noting(kind: str, snapshot, period,
                 path: Path) -> tuple[list[Path], str, list[Path]]:
    """``write``; the characters its font could not draw ("" if none); and the pages of
    an earlier chart of the same name that it removed."""
    drawing = Drawing([(kind, path)], snapshot, period)
    drawing.start()
    return drawing.finish()[kind], missing_glyphs(snapshot), drawing.removed


# The data the forked workers draw from, set just before the pool starts.
_CONTEXT: dict = {}


def _render(job: tuple) -> tuple[str, bytes | None]:
    """Draw and save one page: (its final path, its palette version or None)."""
    from tracker.charts.style import save

    kind, page, path, final = job
    c = _CONTEXT
    (fig,) = draw(kind, c["snapshot"], c["period"], only=page)
    try:
        return final, save(fig, Path(path), c.get("palette_over"))
    except OSError as exc:
        from tracker.outputs import failed

        raise failed(final, exc, Path(final).exists()) from None


def _render_in_order(jobs: list[tuple]) -> list[tuple[str, bytes | None]]:
    """Draw a worker's share of the pages, always the same share in the same order."""
    return [_render(job) for job in jobs]


def shares(jobs: list[tuple], workers: int) -> list[list[tuple]]:
    """The pages each worker draws: every page in turn (costliest first) goes to the
    worker with the least drawing so far, so the workers finish together.

    Dealing the pages out in turn (``jobs[i::workers]``) left one worker drawing
    for half a second after the other had finished on ExpandNet's 39 pages: a
    costly page can fall to the worker that already has more.  The split depends
    only on the pages, never on timing, so each page is drawn by the same process
    after the same pages every run (``Drawing.start`` says why that matters).
    """
    out: list[list[tuple]] = [[] for _ in range(workers)]
    load = [0] * workers
    for job in jobs:
        least = min(range(workers), key=lambda i: load[i])
        out[least].append(job)
        load[least] += REGISTRY[job[0]].cost
    return out


def _remove_stale_pages(files: dict[str, list[Path]]) -> list[Path]:
    """Remove the pages of an earlier chart of the same name that this one did not write
    again (``x-3.png`` after a chart of two pages), so that ``x-*.png`` is one chart.
    Only PNGs scaletrack made (``png.made_here``) are removed, never a user's own."""
    import contextlib
    import re

    from tracker.charts.png import made_here

    removed = []
    for paths in files.values():
        written = {p.name for p in paths}
        first = paths[0]
        stem = first.stem if len(paths) == 1 else first.stem.rsplit("-", 1)[0]
        pattern = re.compile(re.escape(stem) + r"(-[0-9]+)?" + re.escape(first.suffix))
        try:
            names = sorted((p.name for p in first.parent.iterdir()),  # x-2 before x-10
                           key=lambda n: [int(t) if t.isdigit() else t
                                          for t in re.split(r"([0-9]+)", n)])
        except OSError:
            continue
        for name in names:
            path = first.parent / name
            if (name not in written and pattern.fullmatch(name) and not path.is_symlink()
                    and path.is_file() and made_here(path)):
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed.append(path)
    return removed


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

    Pages are drawn to temporary files of ``outputs`` (a ``FileSet``): the
    caller's, renamed into place with the rest of a report, or the drawing's
    own, renamed when every page is drawn.  A failure or Ctrl-C kills the
    workers and leaves no page behind.
    """

    def __init__(self, charts: list[tuple[str, Path]], snapshot, period, progress=None,
                 files=None, palette_budget: int | None = None):
        from tracker.charts.style import page_paths
        from tracker.outputs import FileSet

        _quiet_glyph_warnings()  # pages are measured from here on
        self.files: dict[str, list[Path]] = {}
        self.jobs: list[tuple] = []
        self.progress = progress
        self._own = files is None
        for kind, path in charts:
            if path.suffix.lower() != ".png":
                raise BadInput(f"charts are PNG files: give a name ending in .png, "
                               f"not '{path.name}'")
            _check(kind, snapshot)
        folders = {path.parent for _, path in charts}
        if self._own and len(folders) > 1:
            raise ValueError("a drawing writes into one folder")
        self.set = files if files is not None else FileSet(folders.pop() if folders else Path("."))
        try:
            for kind, path in charts:
                paths = page_paths(path, _module(kind).page_count(snapshot))
                self.files[kind] = paths
                self.jobs += [(kind, page, str(self.set.stage(p.name)), str(p))
                              for page, p in enumerate(paths, start=1)]
        except BaseException:
            if self._own:
                self.set.discard()
            raise
        # the costliest first, so no worker is left drawing a big page alone at the end
        self.jobs.sort(key=lambda job: -REGISTRY[job[0]].cost)
        self.snapshot, self.period = snapshot, period
        # A page bigger than its share of ``palette_budget`` (report.html's room for
        # images) is also made with a 256-colour palette by the worker that draws it,
        # while its pixels are at hand: ``palettes``, by final path.
        self.palette_over = (None if palette_budget is None or not self.jobs
                             else palette_budget // len(self.jobs))
        self.palettes: dict[Path, bytes] = {}
        self.removed: list[Path] = []  # pages an earlier chart of the same name left
        self._children: list = []
        self.missing = missing_glyphs(snapshot)  # a command says it once (glyph_note)

    def start(self) -> None:
        from tracker import children

        _CONTEXT.update(snapshot=self.snapshot, period=self.period,
                        palette_over=self.palette_over)
        workers = min(len(self.jobs), os.cpu_count() or 1, 4)
        if workers > 1 and children.can_fork():
            # Each worker gets a fixed share, not the next page free: a page's pixels can
            # depend on what its process drew before (font state), and PNGs must be
            # byte-identical run after run.
            try:
                for share in shares(self.jobs, workers):
                    children.fork(self._children, _render_in_order, share)
            except BaseException:
                children.kill_all(self._children)
                if self._own:
                    self.set.discard()
                raise

    def abort(self) -> None:
        """Stop drawing: kill the workers and drop the pages (a failure elsewhere, Ctrl-C)."""
        from tracker import children

        children.kill_all(self._children)
        self._children = []
        _CONTEXT.clear()
        if self._own:
            self.set.discard()

    def finish(self) -> dict[str, list[Path]]:
        from tracker import children

        try:
            if self._children:
                for drawn in children.results(self._children):
                    for final, smaller in drawn:
                        self._drawn(final, smaller)
            else:
                for job in self.jobs:
                    self._drawn(*_render(job))
            if self._own:
                self.set.commit()
                self.removed = _remove_stale_pages(self.files)
        except BaseException:
            if self._own:
                self.set.discard()
            raise
        finally:
            children.kill_all(self._children)
            self._children = []
            _CONTEXT.clear()
        return self.files

    def _drawn(self, final: str, smaller: bytes | None) -> None:
        if smaller is not None:
            self.palettes[Path(final)] = smaller
        if self.progress:
            self.progress()
