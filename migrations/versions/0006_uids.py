"""Stable identifiers: a UUID for each initiative and each site.

A name is what people call an initiative or a site, and it can change (a
rename) or be given again elsewhere (another database holding an initiative
of the same name).  A quarterly return names the initiative and site it was
made for by these identifiers, so that it cannot be imported into another
initiative, or as another site, and still imports after the data have been
exported and imported again (moving from SQLite to PostgreSQL), which carries
the identifiers with them.

Existing rows get a fresh identifier each.  The columns stay nullable in the
database (making them NOT NULL would copy the tables on SQLite, which the
foreign keys pointing at them forbid); every row scaletrack writes has one.

Revision ID: 0006
Revises: 0003
Create Date: 2026-12-04
"""
import uuid

from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _backfill(table: str) -> None:
    conn = op.get_bind()
    ids = [row[0] for row in conn.execute(sa.text(f"SELECT id FROM {table} WHERE uid IS NULL"))]
    if ids:
        conn.execute(sa.text(f"UPDATE {table} SET uid = :uid WHERE id = :id"),
                     [{"uid": str(uuid.uuid4()), "id": i} for i in ids])


def upgrade() -> None:
    # Adding a nullable column needs no copy of the table, on SQLite either.
    with op.batch_alter_table("initiatives") as batch:
        batch.add_column(sa.Column("uid", sa.String(36), nullable=True))
    with op.batch_alter_table("sites") as batch:
        batch.add_column(sa.Column("uid", sa.String(36), nullable=True))
    _backfill("initiatives")
    _backfill("sites")
    op.create_index("ix_initiatives_uid", "initiatives", ["uid"], unique=True)
    op.create_index("ix_sites_uid", "sites", ["initiative_id", "uid"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_sites_uid", table_name="sites")
    op.drop_index("ix_initiatives_uid", table_name="initiatives")
    for table in ("sites", "initiatives"):
        if op.get_bind().dialect.name == "sqlite":
            # SQLite (3.35 and later) drops a column in place; batch mode would copy the
            # table and drop the original, which the foreign keys forbid.
            op.execute(f"ALTER TABLE {table} DROP COLUMN uid")
        else:
            op.drop_column(table, "uid")
