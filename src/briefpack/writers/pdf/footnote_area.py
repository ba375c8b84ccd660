"""WeasyPrint's footnotes laid out note by note, so a pack's notes cost linear time.

Each time WeasyPrint 70 places a note on a page (`LayoutContext._update_footnote_area`), it lays
out a copy of the page's whole footnote area to learn its new height: a page with k notes lays
out k(k+1)/2 notes, more when lines are laid out again. A page of 20 short notes cost as much as
ten plain pages (2,000 notes: 46 s; 10,000 did not finish in 300 s).

While `measuring_notes()` is active:
- placing a note lays out that note alone, once per page, in a copy of the area; the area's
  height is the sum of its notes' heights, adjacent margins collapsed as block layout does;
- at the end of the page, WeasyPrint's layout of the final footnote area is replaced by those
  laid-out notes stacked at the positions block layout gives them, so no note is laid out twice.
- the document's list of notes still to place answers `note in notes` at once: WeasyPrint asks
  it for every box of every line, which made a pack's cost grow with the square of its notes.
The area's sum is exact for what a footnote area usually holds: block notes stacked in an area
whose top and bottom padding or border keeps the notes' margins inside it. Anything else — inline
notes (`footnote-display: inline`), a fixed area height, notes that float, clear or are
positioned, an area with no padding or border at the top or bottom — falls back to WeasyPrint's
own way.

Written against WeasyPrint 70's layout code (`active()` checks the version; another version
keeps its own way); the tests compare PDFs laid out both ways, byte for byte.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from math import inf

_depth = 0
_originals: tuple | None = None


def active() -> bool:
    import weasyprint

    return weasyprint.__version__.split(".")[0] == "70"


@contextlib.contextmanager
def measuring_notes():
    """Lay out inside this: footnote areas are laid out note by note (see the module)."""
    global _depth, _originals
    if not active():
        yield
        return
    from weasyprint.layout import LayoutContext
    from weasyprint.layout import page as page_layout

    if _depth == 0:
        _originals = (LayoutContext._update_footnote_area, page_layout.block_level_layout, LayoutContext.__init__)
        LayoutContext._update_footnote_area = _update_footnote_area
        page_layout.block_level_layout = _page_block_level_layout
        LayoutContext.__init__ = _init_context
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0:
            LayoutContext._update_footnote_area, page_layout.block_level_layout, LayoutContext.__init__ = _originals


def _init_context(context, *args, **kwargs):
    _originals[2](context, *args, **kwargs)
    context.footnotes = _NoteList(context.footnotes)


class _NoteList(list):
    """A list of boxes that answers `box in list` in constant time (boxes compare by identity).
    WeasyPrint only appends, removes, copies and asks for membership."""

    def __init__(self, items=()):
        super().__init__(items)
        self._count: dict[int, int] = {}
        for item in self:
            self._count[id(item)] = self._count.get(id(item), 0) + 1

    def __contains__(self, item) -> bool:
        return id(item) in self._count

    def append(self, item) -> None:
        super().append(item)
        self._count[id(item)] = self._count.get(id(item), 0) + 1

    def remove(self, item) -> None:
        super().remove(item)
        left = self._count[id(item)] - 1
        if left:
            self._count[id(item)] = left
        else:
            del self._count[id(item)]

    def copy(self) -> "_NoteList":
        return _NoteList(self)

    def _unsupported(self, *args, **kwargs):
        raise NotImplementedError("footnote_area._NoteList: WeasyPrint changed how it uses its list of notes")

    extend = insert = pop = clear = __setitem__ = __delitem__ = __iadd__ = sort = reverse = _unsupported


@dataclass
class _Note:
    """A note laid out alone in a copy of a page's footnote area."""

    page: object  # the PageBox (kept, so that its id is not reused while this lives)
    area: object  # the laid-out area holding only this note
    child: object  # the laid-out note
    result: tuple  # what block_level_layout returned for the area
    positioned: list  # placeholders of its positioned boxes (a list item's marker), laid out with the page
    reusable: bool = True  # False once the laid-out note belongs to a page's final area

    @property
    def height(self) -> float:
        return self.child.margin_height()

    @property
    def top(self) -> float:
        return self.child.margin_top

    @property
    def bottom(self) -> float:
        return self.child.margin_bottom


def _collapse(a: float, b: float) -> float:
    """Two adjoining margins as one (CSS 2.1 §8.3.1)."""
    return max(a, b, 0) + min(a, b, 0)


