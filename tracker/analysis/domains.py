"""The view of a domains framework (NASSS): ratings per domain, and how they moved.

NASSS has no stages to enter or complete.  What matters is, per domain, how many
sub-domains are rated, the latest level of each, how many sit at the worst
level ("complex"), and whether ratings got better, stayed the same or got
worse since the previous assessment of each sub-domain.  Lower on the scale
(nearer its first, best level) is better.

A domain's level is a figure of ours: the most complex of its rated
sub-domains' latest ratings (a domain is as complex as its most complex rated
part).  NASSS (Greenhalgh et al. 2017, JMIR 19(11):e367) classifies each
domain as simple, complicated or complex by judgement and gives no rule for
combining sub-domain ratings, so the combination rule is named as ours
wherever it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.analysis.status import SiteStatus, Status

NOT_YET_RATED = "not yet rated"
LEVEL_RULE = "domain level: the most complex of its rated sub-domains"


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


def scale_of(framework) -> tuple[str, ...]:
    """The rating levels the domains use, best first (NASSS: simple, complicated, complex)."""
    return next((framework.levels(cp) for st in framework.stages for cp in st.checkpoints
                 if cp.scale), ())


def domain_level(framework, stage, states: dict) -> str | None:
    """Ours: the most complex latest rating among the domain's rated sub-domains
    (None while none is rated)."""
    worst, rank = None, -1
    for cp in stage.checkpoints:
        levels = framework.levels(cp)
        state = states.get(cp.full_id)
        if levels and state is not None and state.rating in levels:
            at = levels.index(state.rating)
            if at > rank:
                worst, rank = state.rating, at
    return worst


def site_levels(framework, site: SiteStatus) -> dict[str, str | None]:
    """Per domain id, the site's domain level (None: not yet rated)."""
    return {stage.id: domain_level(framework, stage, site.states) for stage in framework.stages}


@dataclass(frozen=True)
class DomainCell:
    """One site's standing in one domain: its domain level and sub-domains rated."""

    site: str
    domain: str
    level: str | None
    rated: int
    total: int


@dataclass(frozen=True)
class DomainRollup:
    """Per domain: sites with a sub-domain rated, and n and % of all sites at each
    domain level, ``not yet rated`` last.  Percentages are of all sites, to one place."""

    domain: str
    sites: int
    sites_assessed: int
    counts: dict  # level -> sites, in scale order, then NOT_YET_RATED
    pcts: dict    # level -> % of all sites


def level_key(level: str) -> str:
    """A level as a JSON/CSV key: 'not yet rated' -> 'not_yet_rated'."""
    return "_".join(level.replace("-", " ").split())


def domain_cells(status: Status) -> list[DomainCell]:
    fw = status.framework
    out = []
    for site in status.sites:
        for stage in fw.stages:
            rated_cps = [cp for cp in stage.required if cp.scale]
            rated = sum(1 for cp in rated_cps if site.states.get(cp.full_id) is not None
                        and site.states[cp.full_id].rating is not None)
            out.append(DomainCell(site.site, stage.id, domain_level(fw, stage, site.states),
                                  rated, len(rated_cps)))
    return out


def domain_rollup(status: Status) -> list[DomainRollup]:
    """The programme roll-up of a domains framework, one row per domain."""
    fw = status.framework
    names = (*scale_of(fw), NOT_YET_RATED)
    n = len(status.sites)
    out = []
    for stage in fw.stages:
        counts = dict.fromkeys(names, 0)
        for site in status.sites:
            counts[domain_level(fw, stage, site.states) or NOT_YET_RATED] += 1
        pcts = {k: round(100.0 * v / n, 1) if n else 0.0 for k, v in counts.items()}
        out.append(DomainRollup(stage.id, n, n - counts[NOT_YET_RATED], counts, pcts))
    return out


def rollup_record(row: DomainRollup) -> dict:
    """A roll-up row as JSON and CSV carry it: domain, sites_assessed, then n and pct_ per level."""
    record = {"domain": row.domain, "sites_assessed": row.sites_assessed}
    for level, count in row.counts.items():
        record[level_key(level)] = count
        record["pct_" + level_key(level)] = row.pcts[level]
    return record


def rollup_columns(framework) -> list[str]:
    cols = ["domain", "sites_assessed"]
    for level in (*scale_of(framework), NOT_YET_RATED):
        cols += [level_key(level), "pct_" + level_key(level)]
    return cols


@dataclass
class Moves:
    """One domain's movement in a period: the sites where a sub-domain was rated more
    complex (``worse``) or less complex (``better``) than at its previous rating."""

    domain: str
    worse: list = field(default_factory=list)
    better: list = field(default_factory=list)


def moves(status: Status, start, end) -> list[Moves]:
    """Per domain, the sites whose latest rating of a sub-domain, made from ``start`` to
    ``end``, is more or less complex than that sub-domain's previous rating.  A site
    with one sub-domain up and another down is listed under both."""
    fw = status.framework
    out = []
    for stage in fw.stages:
        row = Moves(stage.id)
        for site in sorted(status.sites, key=lambda s: s.site.casefold()):
            seen = set()
            for cp in stage.checkpoints:
                levels = fw.levels(cp)
                state = site.states.get(cp.full_id)
                if not levels or state is None or state.rated_on is None \
                        or not start <= state.rated_on <= end:
                    continue
                moved = movement(levels, state.previous_rating, state.rating)
                if moved in ("better", "worse"):
                    seen.add(moved)
            if "worse" in seen:
                row.worse.append(site.site)
            if "better" in seen:
                row.better.append(site.site)
        out.append(row)
    return out


def unrated_by_site(status: Status) -> list[tuple[str, int, int]]:
    """(site, required sub-domains not yet rated, required sub-domains), most unrated first."""
    fw = status.framework
    cps = [cp for st in fw.stages for cp in st.required if cp.scale]
    out = []
    for site in status.sites:
        missing = sum(1 for cp in cps if site.states.get(cp.full_id) is None
                      or site.states[cp.full_id].rating is None)
        out.append((site.site, missing, len(cps)))
    out.sort(key=lambda r: (-r[1], r[0].casefold()))
    return out
