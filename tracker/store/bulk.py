"""Settings for one long write that adds many events: an import.

SQLite keeps every index up to date row by row.  For the analyses' covering
index (``ix_events_site_checkpoint``) a file's rows land all over the index,
and once it outgrows the page cache that costs a page write per row.  So a
large import into SQLite raises the page cache while it runs and, once it has
added more rows than the table held before (and at least ``DEFER_AFTER``),
drops that index and builds it again at the end in one sort: the usual advice
for bulk loading into SQLite and PostgreSQL alike.  For a million events into
an empty database this saves about 1.5 s of 15 (``benchmarks/bench_import.py``).

The drop and the rebuild happen inside the import's own transaction, so other
connections never see the table without its index, and an import that fails,
or is killed, rolls both back with everything else.

At the end of an import the planner's statistics are brought up to date
(``analyze``), in the same transaction: right after a large import into a new
PostgreSQL database autovacuum has not run yet, the planner takes the events
table for a few rows, and the analyses' queries can become nested loops over
the whole table.  SQLite's ``ANALYZE`` is limited to a sample of each index so
that it stays quick on a large database.  The unique indexes stay:
they are what make an import idempotent.  PostgreSQL is left as it is: a
dropped index there would lock out readers for the length of the import.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from tracker.store.schema import Event

DEFER_AFTER = 250_000
CACHE_KIB = 65_536
ANALYSIS_LIMIT = 1000  # rows of each index SQLite's ANALYZE samples
ANALYZED = ("events", "sites")
COVERING = next(ix for ix in Event.__table__.indexes if ix.name == "ix_events_site_checkpoint")


class BulkLoad:
    """Call ``added(n)`` after each batch and ``finish()`` before reading the table."""

    def __init__(self, conn: Connection):
        self.conn = conn
        self.active = conn.dialect.name == "sqlite"
        self.deferred = False
        self.count = 0
        if self.active:
            self.cache = conn.exec_driver_sql("PRAGMA cache_size").scalar()
            conn.exec_driver_sql(f"PRAGMA cache_size = -{CACHE_KIB}")
            held = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM events").scalar()
            self.defer_after = max(DEFER_AFTER, held)

    def added(self, n: int) -> None:
        self.count += n
        if self.active and not self.deferred and self.count >= self.defer_after:
            COVERING.drop(self.conn)
            self.deferred = True

    def finish(self, rebuild: bool = True) -> None:
        """Build the covering index again if it was dropped (not needed when the
        transaction will be rolled back); restore the page cache."""
        if not self.active:
            return
        # Restored first: the sort that builds the index takes memory in proportion
        # to the page cache, and with the large one would add a cache's worth again.
        self.conn.exec_driver_sql(f"PRAGMA cache_size = {self.cache}")
        if self.deferred and rebuild:
            COVERING.create(self.conn)
            self.deferred = False
        self.active = False

    def analyze(self) -> None:
        """Update the planner's statistics of the tables an import writes."""
        if self.conn.dialect.name == "postgresql":
            self.conn.exec_driver_sql(f"ANALYZE {', '.join(ANALYZED)}")
        elif self.conn.dialect.name == "sqlite":
            self.conn.exec_driver_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
            for table in ANALYZED:
                self.conn.exec_driver_sql(f"ANALYZE {table}")
