"""Asking before a command does something large: at a terminal, or with --yes in a script.

A merge or a deletion asks the person at the terminal first.  A script has no
one to ask, so it must say ``--yes``; without a terminal and without ``--yes``
the command refuses and says how to confirm, rather than guessing.
"""

from __future__ import annotations

import sys

import click

from tracker.errors import BadInput


def at_terminal() -> bool:
    """Whether a person can answer: standard input and error are both a terminal."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def confirmed(question: str, yes: bool, refusal: str) -> bool:
    """True to go ahead: ``--yes`` given, or the person answered yes.  Without a terminal
    and without ``--yes``: BadInput(refusal)."""
    if yes:
        return True
    if not at_terminal():
        raise BadInput(refusal)
    return click.confirm(question, default=False, err=True)


def typed_back(prompt: str, expected: str, yes: bool, refusal: str) -> bool:
    """True to go ahead: ``--yes`` given, or the person typed ``expected`` exactly (spaces
    at the ends aside).  Without a terminal and without ``--yes``: BadInput(refusal)."""
    if yes:
        return True
    if not at_terminal():
        raise BadInput(refusal)
    answer = click.prompt(prompt, default="", show_default=False, err=True)
    return answer.strip() == expected
