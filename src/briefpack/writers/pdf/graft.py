"""Laid-out body pages moved onto the frame's pages, as WeasyPrint boxes (one process only).

When the chunks of a large pack are laid out in this very process (parallel, one CPU), their
pages need not be written to a PDF and drawn onto the frame's pages with pypdf: the frame's
placeholder page box (right size, right side, running heads and footers laid out with the right
numbers) takes the body page's boxes (its content and its footnote area) in place of its own
empty content, and WeasyPrint writes the whole pack once. It then writes every link, anchor and
bookmark from the real boxes, as a single layout would.

This leans on WeasyPrint's box tree (`Page._page_box`, `Box.translate`, the backgrounds laid out
on boxes), so it is used only with WeasyPrint 70 (`parallel.can_graft`; other versions write
and join with pypdf); the tests compare the result with a single layout of the same pack.
"""

from __future__ import annotations


def graft_page(frame_page, body_page):
    """A new weasyprint Page: `frame_page`'s page box, its margin boxes kept, holding the content
    and footnotes of `body_page` (both weasyprint Pages of the same size), moved by the
    difference between the two pages' content origins (left and right pages differ in margins)."""
    from weasyprint.document import Page
    from weasyprint.formatting_structure.boxes import MarginBox

    frame_box, body_box = frame_page._page_box, body_page._page_box
    dx = frame_box.content_box_x() - body_box.content_box_x()
    dy = frame_box.content_box_y() - body_box.content_box_y()
    content = [child for child in body_box.children if not isinstance(child, MarginBox)]
    for child in content:
        if dx or dy:
            child.translate(dx, dy)
            _shift_backgrounds(child, dx, dy)
    margins = [child for child in frame_box.children if isinstance(child, MarginBox)]
    frame_box.children = (*content, *margins)
    return Page(frame_box)


def _shift_backgrounds(box, dx: float, dy: float) -> None:
    """Backgrounds are laid out in page coordinates once the page is done; `Box.translate` moves
    the boxes only, so their backgrounds are moved here."""
    stack = [box]
    while stack:
        current = stack.pop()
        background = getattr(current, "background", None)
        if background is not None:
            current.background = background._replace(layers=[_shift_layer(layer, dx, dy) for layer in background.layers])
        children = current.all_children() if hasattr(current, "all_children") else ()
        stack.extend(child for child in children if hasattr(child, "position_x"))


def _shift_layer(layer, dx: float, dy: float):
    def moved(area):
        if not isinstance(area, (tuple, list)) or len(area) < 2:
            return area  # 'unused'
        return type(area)([area[0] + dx, area[1] + dy, *area[2:]])

    return layer._replace(
        painting_area=moved(layer.painting_area),
        positioning_area=moved(layer.positioning_area),
        clipped_boxes=[moved(b) for b in layer.clipped_boxes],
    )
