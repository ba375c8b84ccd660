"""Edits to one source file's text: a changed block rewritten word by word in its own lines, a
deleted block taken out with its blank line, a new block written where the DOCX has it, in the
file's habits.

A changed block is done the way a careful person would: the block's words as they were and as
they are now are both written out with the same conventions (`markdown_write`), compared word
by word, and only the words that differ are replaced in the file's own text — its line breaks,
escapes and spacing stay wherever nobody typed. Where the source and the written-out old words
do not correspond (an escape the writer would not make, say) and an edit touches that spot,
that stretch is written afresh.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from .markdown_write import Habits, Node, render, safe_line_start, wrap
from .source import Leaf, SourceFile


#: a word, as absorb compares them: what lies between ASCII spaces, tabs and line ends (a
#: no-break space binds two words into one, as it does in print)
WORD = re.compile(r"[^ \t\n\r\f\v]+")


def words(text: str) -> list[str]:
    return WORD.findall(text)


class Unplaceable(Exception):
    """An edit this file's structure gives no safe place for (message for the user)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class LineEdit:
    first: int  # 0-based lines [first, end) are replaced by `lines`
    end: int
    lines: list[str]
    order: int = 0


@dataclass
class Editor:
    source: SourceFile
    edits: list[LineEdit] = field(default_factory=list)

    @property
    def habits(self) -> Habits:
        return self.source.habits

    def replace(self, first: int, end: int, lines: list[str]) -> None:
        self.edits.append(LineEdit(first, end, lines, len(self.edits)))

    def result(self) -> str:
        lines = list(self.source.lines)
        # insertions at the same place keep the order they were made in
        ordered = sorted(self.edits, key=lambda e: (e.first, e.end, e.order))
        last_end = -1
        for edit in ordered:
            if edit.first < last_end:
                raise Unplaceable(edit.first + 1, "two edits overlap here")
            last_end = max(last_end, edit.end)
        for edit in reversed(ordered):
            lines[edit.first:edit.end] = edit.lines
        return "\n".join(lines)

    # ------------------------------------------------------------------ a changed block

    def change_inline(self, leaf: Leaf, old: list[Node], new: list[Node], fresh: bool = False) -> None:
        """Rewrite a paragraph-like block's words from `old` (as the DOCX was built) to `new`."""
        src = self.source
        first_line = src.lines[leaf.first]
        lead = first_line[: leaf.segments[0].start]
        last = leaf.segments[-1]
        trail = src.lines[last.line][last.end:]
        if words(render(old, self.habits)) == words(render(new, self.habits)):
            return  # the same Markdown either way (a reference link's new address goes in its definition)
        if not fresh:
            lines = word_edit(src.lines, leaf.segments, render(old, self.habits), render(new, self.habits))
            if lines is not None:
                self.replace(leaf.first, leaf.segments[-1].line + 1, lines)
                return
        # written afresh, wrapped like the file, with the block's own prefixes
        prefix = _continuation_prefix(src.lines, leaf)
        text = safe_line_start(render(new, self.habits))
        lines = wrap(text, self.habits.width, lead, prefix)
        lines[-1] += trail
        self.replace(leaf.first, leaf.segments[-1].line + 1, lines)

    def change_row(self, leaf: Leaf, old_cells: list[list[Node]], new_cells: list[list[Node]]) -> None:
        """A table row with changed cells: only the changed cells are rewritten (word by word),
        each keeping its column's width when the new text fits."""
        line = self.source.lines[leaf.first]
        out = []
        cursor = 0
        for k, (raw, content) in enumerate(zip(leaf.cells or [], leaf.segments)):
            start, end = raw[0].start, raw[0].end
            old = render(old_cells[k], self.habits) if k < len(old_cells) else ""
            new = render(new_cells[k], self.habits).replace("|", "\\|") if k < len(new_cells) else ""
            if old == new:
                continue
            edited = word_edit(self.source.lines, [content], old, new) if old.strip() and new.strip() else None
            if edited is not None:
                text = edited[0][content.start:len(edited[0]) - (len(line) - content.end)]
            else:
                text = new
            lead = line[start:content.start] if content.start > start else " "
            cell = lead + text
            width = end - start
            cell = cell + " " * (width - len(cell)) if len(cell) < width else cell + " "
            out.append(line[cursor:start])
            out.append(cell)
            cursor = end
        out.append(line[cursor:])
        self.replace(leaf.first, leaf.first + 1, ["".join(out)])

    # ------------------------------------------------------------------ deletions and insertions

    def delete_lines(self, first: int, end: int, blank_around: bool = True) -> None:
        """Take out lines [first, end) and, between blocks, one of the blank lines around them."""
        lines = self.source.lines
        if blank_around:
            before_blank = first == self.source.body_start or (first > 0 and not lines[first - 1].strip())
            after_blank = end < len(lines) and not lines[end].strip()
            if before_blank and after_blank:
                end += 1
            elif not before_blank and not after_blank:
                pass
            elif end >= len(lines) and first > 0 and not lines[first - 1].strip():
                first -= 1
        self.replace(first, end, [])

    def insert_lines(self, at: int, lines: list[str], separated: bool) -> None:
        """New lines at 0-based line `at`; a new block (`separated`) gets blank lines around it."""
        src = self.source.lines
        block = list(lines)
        if separated:
            if at > self.source.body_start and src[at - 1].strip():
                block.insert(0, "")
            if at < len(src) and src[at].strip():
                block.append("")
        self.replace(at, at, block)


