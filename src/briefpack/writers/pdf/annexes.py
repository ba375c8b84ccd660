"""Annexes: reserved as pages before layout, laid onto them after it (pypdf).

The print document reserves one blank page per annex page, at the annex's page size (measured
by the loader, see `sources.annexes`), so contents, bookmarks and "Page X of Y" already count
the annexes when WeasyPrint lays the pack out — one layout, no second pass. Here each annex
page is drawn onto its blank page as a form XObject: the content stream is copied, not parsed,
and an annex listed several times is copied into the pack once. The page objects stay the same,
so outline entries and contents links keep pointing at them. Annex pages carry their own
headers and footers, not ours.

Nothing of an annex that can act is copied: its links are rebuilt from scratch, keeping only
http, https and mailto addresses and links to its own pages; every other annotation (form
fields, attachments, notes, media) is flattened into its visible appearance, and its actions
(JavaScript, Launch, GoToR, SubmitForm, `file:` URIs, …) are dropped. Document-level actions,
scripts and attachments of an annex are never copied either.
"""

from __future__ import annotations

import io
import math

from ... import model as m
from ...errors import BuildError
from ..html.document import AnnexPlaceholder

_LINK_SCHEMES = ("http://", "https://", "mailto:")
#: Annotation flags (PDF 32000-1, 12.5.3): Hidden, NoView.
_INVISIBLE = 2 | 32


def measure_annexes(annexes: tuple[m.Annex, ...]) -> tuple[list[AnnexPlaceholder], list[str]]:
    """A placeholder per annex, from the page sizes the loader measured (no warnings: the
    loader refuses an annex it cannot read)."""
    placeholders = [
        AnnexPlaceholder(number, annex.title, f"annex-{number}", annex.page_sizes, source)
        for number, (source, annex) in enumerate(((i, a) for i, a in enumerate(annexes) if a.page_sizes), start=1)
    ]
    return placeholders, []


def lay_annexes(pdf: bytes, annexes: tuple[m.Annex, ...], placeholders: list[AnnexPlaceholder], first_page: int) -> bytes:
    """`pdf` with the annex pages drawn onto the placeholder pages that start at `first_page`
    (0-based)."""
    from ...sources.annexes import quiet_pypdf

    try:
        with quiet_pypdf():
            return _lay_annexes(pdf, annexes, placeholders, first_page)
    except BuildError:
        raise
    except Exception as exc:  # pypdf on a file the loader accepted: say which, never a traceback
        raise BuildError(f"could not add the annexes to the PDF ({type(exc).__name__}: {str(exc)[:200]})") from None


def _lay_annexes(pdf: bytes, annexes, placeholders, first_page: int) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, NumberObject

    from ...sources.annexes import unlock

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    sources: dict[int, _Source] = {}  # by id of the annex's data: one reader, one copy, per file
    page_index = first_page
    for placeholder in placeholders:
        annex = annexes[placeholder.source]
        key = id(annex.resource.data)
        if key not in sources:
            reader = PdfReader(io.BytesIO(annex.resource.data))
            if reader.is_encrypted:
                unlock(reader, annex.resource.path.name)
            sources[key] = _Source(reader, writer, len(sources), annex.resource.path.name)
        source = sources[key]
        first_target = page_index
        for number, page in enumerate(source.reader.pages):
            target = writer.pages[page_index]
            form = source.form(number)
            _draw(writer, target, form, f"/BPannex{source.ordinal}p{number}", "q {} Do Q\n")
            target.mediabox = page.mediabox
            target.cropbox = page.cropbox
            rotation = page.get("/Rotate")
            if rotation:
                target[NameObject("/Rotate")] = NumberObject(int(rotation) % 360)
            page_index += 1
        # links and appearances once every target page of this listing exists
        for number, page in enumerate(source.reader.pages):
            _copy_annotations(writer, source, number, writer.pages[first_target + number], first_target)
    for page in writer.pages[first_page:page_index]:
        if _WRAPPED in page:
            del page[_WRAPPED]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class _Source:
    """One annex file: its reader, and its pages as form XObjects in the writer (made once)."""

    def __init__(self, reader, writer, ordinal: int, name: str):
        self.reader = reader
        self.writer = writer
        self.ordinal = ordinal  # names its objects in the pack: the same inputs give the same bytes
        self.name = name
        self.forms: dict[int, object] = {}
        self.page_numbers = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages) if page.indirect_reference}

    def form(self, number: int):
        """Page `number` as a form XObject (an indirect reference in the writer)."""
        if number not in self.forms:
            from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

            from ...sources.annexes import MAX_CONTENT_BYTES, page_content

            page = self.reader.pages[number]
            content = page_content(page, [MAX_CONTENT_BYTES], self.name, number + 1)
            stream = DecodedStreamObject()
            stream.set_data(content)
            stream = stream.flate_encode()
            stream.update(form_entries(page))
            resources = page.get("/Resources")
            stream[NameObject("/Resources")] = (
                resources.get_object().clone(self.writer) if resources is not None else DictionaryObject()
            )
            group = page.get("/Group")
            if group is not None:
                stream[NameObject("/Group")] = group.get_object().clone(self.writer)
            self.forms[number] = self.writer._add_object(stream)
        return self.forms[number]


