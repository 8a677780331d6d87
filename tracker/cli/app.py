"""The root command group, shared options, and the one place errors become exits.

The root callback only records settings; the database is opened on first use
by a command that needs it, so ``--help`` never touches it.  Every
``TrackerError`` raised below is turned into a single ``Error: ...`` line with
exit 2 (bad input) or 1 (anything else): never a traceback.
"""

from __future__ import annotations

import datetime as dt
import os

import sys

import click
from click.core import ParameterSource

from tracker import __version__
from tracker.cli.complete import complete_initiatives, complete_path, completion
from tracker.dates import parse_date
from tracker.errors import BadInput, TrackerError
from tracker.tables import FORMATS
from tracker.textsafe import terminal_text


class CliError(click.ClickException):
    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class ScaletrackGroup(click.Group):
    """A group that maps the library's errors to one-line messages."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except TrackerError as exc:
            _raise_interruption()
            raise CliError(terminal_text(str(exc)), exc.exit_code) from None
        except Exception as exc:
            _raise_interruption()
            if os.environ.get("SCALETRACK_DEBUG"):
                raise
            # Looked up, not imported: a database error can only come from a command that
            # already loaded SQLAlchemy, and --help should not pay for importing it.
            sa_errors = sys.modules.get("sqlalchemy.exc")
            if sa_errors is not None and isinstance(exc, sa_errors.SQLAlchemyError):
                raise CliError(f"database error: {_first_line(exc)}", 1) from None
            if isinstance(exc, OSError):
                where = f" ({exc.filename})" if exc.filename else ""
                raise CliError(f"{exc.strerror or exc}{where}", 1) from None
            raise


def _raise_interruption() -> None:
    """After Ctrl-C, an error met while unwinding (PostgreSQL's connection cut off
    mid-query) is not the story: the interruption is."""
    interrupts = sys.modules.get("tracker.interrupts")
    found = interrupts.happened() if interrupts is not None else None
    if found is not None:
        raise found from None


# The only commands that may create a database that does not exist yet (``demo``
# opens its own): anything else run against a mistyped --db says so and creates
# nothing, not even a folder.
CREATES_DATABASE = {("initiative", "create")}


def command_names(ctx: click.Context) -> tuple[str, ...]:
    """The subcommand names typed after ``scaletrack``, e.g. ("initiative", "create")."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    return tuple(reversed(names))


class App:
    """Settings from the root options, and the store opened on first use."""

    def __init__(self, db: str | None, catalog: str | None, initiative: str | None = None):
        self.db = db
        self.catalog_dirs = catalog
        self.initiative = initiative  # -i given before the command
        self._store = None
        self._catalog = None

    @property
    def store(self):
        if self._store is None:
            from tracker.store import Store

            ctx = click.get_current_context()
            self._store = Store.open(self.db, create=command_names(ctx) in CREATES_DATABASE)
            ctx.call_on_close(self._store.close)
        return self._store

    @property
    def catalog(self):
        if self._catalog is None:
            from tracker.catalog import Catalog

            self._catalog = Catalog(self.catalog_dirs)
        return self._catalog


pass_app = click.make_pass_decorator(App)


