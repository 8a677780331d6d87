"""``scaletrack log``, ``events`` and ``plan``: recording what happened and what is due."""

from __future__ import annotations

import click

from tracker.cli.app import (DATE, EVENT_ID, as_of_option, cli, format_option,
                             initiative_option, pass_app, say)
from tracker.cli.complete import complete_checkpoints, complete_sites, complete_stages
from tracker.rules import LOG_STATUSES as STATUS_CHOICES


@cli.command()
@click.argument("site_name", metavar="SITE", shell_complete=complete_sites)
@click.argument("checkpoint", metavar="CHECKPOINT", shell_complete=complete_checkpoints)
@click.option("--status", type=click.Choice(STATUS_CHOICES),
              help="For a ticked checkpoint [default: done]; 'note' records a remark only.")
@click.option("--rating", metavar="LEVEL",
              help="For a rated checkpoint: a level of its scale (e.g. complex, barrier).")
@click.option("--on", type=DATE,
              help="When it happened: YYYY-MM-DD, today or yesterday [default: today]. "
                   "Not after today: a target date is a plan.")
@click.option("--note", metavar="TEXT",
              help="Why, or what happened. Never write anything that identifies a person "
                   "who uses services.")
@click.option("--evidence", metavar="TEXT", help="Where the evidence is (a document or URL).")
@click.option("--by", metavar="NAME", help="Who is recording it [default: your user name].")
@initiative_option
@pass_app
def log(app, site_name, checkpoint, status, rating, on, note, evidence, by, initiative):
    """Record that a site has done, started or is blocked on a checkpoint.

    CHECKPOINT is the full id from 'scaletrack frameworks show', such as
    set-up.baseline, or just its last part when only one stage has it.
    With no --status and no --rating the checkpoint is logged as done.

    \b
    Examples:
      scaletrack log Leeds set-up.baseline --on 2026-03-01
      scaletrack log Leeds scalable-unit.package-tested --status blocked --note "no data lead"
      scaletrack log Leeds scie-factors.staff-turnover --rating barrier
    """
    from tracker.store.writes import log_event

    logged = log_event(app.store, initiative, site_name, checkpoint, status=status,
                       rating=rating, on=on, note=note, evidence=evidence, by=by)
    ev = logged.event
    for warning in logged.warnings:
        say(f"Warning: {warning}")
    what = f"rated {ev.rating}" if ev.kind == "rated" else ev.kind
    say(f"Logged event {ev.id}: {logged.site}, {ev.checkpoint} {what} on "
        f"{ev.occurred_on.isoformat()}")


@cli.group()
def events():
    """List, retract, export and import events."""


def write_data(write_all) -> None:
    """Run ``write_all(write)`` against standard output and flush it.

    A reader that stops early (``| head``), a closed stdout or a full disk is an
    error with exit status 1 (``tracker.cli.stdio`` checks every write), never a
    quiet success: a script must not take a cut-off listing for the whole."""
    import sys

    out = sys.stdout
    write_all(out.write)
    out.flush()


@events.command("list")
@click.option("--site", "site_name", metavar="SITE", shell_complete=complete_sites,
              help="Only this site.")
@click.option("--since", type=DATE, help="Only events on or after this date.")
@as_of_option
@format_option
@initiative_option
@pass_app
def list_events(app, site_name, since, as_of, fmt, initiative):
    """List the log, oldest first: events, plans (kind plan, with due_on) and retractions.

    retracted_by names the record that retracted each one, and in_force says
    whether it counts (a retracted record counts again once its retraction is
    retracted); with --as-of, as things stood on that date.

    Rows are written as they are read, so a long log starts at once and
    takes little memory; a table takes its column widths from the first
    rows and cuts longer text with '...' (CSV and JSON keep every character).
    Control characters in notes and names are shown escaped, as \\x1b.

    \b
    Example:
      scaletrack events list --site Leeds --since 2026-01-01
    """
    from tracker.views import write_event_list

    write_data(lambda write: write_event_list(app.store, initiative, site_name, since, as_of,
                                              fmt, write))


@events.command("retract")
@click.argument("event_id", type=EVENT_ID, metavar="[ID]", required=False)
@click.option("--last", is_flag=True,
              help="Retract the last record you (or --by) made that is still in force (an "
                   "event, a plan or a retraction), instead of giving its ID.")
@click.option("--reason", metavar="TEXT", help="Why the record was wrong.")
@click.option("--by", metavar="NAME",
              help="Who is retracting it, and with --last whose record [default: your user "
                   "name].")
