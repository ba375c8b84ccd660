"""Problems found in the sources, and the exceptions that carry them.

A `Problem` is a value (file, line, message); the loader collects every problem it finds and
raises them together, so `briefpack check` can report all of them at once.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

# What must never reach a terminal raw from a user's file: control characters (C0, DEL, C1:
# ESC sequences recolour or rewrite the screen, a newline fakes a line of output), line and
# paragraph separators, and the bidirectional controls that reorder what is shown.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def shown(text: object, *, keep_tabs: bool = False) -> str:
    """`text` safe to print on a terminal: every control, separator or bidi character written as
    an escape (\\n, \\x1b, \\u202e), so a file name or key holding one can neither colour the
    screen nor print a fake line. Used for every user-supplied string the CLI prints
    (`keep_tabs` for a diff, whose tabs are text)."""
    def escape(match: re.Match) -> str:
        char = match.group()
        if keep_tabs and char == "\t":
            return char
        return _ESCAPES.get(char, f"\\x{ord(char):02x}" if ord(char) < 256 else f"\\u{ord(char):04x}")

    return _UNSHOWABLE.sub(escape, str(text))


def shown_lines(text: object, *, indent: str = "") -> str:
    """`text` of several lines (a message quoting source text), each line `shown`; lines after
    the first start with `indent` (so quoted text cannot pass for a line of its own)."""
    first, *rest = str(text).split("\n")
    return "\n".join([shown(first), *(indent + shown(line) for line in rest)])


def display_path(path: Path | None) -> str:
    """A path as a user wants to read it: relative to the working folder when it is inside it
    (and `shown`, so that a name holding a newline or an escape prints harmlessly)."""
    if path is None:
        return "<pack>"
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return shown(path)
    return shown(path if relative.startswith("..") else relative)


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
        return self.located(label=not self.is_error)

    def located(self, *, label: bool = False) -> str:
        """`file:line: message`, with "warning: " before the message if `label`."""
        where = display_path(self.path)
        if self.line:
            where += f":{self.line}"
        # a message quotes keys, titles and file names from the sources: never raw
        return f"{where}: {'warning: ' if label else ''}{shown(self.message)}"


class BriefpackError(Exception):
    """Base of every error a user can cause; the CLI prints it without a traceback."""

    exit_code = 1


class SourceError(BriefpackError):
    """The sources have problems (every one of them is listed)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.is_error]
        super().__init__(f"{len(errors)} problem(s) in the sources")

    def __reduce__(self):  # travels back from a forked render worker with its problems
        return (type(self), (self.problems,))


class UsageError(BriefpackError):
    """The command asked for something that does not exist (an unknown topic, say)."""

    exit_code = 2


class BuildError(BriefpackError):
    """Rendering or writing failed for a reason the user can act on."""


class Problems:
    """A collector: `add()` problems while reading, then `raise_if_errors()`.

    At most `MAX_PER_FILE` problems are kept per file (a generated or damaged file can hold
    thousands of the same mistake); one more line says how many were left out."""

    MAX_PER_FILE = 100

    def __init__(self) -> None:
        self.items: list[Problem] = []
        self._count: dict[Path | None, int] = {}
        self._dropped: dict[Path | None, list[int]] = {}  # path → [problems, errors] left out
        self._summary: dict[Path | None, int] = {}  # path → index of its "left out" line

    def error(self, path: Path | None, line: int | None, message: str) -> None:
        self._add(Problem(path, line, message, "error"))

    def warning(self, path: Path | None, line: int | None, message: str) -> None:
        self._add(Problem(path, line, message, "warning"))

    def full(self, path: Path | None) -> bool:
        """True once `path` has as many problems as are listed."""
        return self._count.get(path, 0) >= self.MAX_PER_FILE

    def _add(self, problem: Problem) -> None:
        path = problem.path
        if not self.full(path):
            self._count[path] = self._count.get(path, 0) + 1
            self.items.append(problem)
            return
        dropped = self._dropped.setdefault(path, [0, 0])
        dropped[0] += 1
        dropped[1] += problem.is_error
        summary = Problem(
            path, None,
            f"{dropped[0]} more problem(s) in this file are not listed (only the first {self.MAX_PER_FILE} are)",
            "error" if dropped[1] else "warning",
        )
        if path in self._summary:
            self.items[self._summary[path]] = summary
        else:
            self._summary[path] = len(self.items)
            self.items.append(summary)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.items)

    def raise_if_errors(self) -> None:
        if self.has_errors:
            raise SourceError(sorted_problems(self.items))


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (str(p.path or ""), p.line or 0))
