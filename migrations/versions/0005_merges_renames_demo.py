"""Site merges, initiative renames and the demo mark.

- ``sites.merged_into``: a site merged into another (a typo site such as 'Leds'
  merged into 'Leeds') keeps its row and its events; analyses read its records
  as the other site's.  Clearing it undoes the merge.
- ``site_changes.into_site_id`` and the field ``merged_into``: the merge (and its
  undoing) recorded as a site change, found from either site.
- ``initiative_changes``: an initiative's renames, old and new name, who and when,
  so that an old name is answered with the new one.
- ``initiatives.is_demo``: the initiative ``scaletrack demo`` made, which a later
  demo may replace; nothing else is ever recognised as a demo.

Revision ID: 0005
Revises: 0003
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD_FIELDS = "field IN ('name', 'region', 'joined_on', 'retired_on')"
NEW_FIELDS = "field IN ('name', 'region', 'joined_on', 'retired_on', 'merged_into')"


def _into_site() -> sa.Column:
    return sa.Column("into_site_id", sa.Integer(),
                     sa.ForeignKey("sites.id", name="fk_site_changes_into_site_id"),
                     nullable=True)


def _site_changes(check: str, with_into: bool) -> sa.Table:
    """site_changes as it is before or after this revision, for SQLite's table copy."""
    columns = [
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
    ]
    if with_into:
        columns.append(_into_site())
    return sa.Table("site_changes", sa.MetaData(), *columns,
                    sa.CheckConstraint(check, name="ck_site_changes_field"),
                    sa.Index("ix_site_changes_site", "initiative_id", "site_id"))


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    # Nullable columns, and a default given as plain text: SQLite adds them in place
    # (a copy of sites or initiatives would be refused by the tables that point at them).
    with op.batch_alter_table("sites") as batch:
        # No foreign key: SQLite could not drop the column again on a downgrade.
        batch.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
    with op.batch_alter_table("initiatives") as batch:
        batch.add_column(sa.Column("is_demo", sa.Boolean(), nullable=False,
                                   server_default="0"))
    if sqlite:  # a CHECK constraint changes only with a copy; nothing points at site_changes
        with op.batch_alter_table("site_changes", recreate="always",
                                  copy_from=_site_changes(OLD_FIELDS, False)) as batch:
            batch.drop_constraint("ck_site_changes_field", type_="check")
            batch.add_column(_into_site())
            batch.create_check_constraint("ck_site_changes_field", NEW_FIELDS)
    else:
        op.drop_constraint("ck_site_changes_field", "site_changes", type_="check")
        op.create_check_constraint("ck_site_changes_field", "site_changes", NEW_FIELDS)
        op.add_column("site_changes", _into_site())
    op.create_table(
        "initiative_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("initiative_id", sa.Integer(), sa.ForeignKey("initiatives.id"),
                  nullable=False),
        sa.Column("field", sa.String(20), nullable=False),
        sa.Column("old_value", sa.String(200), nullable=True),
        sa.Column("new_value", sa.String(200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.CheckConstraint("field IN ('name')", name="ck_initiative_changes_field"),
    )
    op.create_index("ix_initiative_changes_initiative", "initiative_changes",
                    ["initiative_id"])


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.drop_index("ix_initiative_changes_initiative", table_name="initiative_changes")
    op.drop_table("initiative_changes")
    # Merges and their undoing leave the log with the schema that knew them.
    op.execute("DELETE FROM site_changes WHERE field = 'merged_into'")
    if sqlite:
        with op.batch_alter_table("site_changes", recreate="always",
                                  copy_from=_site_changes(NEW_FIELDS, True)) as batch:
            batch.drop_column("into_site_id")
            batch.drop_constraint("ck_site_changes_field", type_="check")
            batch.create_check_constraint("ck_site_changes_field", OLD_FIELDS)
        # SQLite (3.35 and later) drops a column in place; see 0003.
        op.execute("ALTER TABLE initiatives DROP COLUMN is_demo")
        op.execute("ALTER TABLE sites DROP COLUMN merged_into")
    else:
        op.drop_column("site_changes", "into_site_id")
        op.drop_constraint("ck_site_changes_field", "site_changes", type_="check")
        op.create_check_constraint("ck_site_changes_field", "site_changes", OLD_FIELDS)
        op.drop_column("initiatives", "is_demo")
        op.drop_column("sites", "merged_into")
