"""The Word XML python-docx has no API for, at its oxml/opc level.

Owns: the footnotes part (and its own relationships, so links inside notes work), footnote
reference runs, hyperlinks with external relationships or internal bookmark anchors,
bookmarks, complex fields (TOC, PAGEREF, PAGE, NUMPAGES, NOTEREF), multi-level numbering
definitions, the settings the writer needs (`w:updateFields`, footnote separators), languages
and right-to-left properties (`w:lang`, `w:bidi`, `w:rtl`, `w:rtlGutter`), and a reproducible
re-zip of the saved package.

Everything here speaks WordprocessingML only; it knows nothing of packs or editions, so the
DOCX writer (`briefpack.writers.docx`) stays a readable walk over the model.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import zipfile
import hashlib
from typing import Iterable, Sequence

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import PartFactory
from docx.oxml.ns import NamespacePrefixedTag
from docx.oxml.ns import qn as _docx_qn
from docx.oxml.parser import oxml_parser, parse_xml, register_element_cls
from docx.oxml.xmlchemy import BaseOxmlElement, ZeroOrMore
from docx.parts.story import StoryPart

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

# --------------------------------------------------------------------------- elements


# Tags and attribute names resolved once: a large pack makes tens of thousands of elements, and
# python-docx's `OxmlElement` and `qn` parse the "w:p" prefix form again on every call.
_CLARK: dict[str, str] = {}
_TAGS: dict[str, tuple[str, dict[str, str]]] = {}
_make = oxml_parser.makeelement  # python-docx's parser: elements get its element classes (CT_P, CT_R…)


def qn(tag: str) -> str:
    """'w:p' → '{http://…/main}p' (python-docx's `qn`, remembered)."""
    try:
        return _CLARK[tag]
    except KeyError:
        clark = _CLARK[tag] = _docx_qn(tag)
        return clark


def element(tag: str, attrs: dict[str, str] | None = None, children: Iterable = ()) -> BaseOxmlElement:
    """`element("w:numFmt", {"w:val": "decimal"})` — attribute names in prefix form. The same
    element python-docx's `OxmlElement` makes (its class, its one namespace declaration)."""
    try:
        clark, nsmap = _TAGS[tag]
    except KeyError:
        prefixed = NamespacePrefixedTag(tag)
        clark, nsmap = _TAGS[tag] = (prefixed.clark_name, prefixed.nsmap)
    el = _make(clark, nsmap=nsmap)
    if attrs:
        for name, value in attrs.items():
            el.set(qn(name) if ":" in name else name, str(value))
    for child in children:
        el.append(child)
    return el


def insert_in_order(parent, child, successors: Sequence[str]):
    """Insert `child` before the first existing child whose tag is in `successors` (schema
    order matters to Word: an element out of sequence makes it refuse the file)."""
    for tag in successors:
        found = parent.find(qn(tag))
        if found is not None:
            found.addprevious(child)
            return child
    parent.append(child)
    return child


_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _text(text: str) -> BaseOxmlElement:
    """A `w:t` holding `text`, its leading or trailing spaces kept."""
    t = element("w:t")
    t.text = text
    if text != text.strip():
        t.set(_XML_SPACE, "preserve")
    return t


def run(text: str | None = None, style_id: str | None = None, children: Iterable = ()) -> BaseOxmlElement:
    """A `w:r`, optionally with a character style, some special children and/or text."""
    r = element("w:r")
    if style_id:
        r.append(element("w:rPr", children=[element("w:rStyle", {"w:val": style_id})]))
    for child in children:
        r.append(child)
    if text:
        r.append(_text(text))
    return r


#: run properties a text run can carry, in the order CT_RPr's schema gives them
_MARK_TAGS = (("b", "w:b"), ("i", "w:i"), ("strike", "w:strike"))


def text_run(text: str, style_id: str | None = None, marks: frozenset[str] = frozenset(), rtl: bool = False,
             language: tuple[str, str] | None = None) -> BaseOxmlElement:
    """A `w:r` of text with its properties written in schema order at once: the character
    style, bold/italic/strike (`marks`: "b", "i", "strike"; a right-to-left run also gets the
    complex-script `w:bCs`/`w:iCs` Word applies to it), `w:rtl`, and `w:lang` for `language`
    ((tag, script), see `set_language`), in one pass, without a schema-order search per property."""
    r = element("w:r")
    if style_id or marks or rtl or language:
        rpr = element("w:rPr")
        if style_id:
            rpr.append(element("w:rStyle", {"w:val": style_id}))
        for mark, tag in _MARK_TAGS:
            if mark in marks:
                rpr.append(element(tag))
                if rtl and mark != "strike":
                    rpr.append(element(tag + "Cs"))
        if rtl:
            rpr.append(element("w:rtl"))
        if language:
            lang = element("w:lang")
            _set_language_attributes(lang, *language)
            rpr.append(lang)
        r.append(rpr)
    if text:
        r.append(_text(text))
    return r


def tab_run() -> BaseOxmlElement:
    return run(children=[element("w:tab")])


def page_break_run() -> BaseOxmlElement:
    return run(children=[element("w:br", {"w:type": "page"})])


# --------------------------------------------------------------------------- bookmarks

_BOOKMARK_CHARS = re.compile(r"[^A-Za-z0-9_]")


def bookmark_name(anchor: str, taken: set[str]) -> str:
    """A Word-safe bookmark name for an anchor: letters, digits and `_`, starting with a letter,
    at most 40 characters (Word silently drops longer or odd names), unique within `taken`."""
    name = _BOOKMARK_CHARS.sub("_", anchor)
    if not name[:1].isalpha():
        name = "h_" + name
    if len(name) > 40 or name in taken:
        digest = hashlib.sha1(anchor.encode("utf-8")).hexdigest()[:8]
        name = f"{name[:31]}_{digest}"
    n = 2
    base = name
    while name in taken:
        name = f"{base[:37]}_{n}"
        n += 1
    taken.add(name)
    return name


def bookmark_around(p, bookmark_id: int, name: str, first=None, last=None) -> None:
    """Put a bookmark around the content of paragraph `p` (or from `first` to `last`)."""
    start = element("w:bookmarkStart", {"w:id": str(bookmark_id), "w:name": name})
    end = element("w:bookmarkEnd", {"w:id": str(bookmark_id)})
    if first is not None:
        first.addprevious(start)
    else:
        ppr = p.find(qn("w:pPr"))
        if ppr is not None:
            ppr.addnext(start)
        else:
            p.insert(0, start)
    if last is not None:
        last.addnext(end)
    else:
        p.append(end)


# --------------------------------------------------------------------------- hyperlinks


class HyperlinkTargets:
    """A part's external hyperlink relationships, by address. python-docx finds the one for an
    address by a scan of all the part's relationships, and a free id by counting up from rId1,
    on every link: quadratic in a pack's links (8,000 distinct addresses took 30 s). This
    gives the same ids: the existing relationship of an address, else the lowest free rId
    (nothing is ever removed while a document is written, so the lowest free id only grows)."""

    def __init__(self, part) -> None:
        self.rels = part.rels
        self.ids: dict[str, str] = {}
        for r_id, rel in self.rels.items():  # the first of duplicates, as python-docx's scan finds it
            if rel.is_external and rel.reltype == RT.HYPERLINK:
                self.ids.setdefault(rel.target_ref, r_id)
        self._lowest_free = 1

    def r_id(self, url: str) -> str:
        r_id = self.ids.get(url)
        if r_id is None:
            while f"rId{self._lowest_free}" in self.rels:
                self._lowest_free += 1
            r_id = f"rId{self._lowest_free}"
            self.rels.add_relationship(RT.HYPERLINK, url, r_id, is_external=True)
            self.ids[url] = r_id
        return r_id


def external_hyperlink(part, url: str, tooltip: str | None = None, targets: HyperlinkTargets | None = None) -> BaseOxmlElement:
    """A `w:hyperlink` whose relationship (TargetMode="External") lives on `part` — the
    document part in the body, the footnotes part inside a note. `targets`: that part's
    `HyperlinkTargets`, kept by a writer that makes many links."""
    r_id = targets.r_id(url) if targets is not None else part.relate_to(url, RT.HYPERLINK, is_external=True)
    attrs = {"r:id": r_id, "w:history": "1"}
    if tooltip:
        attrs["w:tooltip"] = tooltip
    return element("w:hyperlink", attrs)


def internal_hyperlink(bookmark: str, tooltip: str | None = None) -> BaseOxmlElement:
    attrs = {"w:anchor": bookmark, "w:history": "1"}
    if tooltip:
        attrs["w:tooltip"] = tooltip
    return element("w:hyperlink", attrs)


# --------------------------------------------------------------------------- fields


def field_char(kind: str, style_id: str | None = None) -> BaseOxmlElement:
    """`kind` is "begin", "separate" or "end"."""
    return run(style_id=style_id, children=[element("w:fldChar", {"w:fldCharType": kind})])


def instr_run(instruction: str, style_id: str | None = None) -> BaseOxmlElement:
    r = run(style_id=style_id)
    instr = element("w:instrText")
    instr.text = f" {instruction} "
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    r.append(instr)
    return r


def field(instruction: str, result: str | Sequence = "", style_id: str | None = None, dirty: bool = False) -> list:
    """The runs of a complex field with a stored result, so viewers that never compute fields
    (LibreOffice for TOC, previewers for everything) still show something sensible.
    `result` is text or a list of ready-made runs."""
    begin = field_char("begin", style_id)
    if dirty:
        begin.find(qn("w:fldChar")).set(qn("w:dirty"), "true")
    runs = [begin, instr_run(instruction, style_id), field_char("separate", style_id)]
    if isinstance(result, str):
        if result:
            runs.append(run(result, style_id))
    else:
        runs.extend(result)
    runs.append(field_char("end", style_id))
    return runs


# --------------------------------------------------------------------------- footnotes


class CT_Footnote(BaseOxmlElement):
    """`w:footnote`: a story of paragraphs and tables, like a header or footer."""

    p = ZeroOrMore("w:p", successors=())
    tbl = ZeroOrMore("w:tbl", successors=())

    @property
    def inner_content_elements(self):
        return self.xpath("./w:p | ./w:tbl")


class CT_Footnotes(BaseOxmlElement):
    """`w:footnotes`, the root of the footnotes part."""


register_element_cls("w:footnote", CT_Footnote)
register_element_cls("w:footnotes", CT_Footnotes)

_FOOTNOTES_XML = (
    f'<w:footnotes xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
    # Word's own conventions: the separator line is note -1, the continuation separator note 0;
    # real notes start at 1, so a note's id equals its number in the edition.
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:pPr><w:spacing w:after="0" w:line="240"'
    ' w:lineRule="auto"/></w:pPr><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:pPr><w:spacing w:after="0"'
    ' w:line="240" w:lineRule="auto"/></w:pPr><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
    "</w:footnotes>"
)

SEPARATOR_IDS = (-1, 0)


class FootnotesPart(StoryPart):
    """`/word/footnotes.xml`. A story part, so python-docx proxies (Paragraph, Run, Table) work
    inside notes and resolve style names and relationships against it."""

    _taken_ids: set[str] | None = None  # note ids in use, once add_footnote has looked

    @classmethod
    def new(cls, package) -> "FootnotesPart":
        return cls(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, parse_xml(_FOOTNOTES_XML), package)

    def footnote(self, note_id: int) -> CT_Footnote | None:
        found = self.element.xpath(f"./w:footnote[@w:id='{note_id}']")
        return found[0] if found else None

    def add_footnote(self, note_id: int) -> CT_Footnote:
        # the ids in use, kept from the first call on: a search of every note per note made
        # writing a pack's notes quadratic in their number
        taken = self._taken_ids
        if taken is None:
            taken = self._taken_ids = {n.get(qn("w:id")) for n in self.element.iterchildren(qn("w:footnote"))}
        if str(note_id) in taken:
            raise ValueError(f"footnote {note_id} exists already")
        note = element("w:footnote", {"w:id": str(note_id)})
        self.element.append(note)
        taken.add(str(note_id))
        return note

    def clear_notes(self) -> None:
        """Drop every real note (a reference document may carry some), keep the separators."""
        for note in self.element.xpath("./w:footnote"):
            if note.get(qn("w:type")) not in ("separator", "continuationSeparator"):
                self.element.remove(note)
        self._taken_ids = None

    def note_ids(self) -> list[int]:
        return [
            int(n.get(qn("w:id")))
            for n in self.element.xpath("./w:footnote")
            if n.get(qn("w:type")) in (None, "normal")
        ]


PartFactory.part_type_for[CT.WML_FOOTNOTES] = FootnotesPart


def footnotes_part(document_part) -> FootnotesPart:
    """The document's footnotes part, created (with separators and the matching settings) when
    missing."""
    try:
        part = document_part.part_related_by(RT.FOOTNOTES)
    except KeyError:
        part = FootnotesPart.new(document_part.package)
        document_part.relate_to(part, RT.FOOTNOTES)
    settings = document_part._settings_part.element
    if settings.find(qn("w:footnotePr")) is None:
        ids = [int(n.get(qn("w:id"))) for n in part.element.xpath("./w:footnote[@w:type]")]
        pr = element("w:footnotePr", children=[element("w:footnote", {"w:id": str(i)}) for i in ids])
        insert_in_order(settings, pr, _SETTINGS_AFTER_FOOTNOTEPR)
    return part


def footnote_reference_run(note_id: int, style_id: str | None) -> BaseOxmlElement:
    """The call in the text: Word numbers it itself, no number is written."""
    return run(style_id=style_id, children=[element("w:footnoteReference", {"w:id": str(note_id)})])


def footnote_mark_run(style_id: str | None) -> BaseOxmlElement:
    """The number at the start of the note's first paragraph."""
    return run(style_id=style_id, children=[element("w:footnoteRef")])


# --------------------------------------------------------------------------- numbering

ORDERED_LEVELS = (("decimal", "%{n}."), ("lowerLetter", "%{n}."), ("lowerRoman", "%{n}."))
BULLET_LEVELS = (("\u2022", "Liberation Sans"), ("\u2013", "Liberation Sans"), ("\u25e6", "Liberation Sans"))


def numbering_element(document_part):
    """The `w:numbering` root, creating the part if the reference document has none."""
    from docx.parts.numbering import NumberingPart

    try:
        part = document_part.part_related_by(RT.NUMBERING)
    except KeyError:
        xml = f'<w:numbering xmlns:w="{W_NS}"/>'
        part = NumberingPart(PackURI("/word/numbering.xml"), CT.WML_NUMBERING, parse_xml(xml), document_part.package)
        document_part.relate_to(part, RT.NUMBERING)
    return part.element


def _next_id(numbering, tag: str, attr: str) -> int:
    ids = [int(x) for x in numbering.xpath(f"./{tag}/@{attr}")]
    return max(ids, default=0) + 1


def add_abstract_list(numbering, kind: str, name: str, step: int = 397, hanging: int = 340) -> int:
    """A nine-level list definition: ordered lists go 1. / a. / i. by depth (and round again),
    bullet lists • / – / ◦. `step` and `hanging` are the indents in twentieths of a point."""
    abstract_id = _next_id(numbering, "w:abstractNum", "w:abstractNumId")
    nsid = hashlib.sha1(name.encode()).hexdigest()[:8].upper()
    abstract = element(
        "w:abstractNum",
        {"w:abstractNumId": str(abstract_id)},
        [element("w:nsid", {"w:val": nsid}), element("w:multiLevelType", {"w:val": "multilevel"}),
         element("w:name", {"w:val": name})],
    )
    for level in range(9):
        if kind == "ordered":
            fmt, text = ORDERED_LEVELS[level % 3]
            text, font = text.format(n=level + 1), None
        else:
            fmt, (text, font) = "bullet", BULLET_LEVELS[level % 3]
        lvl = element("w:lvl", {"w:ilvl": str(level)}, [
            element("w:start", {"w:val": "1"}),
            element("w:numFmt", {"w:val": fmt}),
            element("w:lvlText", {"w:val": text}),
            element("w:lvlJc", {"w:val": "left"}),
            element("w:pPr", children=[
                element("w:ind", {"w:left": str(step * (level + 1)), "w:hanging": str(hanging)}),
            ]),
        ])
        if font:
            lvl.append(element("w:rPr", children=[
                element("w:rFonts", {"w:ascii": font, "w:hAnsi": font, "w:hint": "default"}),
            ]))
        abstract.append(lvl)
    # schema order: every abstractNum before the first num
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    return abstract_id


def first_free_num_id(numbering) -> int:
    """One past the highest `w:num` id: where a writer that counts its lists starts."""
    return _next_id(numbering, "w:num", "w:numId")


def add_list_instance(numbering, abstract_id: int, level: int = 0, start: int = 1, num_id: int | None = None) -> int:
    """A new `w:num` over an abstract list that restarts `level` at `start`: every list in the
    text gets its own, so each list counts from its own start. `num_id`: the id to give it,
    when the caller counts them (otherwise one past the highest, found by a search)."""
    if num_id is None:
        num_id = _next_id(numbering, "w:num", "w:numId")
    numbering.append(element("w:num", {"w:numId": str(num_id)}, [
        element("w:abstractNumId", {"w:val": str(abstract_id)}),
        element("w:lvlOverride", {"w:ilvl": str(level)}, [element("w:startOverride", {"w:val": str(start)})]),
    ]))
    return num_id


#: CT_PPr children before w:numPr (schema order)
_PPR_BEFORE_NUMPR = frozenset(qn(t) for t in (
    "w:pStyle", "w:keepNext", "w:keepLines", "w:pageBreakBefore", "w:framePr", "w:widowControl"))


def set_numbering(p, num_id: int, level: int) -> None:
    """`w:numPr` on a paragraph: list `num_id` at `level` (0-based), in its schema place."""
    ppr = p.get_or_add_pPr()
    num_pr = ppr.find(qn("w:numPr"))
    if num_pr is not None:
        ppr.remove(num_pr)
    num_pr = element("w:numPr", children=[element("w:ilvl", {"w:val": level}), element("w:numId", {"w:val": num_id})])
    before = [child for child in ppr if child.tag in _PPR_BEFORE_NUMPR]
    if before:
        before[-1].addnext(num_pr)
    else:
        ppr.insert(0, num_pr)


# --------------------------------------------------------------------------- settings & styles

# CT_Settings order after w:updateFields / w:footnotePr (from the schema, as python-docx lists it)
_SETTINGS_AFTER_FOOTNOTEPR = (
    "w:endnotePr", "w:compat", "w:docVars", "w:rsids", "m:mathPr", "w:attachedSchema",
    "w:themeFontLang", "w:clrSchemeMapping", "w:doNotIncludeSubdocsInStats",
    "w:doNotAutoCompressPictures", "w:forceUpgrade", "w:captions", "w:readModeInkLockDown",
    "w:smartTagType", "sl:schemaLibrary", "w:shapeDefaults", "w:doNotEmbedSmartTags",
    "w:decimalSymbol", "w:listSeparator",
)
_SETTINGS_AFTER_UPDATEFIELDS = ("w:hdrShapeDefaults", "w:footnotePr") + _SETTINGS_AFTER_FOOTNOTEPR


def set_update_fields(settings) -> None:
    """Ask Word to refresh fields (the contents, page references) when it opens the file."""
    if settings.find(qn("w:updateFields")) is None:
        insert_in_order(settings, element("w:updateFields", {"w:val": "true"}), _SETTINGS_AFTER_UPDATEFIELDS)


def _default_rpr(styles):
    doc_defaults = styles.find(qn("w:docDefaults"))
    if doc_defaults is None:
        doc_defaults = element("w:docDefaults")
        styles.insert(0, doc_defaults)
    rpr_wrap = doc_defaults.find(qn("w:rPrDefault"))
    if rpr_wrap is None:
        rpr_wrap = element("w:rPrDefault")
        doc_defaults.insert(0, rpr_wrap)
    rpr = rpr_wrap.find(qn("w:rPr"))
    if rpr is None:
        rpr = element("w:rPr")
        rpr_wrap.append(rpr)
    return rpr


def _default_ppr(styles):
    doc_defaults = styles.find(qn("w:docDefaults"))
    if doc_defaults is None:
        _default_rpr(styles)
        doc_defaults = styles.find(qn("w:docDefaults"))
    ppr_wrap = doc_defaults.find(qn("w:pPrDefault"))
    if ppr_wrap is None:
        ppr_wrap = element("w:pPrDefault")
        doc_defaults.append(ppr_wrap)
    ppr = ppr_wrap.find(qn("w:pPr"))
    if ppr is None:
        ppr = element("w:pPr")
        ppr_wrap.append(ppr)
    return ppr


#: CT_RPr children after w:lang (schema order)
_RPR_AFTER_LANG = ("w:eastAsianLayout", "w:specVanish", "w:oMath")


def set_language(rpr, language: str, script: str) -> None:
    """`w:lang` on run properties: `w:val` is the language of Latin (and Cyrillic) text,
    `w:bidi` of right-to-left text, `w:eastAsia` of Chinese, Japanese and Korean text; the
    script the language is written in decides which attribute names it."""
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = insert_in_order(rpr, element("w:lang"), _RPR_AFTER_LANG)
    _set_language_attributes(lang, language, script)


def _set_language_attributes(lang, language: str, script: str) -> None:
    lang.set(qn("w:val"), language)
    if script == "arabic":
        lang.set(qn("w:bidi"), language)
    elif script == "cjk":
        lang.set(qn("w:eastAsia"), language)


def set_default_language(styles, language: str, script: str = "latin") -> None:
    """`w:lang` in the style defaults, so spelling and hyphenation use the pack's language."""
    set_language(_default_rpr(styles), language, script)


#: CT_PPr children after w:bidi (schema order)
_PPR_AFTER_BIDI = (
    "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl",
    "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)


def set_bidi(ppr, on: bool = True) -> None:
    """`w:bidi` on paragraph properties: the paragraph runs right to left (its start is the
    right margin, tables and numbering follow); `on=False` writes `w:val="0"`, a left-to-right
    paragraph in a right-to-left document."""
    bidi = ppr.find(qn("w:bidi"))
    if bidi is None:
        bidi = insert_in_order(ppr, element("w:bidi"), _PPR_AFTER_BIDI)
    if on:
        bidi.attrib.pop(qn("w:val"), None)
    else:
        bidi.set(qn("w:val"), "0")


#: CT_PPr children after w:jc (schema order)
_PPR_AFTER_JC = frozenset(qn(t) for t in (
    "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle",
    "w:rPr", "w:sectPr", "w:pPrChange",
))


def set_alignment(ppr, value: str) -> None:
    """`w:jc` ("left", "center", "right", "both") on paragraph properties, in its schema place."""
    jc = ppr.find(qn("w:jc"))
    if jc is None:
        jc = element("w:jc")
        successor = next((child for child in ppr if child.tag in _PPR_AFTER_JC), None)
        if successor is not None:
            successor.addprevious(jc)
        else:
            ppr.append(jc)
    jc.set(qn("w:val"), value)


def set_default_bidi(styles) -> None:
    """Every paragraph right to left unless it says otherwise: body, headers, footers, notes
    (LibreOffice mirrors tables, headers and footers only when the defaults say so)."""
    set_bidi(_default_ppr(styles))


#: CT_SectPr children after w:bidi (schema order)
_SECTPR_AFTER_BIDI = ("w:rtlGutter", "w:docGrid", "w:printerSettings", "w:sectPrChange")


def set_section_rtl(sect_pr) -> None:
    """The section's columns and gutter run right to left (`w:bidi`, `w:rtlGutter`)."""
    if sect_pr.find(qn("w:bidi")) is None:
        insert_in_order(sect_pr, element("w:bidi"), _SECTPR_AFTER_BIDI)
    if sect_pr.find(qn("w:rtlGutter")) is None:
        insert_in_order(sect_pr, element("w:rtlGutter"), _SECTPR_AFTER_BIDI[1:])


def mirror_borders(styles) -> None:
    """Left and right paragraph borders swapped in every style (a quote's rule belongs on the
    start side; Word and LibreOffice keep `w:left` on the left even in a right-to-left
    paragraph)."""
    for borders in styles.iter(qn("w:pBdr")):
        left, right = borders.find(qn("w:left")), borders.find(qn("w:right"))
        if left is not None:
            left.tag = qn("w:right")
        if right is not None:
            right.tag = qn("w:left")
        # CT_PBdr order: top, left, bottom, right, between, bar
        order = {qn(f"w:{t}"): i for i, t in enumerate(("top", "left", "bottom", "right", "between", "bar"))}
        children = sorted(borders, key=lambda c: order.get(c.tag, 9))
        for child in children:
            borders.append(child)


def set_script_fonts(styles, east_asia_region: str | None) -> None:
    """Swap the regional CJK faces the styles name ("Noto Sans CJK SC" → "… TC") so Traditional
    Chinese (or Japanese, Korean) text takes its own forms."""
    if not east_asia_region:
        return
    pattern = re.compile(r"CJK (SC|TC|JP|KR|HK)\b")
    for fonts in styles.iter(qn("w:rFonts")):
        value = fonts.get(qn("w:eastAsia"))
        if value and pattern.search(value):
            fonts.set(qn("w:eastAsia"), pattern.sub(f"CJK {east_asia_region}", value))


# --------------------------------------------------------------------------- pictures

SVG_BLIP_URI = "{96DAC541-7B7A-43D3-8B79-37D633B846F1}"
SVG_NS = "http://schemas.microsoft.com/office/drawing/2016/SVG/main"
RT_IMAGE = RT.IMAGE


class Pictures:
    """A package's pictures, indexed: python-docx's `StoryPart.new_pic_inline` looks an image up
    by a scan of every image part, numbers a new one by listing them all, relates it by a scan
    of the story's relationships, and takes a shape id from an XPath over the whole story — per
    picture, so quadratic in a pack's pictures (400 took ~1.7 s). This makes the same parts,
    part names and relationship ids: an image with the same SHA-1 is shared, a new one takes the
    lowest free image number and the lowest free rId (nothing is removed while writing), and
    the shape id python-docx would give."""

    def __init__(self, package) -> None:
        self.image_parts = package.image_parts
        self.by_sha1: dict = {}
        for part in self.image_parts:  # the first of equal images, as python-docx's scan finds
            self.by_sha1.setdefault(part.sha1, part)
        self.used_numbers = {part.partname.idx for part in self.image_parts}
        self.lowest_number = 1
        self.rel_ids: dict[int, dict[int, str]] = {}  # id(story part) → id(image part) → rId
        self.lowest_rid: dict[int, int] = {}
        self.highest_id: dict[int, int] = {}  # id(story part) → its highest numeric id attribute

    def inline(self, story, data: bytes, width=None):
        """A `wp:inline` picture of `data` in `story` (a document, header or footnotes part)."""
        from docx.image.image import Image
        from docx.oxml.shape import CT_Inline
        from docx.parts.image import ImagePart

        image = Image.from_blob(data)
        part = self.by_sha1.get(image.sha1)
        if part is None:
            while self.lowest_number in self.used_numbers:
                self.lowest_number += 1
            partname = PackURI(f"/word/media/image{self.lowest_number}.{image.ext}")
            part = ImagePart.from_image(image, partname)
            self.image_parts.append(part)
            self.by_sha1[image.sha1] = part
            self.used_numbers.add(self.lowest_number)
        r_id = self._relate(story, part)
        picture = part.image
        cx, cy = picture.scaled_dimensions(width, None)
        shape_id = self._next_shape_id(story)
        return CT_Inline.new_pic_inline(shape_id, r_id, picture.filename, cx, cy)

    def _next_shape_id(self, story) -> int:
        """python-docx's `StoryPart.next_id` (one past the highest numeric `id` attribute in the
        story; it names the picture, "Picture N"), with the search done once per story: the
        pictures made here are the only elements that add such ids."""
        highest = self.highest_id.get(id(story))
        if highest is None:
            highest = max((int(v) for v in story.element.xpath("//@id") if v.isdigit()), default=0)
        self.highest_id[id(story)] = highest + 1
        return highest + 1

    def _relate(self, story, image_part) -> str:
        rels = story.rels
        known = self.rel_ids.get(id(story))
        if known is None:
            known = self.rel_ids[id(story)] = {}
            for r_id, rel in rels.items():
                if not rel.is_external and rel.reltype == RT_IMAGE:
                    known.setdefault(id(rel.target_part), r_id)
        r_id = known.get(id(image_part))
        if r_id is None:
            n = self.lowest_rid.get(id(story), 1)
            while f"rId{n}" in rels:
                n += 1
            self.lowest_rid[id(story)] = n
            r_id = f"rId{n}"
            rels.add_relationship(RT_IMAGE, image_part, r_id)
            known[id(image_part)] = r_id
        return r_id


def attach_svg(part, inline, svg: bytes, name: str) -> None:
    """Add the SVG original to a picture whose `a:blip` shows a PNG fallback (Office 2016+
    shows the SVG; older Word and LibreOffice show the fallback)."""
    from docx.opc.part import Part

    partname = part.package.next_partname("/word/media/image%d.svg")
    svg_part = Part(partname, "image/svg+xml", svg, part.package)
    r_id = part.relate_to(svg_part, RT_IMAGE)
    blip = inline.xpath(".//a:blip")[0]
    ext_lst = element("a:extLst")
    ext = element("a:ext", {"uri": SVG_BLIP_URI})
    from lxml import etree

    svg_blip = etree.SubElement(ext, f"{{{SVG_NS}}}svgBlip", nsmap={"asvg": SVG_NS})
    svg_blip.set(qn("r:embed"), r_id)
    ext_lst.append(ext)
    blip.append(ext_lst)


def placeholder_png(width: int, height: int, rgb: tuple[int, int, int] = (0xE8, 0xEC, 0xF1)) -> bytes:
    """A flat-coloured PNG made with the standard library, as the fallback picture for SVG
    (no rasteriser is available without adding a dependency)."""
    import struct
    import zlib

    width, height = max(3, width), max(3, height)
    edge = (0xB8, 0xC2, 0xCE)  # a one-pixel frame, so the box reads as a figure's place
    row = b"\x00" + bytes(edge) + bytes(rgb) * (width - 2) + bytes(edge)
    rule = b"\x00" + bytes(edge) * width
    raw = rule + row * (height - 2) + rule

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


# --------------------------------------------------------------------------- custom properties

CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
CUSTOM_FMTID = "{D5CDD505-2E9C-101B-9397-08002B2CF9AE}"  # the one FMTID Word uses for user properties


def custom_properties_xml(props: Sequence[tuple[str, str]]) -> bytes:
    """`docProps/custom.xml` holding text properties, in the order given (Word numbers them
    from pid 2)."""
    from lxml import etree

    root = etree.Element(f"{{{CUSTOM_NS}}}Properties", nsmap={None: CUSTOM_NS, "vt": VT_NS})
    for pid, (name, value) in enumerate(props, start=2):
        prop = etree.SubElement(root, f"{{{CUSTOM_NS}}}property", fmtid=CUSTOM_FMTID, pid=str(pid), name=name)
        etree.SubElement(prop, f"{{{VT_NS}}}lpwstr").text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def set_custom_properties(package, props: Sequence[tuple[str, str]]) -> None:
    """Replace the package's custom document properties (a reference document may carry some)."""
    from docx.opc.part import Part

    blob = custom_properties_xml(props)
    try:
        part = package.part_related_by(RT.CUSTOM_PROPERTIES)
    except KeyError:
        part = Part(PackURI("/docProps/custom.xml"), CT.OFC_CUSTOM_PROPERTIES, blob, package)
        package.relate_to(part, RT.CUSTOM_PROPERTIES)
    else:
        part._blob = blob


# --------------------------------------------------------------------------- reproducible package


def reproducible_zip(blob: bytes, timestamp: _dt.datetime) -> bytes:
    """Re-zip a saved package with one fixed entry time, a fixed entry order and fixed
    compression, so the same inputs give the same bytes."""
    with zipfile.ZipFile(io.BytesIO(blob)) as source:
        return _zip_members({name: source.read(name) for name in source.namelist()}, timestamp)


class _Members:
    """Takes python-docx's place of a zip writer: keeps each member's bytes, so that the
    package is compressed once, by `_zip_members`, and not a second time to make it
    reproducible."""

    def __init__(self) -> None:
        self.members: dict[str, bytes] = {}

    def write(self, pack_uri, blob: bytes) -> None:
        self.members[pack_uri.membername] = blob


def package_bytes(package, timestamp: _dt.datetime) -> bytes:
    """A python-docx package saved as `OpcPackage.save` saves it, zipped reproducibly (the same
    bytes as `reproducible_zip` of that save). Uses `PackageWriter`'s part-writing steps
    directly: its public `write` opens its own zip file."""
    from docx.opc.pkgwriter import PackageWriter

    parts = package.parts
    for part in parts:
        part.before_marshal()
    members = _Members()
    PackageWriter._write_content_types_stream(members, parts)
    PackageWriter._write_pkg_rels(members, package.rels)
    PackageWriter._write_parts(members, parts)
    return _zip_members(members.members, timestamp)


def _zip_members(members: dict[str, bytes], timestamp: _dt.datetime) -> bytes:
    """`members` zipped with one fixed entry time, a fixed entry order and fixed compression."""
    stamp = timestamp.timetuple()[:6]
    if stamp[0] < 1980:  # the zip format cannot date anything earlier
        stamp = (1980, 1, 1, 0, 0, 0)
    first = [n for n in ("[Content_Types].xml", "_rels/.rels") if n in members]
    order = first + sorted(n for n in members if n not in first)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            target.writestr(info, members[name], compresslevel=6)
    return out.getvalue()
