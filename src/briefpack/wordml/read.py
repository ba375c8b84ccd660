"""Reading a DOCX package — the counterpart of `write.py`, for files that come back from review.

Owns the package level: the zip (opened as untrusted input: size caps, zip bombs, encrypted or
odd archives refused), XML parsed without entities, DTDs or network, relationships resolved
inside the package only (a DOCX never makes briefpack touch the file system), styles by name,
numbering definitions, and the custom document properties. What the paragraphs *say* is
`picture.py`'s business.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass, field

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CUSTOM_NS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
RT_DOCUMENT = REL + "officeDocument"
RT_STYLES = REL + "styles"
RT_NUMBERING = REL + "numbering"
RT_FOOTNOTES = REL + "footnotes"
RT_COMMENTS = REL + "comments"
RT_HYPERLINK = REL + "hyperlink"
RT_HEADER = REL + "header"
RT_FOOTER = REL + "footer"
RT_CUSTOM = REL + "custom-properties"

MAX_DOCX_BYTES = 100 * 1024 * 1024  # pictures included
MAX_PART_BYTES = 32 * 1024 * 1024  # one XML part, uncompressed
MAX_XML_BYTES = 128 * 1024 * 1024  # all XML parts read, uncompressed
MAX_ENTRIES = 10_000
MAX_ELEMENTS = 4_000_000  # in one part
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted Office files and old .doc


def w(tag: str) -> str:
    """`w("p")` → the Clark name of w:p."""
    return f"{{{W_NS}}}{tag}"


def wattr(el, name: str, default: str | None = None) -> str | None:
    return el.get(f"{{{W_NS}}}{name}", default)


class DocxProblem(Exception):
    """The file cannot be read as a DOCX (message for the user, without the file name)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
    dtd_validation=False, remove_comments=True, remove_pis=True,
)


def parse_xml(data: bytes, name: str):
    """An XML part as an lxml element. DOCX parts never need a DTD: one is refused outright,
    so entity tricks (billion laughs, external entities) never reach the parser."""
    head = data[:8192].lstrip()
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise DocxProblem(f"{name} declares a DOCTYPE or entities, which a Word document never does: refused")
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        try:  # UTF-16 parts are legal; look for a DOCTYPE in their text too
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise DocxProblem(f"{name} is not well-formed XML") from None
        if "<!DOCTYPE" in text or "<!ENTITY" in text:
            raise DocxProblem(f"{name} declares a DOCTYPE or entities, which a Word document never does: refused")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise DocxProblem(f"{name} is not well-formed XML ({exc.msg})") from None
    if root is None:
        raise DocxProblem(f"{name} is empty")
    count = 0
    for _ in root.iter():
        count += 1
        if count > MAX_ELEMENTS:
            raise DocxProblem(f"{name} holds more than {MAX_ELEMENTS:,} XML elements: refused")
    return root


@dataclass(frozen=True)
class Relationship:
    id: str
    type: str
    target: str  # a part name inside the package, or a URL when external
    external: bool


@dataclass(frozen=True)
class Style:
    id: str
    name: str  # lower case, as the reader matches it: "heading 1", "body text"
    kind: str  # paragraph, character, table, numbering
    based_on: str | None = None
    num_id: str | None = None  # numbering the style itself applies (List Bullet in Word)
    ilvl: int | None = None
    marks: frozenset[str] = frozenset()  # b, i, strike set by a character style
    rpr: dict = field(default_factory=dict, compare=False)  # its run properties (see `run_properties`)


@dataclass
class Numbering:
    """numId → (abstract levels' formats, per-instance overrides): is level N bullets or numbers?"""

    nums: dict[str, str] = field(default_factory=dict)  # numId → abstractNumId
    overrides: dict[tuple[str, int], str] = field(default_factory=dict)  # (numId, ilvl) → numFmt
    formats: dict[tuple[str, int], str] = field(default_factory=dict)  # (abstractNumId, ilvl) → numFmt
    links: dict[str, str] = field(default_factory=dict)  # abstractNumId → numbering style it links to
    style_nums: dict[str, str] = field(default_factory=dict)  # numbering style id → numId

    def format(self, num_id: str, ilvl: int) -> str | None:
        """'bullet', 'decimal', 'lowerLetter'…, or None when the list is unknown."""
        if (num_id, ilvl) in self.overrides:
            return self.overrides[(num_id, ilvl)]
        abstract = self.nums.get(num_id)
        for _ in range(4):  # abstract → numbering style → num → abstract, a few hops at most
            if abstract is None:
                return None
            if (abstract, ilvl) in self.formats:
                return self.formats[(abstract, ilvl)]
            linked = self.links.get(abstract)
            abstract = self.nums.get(self.style_nums.get(linked, "")) if linked else None
        return None


