"""``returns import``: filled returns checked, then written in one transaction.

Every file is read and checked first (``checking``); if any has a problem,
nothing is written and every problem is listed.  Otherwise the records of all
the files go through the same path as ``events import`` (one JSON Lines file
of rows in the documented columns, imported by ``exchange.import_file``), so
they are written in one transaction, with the same rules, and with its
idempotency: a row's key is a digest of what it says (site, checkpoint,
status or rating, date, note, evidence; not who filled the return in, so a
return sent again with its name box filled in is still the same return), so
the same return imported twice adds nothing the second time.  A problem that only that
path finds (a line of the JSON Lines file) is reported at its cell.

The initiative is the one named with ``-i``; without it, the one the first
return was made for (found by uid), or the only one in the database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tracker.errors import BadInput
from tracker.returns.checking import Checked, Context, check_return
from tracker.returns.reading import read_return, return_files
from tracker.store import Store
from tracker.store.identity import (framework_named, initiative_by_uid, initiative_named,
                                    initiative_uids, sites_of)

MAX_SHOWN = 100
_LINE = re.compile(r"^line (\d+): (.*)$", re.S)


class ReturnProblems(BadInput):
    """Every problem found in the returns; nothing was imported."""

    def __init__(self, problems: list[str], files: int):
        shown = problems[:MAX_SHOWN]
        more = (f"\n... and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN
                else "")
        super().__init__(f"{len(problems)} problem(s) in {files} return(s); nothing was "
                         "imported:\n" + "\n".join(shown) + more)
        self.problems = problems


@dataclass
class SiteSummary:
    site: str
    file: str
    recorded: list[str] = field(default_factory=list)
    by: str = ""  # the name on the cover


@dataclass
class ReturnsImported:
    initiative: str
    summaries: list[SiteSummary]
    warnings: list[str]
    events_added: int = 0
    events_already: int = 0
    plans_added: int = 0
    plans_already: int = 0
    dry_run: bool = False


def _target(store: Store, initiative_name: str | None, files) -> tuple:
    if initiative_name:
        return initiative_named(store, initiative_name)
    for f in files:
        uid = f.identity.get("initiative_uid")
        if not f.problem and uid:
            found = initiative_by_uid(store, uid)
            if found is not None:
                return found
    return initiative_named(store, None)


def import_returns(store: Store, initiative_name: str | None, paths: list[str],
                   dry_run: bool = False, today: dt.date | None = None) -> ReturnsImported:
    today = today or dt.date.today()
    files = [read_return(p) for p in return_files(paths)]
    initiative = _target(store, initiative_name, files)
    others = {uid: name for uid, name in initiative_uids(store).items()
              if uid != initiative.uid}
    ctx = Context(initiative, framework_named(store, initiative.id),
                  sites_of(store, initiative.id), others, today)
    checked: list[Checked] = [check_return(f, ctx) for f in files]
    problems = [p for c in checked for p in c.problems]
    if problems:
        raise ReturnProblems(problems, len(files))
    warnings = [w for c in checked for w in c.warnings]
    summaries = [SiteSummary(c.site.name, c.file.path.name, [r.summary for r in c.records],
                             c.file.name) for c in checked]
    records = [r for c in checked for r in c.records]
    result = ReturnsImported(initiative.name, summaries, warnings, dry_run=dry_run)
    if not records:
        return result
    written = _write(store, initiative.name, records, dry_run, today)
    result.warnings += [_located(line, records) for line in written.warning_lines()]
    result.events_added, result.events_already = written.added, written.already
    result.plans_added = written.plans_added
    result.plans_already = written.plans - written.plans_added
    return result


def _write(store: Store, initiative: str, records, dry_run: bool, today: dt.date):
    from tracker.exchange import ImportProblems, import_file

    with tempfile.TemporaryDirectory(prefix="scaletrack-returns-") as folder:
        path = Path(folder) / "returns.jsonl"
        with path.open("w", encoding="utf-8") as out:
            for r in records:
                out.write(json.dumps(r.values, ensure_ascii=False) + "\n")
        try:
            # the name on the cover is recorded but not part of the duplicate check
            return import_file(store, initiative, path, dry_run, today=today,
                               recorder_in_key=False)
        except ImportProblems as exc:
            raise ReturnProblems([_located(p, records) for p in exc.problems],
                                 len({r.where.split(",")[0] for r in records})) from None


def _located(text: str, records) -> str:
    """'line 3: ...' of the JSON Lines file as the cell it came from."""
    m = _LINE.match(text)
    if not m or not 1 <= int(m.group(1)) <= len(records):
        return text
    return f"{records[int(m.group(1)) - 1].where}: {m.group(2)}"
