"""Initial schema: pinned frameworks, initiatives, sites and the event log.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "frameworks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("framework_id", sa.String(100), nullable=False),
        sa.Column("version", sa.String(20), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("pinned_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("framework_id", "version", "content_hash",
                            name="uq_frameworks_version_hash"),
    )
    op.create_table(
        "initiatives",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False, unique=True),
        sa.Column("framework_pk", sa.Integer(), sa.ForeignKey("frameworks.id"), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("initiative_id", sa.Integer(), sa.ForeignKey("initiatives.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("name_key", sa.String(200), nullable=False),
        sa.Column("region", sa.String(200), nullable=True),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("initiative_id", "name_key", name="uq_sites_name"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("initiative_id", sa.Integer(), sa.ForeignKey("initiatives.id"), nullable=False),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("stage", sa.String(100), nullable=False),
        sa.Column("checkpoint", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("rating", sa.String(100), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("retracts", sa.Integer(), sa.ForeignKey("events.id"), nullable=True,
                  unique=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=True, unique=True),
        sa.CheckConstraint("kind IN ('started', 'done', 'blocked', 'reopened', 'rated', "
                           "'note', 'retract')", name="ck_events_kind"),
    )
    op.create_index("ix_events_site_checkpoint", "events",
                    ["initiative_id", "site_id", "checkpoint", "occurred_on", "kind", "rating"])


def downgrade() -> None:
    op.drop_index("ix_events_site_checkpoint", table_name="events")
    op.drop_table("events")
    op.drop_table("sites")
    op.drop_table("initiatives")
    op.drop_table("frameworks")
