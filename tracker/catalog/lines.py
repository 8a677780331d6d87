"""Where things are in a framework file, so that every problem names its line.

tomllib gives no positions for values, so problems are located by reading the
table headers (``[[stages]]``, ``[[stages.checkpoints]]``, ``[references.x]``)
and top-level keys, which is how every catalogue file is written.
"""

from __future__ import annotations

import re


class Lines:
    """The line of each ``[[stages]]``/``[[stages.checkpoints]]`` table, and more."""

    HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z_]+)(?:\.([A-Za-z_]+))?\s*\]\]")
    TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\-\"']+)\s*\]\s*(#.*)?$")

    def __init__(self, text: str):
        self.groups: dict[tuple[str, int], int] = {}
        self.items: dict[tuple[str, int, int], int] = {}
        self.keys: dict[str, int] = {}
        self.tables: dict[str, int] = {}
        self.table_keys: dict[tuple[str, str], int] = {}  # (table, key) -> line
        table = None
        counts: dict[str, int] = {}
        sub: dict[str, int] = {}
        in_table = False
        for number, line in enumerate(text.splitlines(), start=1):
            m = self.HEADER.match(line)
            if m:
                in_table, table = True, None
                outer, inner = m.group(1), m.group(2)
                if inner is None:
                    counts[outer] = counts.get(outer, -1) + 1
                    sub[outer] = -1
                    self.groups[(outer, counts[outer])] = number
                else:
                    sub[outer] = sub.get(outer, -1) + 1
                    self.items[(outer, counts.get(outer, 0), sub[outer])] = number
                continue
            t = self.TABLE.match(line)
            if t:
                table = t.group(1).replace('"', "").replace("'", "")
                self.tables.setdefault(table, number)
            if line.lstrip().startswith("["):
                in_table = True
            km = re.match(r"^([A-Za-z_]+)\s*=", line)
            if km and not in_table:
                self.keys.setdefault(km.group(1), number)
            elif km and table is not None:
                self.table_keys.setdefault((table, km.group(1)), number)

    def group(self, name: str, i: int) -> int | None:
        return self.groups.get((name, i))

    def item(self, name: str, i: int, j: int) -> int | None:
        return self.items.get((name, i, j)) or self.groups.get((name, i))

    def table(self, dotted: str) -> int | None:
        return self.tables.get(dotted)

    def key_in(self, table: str, key: str) -> int | None:
        """The line of ``key = ...`` inside ``[table]`` (else the table's own line)."""
        return self.table_keys.get((table, key)) or self.tables.get(table)
