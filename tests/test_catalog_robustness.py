"""Hostile framework files: a located one-line error each, never a traceback, and a
broken or clashing file in a catalogue folder never stops the others from working."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.catalog import Catalog
from tracker.cli import cli

DATA = Path(__file__).parent / "data"

BASE = textwrap.dedent('''\
    id = "hostile"
    title = "Hostile"
    version = "1.0"
    kind = "phased"
    {top}
    [[citations]]
    authors = "A"
    year = 2020
    title = "T"

    [scales]
    ok = ["yes", "no"]

    [[stages]]
    id = "one"
    title = "One"
    {stage}
      [[stages.checkpoints]]
      id = "a"
      title = "A"
      guidance = "Done when a."
      {checkpoint}
    ''')


def hostile(top="", stage="", checkpoint="") -> str:
    return BASE.format(top=top, stage=stage, checkpoint=checkpoint)


CASES = {
    "top-scale-list": (hostile(top='scale = ["a", "b"]'),
                       "hostile.toml:5: scale: scale must be the name of a scale in quotes "
                       "(known: ok)"),
    "stage-scale-list": (hostile(stage='scale = ["a", "b"]'),
                         "hostile.toml:14: stages[0]: scale must be the name of a scale in "
                         "quotes (known: ok)"),
    "checkpoint-scale-table": (hostile(checkpoint="scale = {x = 1}"),
                               "hostile.toml:18: stages[0].checkpoints[0]: scale must be the "
                               "name of a scale in quotes (known: ok)"),
    "checkpoints-number": (hostile().replace(
        '  [[stages.checkpoints]]\n  id = "a"\n  title = "A"\n  guidance = "Done when a."\n', "")
        .replace('title = "One"\n', 'title = "One"\ncheckpoints = 5\n'),
        "hostile.toml:14: stages[0]: 'checkpoints' must be a list of [[stages.checkpoints]] "
        "tables"),
    "checklists-number": (hostile(top="checklists = 7"),
                          "hostile.toml:5: checklists: must be a list of [[checklists]] tables"),
    "nested-5000": ('id = "deep"\nx = ' + "[" * 5000 + "]" * 5000 + "\n",
                    "hostile.toml: not a framework file: values are nested too deeply"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_validate_gives_one_located_line_and_exit_1(case, tmp_path):
    text, message = CASES[case]
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(cli, ["frameworks", "validate", str(path)])
    assert r.exit_code == 1, r.output
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert "Traceback" not in r.output
    assert r.stdout.splitlines() == [message.replace("hostile.toml", str(path))]


@pytest.mark.parametrize("case", list(CASES))
def test_a_hostile_file_in_a_catalogue_folder_is_skipped_and_reported(case, tmp_path):
    text, message = CASES[case]
    folder = tmp_path / "cat"
    folder.mkdir()
    (folder / "hostile.toml").write_text(text, encoding="utf-8")
    (folder / "mini.toml").write_text((DATA / "mini.toml").read_text(encoding="utf-8"),
                                      encoding="utf-8")
    env = {"SCALETRACK_DB": str(tmp_path / "t.db")}
    runner = CliRunner()
    r = runner.invoke(cli, ["--catalog", str(folder), "frameworks", "list"], env=env)
    assert r.exit_code == 0 and r.exception is None, r.output
    assert "mini" in r.stdout and "nasss" in r.stdout
    assert (f"warning: skipped a broken framework file: "
            f"{message.replace('hostile.toml', str(folder / 'hostile.toml'))}") in r.stderr
    r = runner.invoke(cli, ["--catalog", str(folder), "initiative", "create", "Mini",
                            "--framework", "mini"], env=env)
    assert r.exit_code == 0 and r.exception is None, r.output


def _folder(tmp_path, files: dict[str, bytes]) -> Path:
    folder = tmp_path / "cat"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def test_a_user_file_may_not_take_a_builtin_frameworks_id(tmp_path):
    mini = (DATA / "mini.toml").read_text(encoding="utf-8")
    shadow = mini.replace('id = "mini"', 'id = "nasss"', 1)
    assert shadow != mini
    folder = _folder(tmp_path, {"nasss-copy.toml": shadow.encode()})
    catalog = Catalog(str(folder))
    assert catalog.get("nasss").title.startswith("NASSS framework")
    assert catalog.get("nasss").source.endswith("nasss.toml")
    assert catalog.problems == [f"{folder / 'nasss-copy.toml'}: id 'nasss' is a built-in "
                                "framework's; a file of your own needs an id of its own "
                                "(this file was skipped)"]


def test_duplicate_ids_across_user_files_are_reported(tmp_path):
    mini = (DATA / "mini.toml").read_bytes()
    folder = _folder(tmp_path, {"a.toml": mini, "b.toml": mini})
    catalog = Catalog(str(folder))
    assert catalog.get("mini").source == str(folder / "a.toml")
    assert catalog.problems == [f"{folder / 'b.toml'}: id 'mini' is already used by "
                                f"{folder / 'a.toml'} (this file was skipped)"]


def test_a_non_utf8_file_is_reported_as_such(tmp_path):
    mini = (DATA / "mini.toml").read_text(encoding="utf-8")
    latin = mini.replace('title = "', 'title = "Caf\u00e9 ', 1).encode("latin-1")
    folder = _folder(tmp_path, {"latin.toml": latin})
    catalog = Catalog(str(folder))
    offset = latin.index(b"\xe9")
    assert catalog.problems == [f"{folder / 'latin.toml'}: not UTF-8 text (byte {offset}); "
                                "save the file as UTF-8"]
    assert "mini" not in catalog.frameworks
