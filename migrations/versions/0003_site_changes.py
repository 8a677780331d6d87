"""Site changes: renames, edits and retirements, each recorded with its old and new value.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "site_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("initiative_id", sa.Integer(), sa.ForeignKey("initiatives.id"), nullable=False),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("old_value", sa.String(200), nullable=True),
        sa.Column("new_value", sa.String(200), nullable=True),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("idempotency_key", sa.String(100), nullable=True, unique=True),
        sa.CheckConstraint("field IN ('name', 'region', 'joined_on', 'retired_on')",
                           name="ck_site_changes_field"),
    )
    op.create_index("ix_site_changes_site", "site_changes", ["initiative_id", "site_id"])
    # Adding a nullable column needs no copy of the table, on SQLite either.
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("retired_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_site_changes_site", table_name="site_changes")
    op.drop_table("site_changes")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite (3.35 and later) drops a column in place; batch mode would copy the table
        # and drop the original, which the events' and plans' foreign keys forbid.
        op.execute("ALTER TABLE sites DROP COLUMN retired_on")
    else:
        op.drop_column("sites", "retired_on")
