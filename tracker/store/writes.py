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

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.catalog import Catalog, Checkpoint, Framework
from tracker.dates import check_event_date, check_plan_dates
from tracker.errors import BadInput, Conflict
from tracker.limits import check_length
from tracker.rules import clean_name, look_alike, typo_of
from tracker.rules import event_kind as _rule
from tracker.store import Store
from tracker.store.merged import merge_map, merged_message
from tracker.store.queries import (find_site, framework_of, initiative_named, name_key,
                                   resolve_initiative, site_named)
from tracker.store.records import Retractions, describe, withdrawn_ids
from tracker.store.schema import Event, FrameworkSnapshot, Initiative, Site, SiteChange


def default_recorder() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user name in some containers and services
        return "unknown"


def recorder(by: str | None) -> str:
    """Who records a change: ``--by`` as given (trimmed), else the OS user; refused
    when longer than the database holds (PostgreSQL would refuse it, SQLite not)."""
    by = (by or "").strip() or default_recorder()
    check_length(by, "recorded_by", "--by")
    return by


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
        clash = initiative_named(session, name)
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
    by = recorder(by)

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
                       by=recorder(e.get("by")), source=source, key=e["key"])
        return len(entries)

    return _insert(store, tx, "an event in the batch was recorded already")


@dataclass(frozen=True)
class Retracted:
    """What ``events retract`` did: the new retraction, the record the user named, and
    (when that record had been restored) the restoring retraction that was retracted."""

    retraction: Event
    named: int
    restorer: int | None = None
    kind: str = ""  # the kind of the record retracted
    restored: int | None = None  # when that was a retraction: the record it restored


def retract_event(store: Store, initiative_name: str | None, event_id: int,
                  reason: str | None = None, by: str | None = None,
                  on: dt.date | None = None) -> Retracted:
    """Withdraw one record (an event, a plan or a retraction) by adding a retraction;
    the record stays in the log.  Retracting a retraction makes what it retracted count
    again.  A record that was retracted and then restored is withdrawn again by
    retracting the retraction that restored it (``events.retracts`` stays unique)."""
    key = uuid.uuid4().hex
    by = recorder(by)

    def tx(session: Session) -> Retracted:
        initiative = resolve_initiative(session, initiative_name)
        return _retract(session, initiative, event_id, reason, by, on, key)

    return _insert(store, tx, f"record {event_id} was retracted at the same moment by "
                              "someone else; see 'scaletrack events list'")


def retract_last(store: Store, initiative_name: str | None, reason: str | None = None,
                 by: str | None = None) -> tuple[str, Retracted]:
    """Retract the last record ``by`` made that is in force (an event, a plan or a
    retraction: undoing a retraction restores what it retracted); returns what it was,
    in words, and what was done.

    "Last" is by recording order (the id), not by the date it happened: undoing the
    last thing typed is what ``events retract --last`` is for.
    """
    key = uuid.uuid4().hex
    by = recorder(by)

    def tx(session: Session) -> tuple[str, Retracted]:
        initiative = resolve_initiative(session, initiative_name)
        withdrawn = withdrawn_ids(session, initiative.id)
        # the newest ids first; among len(withdrawn) + 1 of them is one in force, if any
        newest = session.scalars(
            select(Event.id).where(Event.initiative_id == initiative.id,
                                   Event.recorded_by == by)
            .order_by(Event.id.desc()).limit(len(withdrawn) + 1)).all()
        found = next((i for i in newest if i not in withdrawn), None)
        target = session.get(Event, found) if found is not None else None
        if target is None:
            raise BadInput(f"{by} has recorded nothing in '{initiative.name}' that is still "
                           "in force; give the record's id (see 'scaletrack events list')")
        return (_words(session, target),
                _retract(session, initiative, target.id, reason, by, None, key))

    return _insert(store, tx, "that record was retracted at the same moment by someone "
                              "else; see 'scaletrack events list'")


