"""What `briefpack absorb` tells the user: a unified diff per changed source file, the findings
(comments, tracked changes, what was not absorbed) as `file:line: message`, a one-line summary."""

from __future__ import annotations

import difflib
from pathlib import Path

from ..errors import display_path
from .rewrite import Finding

KINDS = {"comment": "comment", "revision": "tracked change", "warning": "not absorbed", "error": "error", "info": "note"}



def where(finding: Finding, sources: Path) -> str:
    """`file:line` with the file as the user would open it from here."""
    path = finding.path
    if path == "pack.yaml" or path.startswith("sections/"):
        path = display_path(sources / path)
    return f"{path}:{finding.line}" if finding.line else path


def finding_line(finding: Finding, sources: Path) -> str:
    """`file:line: author: text` for a comment, `file:line: not absorbed: …` and the like for the rest."""
    label = "" if finding.severity in ("error", "comment") else f"{KINDS.get(finding.severity, finding.severity)}: "
    return f"{where(finding, sources)}: {label}{finding.message}"


def diff(result) -> str:
    out = []
    for change in result.changes:
        name = display_path(result.sources / change.path)
        # a path from here applies with `patch -p1` (a/…, b/…); one outside it, as `diff -u` names it
        old, new = (name, name) if Path(name).is_absolute() else (f"a/{name}", f"b/{name}")
        out.extend(difflib.unified_diff(change.old.splitlines(True), change.new.splitlines(True), old, new))
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n\\ No newline at end of file\n"
    return "".join(out)


def counts(change) -> tuple[int, int]:
    added = removed = 0
    for line in difflib.unified_diff(change.old.splitlines(), change.new.splitlines(), lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def summary(result, written: bool) -> str:
    notes = []
    comments = sum(1 for f in result.findings if f.severity == "comment")
    left = sum(1 for f in result.findings if f.severity == "warning")
    if comments:
        notes.append(f"{comments} comment{'s' if comments != 1 else ''}")
    if left:
        notes.append(f"{left} thing{'s' if left != 1 else ''} not absorbed")
    tail = f"; {', '.join(notes)} (listed above)" if notes else ""
    if not result.changes:
        if not result.edited:
            return f"nothing to absorb: {display_path(result.docx)} has no edits since it was built{tail}"
        return f"nothing to absorb: the sources already say what {display_path(result.docx)} says{tail}"
    files = ", ".join(
        f"{display_path(result.sources / c.path)} (+{a} −{r})" for c in result.changes for a, r in [counts(c)]
    )
    verb = "changed" if written else "would change (run again with --write to apply)"
    n = len(result.changes)
    return f"{n} file{'s' if n != 1 else ''} {verb}: {files}{tail}"