@initiative_option
@pass_app
def retract(app, event_id, last, reason, by, initiative):
    """Retract a mistaken event or plan; it stays in the log but no analysis counts it.

    Any record can be retracted, a retraction too: retracting a retraction
    makes what it retracted count again. 'scaletrack events list' shows every
    record with its id and whether it is in force.

    \b
    Examples:
      scaletrack events retract 42 --reason "logged against the wrong site"
      scaletrack events retract --last --reason "typed twice"
      scaletrack events retract 43 --reason "42 was right after all"
    """
    from tracker.store.retractions import retract_event, retract_last

    if (event_id is None) == (not last):
        raise click.UsageError("give the ID of the event to retract, or --last (not both)")
    if last:
        words, done = retract_last(app.store, initiative, reason, by)
        say(f"The last record made by {done.retraction.recorded_by} is {words}")
    else:
        done = retract_event(app.store, initiative, event_id, reason, by)
    say(retracted_words(done))


def retracted_words(done) -> str:
    """What a retraction did, in one line."""
    r = done.retraction
    if done.restorer is not None:
        return (f"Retracted record {done.named} again, by retracting record {done.restorer}, "
                f"which had restored it (retraction is event {r.id})")
    if done.kind == "retract":
        return (f"Retracted retraction {r.retracts}: record {done.restored} counts again "
                f"(retraction is event {r.id})")
    noun = "plan" if done.kind == "plan" else "event"
    return f"Retracted {noun} {r.retracts} (retraction is event {r.id})"


@cli.command()
@click.argument("site_name", metavar="SITE", shell_complete=complete_sites)
@click.argument("stage", metavar="STAGE", shell_complete=complete_stages)
@click.option("--due", type=DATE, required=True, help="Target date to complete the stage.")
@click.option("--on", type=DATE,
              help="When the plan was agreed [default: today]; not after --due.")
@click.option("--note", metavar="TEXT", help="Where the plan comes from.")
@click.option("--by", metavar="NAME", help="Who is recording it [default: your user name].")
@initiative_option
@pass_app
def plan(app, site_name, stage, due, on, note, by, initiative):
    """Set a target date for a site to complete a stage.

    A later plan for the same site and stage replaces the earlier one from
    its --on date; both stay recorded. 'scaletrack gaps' reports a plan whose
    date has passed as overdue. A plan is a record of the log: 'scaletrack
    events list' shows it, and 'scaletrack events retract ID' (or --last)
    withdraws a mistaken one.

    \b
    Example:
      scaletrack plan Leeds full-scale --due 2027-03-31
    """
    from tracker.store.writes import set_plan

    p, site, stage_id = set_plan(app.store, initiative, site_name, stage, due, on, note, by)
    say(f"Planned: {site} to complete {stage_id} by {p.due_on.isoformat()} (plan {p.id})")


