"""What an event may say, written once for every way in: ``log``, the write path, import.

A checkpoint is either ticked (it takes a status: started, done, blocked,
reopened) or rated (it takes one level of its scale); either kind also takes a
free-text note.  Levels and statuses are matched ignoring case, so
``--rating AMBER`` and a spreadsheet cell ``AMBER`` both record ``amber``.
Names (of initiatives and sites) are read as people read them: NFC-normalised
(an "ô" typed as "o" plus a combining accent is the one letter), stripped of
characters that show nothing (zero-width spaces and joiners, the byte order
mark, bidirectional marks and overrides), trimmed, one space between words, and
refused when empty, longer than the database holds or holding control characters.

Nothing here touches the database (no SQLAlchemy), so the command line can
take its choices from it and a second process can check a file's rows with it.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Sequence

from tracker.errors import BadInput
from tracker.limits import LIMITS

STATUS_KINDS = ("started", "done", "blocked", "reopened")
LOG_STATUSES = STATUS_KINDS + ("note",)
EVENT_KINDS = STATUS_KINDS + ("rated", "note", "retract")
NAME_LIMIT = LIMITS["name"]

# How each way in names the two choices, for the messages that say which one to use.
OPTIONS = {"status": "--status", "rating": "--rating", "default": "no option for done"}
COLUMNS = {"status": "status", "rating": "rating", "default": "an empty status for done"}


# Characters a reader cannot see: zero-width space, non-joiner, joiner, word joiner,
# byte order mark, and the bidirectional marks, embeddings, overrides and isolates.
# Typed or pasted into a name, they make a second site that looks like the first.
INVISIBLE = dict.fromkeys((0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF,
                           0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F),
                           *range(0x2066, 0x206A)))


def plain_name(value: str) -> str:
    """A name as people read it: invisible characters removed, NFC-normalised, one
    space between words.  Every way a name comes in goes through this (via
    ``clean_name``, or ``queries.name_key`` for look-ups), so "Ynys Môn" typed with a
    combining accent, or "Leeds" with a zero-width space, is the site already there."""
    text = unicodedata.normalize("NFC", (value or "").translate(INVISIBLE))
    return " ".join(text.split())


def name_key(name: str) -> str:
    """The key two names are the same by: ``plain_name``, case-folded (NFC again, as
    folding can decompose).  ``queries.name_key`` is this; stored keys are made by it."""
    return unicodedata.normalize("NFC", plain_name(name).casefold())


def clean_name(value: str, what: str) -> str:
    """A name as stored (``plain_name``); BadInput if it is unusable."""
    name = plain_name(value)
    if not name:
        raise BadInput(f"the {what} name is empty")
    if len(name) > NAME_LIMIT:
        raise BadInput(f"the {what} name is {len(name)} characters long; keep it under "
                       f"{NAME_LIMIT}")
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in name):  # C0, DEL and C1
        raise BadInput(f"the {what} name contains control characters")
    return name


def status_named(text: str) -> str | None:
    """The status (or 'rated', 'note', 'retract') that ``text`` names, ignoring case."""
    folded = text.strip().casefold()
    return folded if folded in EVENT_KINDS else None


def event_kind(checkpoint_id: str, levels: Sequence[str] | None, status: str | None,
               rating: str | None, words: dict = OPTIONS) -> tuple[str, str | None]:
    """(kind, level) that a status or rating records on a checkpoint, or BadInput.

    ``levels`` is the checkpoint's scale (None when it is ticked); ``status``
    one of ``LOG_STATUSES`` or None; ``rating`` the level as typed, or None.
    ``words`` names the two choices as the caller's user sees them.
    """
    if status is not None and status not in LOG_STATUSES:
        raise BadInput(f"unknown status '{status}'; use one of: {', '.join(LOG_STATUSES)}")
    if levels:
        if status == "note" and rating is None:
            return "note", None
        if status is not None or rating is None:
            raise BadInput(f"checkpoint {checkpoint_id} is rated, not ticked: use "
                           f"{words['rating']} with one of: {', '.join(levels)}")
        folded = name_key(rating)  # as people read it, ignoring case; recorded as the
        for level in levels:       # catalogue spells it
            if name_key(level) == folded:
                return "rated", level
        raise BadInput(f"'{rating}' is not a level of {checkpoint_id}; use one of: "
                       f"{', '.join(levels)}")
    if rating is not None:
        raise BadInput(f"checkpoint {checkpoint_id} is ticked, not rated: use "
                       f"{words['status']} with one of: {', '.join(STATUS_KINDS)} "
                       f"(or {words['default']})")
    return status or "done", None


# -- dates -----------------------------------------------------------------
# The one statement of the date rules, for every way in.  An event records what
# happened, so it cannot be dated after today (a target date is a plan); nor can
# the day a plan was agreed, and a plan cannot fall due before that day.  Dates
# before 2000, or before the site joined, are likely typing mistakes but can be
# true, so they are recorded with a warning.  Each rule returns its sentence (or
# None); ``words`` names the dates as the caller's user typed them: the options
# of ``log`` and ``plan`` (``DATE_OPTIONS``), or the columns of an import file
# (``DATE_COLUMNS``, the caller adding the line).

EARLIEST_LIKELY = dt.date(2000, 1, 1)

DATE_OPTIONS = {"on": "--on", "due": "--due",
                "plan": "scaletrack plan SITE STAGE --due DATE"}
DATE_COLUMNS = {"on": "occurred_on", "due": "due_on",
                "plan": "a row of kind plan, with the target in due_on"}


def future_event(day: dt.date, today: dt.date, words: dict = DATE_OPTIONS) -> str | None:
    """Why an event dated ``day`` is refused, or None."""
    if day > today:
        return (f"{words['on']} {day.isoformat()} is after today ({today.isoformat()}): "
                f"events record what happened; a target date is a plan ({words['plan']})")
    return None


def future_joined(day: dt.date, today: dt.date, option: str = "--joined") -> str | None:
    """Why a site's joining date is refused, or None: as for events, not after today
    (a site dated to join later would vanish from every analysis until then)."""
    if day > today:
        return (f"{option} {day.isoformat()} is after today ({today.isoformat()}): give the "
                "day the site joined, once it has; a site joining later is added then")
    return None


def unlikely_date(day: dt.date, joined: dt.date | None, site: str | None,
                  words: dict = DATE_OPTIONS) -> str | None:
    """A warning for an event date that is probably mistyped (it is still recorded), or None."""
    if day < EARLIEST_LIKELY:
        return (f"{words['on']} {day.isoformat()} is before {EARLIEST_LIKELY.year}; recorded "
                "as given, check the year (retract it if it is wrong)")
    if joined is not None and day < joined:
        who = f"site '{site}'" if site else "the site"
        return (f"{words['on']} {day.isoformat()} is before {who} joined "
                f"({joined.isoformat()}); recorded as given")
    return None


def plan_dates(due_on: dt.date, set_on: dt.date, today: dt.date,
               words: dict = DATE_OPTIONS) -> str | None:
    """Why a plan is refused, or None: it is agreed on a day that has happened, and
    cannot fall due before that day."""
    if set_on > today:
        return (f"{words['on']} {set_on.isoformat()} is after today ({today.isoformat()}): "
                f"{words['on']} is the day the plan was agreed; the target date goes in "
                f"{words['due']}")
    if due_on < set_on:
        return (f"{words['due']} {due_on.isoformat()} is before {words['on']} "
                f"{set_on.isoformat()}: a plan cannot be due before the day it was agreed")
    return None


def look_alike(name: str) -> str:
    """A name with case, accents and spacing folded away, to catch near-duplicates.

    "Ynys Mon" and "Ynys Môn", or "Rhondda  Cynon Taf" and "rhondda cynon taf", are one
    place typed two ways; adding the second would split a site's history in two.
    """
    decomposed = unicodedata.normalize("NFKD", plain_name(name).casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def typo_distance(a: str, b: str) -> int:
    """Edits (a letter added, dropped, changed, or two next to each other swapped) that
    turn ``a`` into ``b``: the optimal string alignment distance, so 'Bradfrod' is one
    edit from 'Bradford' and 'Leds' one from 'Leeds'."""
    if a == b:
        return 0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


TYPO_SHORTEST = 4  # names shorter than this differ by one letter as a rule ('Hull', 'Bury')
TYPO_LONG = 9      # from this length, two slips are still a typo
TYPO_SWAP = 6      # below this length one changed letter is another place ('York', 'Cork')


def typo_of(name: str, known: Sequence[str]) -> str | None:
    """The known name that ``name`` is most likely a mistyping of, or None.

    The candidates are the did-you-mean names (``errors.closest``, what ``log``
    suggests for an unknown site); one counts as the same name mistyped when,
    compared as ``look_alike`` folds them, it is one edit away (two for names of
    ``TYPO_LONG`` letters or more); in a name under ``TYPO_SWAP`` letters, one letter
    changed for another is not enough ('York' and 'Cork' are two places).  Names that
    differ in their numbers ('Team 1', 'Team 2') are different places, never typos.
    """
    from tracker.errors import closest

    folded = look_alike(name)
    if len(folded) < TYPO_SHORTEST:
        return None
    for candidate in closest(name, known):
        other = look_alike(candidate)
        if other == folded or _digits(other) != _digits(folded):
            continue
        shorter = min(len(other), len(folded))
        allowed = 2 if shorter >= TYPO_LONG else 1
        if shorter < TYPO_SWAP and len(other) == len(folded) and sorted(other) != sorted(folded):
            continue  # a letter changed, not added, dropped or swapped
        if typo_distance(folded, other) <= allowed:
            return candidate
    return None


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
