"""Plans are records of the one log: the plans table moves into events.

A plan becomes an events row of kind 'plan': its stage id in ``stage`` and
``checkpoint``, the day it was agreed in ``occurred_on``, the target date in the
new nullable ``due_on`` column, and its recorded_at, recorded_by, note and
idempotency key as they were (source 'cli').  Plans are copied in the order
they were recorded, so their new ids keep that order (they come after every
existing event).  Then the plans table goes.  A small partial index serves the
reads of plans and retractions.

Downgrade puts the plans that are in force back into a plans table and removes
the plan rows with every retraction standing on one (the old schema has no way
to hold them); retractions of retractions cannot be represented either and are
removed with what they restored, which is then counted as retracted again.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('started', 'done', 'blocked', 'reopened', 'rated', 'note', 'retract')"
NEW_KINDS = ("kind IN ('started', 'done', 'blocked', 'reopened', 'rated', 'note', "
             "'retract', 'plan')")
PARTIAL = "kind IN ('plan', 'retract')"


def _events_check(kinds: str) -> None:
    """Replace the CHECK on events.kind.  SQLite cannot alter a constraint, so batch
    mode copies the table.  The copy's foreign key (events.retracts) names the table
    being replaced, and dropping that table with foreign keys on would orphan every
    retraction of the copy (a violation SQLite reports at commit), so the retractions'
    targets are set aside while the table is copied and put back afterwards."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE TABLE _scaletrack_retracts AS "
                   "SELECT id, retracts FROM events WHERE retracts IS NOT NULL")
        op.execute("UPDATE events SET retracts = NULL WHERE retracts IS NOT NULL")
        with op.batch_alter_table("events", recreate="always") as batch:
            batch.drop_constraint("ck_events_kind", type_="check")
            batch.create_check_constraint("ck_events_kind", sa.text(kinds))
        op.execute("UPDATE events SET retracts = (SELECT s.retracts FROM _scaletrack_retracts s "
                   "WHERE s.id = events.id) WHERE id IN (SELECT id FROM _scaletrack_retracts)")
        op.execute("DROP TABLE _scaletrack_retracts")
    else:
        op.drop_constraint("ck_events_kind", "events", type_="check")
        op.create_check_constraint("ck_events_kind", "events", sa.text(kinds))


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("due_on", sa.Date(), nullable=True))
    _events_check(NEW_KINDS)
    op.execute(
        "INSERT INTO events (initiative_id, site_id, stage, checkpoint, kind, rating, "
        "occurred_on, recorded_at, recorded_by, note, evidence, retracts, source, "
        "idempotency_key, due_on) "
        "SELECT initiative_id, site_id, stage, stage, 'plan', NULL, set_on, recorded_at, "
        "recorded_by, note, NULL, NULL, 'cli', idempotency_key, due_on FROM plans "
        "ORDER BY id")
    op.drop_index("ix_plans_site_stage", table_name="plans")
    op.drop_table("plans")
    op.create_index("ix_events_plans_retractions", "events", ["initiative_id", "kind"],
                    sqlite_where=sa.text(PARTIAL), postgresql_where=sa.text(PARTIAL))


def _withdrawn(bind) -> tuple[set[int], dict[int, int]]:
    """(ids not in force, {retraction id: id it retracts}) over the whole table."""
    retracts = dict(bind.execute(sa.text(
        "SELECT id, retracts FROM events WHERE kind = 'retract' AND retracts IS NOT NULL")
    ).all())
    by_target = {target: rid for rid, target in retracts.items()}
    memo: dict[int, bool] = {}

    def in_force(record: int) -> bool:
        chain = []
        while record not in memo and record in by_target:
            chain.append(record)
            record = by_target[record]
        state = memo.get(record, True)  # the top of a chain is in force
        for below in reversed(chain):
            state = not state
            memo[below] = state
        return memo.get(chain[0], state) if chain else state

    return {r for r in set(retracts) | set(retracts.values()) if not in_force(r)}, retracts


def downgrade() -> None:
    bind = op.get_bind()
    op.drop_index("ix_events_plans_retractions", table_name="events")
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("initiative_id", sa.Integer(), sa.ForeignKey("initiatives.id"), nullable=False),
        sa.Column("site_id", sa.Integer(), sa.ForeignKey("sites.id"), nullable=False),
        sa.Column("stage", sa.String(100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("set_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.String(100), nullable=True, unique=True),
    )
    op.create_index("ix_plans_site_stage", "plans", ["initiative_id", "site_id", "stage"])
    withdrawn, retracts = _withdrawn(bind)
    plans = bind.execute(sa.text(
        "SELECT id, initiative_id, site_id, stage, due_on, occurred_on, recorded_at, "
        "recorded_by, note, idempotency_key FROM events WHERE kind = 'plan' ORDER BY id")).all()
    table = sa.table("plans", *(sa.column(c) for c in (
        "initiative_id", "site_id", "stage", "due_on", "set_on", "recorded_at", "recorded_by",
        "note", "idempotency_key")))
    kept = [dict(zip(("initiative_id", "site_id", "stage", "due_on", "set_on", "recorded_at",
                      "recorded_by", "note", "idempotency_key"), row[1:]))
            for row in plans if row[0] not in withdrawn]
    if kept:
        op.bulk_insert(table, kept)
    # every retraction standing (directly or through others) on a plan, top first;
    # and every retraction of a retraction, which the old schema cannot hold
    doomed = {row[0] for row in plans}
    grown = True
    while grown:
        above = {rid for rid, target in retracts.items() if target in doomed}
        grown = not above <= doomed
        doomed |= above
    doomed |= {rid for rid, target in retracts.items() if target in retracts}
    grown = True
    while grown:
        above = {rid for rid, target in retracts.items() if target in doomed}
        grown = not above <= doomed
        doomed |= above
    for record in sorted(doomed, reverse=True):
        bind.execute(sa.text("DELETE FROM events WHERE id = :id"), {"id": record})
    _events_check(OLD_KINDS)
    if bind.dialect.name == "sqlite":
        op.execute("ALTER TABLE events DROP COLUMN due_on")
    else:
        op.drop_column("events", "due_on")
