"""Markdown → document model, in one place: one function per markdown-it node type.

The body of a section is parsed once with markdown-it-py (CommonMark + GFM tables and
strikethrough + footnotes; see `mdparser` for the parser and its guards against text that would
hang or crash it). Raw HTML is disabled, so `<script>` and friends arrive as plain text and are
printed literally. Problems (a footnote with no definition, a missing image, …) are collected
with their file line, never raised one at a time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from markdown_it.tree import SyntaxTreeNode

from .. import model as m
from ..errors import Problems
from ..model.naming import AnchorRegistry
from .mdparser import MAX_INLINE_NESTING, MAX_NESTING, TooCostly, bad_characters, line_of_paragraph, make_parser, parse, too_deep_inlines

# a call as it stays in the text when no definition matched ('[' is left out of the label so
# that a run of '[^[^[^' costs linear time)
_FOOTNOTE_CALL = re.compile(r"\[\^([^\]\s\[]+)\]")
_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")
_FENCE = re.compile(r"^ {0,3}(```+|~~~+)")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


_MD = make_parser()

#: loads an image given its `src` as written; returns a Resource or raises ResourceProblem
ImageLoader = Callable[[str], m.Resource]


@dataclass
class BodyContext:
    path: Path
    first_line: int  # file line of the body's first line
    #: anchors of this section's headings: local to the section, so that a parse depends only on
    #: the file; the loader makes them unique in the pack afterwards (see `ParsedBody.headings`)
    anchors: AnchorRegistry
    problems: Problems
    load_image: ImageLoader
    internal_links: list[tuple[str, int]] = field(default_factory=list)  # (anchor, line) to check later
    headings: list[tuple[str, str]] = field(default_factory=list)  # (text, anchor) in the order claimed


@dataclass
class ParsedBody:
    blocks: tuple[m.Block, ...]
    footnotes: dict[str, m.Footnote]
    #: (text, anchor given) of each heading, body then notes, in reading order: the loader claims
    #: pack-wide anchors from the texts in this order and renames the headings whose anchor differs
    headings: tuple[tuple[str, str], ...] = ()


def parse_body(text: str, ctx: BodyContext) -> ParsedBody:
    try:
        tokens, env = parse(_MD, text)
    except TooCostly as exc:
        ctx.problems.error(
            ctx.path, ctx.first_line + line_of_paragraph(text, exc.src),
            "this paragraph has too many '[' that are never closed (or brackets nested too deep) for "
            "Markdown to read in reasonable time: write \\[ for a literal bracket, or close the links",
        )
        return ParsedBody(blocks=(), footnotes={})
    _check_nesting(tokens, ctx)
    _check_inlines(tokens, ctx)
    tree = SyntaxTreeNode(tokens)
    conv = _Converter(ctx)
    body_nodes = [n for n in tree.children if n.type != "footnote_block"]
    blocks = conv.blocks(body_nodes)
    footnotes: dict[str, m.Footnote] = {}
    note_nodes = [n for blk in tree.children if blk.type == "footnote_block" for n in blk.children]
    conv.in_note = True
    for node in note_nodes:
        label = node.meta["label"]
        children = conv.blocks(node.children)
        maps = [c.map for c in node.children if c.map]
        line = (maps[0][0] if maps else 0) + ctx.first_line
        span = (line, max(end for _, end in maps) + ctx.first_line) if maps else None
        footnotes[label] = m.Footnote(label=label, children=children, line=line, span=span)
    _check_definitions(text, ctx, footnotes, env)
    return ParsedBody(blocks=blocks, footnotes=footnotes, headings=tuple(ctx.headings))


def _check_nesting(tokens, ctx: BodyContext) -> None:
    """markdown-it stops parsing at its nesting limit and drops what lies deeper: say so, rather
    than print a pack with text silently missing."""
    too_deep = next((t for t in tokens if t.level >= MAX_NESTING - 1), None)
    if too_deep is None:
        return
    line = next((t.map[0] for t in reversed(tokens[: tokens.index(too_deep) + 1]) if t.map), 0)
    ctx.problems.error(
        ctx.path, ctx.first_line + line,
        f"lists or block quotes are nested too deep here (the limit is {MAX_NESTING // 2 - 2} levels of lists, "
        f"{MAX_NESTING - 3} of quotes); text below that depth would be lost: flatten them",
    )


def _check_inlines(tokens, ctx: BodyContext) -> None:
    """Emphasis or links nested absurdly deep, and control characters that character
    references decoded (`&#12;`): refused at their line (and made harmless, so the rest of the
    section is still checked)."""
    for token in too_deep_inlines(tokens):
        ctx.problems.error(
            ctx.path, ctx.first_line + (token.map[0] if token.map else 0),
            f"emphasis, links or strikethrough are nested more than {MAX_INLINE_NESTING} deep here: "
            "a run of '*' or '_' this long is almost certainly a mistake — remove it, or write \\* for a literal star",
        )
    for token, char in bad_characters(tokens):
        ctx.problems.error(
            ctx.path, ctx.first_line + (token.map[0] if token.map else 0),
            f"the text holds the control character U+{ord(char):04X} (written as a character reference, "
            f"e.g. &#{ord(char)};), which no document can hold: delete it",
        )


# A section is laid out in one piece, and a page dense with notes costs ~2.5× a plain page in
# WeasyPrint (10,000 one-line notes in one file: 337 pages, 72 s of one CPU). 2,000 such notes lay
# out in ~14 s; a real section has tens. More than this: split the file, so the build stays
# within the minute the README promises and its sections can be laid out in parallel.
MAX_NOTES_PER_FILE = 2000


def _check_definitions(text: str, ctx: BodyContext, used: dict[str, m.Footnote], env: dict) -> None:
    """Duplicate and unused footnote definitions (markdown-it drops both silently)."""
    seen: dict[str, int] = {}
    fence = None
    for i, line in enumerate(text.split("\n")):
        fm = _FENCE.match(line)
        if fm:
            marker = fm.group(1)[0]
            fence = None if fence == marker else (fence or marker)
            continue
        if fence:
            continue
        dm = _FOOTNOTE_DEF.match(line)
        if not dm:
            continue
        label, lineno = dm.group(1), ctx.first_line + i
        if label in seen:
            ctx.problems.error(ctx.path, lineno, f"footnote [^{label}] is defined twice (first on line {seen[label]}): merge or rename one")
        else:
            seen[label] = lineno
            if len(seen) == MAX_NOTES_PER_FILE + 1:
                ctx.problems.error(
                    ctx.path, lineno,
                    f"this file defines more than {MAX_NOTES_PER_FILE:,} footnotes (a section is laid out in one piece, "
                    "and so many notes would take minutes): split it into several section files",
                )
            if label not in used:
                ctx.problems.error(ctx.path, lineno, f"footnote [^{label}] is defined but never called: call it with [^{label}] or delete it")


class _Converter:
    def __init__(self, ctx: BodyContext):
        self.ctx = ctx
        self.ref_index = 0
        self.in_note = False
        self.line = ctx.first_line
        self.undefined: set[str] = set()  # footnote labels already reported as undefined

    # ------------------------------------------------------------------ blocks

    def blocks(self, nodes) -> tuple[m.Block, ...]:
        out: list[m.Block] = []
        for node in nodes:
            if node.map:
                self.line = self.ctx.first_line + node.map[0]
            handler = getattr(self, "block_" + node.type, None)
            if handler is None:
                self.ctx.problems.warning(self.ctx.path, self.line, f"unsupported Markdown ({node.type}) left out")
                continue
            result = handler(node)
            if result is not None:
                out.append(result)
        return tuple(out)

    def block_paragraph(self, node):
        inlines = self.inlines_of(node)
        if len(inlines) == 1 and isinstance(inlines[0], m.Image):
            return m.Figure(image=inlines[0], span=self.span(node))
        if not inlines:
            return None
        return m.Paragraph(children=inlines, span=self.span(node))

    def block_heading(self, node):
        level = int(node.tag[1])
        inlines = self.inlines_of(node)
        if level == 1:
            self.ctx.problems.warning(
                self.ctx.path, self.line,
                "'#' headings are reserved for the section title (front matter 'title'); treated as '##'",
            )
            level = 2
        text = m.plain_text(inlines)
        anchor = self.ctx.anchors.claim(text, "heading")
        self.ctx.headings.append((text, anchor))
        return m.Heading(level=level, children=inlines, anchor=anchor, span=self.span(node))

    def block_bullet_list(self, node):
        return m.BulletList(items=self._items(node), tight=self._tight(node), span=self.span(node))

    def block_ordered_list(self, node):
        start = node.attrs.get("start", 1)
        return m.OrderedList(items=self._items(node), start=int(start), tight=self._tight(node), span=self.span(node))

    def _items(self, node):
        return tuple(m.ListItem(children=self.blocks(item.children), span=self.span(item)) for item in node.children)

    @staticmethod
    def _tight(node) -> bool:
        return all(p.hidden for item in node.children for p in item.children if p.type == "paragraph")

    def block_blockquote(self, node):
        return m.BlockQuote(children=self.blocks(node.children), span=self.span(node))

    def block_fence(self, node):
        language = (node.info.strip().split() or [None])[0]
        return m.CodeBlock(text=node.content.rstrip("\n"), language=language, span=self.span(node))

    def block_code_block(self, node):
        return m.CodeBlock(text=node.content.rstrip("\n"), span=self.span(node))

    def block_hr(self, node):
        return m.ThematicBreak(span=self.span(node))

    def block_html_block(self, node):  # only reachable if html is ever enabled: keep it as text
        return m.Paragraph(children=(m.Text(node.content),), span=self.span(node))

    def block_table(self, node):
        header: tuple[m.TableCell, ...] = ()
        rows: list[tuple[m.TableCell, ...]] = []
        aligns: tuple[str | None, ...] = ()
        row_lines: list[int] = []
        for part in node.children:
            for tr in part.children:
                cells = tuple(m.TableCell(children=self.inlines_of(cell)) for cell in tr.children)
                row_lines.append(self.ctx.first_line + tr.map[0] if tr.map else 0)
                if part.type == "thead":
                    header = cells
                    aligns = tuple(_align(cell.attrs.get("style")) for cell in tr.children)
                else:
                    rows.append(cells)
        return m.Table(header=header, rows=tuple(rows), aligns=aligns, span=self.span(node), row_lines=tuple(row_lines))

    def span(self, node) -> m.Span:
        """The node's lines in the file (see `model.Span`)."""
        return (self.ctx.first_line + node.map[0], self.ctx.first_line + node.map[1]) if node.map else None

    # ------------------------------------------------------------------ inlines

    def inlines_of(self, node) -> tuple[m.Inline, ...]:
        inline = next((c for c in node.children if c.type == "inline"), None)
        if inline is None:
            return ()
        self._inline_source = inline.content
        if inline.map:
            self.line = self.ctx.first_line + inline.map[0]
        return self.inlines(inline.children)

    def inlines(self, nodes) -> tuple[m.Inline, ...]:
        out: list[m.Inline] = []
        for node in nodes:
            handler = getattr(self, "inline_" + node.type, None)
            if handler is None:
                out.append(m.Text(node.content))
                continue
            result = handler(node)
            if result is None:
                continue
            if isinstance(result, m.Text) and out and isinstance(out[-1], m.Text):
                out[-1] = m.Text(out[-1].text + result.text)  # keep text runs whole
            else:
                out.append(result)
        return tuple(out)

    def _line_of(self, needle: str) -> int:
        src = getattr(self, "_inline_source", "")
        pos = src.find(needle)
        return self.line + (src.count("\n", 0, pos) if pos > 0 else 0)

    def inline_text(self, node):
        for label in _FOOTNOTE_CALL.findall(node.content):
            if label in self.undefined:
                continue  # each missing note once, at its first call
            self.undefined.add(label)
            # (past the cap the problem is only counted: no need to look for its line)
            line = None if self.ctx.problems.full(self.ctx.path) else self._line_of(f"[^{label}]")
            self.ctx.problems.error(
                self.ctx.path, line, f"footnote [^{label}] has no definition: add a line '[^{label}]: …' to this file",
            )
        return m.Text(node.content)

    def inline_softbreak(self, node):
        return m.SoftBreak()

    def inline_hardbreak(self, node):
        return m.LineBreak()

    def inline_em(self, node):
        return m.Emphasis(children=self.inlines(node.children))

    def inline_strong(self, node):
        return m.Strong(children=self.inlines(node.children))

    def inline_s(self, node):
        return m.Strikethrough(children=self.inlines(node.children))

    def inline_code_inline(self, node):
        return m.Code(text=node.content)

    def inline_html_inline(self, node):
        return m.Text(node.content)

    def inline_link(self, node):
        href = node.attrs.get("href", "")
        children = self.inlines(node.children)
        title = node.attrs.get("title") or None
        if href.startswith("#"):
            # markdown-it percent-encodes the link: '#الخلفية' arrives as '#%D8%A7…'
            from urllib.parse import unquote

            anchor = unicodedata.normalize("NFC", unquote(href[1:]))
            self.ctx.internal_links.append((anchor, self.line))
            return m.Link(target="#" + anchor, children=children, title=title)
        if href.lower().startswith(_SAFE_SCHEMES):
            return m.Link(target=href, children=children, title=title)
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href):
            self.ctx.problems.error(
                self.ctx.path, self.line,
                f"link '{href}': only http, https, mailto and #anchor links are allowed",
            )
        else:
            self.ctx.problems.error(
                self.ctx.path, self.line,
                f"link '{href}' points to a local file, which a printed or circulated pack cannot follow: "
                "link to a web address, or attach the file as an annex in pack.yaml",
            )
        return _join(children)

    def inline_image(self, node):
        src = node.attrs.get("src", "")
        alt = m.plain_text(self.inlines(node.children)) if node.children else node.content
        title = node.attrs.get("title") or None
        try:
            resource = self.ctx.load_image(src)
        except Exception as exc:  # ResourceProblem: a message for the user
            message = getattr(exc, "message", str(exc))
            self.ctx.problems.error(self.ctx.path, self.line, f"image '{src}': {message}")
            return m.Text(alt)
        return m.Image(resource=resource, alt=alt, title=title)

    def inline_footnote_ref(self, node):
        label = node.meta["label"]
        if self.in_note:
            self.ctx.problems.error(
                self.ctx.path, self.line,
                f"footnote [^{label}] is called from inside another footnote: notes cannot have notes",
            )
            return None
        ref = m.FootnoteRef(label=label, index=self.ref_index)
        self.ref_index += 1
        return ref


def _join(children: tuple[m.Inline, ...]):
    """A refused link keeps its text: flatten its children into one Text where possible."""
    return m.Text(m.plain_text(children))


def _align(style: str | None) -> str | None:
    if not style:
        return None
    match = re.search(r"text-align:\s*(left|center|right)", style)
    return match.group(1) if match else None
