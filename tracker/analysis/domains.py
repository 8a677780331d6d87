"""The view of a domains framework (NASSS): ratings per domain, and how they moved.

NASSS has no stages to enter or complete.  What matters is, per domain, how many
sub-domains are rated, the latest level of each, how many sit at the worst
level ("complex"), and whether ratings got better, stayed the same or got
worse since the previous assessment of each sub-domain.  Lower on the scale
(nearer its first, best level) is better.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.analysis.status import SiteStatus, Status


@dataclass
class DomainView:
    site: str
    domain: str
    rated: int
    total: int
    at_worst_level: int
    better: int
    same: int
    worse: int
    levels: dict = field(default_factory=dict)  # checkpoint -> latest level (None if unrated)


def movement(levels: tuple, previous: str | None, latest: str | None) -> str | None:
    if previous is None or latest is None:
        return None
    a, b = levels.index(previous), levels.index(latest)
    return "better" if b < a else "worse" if b > a else "same"


def site_domains(status: Status, site: SiteStatus) -> list[DomainView]:
    fw = status.framework
    out = []
    for stage in fw.stages:
        view = DomainView(site.site, stage.id, 0, 0, 0, 0, 0, 0)
        for cp in stage.checkpoints:
            levels = fw.levels(cp)
            if not levels:
                continue
            view.total += 1
            state = site.states.get(cp.full_id)
            latest = state.rating if state else None
            view.levels[cp.full_id] = latest
            if latest is None:
                continue
            view.rated += 1
            view.at_worst_level += latest == levels[-1]
            moved = movement(levels, state.previous_rating, latest)
            if moved:
                setattr(view, moved, getattr(view, moved) + 1)
        out.append(view)
    return out


def domain_views(status: Status) -> list[DomainView]:
    return [v for s in status.sites for v in site_domains(status, s)]


def level_counts(status: Status) -> dict[str, dict[str, int]]:
    """Per domain, how many of the sites' latest sub-domain ratings sit at each level."""
    fw = status.framework
    out: dict[str, dict[str, int]] = {}
    for stage in fw.stages:
        scale_levels = next((fw.levels(cp) for cp in stage.checkpoints if cp.scale), ())
        counts = {level: 0 for level in scale_levels}
        for site in status.sites:
            for cp in stage.checkpoints:
                state = site.states.get(cp.full_id)
                if state is not None and state.rating in counts:
                    counts[state.rating] += 1
        out[stage.id] = counts
    return out
