"""Annexes: measured before layout, laid onto their reserved pages after it (pypdf).

The print document reserves one blank page per annex page, at the annex's page size (see
`AnnexPlaceholder`), so contents, bookmarks and "Page X of Y" already count the annexes when
WeasyPrint lays the pack out — one layout, no second pass. Here the annex pages are drawn onto
those blank pages; the page objects stay the same, so outline entries and contents links keep
pointing at them. Annex pages carry their own headers and footers, not ours.
"""

from __future__ import annotations

import io

from ... import model as m
from ..html.document import AnnexPlaceholder


def measure_annexes(annexes: tuple[m.Annex, ...]) -> tuple[list[AnnexPlaceholder], list[str]]:
    """A placeholder per readable annex; a warning per annex pypdf cannot read."""
    if not annexes:
        return [], []  # (pypdf's import costs ~50 ms: not for a pack without annexes)
    from pypdf import PdfReader

    placeholders: list[AnnexPlaceholder] = []
    warnings: list[str] = []
    for source, annex in enumerate(annexes):
        try:
            reader = PdfReader(io.BytesIO(annex.resource.data))
            if reader.is_encrypted:
                raise ValueError("it is encrypted")
            sizes = tuple(
                (round(float(p.mediabox.width), 3), round(float(p.mediabox.height), 3)) for p in reader.pages
            )
            if not sizes:
                raise ValueError("it has no pages")
        except Exception as exc:  # pypdf raises many kinds of errors on damaged files
            warnings.append(f"annex '{annex.title}' ({annex.resource.path.name}) left out: cannot read it ({exc})")
            continue
        number = len(placeholders) + 1
        placeholders.append(AnnexPlaceholder(number, annex.title, f"annex-{number}", sizes, source))
    return placeholders, warnings


def lay_annexes(pdf: bytes, annexes: tuple[m.Annex, ...], placeholders: list[AnnexPlaceholder], first_page: int) -> bytes:
    """`pdf` with the annex pages drawn onto the placeholder pages that start at `first_page`
    (0-based)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, NumberObject

    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    page_index = first_page
    for placeholder in placeholders:
        annex = annexes[placeholder.source]
        reader = PdfReader(io.BytesIO(annex.resource.data))
        for source in reader.pages:
            target = writer.pages[page_index]
            target.merge_page(source)
            # Keep the annex's own geometry: boxes (some PDFs do not start at 0,0) and rotation.
            target.mediabox = source.mediabox
            target.cropbox = source.cropbox
            rotation = source.get("/Rotate")
            if rotation:
                target[NameObject("/Rotate")] = NumberObject(int(rotation))
            page_index += 1
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
