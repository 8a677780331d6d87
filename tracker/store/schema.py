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

from sqlalchemy import (Boolean, CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from tracker.rules import EVENT_KINDS, STATUS_KINDS  # noqa: F401  (the rule lives there)

SCHEMA_HEAD = "0005"


def utcnow() -> dt.datetime:
    """Naive UTC: stored the same way on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    pass


class FrameworkSnapshot(Base):
    """A framework definition as pinned when an initiative was created."""

    __tablename__ = "frameworks"
    __table_args__ = (UniqueConstraint("framework_id", "version", "content_hash",
                                       name="uq_frameworks_version_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[str] = mapped_column(String(20))
    content_hash: Mapped[str] = mapped_column(String(64))
    definition: Mapped[str] = mapped_column(Text)
    pinned_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Initiative(Base):
    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    framework_pk: Mapped[int] = mapped_column(ForeignKey("frameworks.id"))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    started_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
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
    field: Mapped[str] = mapped_column(String(20))
    old_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    new_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))


class Site(Base):
    """A place adopting the initiative.

    ``name``, ``region``, ``joined_on`` and ``retired_on`` hold the site as it is now;
    every change to them is also a ``SiteChange`` row with the old and new value, so
    nothing is overwritten without a trace.  ``retired_on`` is stored, not derived
    from the changes, so that every analysis leaves retired sites out with a plain
    condition on this table (``queries.sites``).
    """

    __tablename__ = "sites"
    __table_args__ = (UniqueConstraint("initiative_id", "name_key", name="uq_sites_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200), nullable=True)
    joined_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # From this date on the site is counted in no analysis and takes no new events.
    retired_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
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
    field: Mapped[str] = mapped_column(String(20))
    old_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    new_value: Mapped[str | None] = mapped_column(String(200), nullable=True)
    effective_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str | None] = mapped_column(String(100), nullable=True,
                                                        unique=True)
    # For a merge (field 'merged_into'), the site merged into: its history shows it too.
    into_site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", name="fk_site_changes_into_site_id"), nullable=True)


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("kind IN ('started', 'done', 'blocked', 'reopened', 'rated', "
                        "'note', 'retract')", name="ck_events_kind"),
        # Covers the analyses' one ordered scan, so it never touches the table itself.
        Index("ix_events_site_checkpoint", "initiative_id", "site_id", "checkpoint",
              "occurred_on", "kind", "rating"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    stage: Mapped[str] = mapped_column(String(100))
    checkpoint: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    rating: Mapped[str | None] = mapped_column(String(100), nullable=True)
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    retracts: Mapped[int | None] = mapped_column(ForeignKey("events.id"), nullable=True,
                                                 unique=True)
    source: Mapped[str] = mapped_column(String(200), default="cli")
    idempotency_key: Mapped[str | None] = mapped_column(String(100), nullable=True,
                                                        unique=True)


class Plan(Base):
    """A target date for a site to complete a stage; a later plan supersedes."""

    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_site_stage", "initiative_id", "site_id", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    stage: Mapped[str] = mapped_column(String(100))
    due_on: Mapped[dt.date] = mapped_column(Date)
    set_on: Mapped[dt.date] = mapped_column(Date)
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100), nullable=True,
                                                        unique=True)
