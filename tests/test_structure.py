"""The shape of the package: light imports, help everywhere, the README's promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tracker.cli import cli

ROOT = Path(__file__).parent.parent


def test_importing_the_cli_loads_neither_matplotlib_nor_alembic():
    code = ("import sys, tracker.cli; "
            "print(sorted(m for m in ('matplotlib', 'alembic', 'sqlalchemy', 'openpyxl') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"  # not even SQLAlchemy: --help stays quick


def _commands(group: click.Group, prefix=()):
    for name, cmd in sorted(group.commands.items()):
        yield prefix + (name,)
        if isinstance(cmd, click.Group):
            yield from _commands(cmd, prefix + (name,))


ALL_COMMANDS = list(_commands(cli))


@pytest.mark.parametrize("path", [()] + ALL_COMMANDS, ids=lambda p: " ".join(p) or "root")
def test_help_works_and_says_something(path, tmp_path):
    r = CliRunner().invoke(cli, [*path, "--help"],
                           env={"SCALETRACK_DB": str(tmp_path / "never.db")})
    assert r.exit_code == 0, r.output
    assert "Usage:" in r.stdout
    cmd = cli
    for name in path:
        cmd = cmd.commands[name]
    assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"
    assert not (tmp_path / "never.db").exists()  # --help never opens the database


def test_expected_commands_exist():
    names = {" ".join(p) for p in ALL_COMMANDS}
    assert {"frameworks list", "frameworks show", "frameworks validate", "initiative create",
            "initiative list", "site add", "site list", "log", "events list", "events retract",
            "status", "db upgrade", "db current", "db path", "demo", "gaps", "compare", "plan",
            "chart", "report", "completion", "next", "returns make", "returns import"} <= names


def test_layers_import_downward_only():
    """catalog and store never import analysis, views or the CLI; analysis never the CLI."""
    forbidden = {
        "catalog": ("tracker.store", "tracker.analysis", "tracker.cli", "tracker.views"),
        "store": ("tracker.analysis", "tracker.cli", "tracker.views", "tracker.report"),
        "analysis": ("tracker.cli", "tracker.views", "tracker.report", "tracker.charts",
                     "tracker.returns"),
        "returns": ("tracker.cli", "tracker.views", "tracker.report", "tracker.charts"),
    }
    for where, banned in forbidden.items():
        files = [ROOT / "tracker" / where] if where.endswith(".py") else \
            list((ROOT / "tracker" / where).rglob("*.py"))
        for f in files:
            text = f.read_text()
            for b in banned:
                assert not re.search(rf"^\s*(from|import) {re.escape(b)}\b", text, re.M), \
                    f"{f.relative_to(ROOT)} imports {b}"


def test_readme_opens_with_the_two_commands():
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", text, re.S)
    assert "scaletrack demo" in blocks[0]
    ci = (ROOT / ".ci" / "run").read_text()
    command = re.search(r'^TEST_CMD="(.*)"$', ci, re.M).group(1)
    assert blocks[1].strip() == command  # the README shows what CI runs
    assert ci.rstrip().splitlines()[-1] == command  # and CI runs it, word for word


def test_catalogue_readme_says_the_reviews_four_are_unconfirmed():
    text = (ROOT / "models_catalog" / "README.md").read_text()
    assert "not confirmed in any source we had" in text
    for fid in ("nasss", "ihi-full-scale", "expandnet-nine-steps", "milat-four-steps",
                "scie-factors"):
        assert f"`{fid}`" in text
    assert "scaletrack frameworks validate" in text


def test_the_catalogue_readme_example_validates():
    from tracker.catalog import validate_text

    text = (ROOT / "models_catalog" / "README.md").read_text()
    example = re.search(r"```toml\n(.*?)```", text, re.S).group(1)
    fw, problems = validate_text(example, "README example")
    assert problems == []
    assert fw.checkpoint_ids == ["prepare.sponsor", "prepare.readiness", "enablers.leadership"]


def test_every_package_is_in_the_wheel():
    """pyproject lists packages by hand; a new sub-package left off would be missing from
    an installed scaletrack while every test here, run from the source tree, passed."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "tracker").rglob("__init__.py")}
    assert found - listed == set()


def _imported_modules(tree):
    """Every module a parsed file imports, at the top or inside a function, by any spelling
    (``import x``, ``from x import y``, ``__import__("x")``, ``importlib.import_module("x")``)."""
    import ast

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Name) and node.func.id == "__import__")
                   or (isinstance(node.func, ast.Attribute)
                       and node.func.attr == "import_module"))):
            yield node.args[0].value


def test_the_cli_imports_no_sqlalchemy_anywhere():
    """tracker/cli is a thin skin: a command that needs the database calls the library,
    which holds every query; so no CLI module imports SQLAlchemy, even inside a callback."""
    import ast

    files = sorted((ROOT / "tracker" / "cli").rglob("*.py"))
    assert len(files) >= 10  # the walk finds the command modules
    offenders = {str(f.relative_to(ROOT)): name for f in files
                 for name in _imported_modules(ast.parse(f.read_text(), str(f)))
                 if name == "sqlalchemy" or name.startswith("sqlalchemy.")}
    assert offenders == {}


def test_the_sqlalchemy_check_sees_every_spelling():
    import ast

    code = ("import os\nfrom sqlalchemy import select\ndef f():\n    import sqlalchemy.orm\n"
            "    __import__('sqlalchemy.exc')\n    importlib.import_module('sqlalchemy')\n"
            "from . import app\n")
    assert list(_imported_modules(ast.parse(code))) == [
        "os", "sqlalchemy", "sqlalchemy.orm", "sqlalchemy.exc", "sqlalchemy"]
