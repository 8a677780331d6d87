"""Shell completion: what Tab offers for sites, checkpoints, stages, frameworks, initiatives.

Click completes commands, options and choices by itself; these callbacks add
the values only the database and the catalogue know.  They read the
``--db``, ``--catalog`` and ``-i`` typed so far on the line (or the
environment variables, as a command would), and they are made to be
harmless on every key press: they never raise, never print, never create a
database (a missing one offers nothing), and import the database layer only
when they are called.

To offer site names for a parameter, give its callback as ``shell_complete``::

    from tracker.cli.complete import complete_sites

    @click.argument("site_name", metavar="SITE", shell_complete=complete_sites)
    @click.option("--site", "site_name", metavar="SITE", shell_complete=complete_sites)

``complete_checkpoints``, ``complete_stages``, ``complete_frameworks`` (those
an initiative can follow), ``complete_catalogue`` (every catalogue entry, the
checklists too) and ``complete_initiatives`` attach the same way.

Bash inserts a candidate as it is given, so a name with a space or a comma
("Bournemouth, Christchurch and Poole") is given to bash quoted for the shell;
zsh and fish quote candidates themselves.
"""

from __future__ import annotations

import functools
import os
import shlex
from collections.abc import Callable, Iterable

import click
from click.core import ParameterSource
from click.shell_completion import (BashComplete, CompletionItem, add_completion_class,
                                    get_completion_class)

SHELLS = ("bash", "zsh", "fish")
COMPLETE_VAR = "_SCALETRACK_COMPLETE"


