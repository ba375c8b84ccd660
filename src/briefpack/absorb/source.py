"""One source file's text as absorb edits it: its lines, where each block's inline content sits
on them, the markup its author used, and the file's habits (emphasis marker, bullet, wrap
width, footnote label style).

The blocks come from the model (their `span`, recorded by the Markdown reader); the inline
content and markup from markdown-it run over the same text, the way the reader ran it.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass

from .. import model as m
from ..sources.markdown import _MD
from .markdown_write import Habits, Node

_DEF_LINE = re.compile(r"^ {0,3}\[([^\]]+)\]:")


@dataclass
class Segment:
    line: int  # 0-based line index in the file
    start: int  # columns of the inline content on that line
    end: int


@dataclass
class Leaf:
    """A block whose text absorb edits in place: its lines [first, end) (0-based, trailing blank
    lines left out) and the columns of its inline content on each of them."""

    kind: str  # "inline", "row", "code", "rule", "marker"
    first: int
    end: int
    segments: list[Segment]
    content: str = ""  # the inline content as markdown-it read it ("" for code and rules)
    cells: list[list[Segment]] | None = None  # a table row: each cell's segment
    cell_contents: list[str] | None = None


def front_matter_end(lines: list[str]) -> int:
    """Index of the first body line (as the loader splits a section file)."""
    if not lines or lines[0].strip() != "---":
        return 0
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return i + 1
    return len(lines)


class SourceFile:
    def __init__(self, path: str, text: str, section: m.Section | None = None):
        self.path = path
        self.text = text
        self.lines = text.split("\n")
        self.section = section
        self.body_start = front_matter_end(self.lines) if path != "pack.yaml" else 0
        self.env: dict = {}
        self.tokens = _MD.parse("\n".join(self.lines[self.body_start:]), self.env) if path != "pack.yaml" else []
        self._inline: dict[tuple[str, int], list] = collections.defaultdict(list)
        stack: list[str] = []
        for k, tok in enumerate(self.tokens):
            if tok.type.endswith("_open"):
                stack.append(tok.type[:-5])
            elif tok.type.endswith("_close") and stack:
                stack.pop()
            if tok.type == "inline" and tok.map is not None:
                owner = stack[-1] if stack else "paragraph"
                self._inline[(owner, tok.map[0] + self.body_start)].append(tok)
        self.habits = self._habits()
        self.parents: dict[int, list] = {}
        if section is not None:
            self._walk(section.children, [])
            for note in section.footnotes.values():
                self._walk(note.children, [note])

    # ------------------------------------------------------------------ structure

    def _walk(self, blocks, chain: list) -> None:
        for block in blocks:
            self.parents[id(block)] = chain
            if isinstance(block, m.BlockQuote):
                self._walk(block.children, chain + [block])
            elif isinstance(block, (m.BulletList, m.OrderedList)):
                for item in block.items:
                    self.parents[id(item)] = chain + [block]
                    self._walk(item.children, chain + [block, item])

    def chain(self, node) -> list:
        """The containers of a block, outermost first (lists, items, quotes, the footnote)."""
        return self.parents.get(id(node), [])

    def lines_of(self, node) -> tuple[int, int]:
        """A block's lines as 0-based [first, end), trailing blank lines left out."""
        first, end = node.span[0] - 1, node.span[1] - 1
        while end > first + 1 and not self.lines[end - 1].strip():
            end -= 1
        return first, end

    def blocks(self) -> list[tuple[int, int]]:
        """0-based line ranges a three-way merge treats as one thing each: every front-matter
        line, every paragraph, heading, table row, code block (list items and notes by their
        paragraphs), every reference definition."""
        out = [(k, k + 1) for k in range(0, self.body_start)]
        if self.section is None:
            return [(k, k + 1) for k in range(len(self.lines))]

        def walk(blocks) -> None:
            for block in blocks:
                if isinstance(block, m.Table):
                    rows = [line - 1 for line in block.row_lines]
                    if rows:
                        out.append((rows[0], rows[0] + 2))
                        out.extend((r, r + 1) for r in rows[1:])
                elif isinstance(block, m.BlockQuote):
                    walk(block.children)
                elif isinstance(block, (m.BulletList, m.OrderedList)):
                    for item in block.items:
                        if item.children and isinstance(item.children[0], (m.Paragraph, m.Heading)):
                            walk(item.children)
                        elif item.span:
                            out.append((item.span[0] - 1, item.span[0]))
                            walk(item.children)
                elif getattr(block, "span", None):
                    out.append(self.lines_of(block))

        walk(self.section.children)
        for note in self.section.footnotes.values():
            walk(note.children)
        for ref in self.env.get("references", {}).values():
            if ref.get("map"):
                out.append((self.body_start + ref["map"][0], self.body_start + ref["map"][1]))
        return sorted(out)

    # ------------------------------------------------------------------ leaves

    def leaf(self, node, role: str = "block", row: int | None = None) -> Leaf | None:
        """The leaf for a model node (None when its text cannot be located exactly)."""
        if role == "row":
            return self._row(node, row)
        if role == "marker":
            first = node.span[0] - 1
            return Leaf("marker", first, first + 1, [])
        if isinstance(node, m.CodeBlock):
            first, end = self.lines_of(node)
            return Leaf("code", first, end, [])
        if isinstance(node, m.ThematicBreak):
            first, end = self.lines_of(node)
            return Leaf("rule", first, end, [])
        if isinstance(node, (m.Paragraph, m.Figure, m.Heading)):
            owner = "heading" if isinstance(node, m.Heading) else "paragraph"
            found = self._inline.get((owner, node.span[0] - 1))
            if not found:
                return None
            first, end = self.lines_of(node)
            content = found[0].content
            segments = self._segments(first, end, content, heading=isinstance(node, m.Heading))
            if segments is None:
                return None
            return Leaf("inline", first, end, segments, content)
        return None

    def _segments(self, first: int, end: int, content: str, heading: bool) -> list[Segment] | None:
        pieces = content.split("\n")
        if heading and len(pieces) == 1:
            line = self.lines[first]
            atx = re.match(r"^(\s*#{1,6}[ \t]+)(.*?)([ \t]+#+[ \t]*|[ \t]*)$", line)
            if atx and atx.group(2) == content:
                return [Segment(first, len(atx.group(1)), len(atx.group(1)) + len(content))]
            # setext: the text lines, then the underline
        segments = []
        for k, piece in enumerate(pieces):
            index = first + k
            if index >= end:
                return None
            line = self.lines[index]
            body = line.rstrip(" \t") if k == len(pieces) - 1 else line
            piece_body = piece.rstrip(" \t") if k == len(pieces) - 1 else piece
            if not body.endswith(piece_body):
                return None
            start = len(body) - len(piece_body)
            segments.append(Segment(index, start, start + len(piece_body)))
        return segments

    def _row(self, table: m.Table, row: int) -> Leaf | None:
        if row >= len(table.row_lines):
            return None
        index = table.row_lines[row] - 1
        owner = "th" if row == 0 else "td"
        found = self._inline.get((owner, index), [])
        line = self.lines[index]
        cells = split_row(line)
        if cells is None or len(found) < len(cells):
            # markdown-it drops cells beyond the header's count and fills missing ones
            if cells is None:
                return None
        contents = [tok.content for tok in found]
        segments = []
        for (start, end), content in zip(cells, contents):
            raw = line[start:end]
            lead = len(raw) - len(raw.lstrip(" \t"))
            if raw.strip(" \t") != content:
                return None
            if not content:
                lead = min(1, len(raw))
            segments.append(Segment(index, start + lead, start + lead + len(content)))
        return Leaf("row", index, index + 1, segments, cells=[[Segment(index, a, b)] for a, b in cells],
                    cell_contents=contents)

    # ------------------------------------------------------------------ markup

    def nodes(self, content: str) -> list[Node]:
        """The inline content of a leaf as nodes carrying the markup its author typed."""
        tokens = _MD.parseInline(content, self.env)
        children = tokens[0].children if tokens and tokens[0].children else []
        plain_env = {k: v for k, v in self.env.items() if k != "references"}
        bare = _MD.parseInline(content, plain_env)
        bare_links = [t.attrs.get("href") for t in (bare[0].children or []) if t.type == "link_open"] if bare else []
        links = [t for t in children if t.type == "link_open"]
        kinds = _link_kinds([t.attrs.get("href") for t in links], bare_links)
        kind_of = {id(t): k for t, k in zip(links, kinds)}
        return self._build(children, kind_of, content)

    def _build(self, tokens, kind_of, content) -> list[Node]:
        root: list[Node] = []
        stack: list[Node] = []

        def add(node: Node) -> None:
            (stack[-1].children if stack else root).append(node)

        for tok in tokens:
            t = tok.type
            if t in ("text", "html_inline"):
                target = stack[-1].children if stack else root
                if target and target[-1].kind == "text":
                    target[-1].text += tok.content
                else:
                    add(Node("text", text=tok.content))
            elif t == "softbreak":
                add(Node("text", text=" "))
            elif t == "hardbreak":
                add(Node("break"))
            elif t == "code_inline":
                add(Node("code", text=tok.content, markup=tok.markup))
            elif t in ("em_open", "strong_open", "s_open"):
                node = Node({"em_open": "em", "strong_open": "strong", "s_open": "strike"}[t], markup=tok.markup)
                add(node)
                stack.append(node)
            elif t == "link_open":
                kind = kind_of.get(id(tok), "inline")
                node = Node("link", target=tok.attrs.get("href", ""), title=tok.attrs.get("title") or None)
                if kind == "autolink" or tok.markup == "autolink":
                    node.markup = "autolink"
                elif kind == "reference":
                    node.markup, node.label = self._reference(node, content)
                else:
                    node.markup = "inline"
                add(node)
                stack.append(node)
            elif t in ("em_close", "strong_close", "s_close", "link_close") and stack:
                stack.pop()
            elif t == "image":
                add(Node("image", text=tok.content, target=tok.attrs.get("src", ""), title=tok.attrs.get("title") or None))
            elif t == "footnote_ref":
                add(Node("note", label=tok.meta["label"]))
        return root

    def _reference(self, node: Node, content: str) -> tuple[str, str]:
        """('reference:full' | ':collapsed' | ':shortcut', label as written) for a reference link."""
        candidates = []
        for key, ref in self.env.get("references", {}).items():
            if ref.get("href") == node.target and (ref.get("title") or None) == node.title:
                line = self.body_start + ref["map"][0] if ref.get("map") else None
                match = _DEF_LINE.match(self.lines[line]) if line is not None and line < len(self.lines) else None
                candidates.append(match.group(1) if match else key)
        for label in candidates:
            if re.search(r"\]\[" + re.escape(label) + r"\]", content, re.I):
                return "reference:full", label
        for label in candidates:
            if re.search(r"\[" + re.escape(label) + r"\]\[\]", content, re.I):
                return "reference:collapsed", label
        if candidates:
            return "reference:shortcut", candidates[0]
        return "inline", ""

    def definition_line(self, label: str) -> int | None:
        ref = self.env.get("references", {}).get(_normal_label(label))
        if not ref or not ref.get("map"):
            return None
        return self.body_start + ref["map"][0]

    # ------------------------------------------------------------------ habits

    def _habits(self) -> Habits:
        habits = Habits()
        counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

        def scan(tokens) -> None:
            for tok in tokens:
                if tok.type in ("em_open", "strong_open", "bullet_list_open", "ordered_list_open", "fence", "hr"):
                    counts[tok.type][tok.markup] += 1
                if tok.type == "hardbreak":
                    counts["break"]["backslash"] += 1
                if tok.children:
                    scan(tok.children)

        scan(self.tokens)
        for key, attr in (("em_open", "em"), ("strong_open", "strong"), ("bullet_list_open", "bullet"),
                          ("ordered_list_open", "ordered"), ("fence", "fence"), ("hr", "rule")):
            if counts[key]:
                setattr(habits, attr, counts[key].most_common(1)[0][0])
        body = self.lines[self.body_start:]
        if any(line.endswith("\\") for line in body):
            habits.hard_break = "\\"
        elif any(line.endswith("  ") and line.strip() for line in body):
            habits.hard_break = "  "
        # wrap width: the longest line of a paragraph that goes on to another line
        widths = []
        for (owner, start), toks in self._inline.items():
            for tok in toks:
                if owner in ("paragraph",) and tok.map and tok.map[1] - tok.map[0] > 1:
                    for index in range(start, start + tok.map[1] - tok.map[0] - 1):
                        widths.append(len(self.lines[index].rstrip()))
        if widths:
            widths.sort()
            habits.width = max(60, widths[int(len(widths) * 0.9) - 1 if len(widths) > 1 else 0])
        labels = [t.meta["label"] for t in self._all(self.tokens) if t.type == "footnote_ref"]
        habits.note_labels = "number" if not labels or all(l.isdigit() for l in labels) else "word"
        return habits

    def _all(self, tokens):
        for tok in tokens:
            yield tok
            if tok.children:
                yield from self._all(tok.children)

    def note_labels(self) -> set[str]:
        labels = {t.meta["label"] for t in self._all(self.tokens) if t.type == "footnote_ref"}
        for line in self.lines:
            match = re.match(r"^ {0,3}\[\^([^\]\s]+)\]:", line)
            if match:
                labels.add(match.group(1))
        return labels


