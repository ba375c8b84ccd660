"""A DOCX as a plain picture of what is there: paragraphs (style by name, list kind and level,
runs merged by formatting), tables, footnotes, links, comments, tracked changes, and the direct
formatting a Markdown source cannot hold.

The picture absorbs what Word and LibreOffice vary on a re-save, so that reading the same text
twice gives the same picture: style ids (LibreOffice renames `BodyText` → `TextBody`, Word
translates ids into its UI language) are matched by their names; runs split by editing session
or merged by a re-save are joined when their formatting is equal; a footnote is found from its
call, whatever its id; link targets come through the part's relationships (renumbered freely),
from `w:hyperlink` or from `HYPERLINK` fields; a link title may sit in `w:tooltip` or
`w:tgtFrame`; the contents (a TOC field, perhaps wrapped in `w:sdt`) is marked, not read; list
kind and level come from `w:ilvl` and the numbering format, whatever the numId; a NOTEREF field
is a second call of a note; foreign bookmarks (`_Toc…`, `_GoBack`) are ignored.

It knows WordprocessingML only — nothing of packs or Markdown (that is `briefpack.absorb`).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Union

from . import revisions as revs
from .read import (
    RT_COMMENTS, RT_FOOTER, RT_FOOTNOTES, RT_HEADER, RT_HYPERLINK, DocxProblem, Package, R_NS, run_marks, w, wattr,
)

MAX_DEPTH = 24  # tables in tables, content controls in content controls…
MAX_BLOCKS = 500_000

A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PIC_NS = "http://schemas.openxmlformats.org/drawingml/2006/picture"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
M_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
FRAME_NAMES = {"_blank", "_top", "_self", "_parent", "_new"}

# --------------------------------------------------------------------------- the picture


@dataclass(frozen=True)
class Link:
    target: str  # an absolute URL, or "#bookmark" inside the document
    title: str | None = None


@dataclass(frozen=True)
class Text:
    text: str
    marks: frozenset[str] = frozenset()  # "b", "i", "strike", "code"
    link: Link | None = None


@dataclass(frozen=True)
class NoteCall:
    """A footnote call: the note's id in this document; `repeat` for a NOTEREF field (a later
    call of a note already called)."""

    note: str
    repeat: bool = False
    link: Link | None = None


@dataclass(frozen=True)
class Break:
    link: Link | None = None


@dataclass(frozen=True)
class Drawing:
    alt: str
    link: Link | None = None


Inline = Union[Text, NoteCall, Break, Drawing]


@dataclass(frozen=True)
class Issue:
    """Something in a paragraph that a Markdown source cannot hold."""

    kind: str  # "colour", "highlight", "underline", "font", "text box", "merged cell", …
    text: str  # the words it applies to, for the report


@dataclass(frozen=True)
class Revision:
    kind: str  # "insertion", "deletion", "move", "formatting", …
    author: str
    date: str
    text: str


@dataclass
class Paragraph:
    style: str  # the style's name in lower case ("body text", "heading 2"), "" for none
    inlines: tuple[Inline, ...]
    numbering: tuple[str, int] | None = None  # ("bullet" | "ordered", level from 0)
    bookmarks: tuple[str, ...] = ()  # names not starting with "_"
    ordinal: int = -1  # position among the part's w:p/w:tbl/w:tr elements (see block_ordinals)
    contents: bool = False  # part of the table of contents
    comments: tuple[str, ...] = ()
    issues: tuple[Issue, ...] = ()
    revisions: tuple[Revision, ...] = ()

    @property
    def text(self) -> str:
        return plain(self.inlines)


@dataclass
class Cell:
    blocks: tuple["Block", ...]


@dataclass
class Row:
    cells: tuple[Cell, ...]
    ordinal: int = -1
    header: bool = False
    issues: tuple[Issue, ...] = ()
    revisions: tuple[Revision, ...] = ()


@dataclass
class Table:
    rows: tuple[Row, ...]
    ordinal: int = -1
    issues: tuple[Issue, ...] = ()


Block = Union[Paragraph, Table]


@dataclass
class Note:
    id: str
    blocks: tuple[Block, ...]
    ordinal: int = -1


@dataclass(frozen=True)
class Comment:
    id: str
    author: str
    date: str
    text: str


@dataclass
class Picture:
    body: tuple[Block, ...]
    notes: dict[str, Note] = field(default_factory=dict)  # by id; only notes some call reaches
    comments: dict[str, Comment] = field(default_factory=dict)
    margins: tuple[str, ...] = ()  # texts of the headers and footers
    properties: dict[str, str] = field(default_factory=dict)  # custom document properties
    revisions: tuple[Revision, ...] = ()  # outside paragraphs and rows (none expected)


def plain(inlines) -> str:
    out = []
    for node in inlines:
        if isinstance(node, Text):
            out.append(node.text)
        elif isinstance(node, Drawing):
            out.append(node.alt)
        elif isinstance(node, Break):
            out.append("\n")
    return "".join(out)


class Ordinals(dict):
    """id(element) → its position among the w:p, w:tbl, w:tr and w:footnote elements under a
    root, in document order. It holds the elements too: lxml hands out a new proxy (and id) for
    an element nothing refers to."""

    def __init__(self, root):
        self.elements = list(root.iter(w("p"), w("tbl"), w("tr"), w("footnote")))
        super().__init__((id(el), i) for i, el in enumerate(self.elements))


def block_ordinals(root) -> Ordinals:
    """The DOCX writer's trace and this reader number a part the same way, so a paragraph of a
    saved document can be matched to the model node it was made for."""
    return Ordinals(root)


# --------------------------------------------------------------------------- reading


def read_picture(package: Package, changes: str = "keep") -> Picture:
    """The picture of a package. `changes`: "keep" reads tracked changes as if accepted and
    lists them on their paragraphs; "accept" or "reject" resolves them first."""
    return _Reader(package, changes).read()


class _Field:
    def __init__(self):
        self.instr = ""
        self.phase = "instr"  # then "result"
        self.kind = ""
        self.link: Link | None = None
        self.emitted = False


class _Paragraph:
    """What one w:p collects while it is read."""

    def __init__(self):
        self.inlines: list[Inline] = []
        self.issues: list[Issue] = []
        self.revisions: list[Revision] = []
        self.comments: list[str] = []
        self.bookmarks: list[str] = []
        self.contents = False


class _Reader:
    def __init__(self, package: Package, changes: str):
        if changes not in ("keep", "accept", "reject"):
            raise ValueError(changes)
        self.pkg = package
        self.changes = changes
        self.fields: list[_Field] = []
        self.open_bookmarks: dict[str, str] = {}  # w:id → name, bookmarks started and not ended
        self.note_bookmarks: dict[str, str] = {}  # bookmark name → id of the note it holds the call of
        self.inherited: dict = {}  # run properties the current paragraph's style gives
        self.count = 0

    # ------------------------------------------------------------------ document

    def read(self) -> Picture:
        pkg = self.pkg
        root = pkg.xml(pkg.main)
        body = root.find(w("body"))
        if body is None:
            raise DocxProblem(f"{pkg.main} has no body")
        notes_part = pkg.related(pkg.main, RT_FOOTNOTES)
        notes_root = pkg.xml(notes_part) if notes_part else None
        if self.changes != "keep":
            revs.resolve(body, accept=self.changes == "accept")
            if notes_root is not None:
                revs.resolve(notes_root, accept=self.changes == "accept")

        self.part, self.ordinals = pkg.main, block_ordinals(body)
        blocks = tuple(self.blocks(body, 0))
        notes: dict[str, Note] = {}
        if notes_root is not None:
            self.part, self.ordinals = notes_part, block_ordinals(notes_root)
            self.fields = []
            for note in notes_root.iter(w("footnote")):
                if wattr(note, "type") not in (None, "normal"):
                    continue  # separators
                nid = wattr(note, "id") or ""
                inner = tuple(self.blocks(note, 0))
                _strip_note_mark(inner)
                notes[nid] = Note(id=nid, blocks=inner, ordinal=self.ordinals.get(id(note), -1))
        _resolve_noterefs(blocks, notes, self.note_bookmarks)
        return Picture(
            body=blocks, notes=notes, comments=self.read_comments(), margins=self.read_margins(body),
            properties=pkg.custom_properties(),
        )

    def read_comments(self) -> dict[str, Comment]:
        name = self.pkg.related(self.pkg.main, RT_COMMENTS)
        if name is None:
            return {}
        found = {}
        for comment in self.pkg.xml(name).iter(w("comment")):
            cid = wattr(comment, "id") or ""
            texts = ["".join(t.text or "" for t in p.iter(w("t"))) for p in comment.iter(w("p"))]
            found[cid] = Comment(cid, wattr(comment, "author") or "someone", wattr(comment, "date") or "",
                                 " ".join(t.strip() for t in texts if t.strip()))
        return found

    def read_margins(self, body) -> tuple[str, ...]:
        texts = []
        rels = self.pkg.rels(self.pkg.main)
        for sect in body.iter(w("sectPr")):
            for ref in sect:
                if ref.tag not in (w("headerReference"), w("footerReference")):
                    continue
                rel = rels.get(ref.get(f"{{{R_NS}}}id", ""))
                if rel is None or rel.external or rel.type not in (RT_HEADER, RT_FOOTER) or not self.pkg.has(rel.target):
                    continue
                root = self.pkg.xml(rel.target)
                texts.append(f"{wattr(ref, 'type') or 'default'} {rel.type.rsplit('/', 1)[-1]}: " + " | ".join(
                    "".join(t.text or "" for t in p.iter(w("t"))) for p in root.iter(w("p"))
                ))
        return tuple(texts)

    # ------------------------------------------------------------------ blocks

    def blocks(self, container, depth: int, contents: bool = False):
        if depth > MAX_DEPTH:
            raise DocxProblem(f"{self.part}: content nested more than {MAX_DEPTH} levels deep: refused")
        for child in container:
            tag = child.tag
            if tag == w("p"):
                yield self.paragraph(child, contents)
            elif tag == w("tbl"):
                yield self.table(child, depth, contents)
            elif tag == w("sdt"):
                gallery = child.find(f"{w('sdtPr')}/{w('docPartObj')}/{w('docPartGallery')}")
                is_toc = gallery is not None and "contents" in (wattr(gallery, "val") or "").lower()
                inner = child.find(w("sdtContent"))
                if inner is not None:
                    yield from self.blocks(inner, depth + 1, contents or is_toc)
            elif tag in (w("customXml"), w("ins"), w("moveTo")):
                yield from self.blocks(child, depth + 1, contents)
            # w:sectPr, w:bookmarkStart between paragraphs, w:del/w:moveFrom of whole blocks: nothing to read

    def _tick(self) -> None:
        self.count += 1
        if self.count > MAX_BLOCKS:
            raise DocxProblem(f"the document holds more than {MAX_BLOCKS:,} paragraphs: refused")

    def table(self, tbl, depth: int, contents: bool) -> Table:
        self._tick()
        rows = []
        issues: list[Issue] = []
        for tr in tbl.iter(w("tr")):
            if tr.getparent() is not tbl and tr.getparent().tag != w("sdtContent"):
                continue  # a row of a nested table
            cells = []
            row_issues: list[Issue] = []
            row_revisions: list[Revision] = []
            trpr = tr.find(w("trPr"))
            header = trpr is not None and trpr.find(w("tblHeader")) is not None and \
                (wattr(trpr.find(w("tblHeader")), "val") or "true").lower() not in ("false", "0", "off")
            if trpr is not None:
                for mark in trpr:
                    if mark.tag in (w("ins"), w("del")):
                        row_revisions.append(_revision(mark, "row added" if mark.tag == w("ins") else "row deleted", _row_text(tr)))
            for tc in tr:
                if tc.tag != w("tc"):
                    continue
                tcpr = tc.find(w("tcPr"))
                if tcpr is not None:
                    span = tcpr.find(w("gridSpan"))
                    if (span is not None and (wattr(span, "val") or "1") != "1") or tcpr.find(w("vMerge")) is not None \
                            or tcpr.find(w("hMerge")) is not None:
                        row_issues.append(Issue("merged cell", _row_text(tc)))
                blocks = tuple(self.blocks(tc, depth + 1, contents))
                if any(isinstance(b, Table) for b in blocks):
                    row_issues.append(Issue("table inside a table cell", _row_text(tc)))
                cells.append(Cell(blocks))
            rows.append(Row(tuple(cells), self.ordinals.get(id(tr), -1), header, tuple(row_issues), tuple(row_revisions)))
        return Table(tuple(rows), self.ordinals.get(id(tbl), -1), tuple(issues))

    def paragraph(self, p, contents: bool) -> Paragraph:
        self._tick()
        ppr = p.find(w("pPr"))
        style_id = None
        num = None
        para = _Paragraph()
        para.contents = contents or any(f.kind == "TOC" for f in self.fields)
        if ppr is not None:
            pstyle = ppr.find(w("pStyle"))
            style_id = wattr(pstyle, "val") if pstyle is not None else None
            num = self._numbering(ppr, style_id)
            if ppr.find(w("sectPr")) is not None:
                para.issues.append(Issue("section break", ""))
            if ppr.find(w("framePr")) is not None:
                para.issues.append(Issue("frame", ""))
            mark = ppr.find(w("rPr"))
            if mark is not None:
                for el in mark:
                    kind = {w("ins"): "paragraph break added", w("del"): "paragraph break deleted",
                            w("moveFrom"): "paragraph moved away", w("moveTo"): "paragraph moved here"}.get(el.tag)
                    if kind:
                        para.revisions.append(_revision(el, kind, ""))
            if ppr.find(w("pPrChange")) is not None:
                para.revisions.append(_revision(ppr.find(w("pPrChange")), "paragraph formatting changed", ""))
        else:
            num = self._numbering(None, None)
        style = self.pkg.style(style_id)
        style_name = style.name if style else ""
        self.inherited = self.pkg.inherited_rpr(style_id)  # what the paragraph's style already shows
        if style_name.startswith(("toc ", "contents ")) or style_name in ("toc heading", "contents heading"):
            para.contents = True
        self.runs(p, para, None, 0)
        if any(f.kind == "TOC" for f in self.fields):
            para.contents = True
        marks = ("paragraph break added", "paragraph break deleted", "paragraph moved away", "paragraph moved here")
        if any(r.kind not in marks for r in para.revisions):  # the text's own change says it already
            para.revisions = [r for r in para.revisions if r.kind not in marks]
        joined: list[Revision] = []
        for rev in para.revisions:  # one change cut by a note call or a run boundary is one change
            if joined and (joined[-1].kind, joined[-1].author) == (rev.kind, rev.author):
                joined[-1] = Revision(rev.kind, rev.author, joined[-1].date, joined[-1].text + rev.text)
            else:
                joined.append(rev)
        para.revisions = joined
        return Paragraph(
            style=style_name, inlines=_merge(para.inlines), numbering=num, bookmarks=tuple(para.bookmarks),
            ordinal=self.ordinals.get(id(p), -1), contents=para.contents, comments=tuple(para.comments),
            issues=tuple(_merge_issues(para.issues)), revisions=tuple(para.revisions),
        )

    def _numbering(self, ppr, style_id) -> tuple[str, int] | None:
        num_id = ilvl = None
        num_pr = ppr.find(w("numPr")) if ppr is not None else None
        if num_pr is not None:
            num_el, lvl_el = num_pr.find(w("numId")), num_pr.find(w("ilvl"))
            num_id = wattr(num_el, "val") if num_el is not None else None
            ilvl = _int(wattr(lvl_el, "val")) if lvl_el is not None else None
        if num_id is None:
            for style in self.pkg.style_chain(style_id):
                if style.num_id:
                    num_id, ilvl = style.num_id, style.ilvl if ilvl is None else ilvl
                    break
        if num_id is None or num_id == "0":
            return None
        level = ilvl or 0
        fmt = self.pkg.numbering.format(num_id, level)
        if fmt is None:  # no definition: the style's name still says which kind of list
            name = (self.pkg.style(style_id).name if self.pkg.style(style_id) else "")
            fmt = "bullet" if "bullet" in name else "decimal"
        return ("bullet" if fmt in ("bullet", "none") else "ordered", level)

    # ------------------------------------------------------------------ runs

    def runs(self, parent, para: _Paragraph, link: Link | None, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise DocxProblem(f"{self.part}: content nested more than {MAX_DEPTH} levels deep: refused")
        for child in parent:
            tag = child.tag
            if tag == w("r"):
                self.run(child, para, link)
            elif tag == w("hyperlink"):
                self.runs(child, para, self.hyperlink(child) or link, depth + 1)
            elif tag == w("fldSimple"):
                self.simple_field(child, para, link, depth)
            elif tag in (w("smartTag"), w("customXml"), w("dir"), w("bdo")):
                self.runs(child, para, link, depth + 1)
            elif tag == w("sdt"):
                inner = child.find(w("sdtContent"))
                if inner is not None:
                    self.runs(inner, para, link, depth + 1)
            elif tag in (w("ins"), w("moveTo")):
                para.revisions.append(_revision(child, "insertion" if tag == w("ins") else "moved here", _text_of(child)))
                self.runs(child, para, link, depth + 1)
            elif tag in (w("del"), w("moveFrom")):
                para.revisions.append(_revision(child, "deletion" if tag == w("del") else "moved away", _text_of(child, deleted=True)))
            elif tag == w("bookmarkStart"):
                name = wattr(child, "name") or ""
                self.open_bookmarks[wattr(child, "id") or ""] = name
                if name and not name.startswith("_"):
                    para.bookmarks.append(name)
            elif tag == w("bookmarkEnd"):
                self.open_bookmarks.pop(wattr(child, "id") or "", None)
            elif tag in (w("commentRangeStart"),):
                para.comments.append(wattr(child, "id") or "")
            elif tag in (f"{{{M_NS}}}oMath", f"{{{M_NS}}}oMathPara"):
                para.issues.append(Issue("equation", ""))
            elif tag == f"{{{MC_NS}}}AlternateContent":
                para.issues.append(Issue("text box or drawing", _text_of(child)))
            # pPr, proofErr, permStart/End, commentRangeEnd, moveFrom/To range marks: nothing to read

    def hyperlink(self, el) -> Link | None:
        title = wattr(el, "tooltip")
        frame = wattr(el, "tgtFrame")
        if not title and frame and frame.lower() not in FRAME_NAMES:
            title = frame  # LibreOffice stores a link's title here
        anchor = wattr(el, "anchor")
        rid = el.get(f"{{{R_NS}}}id")
        target = None
        if rid:
            rel = self.pkg.rels(self.part).get(rid)
            if rel is not None and rel.type == RT_HYPERLINK:
                target = rel.target
        if target is not None:
            target = normalise_url(target + (f"#{anchor}" if anchor else ""))
        elif anchor:
            target = "#" + anchor
        else:
            return None
        return Link(target, title or None)

    def simple_field(self, el, para: _Paragraph, link: Link | None, depth: int) -> None:
        f = _Field()
        f.instr = wattr(el, "instr") or ""
        self._interpret(f)
        if f.kind == "NOTEREF":
            para.inlines.append(NoteCall(f.instr, True, link))
        elif f.kind == "HYPERLINK":
            self.runs(el, para, f.link or link, depth + 1)
        elif f.kind in ("PAGEREF", "PAGE", "NUMPAGES", "TOC"):
            return
        else:
            self.runs(el, para, link, depth + 1)

    def _interpret(self, f: _Field) -> None:
        words = _field_words(f.instr)
        f.kind = words[0].upper() if words else ""
        if f.kind == "HYPERLINK":
            target = anchor = title = None
            i = 1
            while i < len(words):
                word = words[i]
                if word.lower() in ("\\l", "\\o", "\\t") and i + 1 < len(words):
                    value = words[i + 1]
                    if word.lower() == "\\l":
                        anchor = value
                    elif word.lower() == "\\o":
                        title = value
                    elif value.lower() not in FRAME_NAMES:
                        title = title or value
                    i += 2
                    continue
                if not word.startswith("\\") and target is None:
                    target = word
                i += 1
            if target:
                f.link = Link(normalise_url(target + (f"#{anchor}" if anchor else "")), title)
            elif anchor:
                f.link = Link("#" + anchor, title)
        elif f.kind == "NOTEREF":
            f.instr = words[1] if len(words) > 1 else ""  # the bookmark around the note's first call

    def _visible(self) -> bool:
        """Whether a run's text shows: not inside a field instruction, nor in the result of a
        field whose result is generated (page numbers, a note number, the contents)."""
        for f in self.fields:
            if f.phase == "instr" or f.kind in ("NOTEREF", "PAGEREF", "PAGE", "NUMPAGES", "TOC", "SECTIONPAGES"):
                return False
        return True

    def _field_link(self, link: Link | None) -> Link | None:
        for f in reversed(self.fields):
            if f.kind == "HYPERLINK" and f.phase == "result" and f.link is not None:
                return f.link
        return link

    def run(self, r, para: _Paragraph, link: Link | None) -> None:
        rpr = r.find(w("rPr"))
        marks = self._marks(rpr)
        if rpr is not None and rpr.find(w("rPrChange")) is not None:
            para.revisions.append(_revision(rpr.find(w("rPrChange")), "formatting changed", _text_of(r)))
        for child in r:
            tag = child.tag
            if tag == w("fldChar"):
                kind = wattr(child, "fldCharType")
                if kind == "begin":
                    self.fields.append(_Field())
                elif kind == "separate" and self.fields:
                    f = self.fields[-1]
                    f.phase = "result"
                    self._interpret(f)
                    self._emit_field(f, para, link)
                elif kind == "end" and self.fields:
                    f = self.fields.pop()
                    if f.phase == "instr":
                        self._interpret(f)
                        self._emit_field(f, para, link)
                continue
            if tag == w("instrText"):
                if self.fields and self.fields[-1].phase == "instr":
                    self.fields[-1].instr += child.text or ""
                continue
            if not self._visible():
                continue
            here = self._field_link(link)
            if tag == w("t"):
                if child.text:
                    para.inlines.append(Text(child.text, marks, here))
                    self._formatting(rpr, child.text, para, here)
            elif tag == w("tab"):
                para.inlines.append(Text("\t", marks, here))
            elif tag in (w("br"), w("cr")):
                kind = wattr(child, "type") or "textWrapping"
                if kind == "textWrapping":
                    para.inlines.append(Break(here))
                # page and column breaks are layout (LibreOffice writes its own): not reported
            elif tag == w("noBreakHyphen"):
                para.inlines.append(Text("\u2011", marks, here))
            elif tag == w("softHyphen"):
                para.inlines.append(Text("\u00ad", marks, here))
            elif tag == w("sym"):
                try:
                    para.inlines.append(Text(chr(int(wattr(child, "char") or "20", 16)), marks, here))
                except (ValueError, OverflowError):
                    pass
            elif tag == w("footnoteReference"):
                nid = wattr(child, "id") or ""
                for name in self.open_bookmarks.values():
                    self.note_bookmarks.setdefault(name, nid)
                para.inlines.append(NoteCall(nid, False, here))
            elif tag == w("endnoteReference"):
                para.issues.append(Issue("endnote", ""))
            elif tag == w("drawing"):
                self.drawing(child, para, here)
            elif tag in (w("pict"), w("object")):
                para.issues.append(Issue("text box or embedded object", _text_of(child)))
            elif tag == w("commentReference"):
                cid = wattr(child, "id") or ""
                if cid not in para.comments:
                    para.comments.append(cid)
            elif tag == f"{{{MC_NS}}}AlternateContent":
                para.issues.append(Issue("text box or drawing", _text_of(child)))
            # footnoteRef (the number inside a note), separators, lastRenderedPageBreak: nothing

    def _emit_field(self, f: _Field, para: _Paragraph, link: Link | None) -> None:
        if f.emitted:
            return
        f.emitted = True
        if f.kind == "NOTEREF":
            para.inlines.append(NoteCall(f.instr, True, link))
        elif f.kind == "TOC":
            para.contents = True
        elif f.kind not in ("HYPERLINK", "PAGEREF", "PAGE", "NUMPAGES", "SECTIONPAGES", "") and not para.contents:
            para.issues.append(Issue(f"{f.kind} field", ""))

    def _marks(self, rpr) -> frozenset[str]:
        """Bold, italic, strikethrough and code as the run adds them to its paragraph's style
        (LibreOffice may copy a heading's own bold onto its runs: that is no bold word)."""
        if rpr is None:
            return frozenset()
        marks = set()
        rstyle = rpr.find(w("rStyle"))
        if rstyle is not None:
            for style in self.pkg.style_chain(wattr(rstyle, "val")):
                if style.name in ("html code", "source text", "verbatim char", "code"):
                    marks.add("code")
                if style.name == "strong":
                    marks.add("b")
                if style.name == "emphasis":
                    marks.add("i")
                marks |= style.marks
        direct = run_marks(rpr)
        for tag, mark in (("b", "b"), ("i", "i"), ("strike", "strike")):
            el = rpr.find(w(tag))
            if el is not None:
                if mark in direct:
                    marks.add(mark)
                else:
                    marks.discard(mark)  # explicitly off
        for tag, mark in (("b", "b"), ("i", "i"), ("strike", "strike")):
            if tag in self.inherited and (dict(self.inherited[tag]).get("val", "true").lower() not in ("false", "0", "off")):
                marks.discard(mark)
        return frozenset(marks)

    def _formatting(self, rpr, text: str, para: _Paragraph, link: Link | None) -> None:
        """Direct formatting a Markdown source cannot hold. Language, kerning and the other
        properties a re-save adds by itself are not formatting anyone chose."""
        if rpr is None or para.contents:
            return
        rstyle = rpr.find(w("rStyle"))
        shown = self.pkg.inherited_rpr(wattr(rstyle, "val")) if rstyle is not None else {}
        shown = {**self.inherited, **shown}
        for el in rpr:
            tag = el.tag.rsplit("}", 1)[-1]
            inherited = dict(shown.get(tag, ()))
            direct = {k.rsplit("}", 1)[-1]: v for k, v in el.attrib.items() if not k.endswith("}hint")}
            if tag in shown and all(inherited.get(k) == v for k, v in direct.items()):
                continue  # what the styles show anyway
            val = (wattr(el, "val") or "").lower()
            kind = None
            if tag == "color" and val not in ("", "auto"):
                kind = "colour"
            elif tag == "highlight" and val not in ("", "none"):
                kind = "highlight"
            elif tag == "u" and val != "none" and link is None:
                kind = "underline"
            elif tag == "shd" and (wattr(el, "fill") or "auto").lower() not in ("auto", "ffffff"):
                kind = "shading"
            elif tag == "rFonts" and (wattr(el, "ascii") or wattr(el, "hAnsi")):
                kind = "font"
            elif tag == "sz":
                kind = "font size"
            elif tag == "vertAlign" and val in ("superscript", "subscript"):
                kind = val
            elif tag in ("caps", "smallCaps", "dstrike", "outline", "shadow", "emboss", "imprint", "vanish", "em",
                         "effect", "bdr") and val not in ("false", "0", "off", "none"):
                kind = {"vanish": "hidden text", "dstrike": "double strikethrough", "smallCaps": "small capitals",
                        "caps": "capitals", "bdr": "border", "em": "emphasis mark"}.get(tag, tag)
            elif tag in ("spacing", "w", "position", "kern") and tag != "kern" and val not in ("", "0", "100"):
                kind = "character spacing"
            if kind:
                para.issues.append(Issue(kind, text))

    def drawing(self, el, para: _Paragraph, link: Link | None) -> None:
        if any(True for _ in el.iter("{http://schemas.microsoft.com/office/word/2010/wordprocessingShape}txbx")) or \
                any(True for _ in el.iter(w("txbxContent"))):
            para.issues.append(Issue("text box", _text_of(el)))
            return
        if not any(True for _ in el.iter(f"{{{PIC_NS}}}pic")):
            para.issues.append(Issue("drawing or chart", ""))
            return
        doc_pr = next(el.iter(f"{{{WP_NS}}}docPr"), None)
        alt = (doc_pr.get("descr") or doc_pr.get("title") or "") if doc_pr is not None else ""
        para.inlines.append(Drawing(alt, link))


# --------------------------------------------------------------------------- helpers

_BARE_HOST = re.compile(r"^(https?://[^/?#]+)$", re.I)


def normalise_url(url: str) -> str:
    """The same address however a client stored it: LibreOffice adds '/' to a bare host."""
    url = url.strip()
    if _BARE_HOST.match(url):
        url += "/"
    return url


def _field_words(instr: str) -> list[str]:
    try:
        return shlex.split(instr.replace("\\", "\\\\"), posix=True)
    except ValueError:
        return instr.split()


def _merge(inlines: list[Inline]) -> tuple[Inline, ...]:
    """Adjacent text with the same formatting as one run (however the runs were split)."""
    out: list[Inline] = []
    for node in inlines:
        if isinstance(node, Text) and out and isinstance(out[-1], Text) and \
                out[-1].marks == node.marks and out[-1].link == node.link:
            out[-1] = Text(out[-1].text + node.text, node.marks, node.link)
        else:
            out.append(node)
    return tuple(out)


def _merge_issues(issues: list[Issue]) -> list[Issue]:
    out: list[Issue] = []
    for issue in issues:
        if out and out[-1].kind == issue.kind:
            out[-1] = Issue(issue.kind, out[-1].text + issue.text)
        else:
            out.append(issue)
    return out


def _strip_note_mark(blocks) -> None:
    """The note's own number and the space after it are not the note's text."""
    first = next((b for b in blocks if isinstance(b, Paragraph)), None)
    if first is None or not first.inlines or not isinstance(first.inlines[0], Text):
        return
    head = first.inlines[0]
    stripped = head.text.lstrip()
    first.inlines = ((Text(stripped, head.marks, head.link),) if stripped else ()) + first.inlines[1:]


def _resolve_noterefs(blocks, notes: dict[str, Note], note_bookmarks: dict[str, str]) -> None:
    """NOTEREF fields name a bookmark around the note's first call: make them name the note."""
    def fix(paragraph: Paragraph) -> None:
        if any(isinstance(i, NoteCall) and i.repeat for i in paragraph.inlines):
            paragraph.inlines = tuple(
                NoteCall(note_bookmarks.get(i.note, ""), True, i.link) if isinstance(i, NoteCall) and i.repeat else i
                for i in paragraph.inlines
            )

    for block in walk(blocks):
        fix(block)
    for note in notes.values():
        for block in walk(note.blocks):
            fix(block)


def walk(blocks):
    """Every paragraph under `blocks`, table cells included, in document order."""
    for block in blocks:
        if isinstance(block, Paragraph):
            yield block
        else:
            for row in block.rows:
                for cell in row.cells:
                    yield from walk(cell.blocks)


def _text_of(el, deleted: bool = False) -> str:
    tags = (w("t"), w("delText")) if deleted else (w("t"),)
    return "".join(t.text or "" for t in el.iter(*tags))


def _row_text(el) -> str:
    return " | ".join("".join(t.text or "" for t in p.iter(w("t"))) for p in el.iter(w("p")))


def _revision(el, kind: str, text: str) -> Revision:
    return Revision(kind, wattr(el, "author") or "someone", wattr(el, "date") or "", text)


def _int(value):
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
