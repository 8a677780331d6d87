"""Adding a site, and looking after it: renaming, editing, retiring, reinstating.

A site's row says what is true now; each change to it (its name, region,
joined or retired date) is made together with a ``site_changes`` row holding
the old and the new value, in the same transaction, so the changes say what it
was.  This is the one place a row is updated rather than added.  A new name is
checked here (``_check_new_name``) against every other site of the initiative,
for ``site add`` and ``site rename`` alike; ``retirement_refused`` is the one
rule for when a site may be retired, shared with ``events import``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.errors import BadInput, Conflict
from tracker.limits import check_length
from tracker.rules import clean_name, look_alike, typo_of
from tracker.store import Store
from tracker.store.merged import merge_map, merged_message
from tracker.store.queries import find_site, name_key, resolve_initiative, site_named
from tracker.store.records import withdrawn_ids
from tracker.store.schema import Event, Initiative, Site, SiteChange
from tracker.store.writes import _insert, recorder


def _check_new_name(session: Session, initiative: Initiative, name: str, force: bool,
                    site: Site | None = None) -> None:
    """Refuse a site name that another site has, or nearly has (case, accents, spacing,
    or a typo: ``rules.typo_of``), unless ``force`` (for the near one); ``site`` is the
    site being renamed, which may take a spelling of its own name."""
    others = select(Site).where(Site.initiative_id == initiative.id)
    if site is not None:
        others = others.where(Site.id != site.id)
    clash = site_named(session, initiative, name, site)
    if clash is not None:
        if clash.merged_into is not None:
            raise Conflict(merged_message(session, clash, name))
        raise Conflict(f"initiative '{initiative.name}' already has a site called "
                       f"'{clash.name}' (site names ignore case)")
    if not force:
        folded = look_alike(name)
        current = list(session.scalars(others.where(Site.merged_into.is_(None))))
        for existing in current:
            if look_alike(existing.name) == folded:
                raise Conflict(f"initiative '{initiative.name}' already has a site called "
                               f"'{existing.name}', which differs from '{name}' only in "
                               "accents or spacing; use that name, or add --force if they "
                               "really are two sites")
        typo = typo_of(name, [s.name for s in current])
        if typo is not None:
            raise Conflict(f"initiative '{initiative.name}' already has a site called "
                           f"'{typo}', which '{name}' looks like a mistyping of; use that "
                           "name, or add --force if they really are two sites")


def add_site(store: Store, initiative_name: str | None, name: str, region: str | None = None,
             joined_on: dt.date | None = None,
             force: bool = False) -> tuple[Initiative, Site]:
    """Add a site; a name that differs from an existing one only by case, accents or
    spacing is refused (it is almost always the same place typed again) unless ``force``."""
    name = clean_name(name, "site")
    check_length(region, "region", "--region")

    def tx(session: Session):
        initiative = resolve_initiative(session, initiative_name)
        _check_new_name(session, initiative, name, force)
        site = Site(initiative_id=initiative.id, name=name, name_key=name_key(name),
                    region=region, joined_on=joined_on)
        session.add(site)
        session.flush()
        return initiative, site

    return _insert(store, tx, f"a site called '{name}' already exists")


# -- looking after sites ---------------------------------------------------

@dataclass(frozen=True)
class SiteChanged:
    """What a rename, edit or retirement did: the site as it is now, and the change rows."""

    initiative: str
    site: Site
    changes: tuple[SiteChange, ...]


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _change_site(store: Store, initiative_name: str | None, site_name: str, by: str | None,
                 decide, conflict: str = "that change was recorded already") -> SiteChanged:
    """Run ``decide(session, initiative, site)``, which checks the request and returns
    [(field, old, new, effective_on)], then record each change on the site and as a
    ``site_changes`` row.  A retried attempt that finds its rows committed returns them."""
    key = uuid.uuid4().hex
    by = recorder(by)

    def tx(session: Session) -> SiteChanged:
        initiative = resolve_initiative(session, initiative_name)
        done = session.scalars(select(SiteChange).where(
            SiteChange.idempotency_key.startswith(key + ".")).order_by(SiteChange.id)).all()
        if done:
            return SiteChanged(initiative.name, session.get(Site, done[0].site_id), tuple(done))
        site = find_site(session, initiative, site_name)
        rows = []
        for field, old, new, effective_on in decide(session, initiative, site):
            setattr(site, field, new)
            if field == "name":
                site.name_key = name_key(new)
            row = SiteChange(initiative_id=initiative.id, site_id=site.id, field=field,
                             old_value=old if not isinstance(old, dt.date) else _iso(old),
                             new_value=new if not isinstance(new, dt.date) else _iso(new),
                             effective_on=effective_on, recorded_by=by,
                             idempotency_key=f"{key}.{field}")
            session.add(row)
            rows.append(row)
        session.flush()
        return SiteChanged(initiative.name, site, tuple(rows))

    return _insert(store, tx, conflict)


def rename_site(store: Store, initiative_name: str | None, old: str, new: str,
                force: bool = False, by: str | None = None,
                today: dt.date | None = None) -> SiteChanged:
    """Give a site a new name; its events and plans follow it.  The new name is checked
    as ``add_site`` checks one, against every other site; a new spelling of the site's
    own name (a typo fixed, "Ynys Mon" to "Ynys Môn") is allowed.  The old name then
    answers look-ups with the new one (``queries.former_name``)."""
    new = clean_name(new, "new site")
    on = today or dt.date.today()

    def decide(session, initiative, site):
        if new == site.name:
            raise BadInput(f"site '{site.name}' is already called that; nothing to change")
        _check_new_name(session, initiative, new, force, site)
        return [("name", site.name, new, on)]

    # Two renames to one name at once: the second fails on the unique name, and says so.
    return _change_site(store, initiative_name, old, by, decide,
                        f"another site was just given the name '{new}'; choose another name")


def edit_site(store: Store, initiative_name: str | None, site_name: str, *,
              region: str | None = None, joined_on: dt.date | None = None,
              by: str | None = None) -> SiteChanged:
    """Change a site's region and/or joined date.  An empty region ("") clears it."""
    if region is None and joined_on is None:
        raise BadInput("give --region TEXT, --joined DATE or both: there is nothing else to "
                       "edit (to rename a site use 'scaletrack site rename')")
    new_region = None if region is None else (" ".join(region.split()) or "")
    check_length(new_region, "region", "--region")

    def decide(session, initiative, site):
        changes = []
        if region is not None and (new_region or None) != site.region:
            changes.append(("region", site.region, new_region or None, None))
        if joined_on is not None and joined_on != site.joined_on:
            if site.retired_on is not None and joined_on >= site.retired_on:
                raise BadInput(f"site '{site.name}' was retired on "
                               f"{site.retired_on.isoformat()}; it cannot have joined on "
                               f"{joined_on.isoformat()}, after that")
            changes.append(("joined_on", site.joined_on, joined_on, joined_on))
        if not changes:
            now = [f"region {site.region or '(none)'}" if region is not None else "",
                   f"joined {_iso(site.joined_on)}" if joined_on is not None else ""]
            raise BadInput(f"site '{site.name}' already has {' and '.join(w for w in now if w)}"
                           "; nothing to change")
        return changes

    return _change_site(store, initiative_name, site_name, by, decide)