class Package:
    """An opened DOCX: parts read on demand (and only XML parts: pictures are never read)."""

    def __init__(self, data: bytes, name: str = "document.docx"):
        self.name = name
        if len(data) > MAX_DOCX_BYTES:
            raise DocxProblem(f"the file is {len(data) / 1048576:.0f} MB; the limit is {MAX_DOCX_BYTES // 1048576} MB")
        if data.startswith(_OLE_SIGNATURE):
            raise DocxProblem("this is a password-protected (encrypted) or old-format Word file: save it as .docx without a password")
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
            raise DocxProblem("not a Word document (.docx): it is not a zip package") from None
        if len(infos) > MAX_ENTRIES:
            raise DocxProblem(f"the package holds {len(infos)} files; a Word document holds far fewer: refused")
        self.infos: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            if info.flag_bits & 0x1:
                raise DocxProblem("the package is encrypted: save the document without a password")
            if info.filename in self.infos:
                raise DocxProblem(f"the package holds '{info.filename}' twice: refused")
            self.infos[info.filename] = info
        self._read_total = 0
        self._xml: dict[str, object] = {}
        self._rels: dict[str, dict[str, Relationship]] = {}
        self.default_rpr: dict = {}
        package_rels = self.rels("")
        main = next((r for r in package_rels.values() if r.type == RT_DOCUMENT and not r.external), None)
        if main is None:
            if "word/document.xml" not in self.infos:
                raise DocxProblem("not a Word document (.docx): the package has no main document part")
            self.main = "word/document.xml"
        else:
            self.main = main.target
        if self.main not in self.infos:
            raise DocxProblem(f"the package's main document part '{self.main}' is missing")
        self.styles = self._read_styles()
        self.numbering = self._read_numbering()

    # ------------------------------------------------------------------ parts

    def has(self, name: str) -> bool:
        return name in self.infos

    def read(self, name: str) -> bytes:
        info = self.infos.get(name)
        if info is None:
            raise DocxProblem(f"the package has no part '{name}'")
        if info.file_size > MAX_PART_BYTES:
            raise DocxProblem(f"part '{name}' is {info.file_size / 1048576:.0f} MB uncompressed; the limit is {MAX_PART_BYTES // 1048576} MB")
        try:
            with self.zip.open(info) as fh:
                data = fh.read(MAX_PART_BYTES + 1)  # never trust the declared size (zip bombs lie)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError, ValueError) as exc:
            raise DocxProblem(f"part '{name}' cannot be unpacked ({exc})") from None
        if len(data) > MAX_PART_BYTES:
            raise DocxProblem(f"part '{name}' unpacks to more than {MAX_PART_BYTES // 1048576} MB: refused")
        self._read_total += len(data)
        if self._read_total > MAX_XML_BYTES:
            raise DocxProblem(f"the document's XML unpacks to more than {MAX_XML_BYTES // 1048576} MB: refused")
        return data

    def xml(self, name: str):
        if name not in self._xml:
            self._xml[name] = parse_xml(self.read(name), name)
        return self._xml[name]

    def rels(self, part: str) -> dict[str, Relationship]:
        """The relationships of a part ("" for the package's own), targets resolved to part names."""
        if part in self._rels:
            return self._rels[part]
        folder, base = posixpath.split(part)
        rels_name = posixpath.join(folder, "_rels", base + ".rels") if part else "_rels/.rels"
        found: dict[str, Relationship] = {}
        if self.has(rels_name):
            for rel in self.xml(rels_name):
                if rel.tag != f"{{{PKG_REL_NS}}}Relationship":
                    continue
                rid, kind, target = rel.get("Id"), rel.get("Type", ""), rel.get("Target", "")
                external = rel.get("TargetMode") == "External"
                if rid is None:
                    continue
                if not external:
                    target = _part_name(folder, target)
                    if target is None:
                        continue  # a target outside the package is never followed
                found[rid] = Relationship(rid, kind, target, external)
        self._rels[part] = found
        return found

    def related(self, part: str, kind: str) -> str | None:
        """The first internal part `part` relates to with `kind`, if the package holds it."""
        for rel in self.rels(part).values():
            if rel.type == kind and not rel.external and self.has(rel.target):
                return rel.target
        return None

    # ------------------------------------------------------------------ styles and numbering

    def _read_styles(self) -> dict[str, Style]:
        name = self.related(self.main, RT_STYLES)
        styles: dict[str, Style] = {}
        if name is None:
            return styles
        for el in self.xml(name).iter(w("style")):
            sid = wattr(el, "styleId")
            if sid is None:
                continue
            name_el = el.find(w("name"))
            based = el.find(w("basedOn"))
            num_pr = el.find(f"{w('pPr')}/{w('numPr')}")
            num_id = ilvl = None
            if num_pr is not None:
                num_el, lvl_el = num_pr.find(w("numId")), num_pr.find(w("ilvl"))
                num_id = wattr(num_el, "val") if num_el is not None else None
                ilvl = _int(wattr(lvl_el, "val")) if lvl_el is not None else None
            rpr = el.find(w("rPr"))
            styles[sid] = Style(
                id=sid, name=(wattr(name_el, "val") or sid).strip().lower() if name_el is not None else sid.lower(),
                kind=wattr(el, "type") or "paragraph", based_on=wattr(based, "val") if based is not None else None,
                num_id=num_id, ilvl=ilvl, marks=run_marks(rpr) if rpr is not None else frozenset(),
                rpr=run_properties(rpr),
            )
        defaults = self.xml(name).find(f"{w('docDefaults')}/{w('rPrDefault')}/{w('rPr')}")
        self.default_rpr = run_properties(defaults)
        return styles

    def inherited_rpr(self, *style_ids: str | None) -> dict:
        """The run properties the document defaults and these styles (and those they are based
        on) give, later styles winning: what a run shows without direct formatting."""
        props = dict(self.default_rpr)
        for style_id in style_ids:
            for style in reversed(list(self.style_chain(style_id))):
                props.update(style.rpr)
        return props

    def style(self, style_id: str | None) -> Style | None:
        return self.styles.get(style_id) if style_id else None

    def style_chain(self, style_id: str | None):
        """The style and those it is based on (a bounded walk: loops in broken files end it)."""
        seen = set()
        while style_id and style_id not in seen and len(seen) < 20:
            seen.add(style_id)
            style = self.styles.get(style_id)
            if style is None:
                return
            yield style
            style_id = style.based_on

    def _read_numbering(self) -> Numbering:
        numbering = Numbering()
        name = self.related(self.main, RT_NUMBERING)
        if name is None:
            return numbering
        root = self.xml(name)
        for abstract in root.iter(w("abstractNum")):
            aid = wattr(abstract, "abstractNumId")
            link = abstract.find(w("numStyleLink"))
            if link is not None:
                numbering.links[aid] = wattr(link, "val")
            for lvl in abstract.iter(w("lvl")):
                fmt = lvl.find(w("numFmt"))
                level = _int(wattr(lvl, "ilvl"))
                if fmt is not None and level is not None:
                    numbering.formats[(aid, level)] = wattr(fmt, "val") or "decimal"
        for num in root.iter(w("num")):
            nid = wattr(num, "numId")
            ref = num.find(w("abstractNumId"))
            if nid is None or ref is None:
                continue
            numbering.nums[nid] = wattr(ref, "val")
            for override in num.iter(w("lvlOverride")):
                level = _int(wattr(override, "ilvl"))
                fmt = override.find(f"{w('lvl')}/{w('numFmt')}")
                if fmt is not None and level is not None:
                    numbering.overrides[(nid, level)] = wattr(fmt, "val") or "decimal"
        for style in self.styles.values():
            if style.kind == "numbering" and style.num_id:
                numbering.style_nums[style.id] = style.num_id
        return numbering

    # ------------------------------------------------------------------ properties

    def custom_properties(self) -> dict[str, str]:
        name = next((r.target for r in self.rels("").values() if r.type == RT_CUSTOM and not r.external), None)
        if name is None or not self.has(name):
            name = "docProps/custom.xml" if self.has("docProps/custom.xml") else None
        if name is None:
            return {}
        props: dict[str, str] = {}
        for prop in self.xml(name):
            if prop.tag != f"{{{CUSTOM_NS}}}property" or prop.get("name") is None:
                continue
            value = prop[0].text if len(prop) else None
            props[prop.get("name")] = value or ""
        return props


def run_properties(rpr) -> dict:
    """A w:rPr as {local tag: its attributes}, to compare direct formatting with a style's."""
    if rpr is None:
        return {}
    return {el.tag.rsplit("}", 1)[-1]: tuple(sorted((k.rsplit("}", 1)[-1], v) for k, v in el.attrib.items())) for el in rpr}


def run_marks(rpr) -> frozenset[str]:
    """b, i, strike set (not unset) in a w:rPr."""
    marks = set()
    for tag, mark in (("b", "b"), ("i", "i"), ("strike", "strike")):
        el = rpr.find(w(tag))
        if el is not None and (wattr(el, "val") or "true").lower() not in ("false", "0", "off", "none"):
            marks.add(mark)
    return frozenset(marks)


def _part_name(folder: str, target: str) -> str | None:
    """A relationship target as a part name; None if it would leave the package."""
    target = target.split("#", 1)[0]
    if not target:
        return None
    path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
    path = posixpath.normpath(path)
    if path.startswith("../") or path == ".." or path.startswith("/"):
        return None
    return path


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
