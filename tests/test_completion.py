"""Shell completion: the script, and the names Tab offers, through click's own machinery."""

from __future__ import annotations

import pytest
from click.shell_completion import ShellComplete, split_arg_string
from click.testing import CliRunner

from conftest import DATA

from tracker.cli import cli

BCP = "Bournemouth, Christchurch and Poole"


def complete(line: str) -> list[str]:
    """What Tab offers at the end of ``line``, split as a shell would (a trailing space:
    a new word)."""
    words = split_arg_string(line)
    args, incomplete = (words, "") if line.endswith(" ") else (words[:-1], words[-1])
    comp = ShellComplete(cli, {}, "scaletrack", "_SCALETRACK_COMPLETE")
    return [item.value for item in comp.get_completions(args, incomplete)]


def bash(words: str, cword: int, env: dict) -> list[str]:
    """The lines scaletrack answers bash with, as the installed script asks for them."""
    full = {"_SCALETRACK_COMPLETE": "bash_complete", "COMP_WORDS": words,
            "COMP_CWORD": str(cword), **env}
    r = CliRunner().invoke(cli, [], env=full, prog_name="scaletrack")
    assert r.exit_code == 0, r.output
    return r.stdout.splitlines()


@pytest.fixture
def programme(run, monkeypatch):
    """A database with one IHI initiative and three sites, named by SCALETRACK_DB."""
    run("initiative", "create", "Shared Lives", "--framework", "ihi-full-scale")
    for name in ("Leeds", BCP, "Ynys Môn"):
        run("site", "add", name)
    monkeypatch.setenv("SCALETRACK_DB", run.url)
    return run


def test_sites_of_the_initiative(programme):
    assert complete("log ") == [BCP, "Leeds", "Ynys Môn"]  # in name order
    assert complete("log b") == [BCP]
    assert complete("log 'ynys mo") == ["Ynys Môn"]  # case and accents ignored
    assert complete("log x") == []
    assert complete("events list --site L") == ["Leeds"]
    assert complete("gaps --site ") == [BCP, "Leeds", "Ynys Môn"]
    assert complete("plan Y") == ["Ynys Môn"]
    assert complete("next ") == [BCP, "Leeds", "Ynys Môn"]
    assert complete("next le") == ["Leeds"]


def test_retire_offers_only_sites_not_yet_retired(programme):
    programme("site", "retire", "Leeds", "--on", "2026-01-31")
    assert complete("site retire ") == [BCP, "Ynys Môn"]
    assert complete("site retire le") == []
    assert complete("site reinstate ") == ["Leeds"]
    # history before the retirement can still be logged, listed and looked at
    assert complete("log le") == ["Leeds"]
    assert complete("site history ") == [BCP, "Leeds", "Ynys Môn"]


def test_checkpoint_ids_after_the_site_in_log(programme):
    assert complete("log Leeds set-up.") == [
        "set-up.target-defined", "set-up.change-package", "set-up.baseline",
        "set-up.governance", "set-up.measurement-plan", "set-up.scale-up-plan"]
    assert complete("log Leeds set-up.b") == ["set-up.baseline"]
    assert complete("log Leeds base") == ["set-up.baseline"]  # the last part, as log takes it
    every = complete("log Leeds ")
    assert len(every) == 29 + 22 and every[0] == "set-up.target-defined"  # IHI + SCIE
    assert "scie-factors.staff-turnover" in every  # the checklist pinned with the framework
    assert complete(f"log '{BCP}' scie-factors.staff-t") == ["scie-factors.staff-turnover"]
    assert complete("log Leeds nonsense") == []
    assert complete("log Leeds set-up.baseline ") == []  # no third argument


def test_stage_ids_for_plan(programme):
    assert complete("plan Leeds ") == ["set-up", "scalable-unit", "test-of-scale-up",
                                       "full-scale"]
    assert complete("plan Leeds s") == ["set-up", "scalable-unit"]
    assert complete("plan Leeds scie") == []  # a checklist is not a stage a plan is for


