"""One exception family for everything scaletrack reports to a user.

The library raises these; the command line turns them into a one-line message
and an exit code in exactly one place (``tracker.cli.app``).  ``BadInput`` and
its children are mistakes in what the user typed (exit 2); everything else is a
failure the user did not directly cause (exit 1).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class TrackerError(Exception):
    """Base of every error scaletrack means to show to a user."""

    exit_code = 1


class BadInput(TrackerError):
    """The user asked for something that does not exist or is malformed."""

    exit_code = 2


class UnknownName(BadInput):
    """A name or id that is not known; the message lists the closest ones."""

    def __init__(self, what: str, name: str, known: Iterable[str], hint: str = ""):
        known = list(known)
        self.what, self.name, self.known = what, name, known
        message = f"unknown {what} '{name}'"
        close = closest(name, known)
        if close:
            message += f"; did you mean {_or_list(close)}?"
        elif known:
            shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            message += f"; known {what}s: {shown}"
        else:
            message += f"; there are no {what}s yet"
        if hint:
            message += f" ({hint})"
        super().__init__(message)


class Conflict(BadInput):
    """The request clashes with what is already recorded (a duplicate name...)."""


class DatabaseError(TrackerError):
    """The database cannot be opened, created or written."""


class SchemaOutOfDate(DatabaseError):
    """The database was made by another version of scaletrack."""


class NewerSchema(SchemaOutOfDate):
    """The database was made by a newer scaletrack: upgrading scaletrack is what helps."""


class NoDatabase(BadInput):
    """No scaletrack database at the place named (a mistyped --db, or none made yet)."""


class ReadOnlyDatabase(DatabaseError):
    """The database can be read but not written by this user."""


def closest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names most like ``name``, compared case-insensitively."""
    by_key = {k.casefold(): k for k in known}
    hits = difflib.get_close_matches(name.casefold(), list(by_key), n=n, cutoff=0.5)
    return [by_key[h] for h in hits]


def _or_list(items: list[str]) -> str:
    quoted = [f"'{i}'" for i in items]
    if len(quoted) == 1:
        return quoted[0]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


class OutputError(TrackerError):
    """A file (or standard output) could not be written whole; nothing half-written is left."""


class OutputRefused(BadInput):
    """An output path scaletrack will not write: the open database, a link, a folder."""
