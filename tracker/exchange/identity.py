"""Which site a row of an import file meant, when site names have changed hands.

A file names sites, not site ids.  After two sites swap names (Alpha -> Tmp,
Beta -> Alpha, Tmp -> Beta) an export taken before the swap says "Alpha" for
the site now called "Beta": read by today's names, every event would land on
the other site (and, as each is then new there, on both).  ``site_changes``
keeps every rename with the moment it was recorded, so for each row we can
say which site held the name when the row was recorded (its ``recorded_at``).

When that is the site holding the name now, there is nothing to decide.  When
it is another site, the row is from before the name changed hands:

- if this database already holds the row (the same event id with the same
  content on that other site, the same plan or retirement there), it is that
  record, and adds nothing;
- otherwise the import is refused for that line, saying which site the name
  meant then and what it is called now, rather than guess.

Rows with no ``recorded_at`` (a file filled in by hand) count as written now.
Only names that have been renamed away from a site cost anything here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.store.queries import name_key
from tracker.store.schema import Site, SiteChange

NEVER = dt.datetime.min


def _moment(value) -> dt.datetime:
    """A recorded_at as the checker stores it (a datetime, or SQLite's text), as a datetime."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value:
        return dt.datetime.fromisoformat(value)
    return dt.datetime.max


@dataclass(frozen=True)
class Then:
    """The site a name meant when a row was recorded, other than the one holding it now."""

    site_id: int
    name_now: str  # what that site is called now
    holder_now: str  # the name as the site holding it now spells it
    until: dt.datetime  # when the name left that site

    def problem(self, typed: str, written) -> str:
        return (f"site '{typed}' is the name the site now called '{self.name_now}' had when "
                f"this row was recorded ({_moment(written).isoformat(timespec='seconds')}); "
                f"the name passed to another site on {self.until.date().isoformat()}. Write "
                f"the site's name as it is now ('{self.name_now}' for that site) and import "
                "again")


class NameHistory:
    """Every name each of an initiative's sites has had, with when it had it."""

    def __init__(self, session: Session, initiative_id: int):
        sites = {sid: (name, created) for sid, name, created in session.execute(
            select(Site.id, Site.name, Site.created_at)
            .where(Site.initiative_id == initiative_id))}
        renames = session.execute(
            select(SiteChange.site_id, SiteChange.old_value, SiteChange.new_value,
                   SiteChange.recorded_at)
            .where(SiteChange.initiative_id == initiative_id, SiteChange.field == "name")
            .order_by(SiteChange.id)).all()
        # name key -> [(from, until, site id)]: who held it when
        self.spans: dict[str, list[tuple[dt.datetime, dt.datetime, int]]] = {}
        self.names = {sid: name for sid, (name, _) in sites.items()}
        start = {sid: created or NEVER for sid, (_, created) in sites.items()}
        for sid, old, new, at in renames:
            if old:
                self.spans.setdefault(name_key(old), []).append((start.get(sid, NEVER), at,
                                                                 sid))
            start[sid] = at
        # the names held now, for the names that were ever renamed away from a site
        self.current = {name_key(name): sid for sid, name in self.names.items()}
        for sid, (name, _) in sites.items():
            key = name_key(name)
            if key in self.spans:
                self.spans[key].append((start[sid], dt.datetime.max, sid))

    def then(self, key: str, written) -> Then | None:
        """The site the name keyed ``key`` meant at ``written``, when that is not the site
        holding it now (and None when it is, or the name never changed hands)."""
        spans = self.spans.get(key)
        if not spans:
            return None
        when = _moment(written)
        holder = self.current.get(key)
        for since, until, sid in spans:
            if since <= when < until:
                if sid == holder:
                    return None
                return Then(sid, self.names[sid], self.names.get(holder, ""), until)
        return None

    def holds_event(self, conn, initiative_id: int, event_id: int, site_id: int,
                    columns: tuple[str, ...], content: tuple, retracts: int | None) -> bool:
        """Whether event ``event_id`` of this database is on ``site_id`` with ``content``
        in ``columns`` (and retracts ``retracts``): the row is that event."""
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        row = conn.exec_driver_sql(
            f"SELECT site_id, retracts, {', '.join(columns)} FROM events "
            f"WHERE initiative_id = {mark} AND id = {mark}", (initiative_id, event_id)).first()
        return (row is not None and row[0] == site_id and row[1] == retracts
                and tuple(row[2:]) == content)

    def retired_elsewhere(self, session: Session, key: str, written, on: dt.date) -> bool:
        """Whether a retirement row naming ``key``, recorded at ``written``, meant a site
        other than the one holding the name now (which is not retired on ``on``)."""
        then = self.then(key, written)
        if then is None:
            return False
        holder = session.get(Site, self.current[key])
        return holder.retired_on != on