def _open_quote(line: str) -> str | None:
    """The quote character left open at the end of ``line`` (the word being typed), if any."""
    lexer = shlex.shlex(line, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    try:
        for _ in lexer:
            pass
    except ValueError:  # no closing quotation
        return lexer.state if lexer.state in ("'", '"') else None
    return None


class QuotingBashComplete(BashComplete):
    """Click's bash completion, with each plain candidate quoted for the shell.

    Bash puts a candidate on the line as it is.  After an opening quote that the
    user typed, bash closes the quote itself, so the candidate is only escaped
    for inside it; otherwise it is quoted whole (``'Ynys Môn'``).  Checked by hand in
    bash 5.2: a site typed as ``Bour``, ``"Bour`` or ``'Bour`` completes to the one
    argument ``Bournemouth, Christchurch and Poole``."""

    def format_completion(self, item: CompletionItem) -> str:
        if item.type != "plain" or not isinstance(item.value, str):
            return super().format_completion(item)
        quote = _open_quote(os.environ.get("COMP_WORDS", ""))
        if quote == '"':
            value = "".join("\\" + c if c in '"\\$`' else c for c in item.value)
            if '"' in item.value:  # bash leaves the quote open after such a name
                value += '"'
        elif quote == "'":
            value = item.value.replace("'", "'\\''")
        else:
            value = shlex.quote(item.value)
        # The script reads each line with bash's 'read', which takes one backslash away.
        return f"{item.type},{value.replace(chr(92), chr(92) * 2)}"


add_completion_class(QuotingBashComplete, "bash")


def script(shell: str, command: click.Command, prog_name: str = "scaletrack") -> str:
    """The completion script for ``shell``, exactly as ``_SCALETRACK_COMPLETE=<shell>_source``
    makes it."""
    cls = get_completion_class(shell)
    return cls(command, {}, prog_name, COMPLETE_VAR).source()


# -- what the line says so far ------------------------------------------------

def _root_value(ctx: click.Context, name: str) -> str | None:
    value = ctx.find_root().params.get(name)
    return value if isinstance(value, str) and value.strip() else None


def _db(ctx: click.Context) -> str | None:
    """``--db`` as typed (None: SCALETRACK_DB or the default, as a command resolves it)."""
    return _root_value(ctx, "db")


def _initiative(ctx: click.Context) -> str | None:
    """``-i`` typed after the command, else before it, else SCALETRACK_INITIATIVE."""
    own = ctx.params.get("initiative")
    if (isinstance(own, str) and own.strip()
            and ctx.get_parameter_source("initiative") == ParameterSource.COMMANDLINE):
        return own
    before = _root_value(ctx, "initiative")
    if before is not None:
        return before
    env = os.environ.get("SCALETRACK_INITIATIVE")
    return env if env and env.strip() else None


def _folded(text: str) -> str:
    from tracker.rules import look_alike

    return look_alike(text)


def _matching(candidates: Iterable[tuple[str, str | None]], incomplete: str
              ) -> list[CompletionItem]:
    """The (value, help) pairs whose value starts with what was typed, ignoring case and
    accents ("ynys mo" finds "Ynys Môn")."""
    typed = _folded(incomplete)
    return [CompletionItem(value, help=help_) for value, help_ in candidates
            if _folded(value).startswith(typed)]


def _never_raises(fn: Callable) -> Callable:
    """Completion runs inside the user's shell: a failure offers nothing, never a traceback."""

    @functools.wraps(fn)
    def safe(ctx: click.Context, param: click.Parameter, incomplete: str):
        try:
            return fn(ctx, param, incomplete or "")
        except Exception:
            return []
    return safe


# -- the callbacks ----------------------------------------------------------------

@_never_raises
def complete_sites(ctx, param, incomplete):
    """The chosen initiative's site names."""
    from tracker.store.choices import site_names

    return _matching(((name, None) for name in site_names(_db(ctx), _initiative(ctx))),
                     incomplete)


def _sites_by_retirement(retired: bool) -> Callable:
    @_never_raises
    def complete(ctx, param, incomplete):
        from tracker.store.choices import site_names

        return _matching(((name, None) for name in site_names(
            _db(ctx), _initiative(ctx), retired=retired)), incomplete)
    return complete


# What 'site retire' and 'site reinstate' can act on.  Other commands offer every site,
# since the history before a retirement can still be logged, listed and analysed.
complete_current_sites = _sites_by_retirement(False)
complete_retired_sites = _sites_by_retirement(True)


@_never_raises
def complete_merged_sites(ctx, param, incomplete):
    """The sites merged into another, which 'site unmerge' can act on."""
    from tracker.store.choices import merged_site_names

    return _matching(((name, None) for name in merged_site_names(_db(ctx), _initiative(ctx))),
                     incomplete)


@_never_raises
def complete_initiatives(ctx, param, incomplete):
    """The names of the database's initiatives."""
    from tracker.store.choices import initiative_names

    return _matching(((name, None) for name in initiative_names(_db(ctx))), incomplete)


@_never_raises
def complete_checkpoints(ctx, param, incomplete):
    """Full checkpoint ids of the initiative's pinned framework, checklist items included.

    Typed text that starts no full id is tried against the last part, so ``base``
    offers ``set-up.baseline`` (``log`` accepts either)."""
    from tracker.store.choices import pinned_framework

    fw = pinned_framework(_db(ctx), _initiative(ctx))
    if fw is None:
        return []
    pairs = [(cp.full_id, cp.title) for group in (*fw.stages, *fw.checklists)
             for cp in group.checkpoints]
    found = _matching(pairs, incomplete)
    if found or not incomplete:
        return found
    typed = _folded(incomplete)
    return [CompletionItem(full_id, help=title) for full_id, title in pairs
            if _folded(full_id.rsplit(".", 1)[-1]).startswith(typed)]


@_never_raises
def complete_stages(ctx, param, incomplete):
    """Stage ids of the initiative's pinned framework (a plan is for a stage, not a
    checklist)."""
    from tracker.store.choices import pinned_framework

    fw = pinned_framework(_db(ctx), _initiative(ctx))
    if fw is None:
        return []
    return _matching(((s.id, s.title) for s in fw.stages), incomplete)


def _catalogue(ctx: click.Context):
    from tracker.catalog import Catalog

    return Catalog(_root_value(ctx, "catalog")).listing()


@_never_raises
def complete_frameworks(ctx, param, incomplete):
    """Ids of the frameworks an initiative can follow (not the checklists)."""
    return _matching(((fw.id, fw.title) for fw in _catalogue(ctx) if fw.kind != "checklist"),
                     incomplete)


@_never_raises
def complete_catalogue(ctx, param, incomplete):
    """Ids of everything in the catalogue, as 'frameworks show' takes them."""
    return _matching(((fw.id, fw.title) for fw in _catalogue(ctx)), incomplete)


def complete_path(ctx, param, incomplete):
    """A file name, completed by the shell itself."""
    return [CompletionItem(incomplete or "", type="file")]


# -- the command ----------------------------------------------------------------

@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS), metavar="bash|zsh|fish")
@click.pass_context
def completion(ctx: click.Context, shell: str):
    """Print the script that makes Tab complete scaletrack's commands and names.

    Tab then offers commands, options, site names, checkpoint ids (after the
    site in 'log'), stage ids, framework ids and initiative names, read from
    the database that --db, -i or SCALETRACK_DB name. Install it once:

    \b
      bash: echo 'eval "$(scaletrack completion bash)"' >> ~/.bashrc
      zsh:  echo 'eval "$(scaletrack completion zsh)"' >> ~/.zshrc
      fish: scaletrack completion fish > ~/.config/fish/completions/scaletrack.fish

    then open a new terminal. (zsh needs its completion system loaded, as
    most setups do: 'autoload -Uz compinit && compinit' in ~/.zshrc.)
    """
    click.echo(script(shell, ctx.find_root().command), nl=False)