def form_entries(page) -> dict:
    """The entries that make a page's content stream a form XObject the size of the page."""
    from pypdf.generic import ArrayObject, FloatObject, NameObject

    box = page.mediabox
    return {
        NameObject("/Type"): NameObject("/XObject"),
        NameObject("/Subtype"): NameObject("/Form"),
        NameObject("/BBox"): ArrayObject([FloatObject(float(v)) for v in (box.left, box.bottom, box.right, box.top)]),
    }


def _draw(writer, target, form_ref, name: str, operators: str) -> None:
    """Paint form XObject `form_ref` on `target` (after what it holds), named `name`. The
    page's own content is first wrapped in q … Q: WeasyPrint's pages start with a y-flip
    outside any q, which would turn what we draw upside down."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    resources = DictionaryObject(target["/Resources"].get_object()) if "/Resources" in target else DictionaryObject()
    xobjects = DictionaryObject(resources["/XObject"].get_object()) if "/XObject" in resources else DictionaryObject()
    xobjects[NameObject(name)] = form_ref
    resources[NameObject("/XObject")] = xobjects
    target[NameObject("/Resources")] = resources
    contents = target.raw_get("/Contents") if "/Contents" in target else None
    existing = [] if contents is None else (list(contents) if isinstance(contents, ArrayObject) else [contents])
    if not target.get(_WRAPPED):
        existing = [_stream(writer, b"q\n"), *existing, _stream(writer, b"\nQ\n")]
        target[NameObject(_WRAPPED)] = NameObject("/true")
    target[NameObject("/Contents")] = ArrayObject([*existing, _stream(writer, operators.format(name).encode("ascii"))])


#: marks a page whose own content `_draw` has wrapped (removed before writing)
_WRAPPED = "/BPWrapped"


def _stream(writer, data: bytes):
    from pypdf.generic import DecodedStreamObject

    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def _copy_annotations(writer, source: _Source, number: int, target, first_target: int) -> None:
    """The annex page's links, rebuilt, and its other visible annotations, flattened."""
    from pypdf.generic import ArrayObject, NameObject

    annotations = source.reader.pages[number].get("/Annots")
    if annotations is None:
        return
    links = []
    for n, ref in enumerate(annotations.get_object()):
        annotation = ref.get_object()
        if not hasattr(annotation, "get"):
            continue
        subtype = annotation.get("/Subtype")
        if subtype == "/Link":
            link = _safe_link(writer, source, annotation, first_target)
            if link is not None:
                links.append(writer._add_object(link))
        elif subtype != "/Popup" and not int(annotation.get("/F", 0)) & _INVISIBLE:
            _flatten(writer, source, annotation, target, f"/BPannot{source.ordinal}p{number}n{n}")
    if links:
        existing = target.get("/Annots")
        existing = list(existing.get_object()) if existing is not None else []
        target[NameObject("/Annots")] = ArrayObject([*existing, *links])


def _safe_link(writer, source: _Source, annotation, first_target: int):
    """A new link annotation with only what is safe of `annotation`: an http(s)/mailto URI, or a
    destination on a page of the same annex (moved to where that page is in the pack)."""
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject

    rect = _rect(annotation)
    if rect is None:
        return None
    link = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([FloatObject(v) for v in rect]),
        NameObject("/Border"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(0)]),
    })
    action = annotation.get("/A")
    action = action.get_object() if action is not None else None
    destination = annotation.get("/Dest")
    if action is not None and hasattr(action, "get"):
        kind = action.get("/S")
        if kind == "/URI":
            uri = action.get("/URI")
            uri = str(uri.get_object()) if uri is not None else ""
            if not uri.lower().startswith(_LINK_SCHEMES) or any(ord(c) < 32 for c in uri):
                return None
            link[NameObject("/A")] = DictionaryObject({
                NameObject("/Type"): NameObject("/Action"),
                NameObject("/S"): NameObject("/URI"),
                NameObject("/URI"): TextStringObject(uri),
            })
            return link
        if kind != "/GoTo":
            return None  # Launch, GoToR, GoToE, JavaScript, SubmitForm, Named, … : dropped
        destination = action.get("/D")
    if destination is None:
        return None
    target_dest = _destination(writer, source, destination.get_object(), first_target)
    if target_dest is None:
        return None
    link[NameObject("/Dest")] = target_dest
    return link


