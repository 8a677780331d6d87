"""The tables, as SQLAlchemy ORM classes.

Append-only at heart: an event is never updated or deleted; a mistake is
corrected by a ``retract`` event pointing at it.  ``events.retracts`` is
unique, so the database itself refuses a second retraction of one event even
when two people try at the same moment.  Unique ``idempotency_key`` columns
make a retried write (after a lost connection, a serialisation failure or an
import run twice) a no-op instead of a duplicate.

``SCHEMA_HEAD`` names the newest migration; a test checks it against Alembic
so commands can check a database's schema without importing Alembic.
"""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer,
                        String, Text, UniqueConstraint, text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tracker.limits import LIMITS as _MAX
from tracker.rules import EVENT_KINDS, STATUS_KINDS  # noqa: F401  (the rule lives there)

SCHEMA_HEAD = "0006"


def utcnow() -> dt.datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


def new_uid() -> str:
    """A stable identifier for an initiative or a site: a random UUID, as text.

    Names change and repeat across databases; the uid does neither, and export and
    import carry it, so a quarterly return finds its initiative and site by it."""
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    pass


class FrameworkSnapshot(Base):
    """A framework definition as pinned when an initiative was created."""

    __tablename__ = "frameworks"
    __table_args__ = (UniqueConstraint("framework_id", "version", "content_hash",
                                       name="uq_frameworks_version_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(_MAX["framework_id"]))
    version: Mapped[str] = mapped_column(String(_MAX["version"]))
    content_hash: Mapped[str] = mapped_column(String(_MAX["content_hash"]))
    definition: Mapped[str] = mapped_column(Text)
    pinned_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Initiative(Base):
    __tablename__ = "initiatives"
    __table_args__ = (Index("ix_initiatives_uid", "uid", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(_MAX["name"]))
    name_key: Mapped[str] = mapped_column(String(_MAX["name"]), unique=True)
    framework_pk: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Nullable only in the database (migration 0006); every row written has one.
    uid: Mapped[str | None] = mapped_column(String(_MAX["uid"]), nullable=True, default=new_uid)
    # Made by 'scaletrack demo', which may replace it; no other initiative is ever touched.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class InitiativeChange(Base):
    """One change to an initiative: a rename, with the old and the new name."""

    __tablename__ = "initiative_changes"
    __table_args__ = (
        CheckConstraint("field IN ('name')", name="ck_initiative_changes_field"),
        Index("ix_initiative_changes_initiative", "initiative_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"))
    field: Mapped[str] = mapped_column(String(_MAX["change_field"]))
    old_value: Mapped[str | None] = mapped_column(String(_MAX["name"]), nullable=True)
    new_value: Mapped[str | None] = mapped_column(String(_MAX["name"]), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(_MAX["recorded_by"]))


class Site(Base):
    """A place adopting the initiative.

    ``name``, ``region``, ``joined_on`` and ``retired_on`` hold the site as it is now;
    every change to them is also a ``SiteChange`` row with the old and new value, so
    nothing is overwritten without a trace.  ``retired_on`` is stored, not derived
    from the changes, so that every analysis leaves retired sites out with a plain
    condition on this table (``queries.sites``).
    """

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("initiative_id", "name_key", name="uq_sites_name"),
                      Index("ix_sites_uid", "initiative_id", "uid", unique=True))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"))
    name: Mapped[str] = mapped_column(String(_MAX["name"]))
    name_key: Mapped[str] = mapped_column(String(_MAX["name"]))
    region: Mapped[str | None] = mapped_column(String(_MAX["region"]), nullable=True)
    joined_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # From this date on the site is counted in no analysis and takes no new events.
    retired_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # The site's stable identifier (see ``new_uid``), unique within its initiative.
    uid: Mapped[str | None] = mapped_column(String(_MAX["uid"]), nullable=True, default=new_uid)
    # The site this one was merged into (a typo site into the real one): its events,
    # plans and ratings count as that site's, and it appears nowhere else.  Its own
    # rows are never changed, so clearing this undoes the merge (``store.merging``).
    merged_into: Mapped[int | None] = mapped_column(Integer, nullable=True)


SITE_FIELDS = ("name", "region", "joined_on", "retired_on", "merged_into")


class SiteChange(Base):
    """One change to a site: a rename, a new region or joined date, a retirement, a merge.

    Values are kept as text (dates in ISO form); ``effective_on`` is the date the
    change takes effect (the day of a rename, the retirement date).
    """

    __tablename__ = "site_changes"
    __table_args__ = (
        CheckConstraint("field IN ('name', 'region', 'joined_on', 'retired_on', "
                        "'merged_into')",
                        name="ck_site_changes_field"),
        Index("ix_site_changes_site", "initiative_id", "site_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    field: Mapped[str] = mapped_column(String(_MAX["change_field"]))
    old_value: Mapped[str | None] = mapped_column(String(_MAX["name"]), nullable=True)
    new_value: Mapped[str | None] = mapped_column(String(_MAX["name"]), nullable=True)
    effective_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(_MAX["recorded_by"]))
    idempotency_key: Mapped[str | None] = mapped_column(String(_MAX["idempotency_key"]),
                                                        nullable=True, unique=True)
    # For a merge (field 'merged_into'), the site merged into: its history shows it too.
    into_site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", name="fk_site_changes_into_site_id"), nullable=True)


class Event(Base):
    """One record of the log: an event about a checkpoint, a plan or a retraction.

    A plan (kind ``plan``) is a record like any other, so that it shares the one id
    space, can be listed and retracted: its stage id is in ``stage`` and ``checkpoint``,
    ``occurred_on`` is the day it was agreed and ``due_on`` the target date (``due_on``
    is empty on every other kind).  A retraction (kind ``retract``) points at the
    record it withdraws with ``retracts``; a retraction can itself be retracted, which
    makes what it retracted count again (``store.records.withdrawn_ids``).
    """

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("kind IN ('started', 'done', 'blocked', 'reopened', 'rated', "
                        "'note', 'retract', 'plan')", name="ck_events_kind"),
        # Covers the analyses' one ordered scan, so it never touches the table itself.
        Index("ix_events_site_checkpoint", "initiative_id", "site_id", "checkpoint",
              "occurred_on", "kind", "rating"),
        # Plans and retractions are a few per cent of the log; analyses read them apart.
        Index("ix_events_plans_retractions", "initiative_id", "kind",
              sqlite_where=text("kind IN ('plan', 'retract')"),
              postgresql_where=text("kind IN ('plan', 'retract')")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    stage: Mapped[str] = mapped_column(String(_MAX["stage"]))
    checkpoint: Mapped[str] = mapped_column(String(_MAX["checkpoint"]))
    kind: Mapped[str] = mapped_column(String(_MAX["kind"]))
    rating: Mapped[str | None] = mapped_column(String(_MAX["rating"]), nullable=True)
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(_MAX["recorded_by"]))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    retracts: Mapped[int | None] = mapped_column(ForeignKey("events.id"), nullable=True,
                                                 unique=True)
    source: Mapped[str] = mapped_column(String(_MAX["source"]), default="cli")
    idempotency_key: Mapped[str | None] = mapped_column(String(_MAX["idempotency_key"]),
                                                        nullable=True, unique=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