def _stack(notes: list[_Note]) -> tuple[float, list[float]]:
    """The content height of an area holding `notes`, and how far each note moves down from
    the top of the area's content (where it was laid out alone)."""
    shifts = [0.0]
    border_bottom = notes[0].top + notes[0].child.border_height()
    for previous, note in zip(notes, notes[1:]):
        border_top = border_bottom + _collapse(previous.bottom, note.top)
        shifts.append(border_top - note.top)
        border_bottom = border_top + note.child.border_height()
    return border_bottom + notes[-1].bottom, shifts


def _update_footnote_area(context):
    """LayoutContext._update_footnote_area with the notes measured one by one."""
    area = context.current_footnote_area
    notes = context.current_page_footnotes
    if not notes:
        return _originals[0](context)
    laid = []
    for note in notes:
        measured = _measure(context, area, note)
        if measured is None:
            return _originals[0](context)
        laid.append(measured)
    template = laid[0].area

    # WeasyPrint's steps, with the layout of the whole area replaced by a sum
    if area.height != "auto" and not context.in_column:
        context.page_bottom += area.margin_height()
    area.children = notes
    content, _ = _stack(laid)
    height = max(min(content, template.max_height), template.min_height)
    area.height = height
    if not context.in_column:
        context.page_bottom -= template.margin_height() - template.height + height
    # overflow: the last note's bottom border edge below the area's bottom border edge
    return content - laid[-1].bottom > height + template.padding_bottom + template.border_bottom_width


def _measure(context, area, note) -> _Note | None:
    """`note` laid out alone in a copy of `area`, once per page; None when the sum of such
    layouts would not be the area's layout."""
    from weasyprint.formatting_structure import boxes, build
    from weasyprint.layout.block import block_level_layout

    cache = context.__dict__.setdefault("_briefpack_notes", {})
    page = area.page
    key = (id(note.element), id(page))
    if key in cache:
        return cache[key]
    measured = None
    if area.style["height"] == "auto" and area.style["float"] == "none":
        alone = build.create_anonymous_boxes(area.copy_with_children([note]).deepcopy())
        positioned: list = []
        result = block_level_layout(context, alone, -inf, None, page, True, positioned, positioned)
        laid = result[0]
        children = laid.children if laid is not None else ()
        if (
            len(children) == 1
            and isinstance(children[0], boxes.BlockBox)
            and children[0].element is note.element
            and children[0].style["float"] == "none"
            and children[0].style["clear"] == "none"
            and children[0].style["position"] == "static"
            and laid.border_top_width + laid.padding_top > 0
            and laid.border_bottom_width + laid.padding_bottom > 0
        ):
            measured = _Note(page, laid, children[0], result, positioned)
    cache[key] = measured
    return measured


def _page_block_level_layout(context, box, *args, **kwargs):
    """block_level_layout as the page layout calls it: the final footnote area of a page is put
    together from its notes laid out while they were placed (see `_update_footnote_area`)."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.FootnoteAreaBox) and box.children and kwargs.get("bottom_space") == -inf:
        assembled = _assemble(context, box, kwargs.get("absolute_boxes"))
        if assembled is not None:
            return assembled
    return _originals[1](context, box, *args, **kwargs)


def _assemble(context, area, positioned: list | None):
    """The laid-out footnote area of a page from its notes' own layouts, or None. The notes'
    positioned boxes join `positioned`, the page's, to be laid out with the page's."""
    cache = context.__dict__.get("_briefpack_notes", {})
    laid = []
    for child in area.children:
        measured = cache.get((id(child.element), id(area.page)))
        if measured is None or not measured.reusable or measured.page is not area.page:
            return None
        if measured.positioned and positioned is None:
            return None
        laid.append(measured)
    content, shifts = _stack(laid)
    children = []
    for measured, shift in zip(laid, shifts):
        child = measured.child
        measured.reusable = False  # its boxes now belong to this page's area
        child.translate(dy=shift)  # placeholders of positioned boxes move with it
        children.append(child)
        if measured.positioned:
            positioned.extend(measured.positioned)
    template = laid[0].area
    assembled = template.copy_with_children(children)
    assembled.height = max(min(content, template.max_height), template.min_height)
    result = (assembled, *laid[0].result[1:])
    page = area.page
    for key in [key for key, measured in cache.items() if measured is not None and measured.page is page]:
        del cache[key]  # the page is done: its notes' layouts live on in its area only
    return result