def word_edit(lines: list[str], segments, old: str, new: str) -> list[str] | None:
    """The segment lines with `old` → `new` applied word by word to the text as it stands in the
    file; None when the file's words and `old` have too little in common to do that."""
    old_words, new_words = words(old), words(new)
    toks = []  # (line index in `lines`, start, end)
    for seg in segments:
        for match in WORD.finditer(lines[seg.line][seg.start:seg.end]):
            toks.append((seg.line, seg.start + match.start(), seg.start + match.end()))
    file_words = [lines[l][s:e] for l, s, e in toks]
    if not toks:
        return None
    source_match = difflib.SequenceMatcher(None, old_words, file_words, autojunk=False)
    if source_match.ratio() < 0.5:
        return None
    to_file = {}
    for block in source_match.get_matching_blocks():
        for k in range(block.size):
            to_file[block.a + k] = block.b + k
    to_new = {}
    for block in difflib.SequenceMatcher(None, old_words, new_words, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            to_new[block.a + k] = block.b + k
    anchors = [(-1, -1, -1)]
    for i in range(len(old_words)):
        if i in to_file and i in to_new and to_file[i] > anchors[-1][1] and to_new[i] > anchors[-1][2]:
            anchors.append((i, to_file[i], to_new[i]))
    anchors.append((len(old_words), len(file_words), len(new_words)))
    gaps = []
    for (a, fa, na), (b, fb, nb) in zip(anchors, anchors[1:]):
        if old_words[a + 1:b] != new_words[na + 1:nb]:
            gaps.append((fa + 1, fb, new_words[na + 1:nb]))
    first_line = segments[0].line
    last_line = segments[-1].line
    text = "\n".join(lines[first_line:last_line + 1])
    starts = [0]
    for line in lines[first_line:last_line]:
        starts.append(starts[-1] + len(line) + 1)

    def pos(k: int, end: bool = False) -> int:
        line, start, stop = toks[k]
        return starts[line - first_line] + (stop if end else start)

    content_start = pos(0)
    replacements = []  # (start, end, text) in `text`
    for c1, c2, new_gap in gaps:
        new_gap = list(new_gap)
        if c2 > c1:
            start, stop = pos(c1), pos(c2 - 1, end=True)
            seps = [text[pos(k, True):pos(k + 1)] for k in range(c1, c2 - 1)]
            if new_gap:
                replacements.append((start, stop, _join(new_gap, seps, at_start=start == content_start)))
            else:
                before = text[pos(c1 - 1, True):start] if c1 > 0 else None
                after = text[stop:pos(c2)] if c2 < len(toks) else None
                if after is not None and ("\n" not in after or before is None or "\n" in before):
                    replacements.append((start, pos(c2), ""))
                    if start == content_start and c2 < len(toks):
                        following = text[pos(c2):pos(c2, True)]
                        replacements[-1] = (start, pos(c2, True), safe_line_start(following))
                elif before is not None:
                    replacements.append((pos(c1 - 1, True), stop, ""))
                else:
                    replacements.append((start, stop, ""))
        else:
            if c1 > 0:
                at = pos(c1 - 1, True)
                replacements.append((at, at, " " + _join(new_gap, [], at_start=False)))
            else:
                at = pos(0)
                replacements.append((at, at, _join(new_gap, [], at_start=True) + " "))
    out = text
    for start, stop, new_text in sorted(replacements, reverse=True):
        out = out[:start] + new_text + out[stop:]
    return lines[first_line:first_line] + out.split("\n")


def _join(words: list[str], seps: list[str], at_start: bool) -> str:
    """Words joined by the separators that stood between the old ones: line breaks kept first,
    spaces where there are too few."""
    need = len(words) - 1
    if len(seps) > need:
        keep = [k for k, s in enumerate(seps) if "\n" in s][:need]
        keep += [k for k, s in enumerate(seps) if "\n" not in s][: need - len(keep)]
        seps = [seps[k] for k in sorted(keep)]
    seps = seps + [" "] * (need - len(seps))
    out = []
    for k, word in enumerate(words):
        if k == 0 and at_start:
            word = safe_line_start(word)
        elif k and "\n" in seps[k - 1]:
            word = safe_line_start(word)
        if k:
            out.append(seps[k - 1])
        out.append(word)
    return "".join(out)


def _continuation_prefix(lines: list[str], leaf: Leaf) -> str:
    """What starts the block's second and later lines: the prefix they already have, else the
    first line's prefix with its list marker turned into spaces."""
    if len(leaf.segments) > 1:
        seg = leaf.segments[1]
        return lines[seg.line][: seg.start]
    lead = lines[leaf.first][: leaf.segments[0].start]
    return re.sub(r"([-+*]|\d{1,9}[.)]|\[\^[^\]]+\]:)(\s)", lambda mm: " " * len(mm.group(0)), lead)


# --------------------------------------------------------------------------- new blocks


def item_marker(line: str) -> tuple[str, str, int] | None:
    """(indent, marker, content column) of a list item's first line (after quote prefixes)."""
    match = re.match(r"^((?:\s*>)*\s*)([-+*]|\d{1,9}[.)])(\s+|$)", line)
    if not match:
        return None
    return match.group(1), match.group(2), len(match.group(0)) if match.group(3) else len(match.group(0)) + 1


def next_marker(marker: str) -> str:
    number = re.match(r"^(\d+)([.)])$", marker)
    return f"{int(number.group(1)) + 1}{number.group(2)}" if number else marker


def is_ordered(marker: str) -> bool:
    return marker[:1].isdigit()


def heading_line(level: int, text: str) -> str:
    return "#" * max(2, min(level, 6)) + " " + text


def new_paragraph_lines(nodes: list[Node], habits: Habits, first_prefix: str, prefix: str) -> list[str]:
    return wrap(safe_line_start(render(nodes, habits)), habits.width, first_prefix, prefix)


# --------------------------------------------------------------------------- ordered lists


def _ordered_lists(lines: list[str], body_start: int) -> list[list[tuple[int, str]]]:
    """For each ordered list: (0-based line, number as written) of each of its own items."""
    from ..sources.markdown import _MD

    tokens = _MD.parse("\n".join(lines[body_start:]), {})
    lists: list[list[tuple[int, str]]] = []
    stack: list[list | None] = []
    for tok in tokens:
        if tok.type == "ordered_list_open":
            stack.append([])
        elif tok.type == "bullet_list_open":
            stack.append(None)
        elif tok.type in ("ordered_list_close", "bullet_list_close"):
            done = stack.pop()
            if done is not None:
                lists.append(done)
        elif tok.type == "list_item_open" and stack and stack[-1] is not None and tok.map:
            stack[-1].append((body_start + tok.map[0], tok.info))
    return lists


def _irregular(items: list[tuple[int, str]]) -> bool:
    numbers = [int(n) for _, n in items if n.isdigit()]
    if len(numbers) != len(items) or len(set(numbers)) == 1:
        return False  # "1. 1. 1." is a style, not a slip
    return numbers != list(range(numbers[0], numbers[0] + len(numbers)))


def numbers_in_order(base: list[str], base_start: int) -> bool:
    """Whether the file numbers its ordered lists 1, 2, 3 (or always 1): then lists an edit
    left out of order are renumbered."""
    return not any(_irregular(items) for items in _ordered_lists(base, base_start))


def renumber(text: str, body_start: int) -> str:
    """Ordered lists whose items an edit left out of order, numbered in order again (only the
    numbers change, and only where the number keeps its width)."""
    lines = text.split("\n")
    for items in _ordered_lists(lines, body_start):
        if not _irregular(items):
            continue
        start = int(items[0][1])
        for k, (index, written) in enumerate(items):
            wanted = str(start + k)
            if wanted == written or len(wanted) != len(written):
                continue
            match = re.match(r"^((?:\s*>)*\s*)" + re.escape(written) + r"([.)])", lines[index])
            if match:
                lines[index] = match.group(1) + wanted + lines[index][len(match.group(1)) + len(written):]
    return "\n".join(lines)
