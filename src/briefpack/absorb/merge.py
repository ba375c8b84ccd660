"""Three-way merge of a source file: what it was built from (base), that text with the DOCX's
edits (ours), and the file as it is today (theirs).

Line-based, like diff3, but a change counts for the whole block it touches (a paragraph, a list
item, a table row, a front-matter line): edits to different blocks are both kept; the same block
changed on both sides — differently — is a conflict, and nothing is merged.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field


@dataclass
class Conflict:
    line: int  # 1-based, in today's file
    ours: str  # the block as the DOCX has it
    theirs: str  # the block as the file has it today


@dataclass
class Merged:
    text: str
    conflicts: list[Conflict] = field(default_factory=list)
    base_to_theirs: dict[int, int] = field(default_factory=dict)  # 0-based line maps
    ours_to_merged: dict[int, int] = field(default_factory=dict)


@dataclass
class _Hunk:
    first: int  # base lines [first, end) become `lines`
    end: int
    lines: list[str]
    side: str
    lo: int = 0  # the blocks it touches, [lo, hi)
    hi: int = 0


def _hunks(base: list[str], other: list[str], side: str) -> list[_Hunk]:
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    return [_Hunk(i1, i2, other[j1:j2], side) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _line_map(base: list[str], other: list[str]) -> dict[int, int]:
    """base line → the line it is (or the line where its hunk went) in `other`."""
    out = {}
    matcher = difflib.SequenceMatcher(None, base, other, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k in range(i1, i2):
            out[k] = j1 + (k - i1 if tag == "equal" else min(k - i1, max(0, j2 - j1 - 1)))
    out[len(base)] = len(other)
    return out


def merge3(base: str, ours: str, theirs: str, blocks: list[tuple[int, int]]) -> Merged:
    """`blocks`: 0-based line ranges [first, end) of the base's blocks."""
    b, o, t = base.split("\n"), ours.split("\n"), theirs.split("\n")
    base_to_theirs = _line_map(b, t)
    if theirs == base:
        return Merged(ours, [], base_to_theirs, {k: k for k in range(len(o) + 1)})
    if ours == base or ours == theirs:
        return Merged(theirs, [], base_to_theirs, _line_map(o, t))
    hunks = _hunks(b, o, "ours") + _hunks(b, t, "theirs")
    for h in hunks:
        h.lo, h.hi = _reach(h, blocks)
    hunks.sort(key=lambda h: (h.lo, h.hi, h.side))
    conflicts: list[Conflict] = []
    applied: list[_Hunk] = []
    k = 0
    while k < len(hunks):
        group = [hunks[k]]
        hi = hunks[k].hi
        k += 1
        while k < len(hunks) and (hunks[k].lo < hi or (hunks[k].lo == hi == group[-1].lo)):
            group.append(hunks[k])
            hi = max(hi, hunks[k].hi)
            k += 1
        sides = {h.side for h in group}
        if len(sides) == 1:
            applied.extend(group)
            continue
        ours_h = [h for h in group if h.side == "ours"]
        theirs_h = [h for h in group if h.side == "theirs"]
        if [(h.first, h.end, h.lines) for h in ours_h] == [(h.first, h.end, h.lines) for h in theirs_h]:
            applied.extend(ours_h)  # the same change on both sides
            continue
        lo = min(h.lo for h in group)
        hi = max(h.hi for h in group)
        conflicts.append(Conflict(
            line=base_to_theirs.get(lo, len(t)) + 1,
            ours="\n".join(_apply(b, ours_h)[lo:hi + _growth(ours_h)]),
            theirs="\n".join(_apply(b, theirs_h)[lo:hi + _growth(theirs_h)]),
        ))
    if conflicts:
        return Merged(theirs, conflicts, base_to_theirs, {})
    merged = _apply(b, applied)
    text = "\n".join(merged)
    return Merged(text, [], base_to_theirs, _line_map(o, merged))


def _reach(hunk: _Hunk, blocks: list[tuple[int, int]]) -> tuple[int, int]:
    """The base lines of every block the hunk touches."""
    lo, hi = hunk.first, hunk.end
    for first, end in blocks:
        touches = (first < hunk.end and hunk.first < end) if hunk.end > hunk.first else (first < hunk.first < end)
        if touches:
            lo, hi = min(lo, first), max(hi, end)
    return lo, hi


def _apply(base: list[str], hunks: list[_Hunk]) -> list[str]:
    out = list(base)
    for h in sorted(hunks, key=lambda h: (h.first, h.end), reverse=True):
        out[h.first:h.end] = h.lines
    return out


def _growth(hunks: list[_Hunk]) -> int:
    return sum(len(h.lines) - (h.end - h.first) for h in hunks)
