"""The ``scaletrack`` command line: a thin skin over the library.

Each command parses its options, calls one library function and prints.
Command modules import the library inside their callbacks, so ``--help`` and
``import tracker.cli`` load neither the database layer's migrations nor
matplotlib.
"""

from tracker.cli.app import cli
from tracker.cli import (analyses, db, demo, events, frameworks, initiatives,  # noqa: F401
                         next, reports, returns, sites)  # importing a module registers its commands


def main() -> None:
    from tracker.cli.stdio import run

    run(cli)  # checked stdout, Ctrl-C and SIGTERM handled, then the commands


__all__ = ["cli", "main"]