def split_row(line: str) -> list[tuple[int, int]] | None:
    """The columns of each cell of a table row line (between unescaped pipes, outside code)."""
    positions = []
    k = 0
    ticks = ""
    while k < len(line):
        ch = line[k]
        if ch == "\\":
            k += 2
            continue
        if ch == "`":
            run = re.match(r"`+", line[k:]).group(0)
            if ticks == "":
                closing = line.find(run, k + len(run))
                if closing != -1:
                    k = closing + len(run)
                    continue
            k += len(run)
            continue
        if ch == "|":
            positions.append(k)
        k += 1
    stripped = line.strip()
    lead = len(line) - len(line.lstrip())
    bounds = []
    start = lead + 1 if stripped.startswith("|") else lead
    pipes = [p for p in positions if p >= start]
    for p in pipes:
        bounds.append((start, p))
        start = p + 1
    tail = line.rstrip()
    if start < len(tail):
        bounds.append((start, len(tail)))
    return bounds or None


def _link_kinds(with_refs: list, without_refs: list) -> list[str]:
    """Which links of a paragraph were written as references: those that are no links at all
    when the reference definitions are taken away."""
    import difflib

    kinds = ["reference"] * len(with_refs)
    matcher = difflib.SequenceMatcher(None, with_refs, without_refs, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            kinds[block.a + k] = "inline"
    return kinds


def _normal_label(label: str) -> str:
    return re.sub(r"\s+", " ", label.strip()).upper()
