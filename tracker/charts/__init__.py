"""Charts as PNG files.  matplotlib is imported here and below, never by the CLI at import.

``draw`` builds figures (tests inspect their artists); ``write`` saves them,
splitting long charts into numbered pages.
"""

from __future__ import annotations

from pathlib import Path

from tracker.errors import BadInput

KINDS = ("timeline", "gaps", "compare", "complexity", "adoption")
PHASED = ("timeline", "gaps", "compare", "adoption")
DOMAINS = ("complexity", "gaps", "compare")


def applicable(framework) -> tuple[str, ...]:
    return DOMAINS if framework.kind == "domains" else PHASED


def draw(kind: str, snapshot, period, history: dict | None = None) -> list:
    import matplotlib

    from tracker.charts.style import RC

    with matplotlib.rc_context(RC):  # every axes and text made inside gets the house style
        return _draw(kind, snapshot, period, history)


def _draw(kind: str, snapshot, period, history: dict | None) -> list:
    if kind not in applicable(snapshot.framework):
        raise BadInput(f"the {kind} chart does not fit {snapshot.framework.id} "
                       f"({snapshot.framework.kind}); it takes: "
                       f"{', '.join(applicable(snapshot.framework))}")
    if kind == "timeline":
        from tracker.charts import timeline as module
    elif kind == "gaps":
        from tracker.charts import grid as module
    elif kind == "compare":
        from tracker.charts import compare as module
    elif kind == "adoption":
        from tracker.charts import adoption as module
    else:
        from tracker.charts import complexity

        return complexity.draw(snapshot, period, history or {})
    return module.draw(snapshot, period)


def write(kind: str, snapshot, period, path: Path, history: dict | None = None) -> list[Path]:
    """Save the chart; several pages become FILE-1.png, FILE-2.png..."""
    from tracker.charts.style import page_paths, save

    if path.suffix.lower() != ".png":
        raise BadInput(f"charts are PNG files: give a name ending in .png, not '{path.name}'")
    figures = draw(kind, snapshot, period, history)
    return [save(fig, p) for fig, p in zip(figures, page_paths(path, len(figures)))]
