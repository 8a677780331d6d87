"""What an import found and did: its counts, and its problems and warnings by line.

``import_file`` fills one ``ImportResult`` as the rows stream past; problems
and warnings are counted in full but kept only up to a cap, each cut to a
length a screen can show, so a file with a million bad rows (or one huge cell)
still gives a short, readable answer.  ``ImportProblems`` is the one error a
failed import raises: every problem kept, in line order, and how many more.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.errors import BadInput

MAX_PROBLEMS = 50
MAX_WARNINGS = 20
PROBLEM_CHARS = 300  # no one problem may flood the screen (a million-column header...)


@dataclass
class ImportResult:
    """What an import did (a dry run: would do), and what it found wrong or unlikely."""

    rows: int = 0
    plans: int = 0
    added: int = 0
    already: int = 0
    plans_added: int = 0
    new_sites: list[str] = field(default_factory=list)
    retired_sites: list[str] = field(default_factory=list)  # retired by this import
    merged_sites: list[str] = field(default_factory=list)  # "A into B", merged by this import
    found: list[tuple[int, str]] = field(default_factory=list)  # (line, problem), capped
    problem_count: int = 0
    warnings: list[tuple[int, str]] = field(default_factory=list)  # capped
    warning_count: int = 0
    dry_run: bool = False

    def warning_lines(self) -> list[str]:
        shown = [f"line {line}: {text}" for line, text in sorted(self.warnings, key=by_line)]
        if self.warning_count > len(shown):
            shown.append(f"... and {self.warning_count - len(shown)} more warning(s)")
        return shown


class ImportProblems(BadInput):
    """Every problem found in a file, with its line; nothing was written."""

    def __init__(self, path: str, problems: list[str], total: int):
        more = f"\n... and {total - len(problems)} more" if total > len(problems) else ""
        super().__init__(f"{path}: {total} problem(s); nothing was imported:\n"
                         + "\n".join(problems) + more)
        self.problems, self.total = problems, total


def by_line(found: tuple[int, str]) -> int:
    """Sort key: the line of a (line, text) problem or warning."""
    return found[0]


def _short(text: str) -> str:
    return text if len(text) <= PROBLEM_CHARS else text[:PROBLEM_CHARS] + "..."


def problem(result: ImportResult, line: int, text: str) -> None:
    """Count a problem on ``line``; keep its text (cut short) while fewer than
    ``MAX_PROBLEMS`` are kept."""
    result.problem_count += 1
    if len(result.found) < MAX_PROBLEMS:
        result.found.append((line, _short(text)))


def warn(result: ImportResult, line: int, text: str) -> None:
    """Count a warning on ``line``; keep it as ``problem`` keeps a problem."""
    result.warning_count += 1
    if len(result.warnings) < MAX_WARNINGS:
        result.warnings.append((line, _short(text)))