def _words(session: Session, record: Event) -> str:
    """'event 12: Leeds, set-up.baseline done on 2026-03-01', 'plan 14: ...'."""
    site = session.get(Site, record.site_id)
    noun = {"plan": "plan", "retract": "retraction"}.get(record.kind, "event")
    if record.kind == "retract":
        retracted = session.get(Event, record.retracts)
        return (f"retraction {record.id} (of {_words(session, retracted)}), recorded "
                f"{record.occurred_on.isoformat()}")
    if record.kind == "plan":
        return (f"plan {record.id}: {site.name} to complete {record.stage} by "
                f"{record.due_on.isoformat()}, agreed on {record.occurred_on.isoformat()}")
    return (f"{noun} {record.id}: {site.name}, "
            f"{describe(record.kind, record.rating, record.checkpoint, record.due_on)} on "
            f"{record.occurred_on.isoformat()}")


def _retract(session: Session, initiative: Initiative, event_id: int, reason: str | None,
             by: str, on: dt.date | None, key: str) -> Retracted:
    earlier = session.scalar(select(Event).where(Event.idempotency_key == key))
    if earlier is not None:  # a retried attempt whose first try was committed
        hit = session.get(Event, earlier.retracts)
        return Retracted(earlier, event_id, earlier.retracts
                         if earlier.retracts != event_id else None, hit.kind, hit.retracts)
    target = session.get(Event, event_id)
    if target is None:
        raise BadInput(f"there is no record {event_id}; see 'scaletrack events list'")
    if target.initiative_id != initiative.id:
        other = session.get(Initiative, target.initiative_id)
        raise BadInput(f"record {event_id} belongs to initiative '{other.name}', not "
                       f"'{initiative.name}'; choose it with -i")
    chain = Retractions.read(session, initiative.id)
    if not chain.in_force(event_id):
        by_id = chain.by_target[event_id]
        retraction = session.get(Event, by_id)
        top = chain.top(event_id)
        raise Conflict(f"record {event_id} is already retracted, by record {by_id} "
                       f"(recorded {retraction.recorded_at:%Y-%m-%d} by "
                       f"{retraction.recorded_by}); to make it count again, retract record "
                       f"{top}")
    # In force with a line of retractions above it: it was retracted and restored.
    # Retracting the top of the line withdraws it again (one retraction a record).
    aim = chain.top(event_id)
    above = session.get(Event, aim) if aim != event_id else target
    retraction = Event(initiative_id=initiative.id, site_id=above.site_id,
                       stage=above.stage, checkpoint=above.checkpoint, kind="retract",
                       occurred_on=on or dt.date.today(), recorded_by=by, note=reason,
                       retracts=aim, source="cli", idempotency_key=key)
    session.add(retraction)
    session.flush()
    return Retracted(retraction, event_id, aim if aim != event_id else None, above.kind,
                     above.retracts)


def set_plan(store: Store, initiative_name: str | None, site_name: str, stage_id: str,
             due_on: dt.date, set_on: dt.date | None = None, note: str | None = None,
             by: str | None = None) -> tuple[Event, str, str]:
    """Record a target date for a site to complete a stage, as a record of kind 'plan'
    (``due_on`` the target, ``occurred_on`` the day it was agreed); earlier plans stay
    recorded."""
    key = uuid.uuid4().hex
    by = recorder(by)
    typed_on = set_on is not None
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
        if not typed_on and due_on < set_on:  # quote only the options the user typed
            raise BadInput(f"--due {due_on.isoformat()} is before today "
                           f"({set_on.isoformat()}), the day the plan is agreed: a plan "
                           "cannot be due before the day it was agreed (if it was agreed "
                           "earlier, give that day with --on DATE)")
        check_plan_dates(due_on, set_on)
        existing = session.scalar(select(Event).where(Event.idempotency_key == key))
        if existing is None:
            existing = Event(initiative_id=initiative.id, site_id=site.id, stage=stage.id,
                             checkpoint=stage.id, kind="plan", due_on=due_on,
                             occurred_on=set_on, recorded_by=by, note=note, source="cli",
                             idempotency_key=key)
            session.add(existing)
            session.flush()
        return existing, site.name, stage.id

    return _insert(store, tx, "that plan was recorded already")