class DateParam(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        what = f"--{param.name.replace('_', '-')}" if param is not None else "date"
        return parse_date(value, what)


DATE = DateParam()


class JoinedDateParam(DateParam):
    """A day a site joined: a date, and not after today (as event dates)."""

    def convert(self, value, param, ctx):
        from tracker.rules import future_joined

        day = super().convert(value, param, ctx)
        refused = future_joined(day, dt.date.today())
        if refused:
            raise BadInput(refused)
        return day


JOINED_DATE = JoinedDateParam()


class NameParam(click.ParamType):
    """A site or initiative name given as a filter: never empty (a script's unset $SITE).

    ``empty`` is the error for an empty value; by default it names the option.
    """

    name = "NAME"

    def __init__(self, empty: str | None = None):
        self.empty = empty

    def convert(self, value, param, ctx):
        if not str(value).strip():
            if self.empty:
                raise BadInput(self.empty)
            what = param.opts[0] if param is not None and param.opts else "the name"
            raise BadInput(f"{what} is empty: give a name, or leave the option out")
        return value


NAME = NameParam()

# Ids are 32-bit on PostgreSQL; the same bound on SQLite keeps both backends alike.
MAX_EVENT_ID = 2**31 - 1


class EventIdParam(click.ParamType):
    """An event id, checked against the range any database can hold before it is looked up."""

    name = "ID"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            number = value
        else:
            text = str(value).strip()
            digits = text.removeprefix("+")
            shown = text if len(text) <= 30 else text[:30] + "..."
            if not (digits.isascii() and digits.isdigit()):
                raise BadInput(f"event id '{shown}' is not a number; see 'scaletrack events list' "
                               "for the ids")
            # Past ten digits it is out of range anyway (and int() of a huge string is slow).
            number = int(digits) if len(digits.lstrip("0")) <= 10 else MAX_EVENT_ID + 1
            if not 1 <= number <= MAX_EVENT_ID:
                raise BadInput(f"there is no record {shown}; see 'scaletrack events list'")
        if not 1 <= number <= MAX_EVENT_ID:
            raise BadInput(f"there is no record {number}; see 'scaletrack events list'")
        return number


EVENT_ID = EventIdParam()


INITIATIVE_HELP = "Initiative to act on [env SCALETRACK_INITIATIVE]; default: the only one."


def _initiative_from_root(ctx: click.Context, param: click.Parameter, value):
    """``-i`` typed after the command wins; else ``-i`` typed before it; else the env."""
    if ctx.get_parameter_source(param.name) == ParameterSource.COMMANDLINE:
        return value
    app = ctx.find_object(App)
    if app is not None and app.initiative is not None:
        return app.initiative
    return value


def initiative_option(fn):
    return click.option(
        "-i", "--initiative", envvar="SCALETRACK_INITIATIVE", metavar="NAME",
        callback=_initiative_from_root, shell_complete=complete_initiatives,
        help=INITIATIVE_HELP)(fn)


def format_option(fn):
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                        show_default=True,
                        help="table for people; csv or json for scripts.")(fn)


def as_of_option(fn):
    return click.option("--as-of", type=DATE, default=None,
                        help="Count only events on or before this date [default: today].")(fn)


def echo_data(text: str) -> None:
    click.echo(text, nl=False)


def say(message: str) -> None:
    """A message for the person at the terminal: stderr, so stdout stays data.  Names
    and notes in it are shown with control characters escaped, as tables show them."""
    click.echo(terminal_text(message), err=True)


@click.group(cls=ScaletrackGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", envvar="SCALETRACK_DB", metavar="PATH|URL", shell_complete=complete_path,
              help="Database file or SQLAlchemy URL [env SCALETRACK_DB; default "
                   "$XDG_DATA_HOME/scaletrack/scaletrack.db].")
@click.option("--catalog", envvar="SCALETRACK_CATALOG", metavar="DIRS",
              help="Extra framework folders, separated by ':' [env SCALETRACK_CATALOG].")
@click.option("-i", "--initiative", metavar="NAME", shell_complete=complete_initiatives,
              help="Initiative to act on, here or after the command [env SCALETRACK_INITIATIVE].")
@click.version_option(__version__, "--version", prog_name="scaletrack")
@click.pass_context
def cli(ctx: click.Context, db: str | None, catalog: str | None, initiative: str | None):
    """Track how an innovation scales across sites, against a published framework.

    \b
    A five-minute start:
      scaletrack frameworks list
      scaletrack initiative create "Shared Lives" --framework ihi-full-scale
      scaletrack site add Leeds
      scaletrack log Leeds set-up.baseline --on 2026-03-01
      scaletrack status

    Run 'scaletrack demo' to see a sample scale-out.
    """
    if db is not None and not db.strip():
        if ctx.get_parameter_source("db") == ParameterSource.COMMANDLINE:
            raise click.BadParameter("is empty; give a database file or URL", param_hint="--db")
        db = None  # an empty SCALETRACK_DB means "not set", as for other variables
    ctx.obj = App(db, catalog, initiative)



cli.add_command(completion)
