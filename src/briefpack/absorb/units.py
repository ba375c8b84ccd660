"""The picture of a DOCX cut into what absorb compares: regions (cover, contents, one per section,
credits) of units (a paragraph, a heading, a list item's paragraph, a table row, a figure with
its caption…), each with a role read from its style name and a signature that is equal exactly
when a reader sees the same thing.

The same code cuts the base (the DOCX rendered again from the sources it carries, whose units
know their model node through the writer's trace) and the reviewed DOCX, so every normalisation
is applied to both sides alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..wordml import picture as pic

# style name → role; list styles and numbering are handled apart
_ROLES = {
    "body text": "body", "text body": "body", "normal": "body", "default paragraph style": "body",
    "body text 2": "body", "body text 3": "body", "list paragraph": "body", "": "body",
    "quote": "quote", "intense quote": "quote", "quotations": "quote", "block text": "quote",
    "footnote text": "body", "footnote": "body",
    "html preformatted": "code", "preformatted text": "code",
    "separator": "hr", "horizontal line": "hr",
    "figure": "figure", "caption": "caption",
    "table text": "body", "table heading": "body", "table contents": "body", "table heading ": "body",
    "title": "cover-title", "subtitle": "cover-subtitle", "cover topic": "cover", "cover detail": "cover",
    "cover label": "cover", "classification": "cover",
    "credits label": "credits",
}
_HEADING = re.compile(r"^(?:heading|titolo|überschrift|titre|título|rubrik|kop)\s*(\d)$")
_LIST = re.compile(r"^list (bullet|number|continue)(?: (\d))?$")


@dataclass
class Unit:
    """One thing a reader sees: `role` is "title" (a section's Heading 1), "heading", "body",
    "quote", "item" (a list item's first paragraph), "continue" (its later paragraphs), "code",
    "hr", "figure", "row" (a table row), or, outside sections, "cover-title", "cover-subtitle",
    "cover", "contents", "credits"."""

    role: str
    level: int = 0  # heading level, or list depth from 0
    kind: str = ""  # list kind ("bullet", "ordered"); "header" for a table's header row
    inlines: tuple = ()  # picture inlines; for a row, see `cells`
    cells: tuple[tuple, ...] = ()  # a row's cells, each its inlines
    paragraphs: tuple = ()  # the picture paragraphs (or rows) it was read from
    origin: object = None  # base only: the trace entry (section, node, role) of its first paragraph
    extra: tuple = ()  # base only: trace entries of its other paragraphs (a figure's caption)
    issues: tuple[pic.Issue, ...] = ()
    comments: tuple[str, ...] = ()
    revisions: tuple[pic.Revision, ...] = ()
    signature: str = ""

    @property
    def text(self) -> str:
        if self.role == "row":
            return " | ".join(pic.plain(c) for c in self.cells)
        return pic.plain(self.inlines)


@dataclass
class Region:
    """The units of one section (or of the cover, contents or credits)."""

    name: str  # "cover", "contents", "credits", or "section"
    units: list[Unit] = field(default_factory=list)
    bookmark: str = ""  # a section's Heading 1 bookmark


@dataclass
class NoteUnits:
    id: str
    units: list[Unit]
    origin: object = None  # base only: the trace entry of the w:footnote


def role_of(style: str, numbering) -> tuple[str, int, str]:
    """(role, level, kind) for a paragraph style name and its numbering."""
    heading = _HEADING.match(style)
    if heading:
        level = int(heading.group(1))
        return ("title" if level == 1 else "heading"), level, ""
    listed = _LIST.match(style)
    if numbering is not None:
        if listed and listed.group(1) == "continue":
            return "continue", int(listed.group(2) or 1) - 1, ""
        return "item", numbering[1], numbering[0]
    if listed:
        if listed.group(1) == "continue":
            return "continue", int(listed.group(2) or 1) - 1, ""
        return "item", int(listed.group(2) or 1) - 1, "bullet" if listed.group(1) == "bullet" else "ordered"
    if style.startswith(("toc ", "contents ")) or style in ("toc heading", "contents heading"):
        return "contents", 0, ""
    return _ROLES.get(style, "body"), 0, ""


def regions(picture: pic.Picture, trace=None) -> list[Region]:
    """The body cut at each Heading 1: cover and contents first, then one region per section
    (named by the bookmark on its Heading 1), then the credits."""
    trace = trace or {}
    out: list[Region] = [Region("cover")]
    blocks = list(picture.body)
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if isinstance(block, pic.Table):
            out[-1].units.extend(_row_units(block, trace))
            i += 1
            continue
        role, level, kind = role_of(block.style, block.numbering)
        if block.contents or role == "contents":
            if out[-1].name == "cover":
                out.append(Region("contents"))
            out[-1].units.append(_unit(block, "contents", 0, "", trace))
            i += 1
            continue
        if role == "title":
            origin = trace.get(block.ordinal)
            credits = (origin is not None and origin[2] == "credits") or \
                (origin is None and block.bookmarks[:1] == ("credits_",))
            out.append(Region("credits" if credits else "section", bookmark=(block.bookmarks or ("",))[0]))
            out[-1].units.append(_unit(block, "credits" if credits else "title", 1, "", trace))
            i += 1
            continue
        if out[-1].name == "credits":
            role = "credits"
        elif out[-1].name == "contents":
            out.append(Region("front"))  # after the contents, before any section: nothing briefpack writes
        if role == "figure" and i + 1 < len(blocks) and isinstance(blocks[i + 1], pic.Paragraph) \
                and role_of(blocks[i + 1].style, blocks[i + 1].numbering)[0] == "caption":
            out[-1].units.append(_figure(block, blocks[i + 1], trace))
            i += 2
            continue
        if role == "caption":
            role = "figure"  # a caption whose picture was deleted: still the figure's text
        if _blank(block, role):
            i += 1  # an empty paragraph (Enter pressed twice) is space, not text
            continue
        out[-1].units.append(_unit(block, role, level, kind, trace))
        i += 1
    return out


def _blank(p: pic.Paragraph, role: str) -> bool:
    return role in ("body", "quote", "continue", "heading", "credits") and not normalise(p.inlines) \
        and not p.comments and not p.revisions and not p.issues


def note_units(note: pic.Note, trace=None) -> NoteUnits:
    trace = trace or {}
    units: list[Unit] = []
    for block in note.blocks:
        if isinstance(block, pic.Table):
            units.extend(_row_units(block, trace))
            continue
        role, level, kind = role_of(block.style, block.numbering)
        if role not in ("item", "continue", "code", "hr", "quote", "heading"):
            role, level, kind = "body", 0, ""
        if _blank(block, role):
            continue
        units.append(_unit(block, role, level, kind, trace))
    return NoteUnits(note.id, units, trace.get(note.ordinal))


def _unit(p: pic.Paragraph, role: str, level: int, kind: str, trace) -> Unit:
    unit = Unit(role, level, kind, inlines=p.inlines, paragraphs=(p,), origin=trace.get(p.ordinal),
                issues=p.issues, comments=p.comments, revisions=p.revisions)
    unit.signature = signature(unit)
    return unit


def _figure(p: pic.Paragraph, caption: pic.Paragraph, trace) -> Unit:
    # the caption is the figure's text (the Markdown alt); the picture's own alt text follows it
    drawings = tuple(pic.Drawing("", i.link) for i in p.inlines if isinstance(i, pic.Drawing))
    others = tuple(i for i in p.inlines if not isinstance(i, pic.Drawing) and not (isinstance(i, pic.Text) and not i.text.strip()))
    issues = p.issues + caption.issues
    if others:
        issues += (pic.Issue("text beside a figure", pic.plain(others)),)
    unit = Unit("figure", inlines=drawings + caption.inlines, paragraphs=(p, caption), origin=trace.get(p.ordinal),
                extra=(trace.get(caption.ordinal),), issues=issues, comments=p.comments + caption.comments,
                revisions=p.revisions + caption.revisions)
    unit.signature = signature(unit)
    return unit


def _row_units(table: pic.Table, trace) -> list[Unit]:
    units = []
    for index, row in enumerate(table.rows):
        cells = []
        issues = list(table.issues if index == 0 else ()) + list(row.issues)
        comments: list[str] = []
        revisions = list(row.revisions)
        for cell in row.cells:
            inlines: list = []
            for p in pic.walk(cell.blocks):
                if inlines:  # a Markdown table cell holds one line: a second paragraph runs on
                    issues.append(pic.Issue("a second paragraph in a table cell (joined to the first)", pic.plain(p.inlines)))
                    inlines.append(pic.Text(" "))
                inlines.extend(i if not isinstance(i, pic.Break) else pic.Text(" ", frozenset(), i.link) for i in p.inlines)
                issues += p.issues
                comments += p.comments
                revisions += p.revisions
            cells.append(tuple(inlines))
        unit = Unit("row", kind="header" if row.header else "", cells=tuple(cells), paragraphs=(row,),
                    origin=trace.get(row.ordinal), issues=tuple(issues), comments=tuple(comments),
                    revisions=tuple(revisions))
        unit.signature = signature(unit)
        units.append(unit)
    return units


# --------------------------------------------------------------------------- signatures

_SPACE = re.compile(r"[ \t\n\r\f\v]+")  # a no-break space is a character, not layout


def normalise(inlines) -> tuple:
    """Inlines as a reader sees them: whitespace collapsed to single spaces (none at the ends),
    spaces at the edge of a bold or italic run moved outside it (editors put them on either
    side; Markdown cannot hold them inside the markers), soft hyphens dropped, and adjacent
    text of the same look joined."""
    out: list = []

    def add(text: str, marks, link) -> None:
        if not text:
            return
        if out and isinstance(out[-1], pic.Text) and out[-1].marks == marks and out[-1].link == link:
            out[-1] = pic.Text(out[-1].text + text, marks, link)
        else:
            out.append(pic.Text(text, marks, link))

    for node in inlines:
        if isinstance(node, pic.Text):
            text = _SPACE.sub(" ", node.text.replace("\u00ad", ""))
            core = text.strip(" ")
            if not core:
                add(" ", frozenset(), node.link)
                continue
            if text.startswith(" "):
                add(" ", frozenset(), node.link)
            add(core, node.marks, node.link)
            if text.endswith(" "):
                add(" ", frozenset(), node.link)
        else:
            out.append(node)
    # collapse spaces across run boundaries, drop them at the ends
    cleaned: list = []
    for node in out:
        if isinstance(node, pic.Text):
            text = node.text
            prev = cleaned[-1] if cleaned else None
            if text.startswith(" ") and (prev is None or (isinstance(prev, pic.Text) and prev.text.endswith(" "))):
                text = text[1:]
            if not text:
                continue
            if isinstance(prev, pic.Text) and prev.marks == node.marks and prev.link == node.link:
                cleaned[-1] = pic.Text(prev.text + text, node.marks, node.link)
                continue
            node = pic.Text(text, node.marks, node.link)
        cleaned.append(node)
    if cleaned and isinstance(cleaned[-1], pic.Text) and cleaned[-1].text.endswith(" "):
        last = cleaned.pop()
        if last.text.rstrip(" "):
            cleaned.append(pic.Text(last.text.rstrip(" "), last.marks, last.link))
    return tuple(cleaned)


def inline_signature(inlines, notes: bool = True) -> str:
    """Text with its formatting, links and note calls: equal signatures are the same words seen
    the same way. A note call is `[^]` whatever note it calls (notes are paired by position and
    their texts compared on their own)."""
    out = []
    for node in normalise(inlines):
        link = f"<a {node.link.target}|{node.link.title or ''}>" if getattr(node, "link", None) is not None else ""
        if isinstance(node, pic.Text):
            marks = "".join(sorted(node.marks))
            out.append(f"\x00{link}{'{' + marks + '}' if marks else ''}{node.text}")
        elif isinstance(node, pic.NoteCall):
            if notes:
                out.append(f"\x00{link}[^{'r' if node.repeat else ''}]")
        elif isinstance(node, pic.Break):
            out.append(f"\x00{link}<br>")
        elif isinstance(node, pic.Drawing):
            out.append(f"\x00{link}<img {node.alt}>")
    return "".join(out)


def signature(unit: Unit) -> str:
    head = f"{unit.role}:{unit.level}:{unit.kind}:"
    if unit.role == "row":
        return head + " || ".join(inline_signature(c) for c in unit.cells)
    return head + inline_signature(unit.inlines)
