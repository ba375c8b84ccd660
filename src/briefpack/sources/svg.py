"""What an SVG image may hold: parsed once in the loader, refused unless it is safe and bounded
to draw, for WeasyPrint (the PDF) and cairosvg (the DOCX's fallback picture) alike.

Parsed with defusedxml, as cairosvg parses it: no entity declarations, no external DTD, no
network. Then the tree is walked (no recursion, so no depth can crash the check):

- references: `href` may only name an element of the same file (`#id`); an `<image>` or
  `<feImage>` may also hold a `data:` URI (a PNG or JPEG decoded and bounded like any image, or
  an SVG checked by these same rules, two levels deep at most); a link (`<a>`) may point to
  http, https, mailto or `#id`. `url(…)` in attributes, `style` and `<style>` may only name
  `#id`; `@import` and `<?xml-stylesheet?>` are refused. So an SVG cannot load a file, reach the
  network, or load itself (`<image href="0"/>` would name the pack's own resource URL).
- cost: what drawing it takes, counted with `<use>`, patterns, clip paths, masks and markers
  expanded — one per element, one per two path coordinates, a marker once per vertex it sits
  on. A reference cycle is refused; more than `MAX_COST` (or a nesting deeper than
  `MAX_DEPTH` once expanded) is refused with a message instead of drawing for minutes.
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from .files import ResourceProblem

#: Drawing cost of one SVG (≈ elements + path points / 2 once expanded). 20,000 draws in about
#: 3 s with WeasyPrint and 2.5 s with cairosvg on an idle 2-core machine.
MAX_COST = 20_000
#: ... and of all the SVGs of a pack, counted each time one is shown: a pack's SVGs cost at
#: most ~10 s in each renderer.
MAX_PACK_COST = 60_000
#: Nesting depth once `<use>` and other references are expanded (cairosvg recurses per level).
MAX_DEPTH = 100
#: `data:` SVGs inside SVGs, levels.
MAX_NESTED_SVG = 2
#: An SVG file's size: parsed, a tree takes about ten times its bytes in memory.
MAX_SVG_BYTES = 10 * 1024 * 1024

SVG_NS = "http://www.w3.org/2000/svg"
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.S | re.I)
_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_MARKER_PROPS = ("marker-start", "marker-mid", "marker-end", "marker")
_IMAGE_TAGS = ("image", "feImage")
_LINK_SCHEMES = ("http://", "https://", "mailto:")
#: referenced elements that are cheap however often used (drawn as one shading or effect)
_CHEAP_TARGETS = ("linearGradient", "radialGradient", "filter", "stop")


class SvgProblem(ValueError):
    pass


@dataclass(frozen=True)
class SvgInfo:
    width: int | None
    height: int | None
    cost: int


def check_svg(data: bytes, name: str, *, nested: int = 0) -> SvgInfo:
    """Parse and bound `data`, an SVG named `name`; raises `ResourceProblem` if it is refused."""
    try:
        return _check(data, nested)
    except SvgProblem as exc:
        raise ResourceProblem(f"'{name}' {exc}") from None


def _check(data: bytes, nested: int) -> SvgInfo:
    from defusedxml import DefusedXmlException, ElementTree

    if len(data) > MAX_SVG_BYTES:
        raise SvgProblem(f"is larger than {MAX_SVG_BYTES // 1048576} MB, the limit for an SVG: simplify it, or export it as PNG")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        raise SvgProblem("is not an SVG image (it does not start with '<')")
    if b"<?xml-stylesheet" in data:
        raise SvgProblem("links a style sheet (<?xml-stylesheet?>): put the styles inside the SVG")
    try:
        root = ElementTree.fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise SvgProblem("declares XML entities or external files, which are not allowed: export it again as plain SVG") from None
    except ElementTree.ParseError as exc:
        line = getattr(exc, "position", (None,))[0]
        where = f" at line {line} of the file" if line else ""
        raise SvgProblem(f"is not a valid SVG (XML error{where}: {_xml_message(exc)}): export it again") from None
    if _local(root.tag) != "svg" or _namespace(root.tag) not in ("", SVG_NS):
        raise SvgProblem(f"is not an SVG image (its root element is <{_local(root.tag)}>)")
    cost = _Graph(root, nested).cost()
    width, height = _size(root)
    return SvgInfo(width, height, cost)


def _xml_message(exc) -> str:
    return re.sub(r":\s*line \d+, column \d+$", "", str(exc))


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _namespace(tag) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


class _Graph:
    """The elements of one SVG and what each draws: its children and what it refers to."""

    def __init__(self, root, nested: int):
        self.root = root
        self.nested = nested
        self.elements = [el for el in root.iter() if isinstance(el.tag, str)]
        self.ids = {}
        for el in self.elements:
            if el.get("id"):
                self.ids.setdefault(el.get("id"), el)
        self.extra = 0  # the cost of nested data: images, drawn once each
        self.sheet_refs: list[tuple[str, str]] = []  # (property, id) from <style> sheets

    # -------------------------------------------------------------- references

    def refs(self, el) -> list[tuple[object, int]]:
        """(element referred to, times it is drawn) for one element."""
        out = []
        tag = _local(el.tag)
        for attr, value in el.attrib.items():
            key = _local(attr)
            if key == "href":
                target = self._href(tag, value.strip())
                if target is not None:
                    out.append((target, 1))
            elif key == "style":
                out += self._declarations(el, value)
            elif "url(" in value.lower():
                out += self._property(el, key, value)
        if tag == "style":
            text = "".join(el.itertext())
            if "@import" in text.lower():
                raise SvgProblem("imports a style sheet (@import): put the styles inside the SVG")
            for prop, value in re.findall(r"([-\w]+)\s*:\s*([^;{}]*url\([^;{}]*)", text, re.I):
                for url in _URL.findall(value):
                    self.sheet_refs.append((prop.lower(), self._local_url(url[1])))
            for url in _URL.findall(re.sub(r"([-\w]+)\s*:\s*([^;{}]*)", "", text)):
                self._local_url(url[1])  # url() outside a declaration (a font, say): still only #id
        return out

    def _href(self, tag: str, value: str):
        if value.startswith("#") and tag != "a":
            return self.ids.get(value[1:])
        if tag == "a" and value.lower().startswith(_LINK_SCHEMES + ("#",)):
            return None  # a link draws nothing
        if tag in _IMAGE_TAGS and value.lower().startswith("data:"):
            self.extra += _data_image(value, self.nested)
            return None
        if tag in _IMAGE_TAGS:
            raise SvgProblem(
                f"shows an image from '{_short(value)}': an SVG may only hold images inside it (data: URIs), "
                "never load a file, an address or itself"
            )
        if tag == "a":
            raise SvgProblem(f"links to '{_short(value)}': links in an SVG may only be http, https, mailto or #id")
        raise SvgProblem(f"refers to '{_short(value)}' (<{tag}>): an SVG may only refer to its own elements (#id)")

    def _declarations(self, el, style: str) -> list[tuple[object, int]]:
        out = []
        for prop, value in re.findall(r"([-\w]+)\s*:\s*([^;]*)", style):
            if "url(" in value.lower():
                out += self._property(el, prop.lower(), value)
        return out

    def _property(self, el, prop: str, value: str) -> list[tuple[object, int]]:
        out = []
        for _, url in _URL.findall(value):
            target = self.ids.get(self._local_url(url))
            if target is None:
                continue
            times = 1
            if prop in _MARKER_PROPS:
                times = _vertices(el) if prop in ("marker-mid", "marker") else 1
            out.append((target, max(times, 1)))
        return out

    @staticmethod
    def _local_url(url: str) -> str:
        url = url.strip()
        if not url.startswith("#"):
            raise SvgProblem(f"refers to 'url({_short(url)})': an SVG may only refer to its own elements (url(#id))")
        return url[1:]

    # -------------------------------------------------------------- cost

    def cost(self) -> int:
        """Total drawing cost from the root, each subtree and reference expanded; iterative."""
        if len(self.elements) > MAX_COST:
            raise SvgProblem(self._too_costly())
        children = {id(el): [c for c in el if isinstance(c.tag, str)] for el in self.elements}
        refs = {id(el): self.refs(el) for el in self.elements}
        memo: dict[int, tuple[int, int]] = {}  # id → (cost, depth)
        state: dict[int, int] = {}  # 1 on the path being expanded, 2 done
        stack = [(self.root, False)]
        while stack:
            el, expanded = stack.pop()
            key = id(el)
            if expanded:
                cost = 1 + _points(el) // 2
                depth = 0
                for child in children[key]:
                    c, d = memo[id(child)]
                    cost, depth = cost + c, max(depth, d)
                for target, times in refs[key]:
                    c, d = memo[id(target)]
                    if _local(target.tag) in _CHEAP_TARGETS:
                        c = 1
                    cost, depth = cost + c * times, max(depth, d)
                    if cost > MAX_COST:
                        break
                memo[key] = (min(cost, MAX_COST + 1), depth + 1)
                state[key] = 2
                if cost > MAX_COST:
                    raise SvgProblem(self._too_costly())
                if depth + 1 > MAX_DEPTH:
                    raise SvgProblem(
                        f"nests its elements more than {MAX_DEPTH} deep (counting what <use> expands): flatten it, or export it as PNG"
                    )
                continue
            if state.get(key) == 2:
                continue
            if state.get(key) == 1:
                raise SvgProblem(
                    f"refers to itself (element {_describe(el)} is inside what it draws): break the cycle of <use> or url(#…) references"
                )
            state[key] = 1
            stack.append((el, True))
            for nxt in (*children[key], *(t for t, _ in refs[key])):
                if state.get(id(nxt)) == 1:
                    raise SvgProblem(
                        f"refers to itself (element {_describe(nxt)} is inside what it draws): break the cycle of <use> or url(#…) references"
                    )
                if state.get(id(nxt)) != 2:
                    stack.append((nxt, False))
        total, _ = memo[id(self.root)]
        # Style sheet rules may apply a marker, pattern or clip path to every shape: count them so.
        shapes = [el for el in self.elements if _local(el.tag) in ("path", "line", "polyline", "polygon", "rect", "circle", "ellipse", "text", "use", "g")]
        for prop, ident in self.sheet_refs:
            target = self.ids.get(ident)
            if target is None or _local(target.tag) in _CHEAP_TARGETS:
                continue
            target_cost = memo.get(id(target), (1, 0))[0]
            times = sum(max(_vertices(el), 1) for el in shapes) if prop in ("marker-mid", "marker") else len(shapes)
            total += target_cost * times
            if total > MAX_COST:
                raise SvgProblem(self._too_costly())
        total += self.extra
        if total > MAX_COST:
            raise SvgProblem(self._too_costly())
        return total

    @staticmethod
    def _too_costly() -> str:
        return (
            f"draws too much: more than {MAX_COST:,} shapes and path points once its <use>, pattern and marker "
            "references are expanded: simplify it, or export it as PNG"
        )


def _points(el) -> int:
    """Coordinates of a path or polyline (numbers in `d` or `points`)."""
    value = el.get("d") or el.get("points")
    return len(_NUMBER.findall(value)) if value else 0


def _vertices(el) -> int:
    return _points(el) // 2


def _describe(el) -> str:
    ident = el.get("id")
    return f"<{_local(el.tag)} id=\"{ident}\">" if ident else f"<{_local(el.tag)}>"


def _short(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "…"


def _data_image(uri: str, nested: int) -> int:
    """A `data:` image inside an SVG, decoded and bounded like any image; its drawing cost."""
    from .images import check_raster  # (images imports this module)

    header, _, payload = uri.partition(",")
    media = header[5:].split(";")[0].strip().lower()
    try:
        data = base64.b64decode(re.sub(r"\s+", "", payload), validate=True) if ";base64" in header.lower() else unquote_to_bytes(payload)
    except ValueError:
        raise SvgProblem("holds an image whose data: URI is damaged (bad base64)") from None
    if media == "image/svg+xml":
        if nested >= MAX_NESTED_SVG:
            raise SvgProblem(f"holds SVG images nested more than {MAX_NESTED_SVG} deep")
        try:
            return _check(data, nested + 1).cost
        except SvgProblem as exc:
            raise SvgProblem(f"holds an SVG image that {exc}") from None
    if media not in ("image/png", "image/jpeg", "image/jpg"):
        raise SvgProblem(f"holds an image of type '{media or 'unknown'}': images inside an SVG must be PNG, JPEG or SVG")
    try:
        check_raster(data, "(the image inside it)")
    except ResourceProblem as exc:
        raise SvgProblem(f"holds an image that cannot be used: {exc.message}") from None
    return 1


def _size(root) -> tuple[int | None, int | None]:
    """Intrinsic size from the root element: the viewBox, else width/height in px."""
    box = re.split(r"[\s,]+", (root.get("viewBox") or "").strip())
    try:
        if len(box) == 4 and float(box[2]) > 0 and float(box[3]) > 0:
            return round(float(box[2])), round(float(box[3]))
    except ValueError:
        pass
    w, h = _length(root.get("width")), _length(root.get("height"))
    if w and h:
        return max(1, round(w)), max(1, round(h))
    return None, None


_UNITS = {"": 1.0, "px": 1.0, "pt": 4 / 3, "pc": 16.0, "in": 96.0, "cm": 96 / 2.54, "mm": 96 / 25.4}


def natural_aspect(data: bytes) -> float | None:
    """height / width as an SVG renderer derives it from the root element alone (width and
    height, else the viewBox), or None when that is ambiguous (one of them missing, relative
    units, or width/height at odds with the viewBox)."""
    from defusedxml.ElementTree import iterparse

    try:
        _, root = next(iterparse(io.BytesIO(data), events=("start",), forbid_entities=True, forbid_external=True))
    except Exception:
        return None
    w, h = _length(root.get("width")), _length(root.get("height"))
    box = re.split(r"[\s,]+", (root.get("viewBox") or "").strip())
    try:
        box_aspect = float(box[3]) / float(box[2]) if len(box) == 4 and float(box[2]) > 0 and float(box[3]) > 0 else None
    except ValueError:
        box_aspect = None
    if root.get("width") is None and root.get("height") is None:
        return box_aspect
    if w and h and (box_aspect is None or abs(box_aspect - h / w) <= 1e-9 * max(1.0, box_aspect)):
        return h / w
    return None


def _length(value: str | None) -> float | None:
    """A width or height in CSS pixels (None for percentages, em and the like)."""
    match = re.fullmatch(r"\s*([\d.]+(?:[eE][-+]?\d+)?)\s*([a-z]*)\s*", value or "")
    if not match or match.group(2) not in _UNITS:
        return None
    try:
        number = float(match.group(1)) * _UNITS[match.group(2)]
    except ValueError:
        return None
    return number if 0 < number < 1e9 else None