def _destination(writer, source: _Source, destination, first_target: int):
    """An explicit destination on the pack's copy of an annex page, or None."""
    from pypdf.generic import ArrayObject, FloatObject, NameObject, NullObject

    if not isinstance(destination, list):  # a named destination: look it up in the annex
        try:
            named = source.reader.named_destinations.get(str(destination))
        except Exception:
            return None
        if named is None or named.page is None:
            return None
        page_ref = named.page
        rest = [NameObject("/XYZ"), NullObject(), NullObject(), NullObject()]
    else:
        if not destination:
            return None
        page_ref, rest = destination[0], list(destination[1:])
    idnum = getattr(page_ref, "idnum", None)
    number = source.page_numbers.get(idnum) if idnum is not None else (page_ref if isinstance(page_ref, int) else None)
    if number is None:
        return None
    kept = []
    for value in rest[:5]:
        if isinstance(value, NameObject) and value in ("/XYZ", "/Fit", "/FitH", "/FitV", "/FitR", "/FitB", "/FitBH", "/FitBV"):
            kept.append(NameObject(value))
        elif isinstance(value, (int, float)) and math.isfinite(float(value)):
            kept.append(FloatObject(float(value)))
        else:
            kept.append(NullObject())
    if not kept or not isinstance(kept[0], NameObject):
        kept = [NameObject("/Fit")]
    return ArrayObject([writer.pages[first_target + number].indirect_reference, *kept])


def _flatten(writer, source: _Source, annotation, target, name: str) -> None:
    """Draw an annotation's normal appearance onto the page, as a viewer shows it (PDF 32000-1,
    12.5.5), so form fields, stamps and notes stay visible without anything that can act."""
    from pypdf.generic import DictionaryObject

    appearance = annotation.get("/AP")
    appearance = appearance.get_object() if appearance is not None else None
    if not hasattr(appearance, "get") or appearance.get("/N") is None:
        return
    normal = appearance["/N"].get_object()
    if not hasattr(normal, "get_data"):  # a dictionary of states: the one /AS names
        state = annotation.get("/AS")
        if state is None or not hasattr(normal, "get") or normal.get(state) is None:
            return
        normal = normal[state].get_object()
        if not hasattr(normal, "get_data"):
            return
    rect = _rect(annotation)
    box = normal.get("/BBox")
    if rect is None or box is None or len(box) != 4:
        return
    matrix = [float(v) for v in normal.get("/Matrix", [1, 0, 0, 1, 0, 0])]
    corners = [(float(x), float(y)) for x in (box[0], box[2]) for y in (box[1], box[3])]
    moved = [(matrix[0] * x + matrix[2] * y + matrix[4], matrix[1] * x + matrix[3] * y + matrix[5]) for x, y in corners]
    x0, x1 = min(p[0] for p in moved), max(p[0] for p in moved)
    y0, y1 = min(p[1] for p in moved), max(p[1] for p in moved)
    if x1 - x0 <= 0 or y1 - y0 <= 0:
        return
    sx, sy = (rect[2] - rect[0]) / (x1 - x0), (rect[3] - rect[1]) / (y1 - y0)
    tx, ty = rect[0] - sx * x0, rect[1] - sy * y0
    clone = normal.clone(writer)
    if not isinstance(clone, DictionaryObject) or not hasattr(clone, "indirect_reference") or clone.indirect_reference is None:
        clone = writer._add_object(clone)
    else:
        clone = clone.indirect_reference
    operators = "q " + " ".join(f"{v:.6g}" for v in (sx, 0, 0, sy, tx, ty)) + " cm {} Do Q\n"
    _draw(writer, target, clone, name, operators)


def _rect(annotation) -> list[float] | None:
    rect = annotation.get("/Rect")
    try:
        values = [float(v) for v in rect.get_object()]
    except Exception:
        return None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        return None
    x0, y0, x1, y1 = values
    return [min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)]
