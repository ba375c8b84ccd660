"""Problems found in the sources, and the exceptions that carry them.

A `Problem` is a value (file, line, message); the loader collects every problem it finds and
raises them together, so `briefpack check` can report all of them at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def display_path(path: Path | None) -> str:
    """A path as a user wants to read it: relative to the working folder when it is inside it."""
    if path is None:
        return "<pack>"
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return str(path) if relative.startswith("..") else relative


@dataclass(frozen=True)
class Problem:
    path: Path | None
    line: int | None
    message: str
    severity: str = "error"  # "error" or "warning"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        where = display_path(self.path)
        if self.line:
            where += f":{self.line}"
        label = "" if self.is_error else "warning: "
        return f"{where}: {label}{self.message}"


class BriefpackError(Exception):
    """Base of every error a user can cause; the CLI prints it without a traceback."""

    exit_code = 1


class SourceError(BriefpackError):
    """The sources have problems (every one of them is listed)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.is_error]
        super().__init__(f"{len(errors)} problem(s) in the sources")


class UsageError(BriefpackError):
    """The command asked for something that does not exist (an unknown topic, say)."""

    exit_code = 2


class BuildError(BriefpackError):
    """Rendering or writing failed for a reason the user can act on."""


class Problems:
    """A collector: `add()` problems while reading, then `raise_if_errors()`."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def error(self, path: Path | None, line: int | None, message: str) -> None:
        self.items.append(Problem(path, line, message, "error"))

    def warning(self, path: Path | None, line: int | None, message: str) -> None:
        self.items.append(Problem(path, line, message, "warning"))

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.items)

    def raise_if_errors(self) -> None:
        if self.has_errors:
            raise SourceError(sorted_problems(self.items))


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (str(p.path or ""), p.line or 0))