def retire_site(store: Store, initiative_name: str | None, site_name: str,
                on: dt.date | None = None, by: str | None = None,
                today: dt.date | None = None) -> SiteChanged:
    """Retire a site from ``on`` (default today): from that date it is counted in no
    analysis and takes no new events; before it, it counts as it always did, and its
    history stays.  Refused when the site already has events on or after that date
    (retire it after its last event, or retract those first), or ``on`` is after today."""
    today = today or dt.date.today()
    on = on or today

    def decide(session, initiative, site):
        if site.retired_on is not None:
            raise BadInput(f"site '{site.name}' was already retired on "
                           f"{site.retired_on.isoformat()}")
        if on > today:
            raise BadInput(f"--on {on.isoformat()} is after today ({today.isoformat()}): "
                           "retire a site on or after the day it stops")
        refused = retirement_refused(session, site, on)
        if refused:
            raise BadInput(refused)
        return [("retired_on", None, on, on)]

    return _change_site(store, initiative_name, site_name, by, decide)


def reinstate_site(store: Store, initiative_name: str | None, site_name: str,
                   by: str | None = None, today: dt.date | None = None) -> SiteChanged:
    """Undo a site's retirement (made by mistake, or the site has come back): it counts
    again on every date, as if never retired.  The retirement and its undoing both stay
    in the site's history."""
    on = today or dt.date.today()

    def decide(session, initiative, site):
        if site.retired_on is None:
            raise BadInput(f"site '{site.name}' is not retired; nothing to reinstate")
        return [("retired_on", site.retired_on, None, on)]

    return _change_site(store, initiative_name, site_name, by, decide)


def retirement_refused(session: Session, site: Site, on: dt.date) -> str | None:
    """Why ``site`` cannot be retired from ``on``, or None: not on or before the day it
    joined, nor while it has live events (not retractions, not retracted; its own or
    those of sites merged into it) dated on or after ``on``, which a retired site could
    never have been given."""
    if site.joined_on is not None and on <= site.joined_on:
        return (f"site '{site.name}' joined on {site.joined_on.isoformat()}; retire it after "
                f"that, not on {on.isoformat()}")
    withdrawn = withdrawn_ids(session, site.initiative_id)
    merged = [k for k, v in merge_map(session, site.initiative_id).items() if v == site.id]
    # plans are records too: a plan agreed on or after ``on`` refuses it as an event does
    last = max((day for record, day in session.execute(
        select(Event.id, Event.occurred_on).where(
            Event.site_id.in_([site.id, *merged]), Event.kind != "retract",
            Event.occurred_on >= on))
        if record not in withdrawn), default=None)
    if last is not None and last >= on:
        return (f"site '{site.name}' has events up to {last.isoformat()}; retire it after its "
                f"last event, or retract the events dated on or after {on.isoformat()} first")
    return None
