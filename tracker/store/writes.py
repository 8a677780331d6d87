"""Writes: the only code that adds rows.  Nothing here deletes.

Each function validates its input against the pinned framework, then adds
rows inside ``Store.write`` (one transaction, retried when transient).  An
idempotency key, chosen once before the first attempt, makes a retried write
return the row the earlier attempt committed instead of adding another.
Events and plans are never updated.  The one update is to a site's own row
(its name, region, joined or retired date), and each is made together with a
``site_changes`` row holding the old and the new value, in the same
transaction: the site row says what is true now, the changes say what it was.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.catalog import Catalog, Checkpoint, Framework
from tracker.dates import check_event_date, check_plan_dates
from tracker.errors import BadInput, Conflict
from tracker.rules import clean_name, look_alike, typo_of
from tracker.rules import event_kind as _rule
from tracker.store import Store
from tracker.store.merged import merge_map, merged_message
from tracker.store.queries import (find_site, framework_of, name_key, resolve_initiative)
from tracker.store.schema import Event, FrameworkSnapshot, Initiative, Plan, Site, SiteChange


def default_recorder() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers and services
        return "unknown"


def _insert(store: Store, fn, conflict_message: str):
    try:
        return store.write(fn)
    except IntegrityError:
        raise Conflict(conflict_message) from None


# -- initiatives and sites -------------------------------------------------

def create_initiative(store: Store, catalog: Catalog, name: str, framework_id: str,
                      description: str | None = None,
                      started_on: dt.date | None = None, is_demo: bool = False) -> Initiative:
    framework = catalog.for_initiative(framework_id)
    name = clean_name(name, "initiative")
    definition = json.dumps(framework.to_dict(), sort_keys=True)
    digest = framework.content_hash()

    def tx(session: Session) -> Initiative:
        clash = session.scalar(select(Initiative).where(Initiative.name_key == name_key(name)))
        if clash is not None:
            raise Conflict(f"an initiative called '{clash.name}' already exists; "
                           "choose another name")
        snap = session.scalar(select(FrameworkSnapshot).where(
            FrameworkSnapshot.framework_id == framework.id,
            FrameworkSnapshot.version == framework.version,
            FrameworkSnapshot.content_hash == digest))
        if snap is None:
            snap = FrameworkSnapshot(framework_id=framework.id, version=framework.version,
                                     content_hash=digest, definition=definition)
            session.add(snap)
            session.flush()
        initiative = Initiative(name=name, name_key=name_key(name), framework_pk=snap.id,
                                description=description, started_on=started_on,
                                is_demo=is_demo)
        session.add(initiative)
        session.flush()
        return initiative

    try:
        return store.write(tx)
    except IntegrityError:
        # Two initiatives created at once on PostgreSQL may both find no snapshot of the
        # framework and both insert one; the second insert fails on the snapshot's unique
        # key.  Running the transaction again finds the snapshot the other one pinned (or
        # reports a real name clash, which the first query catches).
        return _insert(store, tx, f"an initiative called '{name}' already exists")


def _check_new_name(session: Session, initiative: Initiative, name: str, force: bool,
                    site: Site | None = None) -> None:
    """Refuse a site name that another site has, or nearly has (case, accents, spacing,
    or a typo: ``rules.typo_of``), unless ``force`` (for the near one); ``site`` is the
    site being renamed, which may take a spelling of its own name."""
    others = select(Site).where(Site.initiative_id == initiative.id)
    if site is not None:
        others = others.where(Site.id != site.id)
    clash = session.scalar(others.where(Site.name_key == name_key(name)))
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
    by = (by or "").strip() or default_recorder()

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
    retracted = select(Event.retracts).where(Event.initiative_id == site.initiative_id,
                                             Event.retracts.is_not(None))
    merged = [k for k, v in merge_map(session, site.initiative_id).items() if v == site.id]
    last = session.scalar(select(func.max(Event.occurred_on)).where(
        Event.site_id.in_([site.id, *merged]), Event.kind != "retract",
        Event.id.not_in(retracted)))
    if last is not None and last >= on:
        return (f"site '{site.name}' has events up to {last.isoformat()}; retire it after its "
                f"last event, or retract the events dated on or after {on.isoformat()} first")
    # nor with plans agreed on or after it, which a retired site could not take either
    # (import refuses them, so an export of such a site would not import again)
    agreed = session.scalar(select(func.max(Plan.set_on)).where(
        Plan.site_id.in_([site.id, *merged])))
    if agreed is not None and agreed >= on:
        return (f"site '{site.name}' has a plan agreed on {agreed.isoformat()}; retire it "
                "after that")
    return None


# -- events ----------------------------------------------------------------

def retired_message(site: Site, on: dt.date, what: str) -> str:
    """Why a retired site takes no new ``what`` (events, plans) dated ``on``."""
    return (f"site '{site.name}' was retired on {site.retired_on.isoformat()}: it takes no "
            f"{what} dated on or after that ({on.isoformat()} given)")

def event_kind(framework: Framework, cp: Checkpoint, status: str | None,
               rating: str | None) -> tuple[str, str | None]:
    """Decide what a ``log`` call records, or say which option the checkpoint takes
    (the rule itself is ``tracker.rules.event_kind``, shared with import)."""
    return _rule(cp.full_id, framework.levels(cp), status, rating)


@dataclass(frozen=True)
class Logged:
    event: Event
    initiative: str
    site: str
    checkpoint: Checkpoint
    warnings: tuple[str, ...] = ()


def _new_event(session: Session, initiative: Initiative, framework: Framework, site: Site,
               checkpoint: str, *, status, rating, on, note, evidence, by, source,
               key) -> tuple[Event, Checkpoint, list[str]]:
    cp = framework.resolve_checkpoint(checkpoint)
    kind, level = event_kind(framework, cp, status, rating)
    if kind == "note" and not (note or "").strip():
        raise BadInput("a note event needs --note TEXT")
    if site.retired_on is not None and on >= site.retired_on:
        raise BadInput(retired_message(site, on, "events"))
    warnings = check_event_date(on, joined_on=site.joined_on, site=site.name)
    existing = session.scalar(select(Event).where(Event.idempotency_key == key))
    if existing is None:
        existing = Event(initiative_id=initiative.id, site_id=site.id,
                         stage=framework.stage_of(cp.full_id).id, checkpoint=cp.full_id,
                         kind=kind, rating=level, occurred_on=on, recorded_by=by,
                         note=note, evidence=evidence, source=source, idempotency_key=key)
        session.add(existing)
        session.flush()
    return existing, cp, warnings


def log_event(store: Store, initiative_name: str | None, site_name: str, checkpoint: str, *,
              status: str | None = None, rating: str | None = None,
              on: dt.date | None = None, note: str | None = None,
              evidence: str | None = None, by: str | None = None, source: str = "cli",
              key: str | None = None) -> Logged:
    """Record one dated event about a site and a checkpoint."""
    key = key or uuid.uuid4().hex
    on = on or dt.date.today()
    by = (by or "").strip() or default_recorder()

    def tx(session: Session) -> Logged:
        initiative = resolve_initiative(session, initiative_name)
        framework = framework_of(session, initiative)
        site = find_site(session, initiative, site_name)
        event, cp, warnings = _new_event(session, initiative, framework, site, checkpoint,
                                         status=status, rating=rating, on=on, note=note,
                                         evidence=evidence, by=by, source=source, key=key)
        return Logged(event, initiative.name, site.name, cp, tuple(warnings))

    return _insert(store, tx, "that event was recorded already")


def log_batch(store: Store, initiative_name: str | None, entries: list[dict],
              source: str = "cli") -> int:
    """Record many events in one transaction: all of them, or none.

    Each entry has the keyword arguments of ``log_event`` plus ``site`` and
    ``checkpoint``; an entry without a ``key`` gets a fresh one.
    """
    entries = [{**e, "key": e.get("key") or uuid.uuid4().hex} for e in entries]

    def tx(session: Session) -> int:
        initiative = resolve_initiative(session, initiative_name)
        framework = framework_of(session, initiative)
        site_cache: dict[str, Site] = {}
        for e in entries:
            name = e["site"]
            if name not in site_cache:
                site_cache[name] = find_site(session, initiative, name)
            _new_event(session, initiative, framework, site_cache[name], e["checkpoint"],
                       status=e.get("status"), rating=e.get("rating"),
                       on=e.get("on") or dt.date.today(), note=e.get("note"),
                       evidence=e.get("evidence"),
                       by=e.get("by") or default_recorder(), source=source, key=e["key"])
        return len(entries)

    return _insert(store, tx, "an event in the batch was recorded already")


def retract_event(store: Store, initiative_name: str | None, event_id: int,
                  reason: str | None = None, by: str | None = None,
                  on: dt.date | None = None) -> Event:
    """Add a retraction of one event; the event itself stays in the log."""
    key = uuid.uuid4().hex
    by = by or default_recorder()

    def tx(session: Session) -> Event:
        initiative = resolve_initiative(session, initiative_name)
        return _retract(session, initiative, event_id, reason, by, on, key)

    return _insert(store, tx, f"event {event_id} was already retracted")


def retract_last(store: Store, initiative_name: str | None, reason: str | None = None,
                 by: str | None = None) -> tuple[str, Event]:
    """Retract the last event ``by`` recorded; returns what it was, in words, and the retraction.

    "Last" is by recording order (the id), not by the date it happened: undoing the
    last thing typed is what ``events retract --last`` is for.  Events already
    retracted, and retractions, are passed over.
    """
    key = uuid.uuid4().hex
    by = by or default_recorder()

    def tx(session: Session) -> tuple[str, Event]:
        initiative = resolve_initiative(session, initiative_name)
        retracted = select(Event.retracts).where(Event.initiative_id == initiative.id,
                                                 Event.retracts.is_not(None))
        target = session.scalar(
            select(Event).where(Event.initiative_id == initiative.id, Event.recorded_by == by,
                                Event.kind != "retract", Event.id.not_in(retracted))
            .order_by(Event.id.desc()).limit(1))
        if target is None:
            raise BadInput(f"{by} has recorded no event in '{initiative.name}' that is not "
                           "already retracted; give the event's id (see 'scaletrack events "
                           "list')")
        site = session.get(Site, target.site_id)
        what = f"rated {target.rating}" if target.kind == "rated" else target.kind
        words = (f"event {target.id}: {site.name}, {target.checkpoint} {what} on "
                 f"{target.occurred_on.isoformat()}")
        return words, _retract(session, initiative, target.id, reason, by, None, key)

    return _insert(store, tx, "that event was already retracted")


def _retract(session: Session, initiative: Initiative, event_id: int, reason: str | None,
             by: str, on: dt.date | None, key: str) -> Event:
    target = session.get(Event, event_id)
    if target is None:
        raise BadInput(f"there is no event {event_id}; see 'scaletrack events list'")
    if target.initiative_id != initiative.id:
        other = session.get(Initiative, target.initiative_id)
        raise BadInput(f"event {event_id} belongs to initiative '{other.name}', not "
                       f"'{initiative.name}'; choose it with -i")
    if target.kind == "retract":
        raise BadInput(f"event {event_id} is itself a retraction; to restore what it "
                       "retracted, log that event again")
    earlier = session.scalar(select(Event).where(Event.retracts == event_id))
    if earlier is not None:
        if earlier.idempotency_key == key:
            return earlier
        raise Conflict(f"event {event_id} was already retracted by event {earlier.id} "
                       f"(recorded {earlier.recorded_at:%Y-%m-%d} by {earlier.recorded_by})")
    retraction = Event(initiative_id=initiative.id, site_id=target.site_id,
                       stage=target.stage, checkpoint=target.checkpoint, kind="retract",
                       occurred_on=on or dt.date.today(), recorded_by=by, note=reason,
                       retracts=event_id, source="cli", idempotency_key=key)
    session.add(retraction)
    session.flush()
    return retraction


def set_plan(store: Store, initiative_name: str | None, site_name: str, stage_id: str,
             due_on: dt.date, set_on: dt.date | None = None, note: str | None = None,
             by: str | None = None) -> tuple[Plan, str, str]:
    """Record a target date for a site to complete a stage; earlier plans stay recorded."""
    key = uuid.uuid4().hex
    by = by or default_recorder()
    set_on = set_on or dt.date.today()

    def tx(session: Session):
        initiative = resolve_initiative(session, initiative_name)
        framework = framework_of(session, initiative)
        if framework.kind != "phased":
            raise BadInput(f"{framework.id} has domains, not stages to complete, so it takes "
                           "no plans")
        stage = framework.stage(stage_id.strip())
        site = find_site(session, initiative, site_name)
        if site.retired_on is not None and set_on >= site.retired_on:
            raise BadInput(retired_message(site, set_on, "plans"))
        check_plan_dates(due_on, set_on)
        existing = session.scalar(select(Plan).where(Plan.idempotency_key == key))
        if existing is None:
            existing = Plan(initiative_id=initiative.id, site_id=site.id, stage=stage.id,
                            due_on=due_on, set_on=set_on, recorded_by=by,
                            note=note, idempotency_key=key)
            session.add(existing)
            session.flush()
        return existing, site.name, stage.id

    return _insert(store, tx, "that plan was recorded already")