@events.command("export")
@click.option("--format", "fmt", type=click.Choice(("csv", "jsonl")), default="csv",
              show_default=True, help="CSV for spreadsheets, JSON Lines for scripts.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="File to write, replaced whole or not at all (a symbolic link is "
                   "refused) [default: standard output].")
@click.option("--excel", is_flag=True,
              help="Start the CSV with a byte-order mark so Excel reads accents "
                   "(Welsh place names) correctly.")
@initiative_option
@pass_app
def export(app, fmt, output, excel, initiative):
    """Export every event, one row each, in stable documented columns.

    Columns: event_id, initiative, framework_id, framework_version, site,
    stage, checkpoint, kind, rating, occurred_on, recorded_at (UTC), recorded_by,
    note, evidence, retracts, source. Cells that a spreadsheet would run as a
    formula are prefixed with an apostrophe.

    \b
    Examples:
      scaletrack events export -o events.csv --excel
      scaletrack events export --format jsonl > events.jsonl
    """
    import io
    import sys

    from tracker.errors import BadInput
    from tracker.exchange import export_rows, export_to_file, write_export

    if excel and fmt != "csv":
        raise BadInput("--excel is for CSV files; leave it out with --format jsonl")
    encoding = "utf-8-sig" if excel else "utf-8"
    rows = export_rows(app.store, initiative)  # checks the database and initiative first
    if output:
        written = export_to_file(rows, output, fmt, encoding)
        say(f"Exported {written.describe()} to {output}")
    else:
        out = io.TextIOWrapper(sys.stdout.buffer, encoding=encoding, newline="")
        write_data(lambda _: write_export(rows, out, fmt) and out.flush())
        out.detach()


@events.command("import")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would be added.")
@click.option("--add-sites", is_flag=True,
              help="Create the sites the file names that do not exist yet.")
@initiative_option
@pass_app
def import_events(app, path, dry_run, add_sites, initiative):
    """Import events from a CSV or JSON Lines file (as 'events export' writes them).

    All or nothing: if any row is wrong, nothing is written and every problem
    is listed with its line. A site that does not exist yet is created only
    when the file has a row of kind site for it (as an export has) or with
    --add-sites; any other unknown site name (a typo such as 'Leds') is
    listed with its lines and the closest site, and nothing is imported. The
    initiative must exist. Importing the same file again adds nothing.
    FILE may be - (or /dev/stdin, or another pipe) to read standard input.

    \b
    Examples:
      scaletrack events import events.csv --dry-run
      scaletrack events import events.csv -i "Shared Lives North"
    """
    import os
    import sys

    from tracker.exchange import import_file

    spooled = _spool_if_stream(path)
    if spooled is not None:
        from tracker.cli.app import CliError
        from tracker.errors import TrackerError

        try:
            return import_events.callback.__wrapped__(app, str(spooled), dry_run, add_sites,
                                                         initiative)
        except TrackerError as exc:
            raise CliError(str(exc).replace(str(spooled), "standard input"),
                           exc.exit_code) from None
        finally:
            spooled.unlink(missing_ok=True)
            spooled.parent.rmdir()
    if sys.stderr.isatty():
        size = os.path.getsize(path) if os.path.exists(path) else 0
        with click.progressbar(length=size, label="Importing", file=sys.stderr) as bar:

            def progress(phase, n):
                if phase == "finish":  # read and checked; retractions, index, commit
                    bar.label = "Finishing"
                    bar.render_progress()
                else:
                    bar.update(n)
            result = import_file(app.store, initiative, path, dry_run, progress,
                                 add_sites=add_sites)
    else:
        result = import_file(app.store, initiative, path, dry_run, add_sites=add_sites)
    for line in result.warning_lines():
        say(f"Warning: {line}")
    names = sorted(result.new_sites)
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10} more" if len(names) > 10 else "")
    sites = f"; new sites: {shown}" if names else ""
    if result.retired_sites:
        sites += f"; sites retired: {', '.join(sorted(result.retired_sites))}"
    if result.merged_sites:
        sites += f"; sites merged: {', '.join(result.merged_sites)}"
    plans_already = result.plans - result.plans_added
    if dry_run:
        plans = (f"; plans: {result.plans_added} would be added, {plans_already} are already "
                 "recorded" if result.plans else "")
        say(f"Dry run: {result.rows} events checked, {result.added} would be added, "
            f"{result.already} are already recorded{plans}{sites}. Nothing was written.")
    else:
        plans = (f"; plans: {result.plans_added} added, {plans_already} already recorded"
                 if result.plans else "")
        say(f"Imported {result.added} events ({result.already} were already recorded)"
            f"{plans}{sites}.")


def _spool_if_stream(path: str):
    """``-``, /dev/stdin or another pipe, copied to a temporary file (which import reads
    more than once); None for an ordinary file."""
    import os
    import shutil
    import stat
    import sys
    import tempfile
    from pathlib import Path

    if path == "-":
        source = sys.stdin.buffer
    else:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            return None
        if not (stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)):
            return None
        source = open(path, "rb")
    folder = Path(tempfile.mkdtemp(prefix="scaletrack-import-"))
    spooled = folder / "standard-input"
    try:
        with source, open(spooled, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
    except BaseException:
        spooled.unlink(missing_ok=True)
        folder.rmdir()
        raise
    return spooled


@events.command("template")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="File to write, replaced whole or not at all (a symbolic link is "
                   "refused) [default: standard output].")
@click.option("--excel", is_flag=True,
              help="Start the file with a byte-order mark so Excel reads accents correctly.")
@initiative_option
@pass_app
def template(app, output, excel, initiative):
    """Write a CSV to fill in by hand, then bring in with 'events import'.

    Columns: site, checkpoint, status, rating, occurred_on, note, evidence,
    with one example row per checkpoint of the initiative's framework. Keep
    the rows that happened and edit them: status is done, started, blocked,
    reopened or note for a ticked checkpoint (empty means done); a rated
    checkpoint takes a rating, one of its levels. Dates are YYYY-MM-DD.
    The sites must exist ('site add'), or import with --add-sites.
    Import also reads the file saved with semicolons or tabs.

    \b
    Examples:
      scaletrack events template -o milestones.csv --excel
      scaletrack events import milestones.csv --dry-run
    """
    import shlex
    import sys

    from tracker.exchange.template import template_csv, template_rows

    rows = template_rows(app.store, initiative)
    data = ("\ufeff" if excel else "") + template_csv(rows)
    if not output:
        sys.stdout.buffer.write(data.encode("utf-8"))
        sys.stdout.buffer.flush()
        return
    from tracker.outputs import write_bytes

    write_bytes(output, data.encode("utf-8"))  # whole or not at all; an earlier file is kept
    say(f"Wrote a template of {len(rows)} example rows to {output}; edit it, then: "
        f"scaletrack events import {shlex.quote(output)}")