def test_framework_ids(monkeypatch):
    assert complete("frameworks show ") == ["expandnet-nine-steps", "ihi-full-scale",
                                            "milat-four-steps", "nasss", "scie-factors"]
    assert complete("frameworks show n") == ["nasss"]
    assert complete('initiative create "Shared Lives" --framework ') == [
        "expandnet-nine-steps", "ihi-full-scale", "milat-four-steps", "nasss"]  # no checklist
    assert complete("initiative create X --framework i") == ["ihi-full-scale"]
    assert complete(f"--catalog {DATA} frameworks show mi") == ["milat-four-steps", "mini"]
    monkeypatch.setenv("SCALETRACK_CATALOG", str(DATA))
    assert "mini" in complete("frameworks show ")
    assert complete("--catalog /no/such/folder frameworks show ") == []


def test_initiative_names_before_and_after_the_command(run, monkeypatch):
    run("initiative", "create", "Shared Lives North", "--framework", "ihi-full-scale")
    run("initiative", "create", "Falls", "--framework", "milat-four-steps")
    run("site", "add", "Leeds", "-i", "Shared Lives North")
    run("site", "add", "Hull", "-i", "Falls")
    monkeypatch.setenv("SCALETRACK_DB", run.url)
    assert complete("-i ") == ["Falls", "Shared Lives North"]
    assert complete("status -i 'sh") == ["Shared Lives North"]
    assert complete("log ") == []  # two initiatives and none chosen: nothing to offer
    assert complete("log -i Falls ") == ["Hull"]
    assert complete("-i Falls log ") == ["Hull"]
    assert complete("log Hull -i ") == ["Falls", "Shared Lives North"]
    assert complete("log Hull -i Falls scalability-assessment.c") == [
        "scalability-assessment.costs"]  # -i after the site still chooses the framework
    monkeypatch.setenv("SCALETRACK_INITIATIVE", "Shared Lives North")
    assert complete("log ") == ["Leeds"]
    assert complete("log -i Falls ") == ["Hull"]  # typed on the line beats the env
    assert complete("plan Leeds f") == ["full-scale"]
    assert complete("log -i Falls Hull scalability-assessment.e") == [
        "scalability-assessment.effectiveness"]
    assert complete("plan -i Falls Hull s") == ["scalability-assessment", "scaling-plan",
                                                "scale-up"]
    monkeypatch.setenv("SCALETRACK_INITIATIVE", "No Such")
    assert complete("log ") == []


def test_db_given_on_the_line_wins(programme, tmp_path):
    other = tmp_path / "other.db"
    r = CliRunner().invoke(cli, ["--db", str(other), "initiative", "create", "Other",
                                 "--framework", "nasss"])
    assert r.exit_code == 0, r.output
    assert CliRunner().invoke(cli, ["--db", str(other), "site", "add", "Hull"]).exit_code == 0
    assert complete(f"--db {other} log ") == ["Hull"]
    assert complete(f"--db {other} log Hull condition.n") == ["condition.nature"]
    assert complete(f"--db {other} -i ") == ["Other"]
    assert complete("log L") == ["Leeds"]  # SCALETRACK_DB again without --db


def test_missing_or_foreign_database_offers_nothing_and_creates_nothing(tmp_path,
                                                                          monkeypatch):
    missing = tmp_path / "no" / "such" / "folder" / "x.db"
    for line in ("log ", "log Leeds ", "plan Leeds ", "-i ", "status -i "):
        assert complete(f"--db {missing} {line}") == []
    assert not (tmp_path / "no").exists()
    monkeypatch.setenv("SCALETRACK_DB", str(missing))
    assert complete("log ") == []
    monkeypatch.delenv("SCALETRACK_DB")
    assert complete("log ") == []  # the default path, under XDG_DATA_HOME
    assert not (tmp_path / "xdg").exists()
    assert complete(f"--db {tmp_path} log ") == []  # a folder
    foreign = tmp_path / "notes.db"
    foreign.write_bytes(b"not a database at all")
    assert complete(f"--db {foreign} log ") == []
    assert foreign.read_bytes() == b"not a database at all"
    assert complete("--db sqlite:// log ") == []  # in memory: refused, not opened


