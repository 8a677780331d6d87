"""Which sites an import may create, and what it says about the others.

A typo in a spreadsheet ('Leds', 'Bradfrod') must not quietly become a site of
its own.  So an import creates a site only when the file declares it (a row of
kind ``site``, as every export has) or the user asks for it (``--add-sites``).
Any other name the database does not know is an unknown site: the import is
refused as a whole, and each unknown name is listed once, with the lines it is
on and the existing site it is closest to (the did-you-mean of ``log``).

Rows are checked as they stream past, and a file may declare a site after its
first event, so a site an event names is created at once and only judged at
the end: declared by then, it stands; still undeclared, the whole import is
rolled back.  Even with ``--add-sites``, a new name that looks like a mistyping
of an existing site (``rules.typo_of``) is refused; 'site add NAME --force'
first says it really is another site.
"""

from __future__ import annotations

import shlex

from sqlalchemy.orm import Session

from tracker.errors import closest
from tracker.rules import typo_of
from tracker.store.queries import name_key
from tracker.store.schema import Site, SiteChange

SHOWN_LINES = 10


class SiteLedger:
    """The sites an import made from event, plan or retirement rows, and where."""

    def __init__(self, existing: list[str], add_sites: bool):
        self.existing = existing  # the initiative's sites (not merged) before the import
        self.add_sites = add_sites
        # key -> [name, the first lines, how many lines]: memory stays flat
        self.unknown: dict[str, list] = {}
        self.merged_warned: set[str] = set()

    def created(self, key: str, name: str, line: int) -> None:
        """A row named a site that neither the database nor the file (so far) declares."""
        self.unknown[key] = [name, [line], 1]

    def seen(self, key: str, line: int) -> None:
        """Another row names a site: note its line if the site is so far unknown."""
        found = self.unknown.get(key)
        if found is not None:
            found[2] += 1
            if len(found[1]) < SHOWN_LINES:
                found[1].append(line)

    def declared(self, key: str) -> bool:
        """A ``site`` row for ``key``: True if the site was made earlier from a row that
        named it (the caller then gives it the row's region and joined date)."""
        return self.unknown.pop(key, None) is not None

    def problems(self) -> list[tuple[int, str]]:
        """(first line, problem) for each site the import may not create."""
        found = []
        for name, lines, count in self.unknown.values():
            where = _lines(lines, count)
            if not self.add_sites:
                close = closest(name, self.existing, n=1)
                near = (f"closest existing site: '{close[0]}'" if close else
                        "no existing site is close to it" if self.existing else
                        "the initiative has no sites yet")
                found.append((lines[0], f"unknown site '{name}' on {where} ({near}); "
                              f"add it first (scaletrack site add {shlex.quote(name)}), give "
                              "it a row of kind site in the file, or import with --add-sites"))
                continue
            typo = typo_of(name, self.existing)
            if typo is not None:
                found.append((lines[0], f"new site '{name}' (on {where}) looks like a "
                              f"mistyping of the site '{typo}': correct the file, or if it "
                              "really is another site add it first with "
                              f"scaletrack site add {shlex.quote(name)} --force"))
        return found


def _lines(lines: list[int], count: int) -> str:
    if count > len(lines):
        return f"lines {', '.join(map(str, lines))} and {count - len(lines)} more"
    if count == 1:
        return f"line {lines[0]}"
    return f"lines {', '.join(map(str, lines[:-1]))} and {lines[-1]}"


def merged_warning(name: str, into: str) -> str:
    return (f"site '{name}' was merged into '{into}': its rows are recorded under "
            f"'{name}' and count for '{into}'")


def apply_merges(session: Session, initiative_id: int, merges: list,
                 site_ids: dict[str, int], result) -> list[tuple[int, str]]:
    """Make the file's merges (rows of kind 'merged'), in file order, as ``site merge``
    makes them; a merge already recorded is passed over.  Returns (line, problem) for
    those that cannot be made; once there is any problem nothing more is written."""
    problems: list[tuple[int, str]] = []
    for line, (_, name, into, on, recorded, by) in merges:
        src_id, dst_id = site_ids.get(name_key(name)), site_ids.get(name_key(into))
        missing = [n for n, sid in ((name, src_id), (into, dst_id)) if sid is None]
        if missing:
            problems.append((line, f"site '{missing[0]}' of this merge is neither in the "
                                   "initiative nor in a row of kind site of the file"))
            continue
        if src_id == dst_id:
            problems.append((line, f"site '{name}' cannot be merged into itself"))
            continue
        src, dst = session.get(Site, src_id), session.get(Site, dst_id)
        if src.merged_into == dst_id:
            continue  # the same merge, imported again
        if src.merged_into is not None:
            problems.append((line, f"site '{src.name}' is already merged into "
                                   f"'{session.get(Site, src.merged_into).name}'"))
            continue
        if dst.merged_into is not None:
            problems.append((line, f"site '{dst.name}' is itself merged into "
                                   f"'{session.get(Site, dst.merged_into).name}'"))
            continue
        if problems or result.problem_count:
            continue  # keep checking, stop writing
        src.merged_into = dst_id
        session.add(SiteChange(initiative_id=initiative_id, site_id=src_id,
                               field="merged_into", new_value=dst.name, effective_on=on,
                               recorded_at=recorded, recorded_by=by, into_site_id=dst_id,
                               idempotency_key=f"import-merged:{src_id}:{dst_id}:"
                                               f"{recorded.isoformat()}"[:100]))
        session.flush()
        result.merged_sites.append(f"{src.name} into {dst.name}")
    return problems
