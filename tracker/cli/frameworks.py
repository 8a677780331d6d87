"""``scaletrack frameworks``: list, show and validate catalogue files."""

from __future__ import annotations

import click

from tracker.cli.app import cli, echo_data, format_option, pass_app, say
from tracker.cli.complete import complete_catalogue
from tracker.textsafe import terminal_text


@cli.group()
def frameworks():
    """The scaling frameworks scaletrack knows, and checking your own."""


@frameworks.command("list")
@format_option
@pass_app
def list_frameworks(app, fmt):
    """List the frameworks in the catalogue.

    \b
    Example:
      scaletrack frameworks list --format json
    """
    from tracker.views import frameworks_view

    echo_data(frameworks_view(app.catalog.listing(), fmt))
    for problem in app.catalog.problems:
        say(f"warning: skipped a broken framework file: {problem}")


@frameworks.command("show")
@click.argument("framework_id", metavar="ID", shell_complete=complete_catalogue)
@format_option
@pass_app
def show_framework(app, framework_id, fmt):
    """Show a framework's stages and checkpoints, with the ids 'log' accepts.

    \b
    Example:
      scaletrack frameworks show ihi-full-scale
    """
    checklist = app.catalog.frameworks.get(framework_id)
    if checklist is not None and checklist.kind == "checklist":
        fw = checklist  # the SCIE factors, or another checklist file
    else:
        fw = app.catalog.for_initiative(framework_id)  # as an initiative would pin it
    from tracker.views import framework_view

    echo_data(framework_view(fw, fmt))


@frameworks.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files):
    """Check framework files and report every problem with its line.

    Exits 1 if any file has a problem.

    \b
    Example:
      scaletrack frameworks validate my-framework.toml
    """
    from tracker.catalog import validate_file

    failed = False
    for path in files:
        warnings: list[str] = []
        fw, problems = validate_file(path, warnings)
        for w in warnings:
            say(f"warning: {w}")
        if fw is None:
            failed = True
            for p in problems:
                click.echo(terminal_text(p))  # a file's text, shown with controls escaped
            say(f"{path}: {len(problems)} problem(s)")
        else:
            n = sum(len(s.checkpoints) for s in (*fw.stages, *fw.checklists))
            click.echo(f"{path}: ok ({fw.id} {fw.version}, {len(fw.stages)} stages, "
                       f"{n} checkpoints)")
    if failed:
        click.get_current_context().exit(1)