def test_bash_gets_names_quoted_for_the_shell(programme):
    env = {"SCALETRACK_DB": programme.url}
    assert bash("scaletrack log B", 2, env) == [f"plain,'{BCP}'"]
    assert bash("scaletrack log Le", 2, env) == ["plain,Leeds"]
    # After an opening quote, bash closes it itself: the name goes in as it is.
    assert bash('scaletrack log "Bour', 2, env) == [f"plain,{BCP}"]
    assert bash("scaletrack log 'Bour", 2, env) == [f"plain,{BCP}"]
    # A completed quoted site counts as one word: the next offers checkpoints.
    assert bash(f"scaletrack log '{BCP}' set-up.b", 3, env) == ["plain,set-up.baseline"]
    assert bash("scaletrack log Leeds set-up.b", 3, env) == ["plain,set-up.baseline"]


def test_bash_quoting_of_names_with_quotes_and_backslashes(run):
    run("initiative", "create", "Q", "--framework", "mini")
    run("site", "add", "O'Brien's \"Care\"")
    env = {"SCALETRACK_DB": run.url}
    # bash's 'read' in the script takes one backslash away, hence the doubled ones
    assert bash("scaletrack log O", 2, env) == ["plain,'O'\"'\"'Brien'\"'\"'s \"Care\"'"]
    assert bash('scaletrack log "O', 2, env) == ['plain,O\'Brien\'s \\\\"Care\\\\""']
    assert bash("scaletrack log 'O", 2, env) == ["plain,O'\\\\''Brien'\\\\''s \"Care\""]


def test_zsh_and_fish_get_titles_as_descriptions(programme):
    env = {"SCALETRACK_DB": programme.url, "_SCALETRACK_COMPLETE": "zsh_complete",
           "COMP_WORDS": "scaletrack plan Leeds f", "COMP_CWORD": "3"}
    r = CliRunner().invoke(cli, [], env=env, prog_name="scaletrack")
    assert r.stdout.splitlines() == ["plain", "full-scale", "Phase 4: Go to full scale"]
    env.update(_SCALETRACK_COMPLETE="fish_complete", COMP_WORDS="scaletrack log Ynys",
               COMP_CWORD="Ynys")
    r = CliRunner().invoke(cli, [], env=env, prog_name="scaletrack")
    assert r.stdout.splitlines() == ["plain,Ynys Môn"]  # fish quotes it itself


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_clicks_own_script(shell):
    r = CliRunner().invoke(cli, ["completion", shell])
    assert r.exit_code == 0, r.output
    same = CliRunner().invoke(cli, [], env={"_SCALETRACK_COMPLETE": f"{shell}_source"},
                              prog_name="scaletrack")
    assert r.stdout == same.stdout  # no environment-variable trick needed
    marker = {"bash": "complete -o nosort -F _scaletrack_completion scaletrack",
              "zsh": "compdef _scaletrack_completion scaletrack",
              "fish": "complete --no-files --command scaletrack"}[shell]
    assert "_scaletrack_completion" in r.stdout and marker in r.stdout
    if shell == "bash":
        assert r.stdout.startswith("_scaletrack_completion() {\n")
        assert "_SCALETRACK_COMPLETE=bash_complete $1" in r.stdout


def test_completion_of_an_unknown_shell_is_a_usage_error():
    r = CliRunner().invoke(cli, ["completion", "tcsh"])
    assert r.exit_code == 2
    assert r.stderr.splitlines()[-1] == ("Error: Invalid value for 'bash|zsh|fish': 'tcsh' is "
                                         "not one of 'bash', 'zsh', 'fish'.")
    assert CliRunner().invoke(cli, ["completion"]).exit_code == 2


def test_completion_help_says_how_to_install_it():
    text = CliRunner().invoke(cli, ["completion", "--help"]).stdout
    assert "echo 'eval \"$(scaletrack completion bash)\"' >> ~/.bashrc" in text
    assert "echo 'eval \"$(scaletrack completion zsh)\"' >> ~/.zshrc" in text
    assert "scaletrack completion fish > ~/.config/fish/completions/scaletrack.fish" in text
