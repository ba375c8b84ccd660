"""An edition as a print-ready PDF: HTML (writers.html) → WeasyPrint layout → footnote check → PDF.

Owns the print pipeline and its single door, `render_pdf`. WeasyPrint is imported here, lazily
(it takes most of a second), and only ever sees in-memory files through the memory fetcher.
The layout is repeated only when a footnote landed away from its call (see footnotes);
annexes are reserved as pages in the layout and laid in afterwards (see annexes). A large
pack is laid out section by section and joined (parallel) — in several processes on several
CPUs, in this one otherwise, to the same bytes — so a footnote fix lays out again only the
section it changes.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
from dataclasses import dataclass, field

from ... import model as m
from ..html.body import overlong_links
from ..html.document import render_html
from .layout_watch import watching_layout
from ...options import RenderOptions
from .annexes import lay_annexes, measure_annexes
from .footnote_area import measuring_notes
from .footnotes import MAX_ROUNDS, find_separations, plan_page_breaks
from .parallel import WarningCollector, by_sections, cannot_split, pack_warnings, processes_for, render_parallel
from ...style import Style
from ..html.urls import STYLE_BASE, ResourceTable, make_fetcher

VARIANTS = ("pdf/a-1b", "pdf/a-2b", "pdf/a-3b", "pdf/a-4b", "pdf/ua-1", "pdf/ua-2")


@dataclass
class PdfOutput:
    data: bytes
    pages: int
    warnings: list[str] = field(default_factory=list)


def render_pdf(edition: m.Edition, style: Style, options: RenderOptions) -> PdfOutput:
    with watching_layout(options.progress), measuring_notes():
        return _render_pdf(edition, style, options)


def _render_pdf(edition: m.Edition, style: Style, options: RenderOptions) -> PdfOutput:
    from weasyprint import HTML
    from weasyprint.logger import LOGGER

    if options.pdf_variant and options.pdf_variant not in VARIANTS:
        raise ValueError(f"unknown PDF variant {options.pdf_variant!r}; choose one of {', '.join(VARIANTS)}")
    warnings: list[str] = overlong_links(edition)
    placeholders, annex_warnings = measure_annexes(edition.meta.annexes)
    warnings += annex_warnings
    # by sections or as one document: decided by the edition alone, so that the bytes do not
    # depend on how many processes lay it out (processes_for)
    if by_sections(edition) and cannot_split(edition, style, options) is None:
        parallel = _render_in_parallel(edition, style, options, processes_for(edition, options), placeholders, warnings)
        if parallel is not None:
            return parallel
    resources = ResourceTable()
    fetcher = make_fetcher(style, resources, allow_remote=options.allow_remote)

    collect = WarningCollector()
    LOGGER.addHandler(collect)
    try:
        breaks: frozenset[int] = frozenset()
        for round_ in range(MAX_ROUNDS + 1):
            html = render_html(
                edition, style, options, for_print=True, page_breaks=breaks, annexes=tuple(placeholders), resources=resources
            )
            options.progress("pdf", "layout" if round_ == 0 else f"layout again to keep footnotes with their calls ({round_})")
            if round_:
                # the previous layout's boxes, freed before the next layout, not beside it
                document = separations = None
                gc.collect()
            document = HTML(string=html, base_url=STYLE_BASE, url_fetcher=fetcher).render()
            separations = find_separations(document)
            if not separations:
                break
            if edition.meta.section_break != "page":
                # sections run on: a fix in one reflows the next, so the whole pack is one chain
                separations = [dataclasses.replace(s, chain=None) for s in separations]
            new_breaks, hopeless = plan_page_breaks(separations, breaks)
            if new_breaks == breaks or round_ == MAX_ROUNDS:
                warnings += [s.describe() for s in separations]
                break
            breaks = new_breaks
        options.progress("pdf", f"writing {len(document.pages)} pages")
        data = document.write_pdf(
            pdf_variant=options.pdf_variant,
            # A fixed identifier keeps builds byte-identical (SOURCE_DATE_EPOCH); it still differs
            # between packs because it hashes the HTML.
            pdf_identifier=hashlib.md5(html.encode("utf-8")).hexdigest().encode("ascii"),
        )
    finally:
        LOGGER.removeHandler(collect)
    warnings += [f"WeasyPrint: {msg}" for msg in collect.messages]

    pages = len(document.pages)
    if placeholders:
        options.progress("pdf", "adding annexes")
        annex_pages = sum(len(p.page_sizes) for p in placeholders)
        data = lay_annexes(data, edition.meta.annexes, placeholders, pages - annex_pages)
    return PdfOutput(data=data, pages=pages, warnings=warnings)


def _render_in_parallel(edition, style, options, processes, placeholders, warnings) -> PdfOutput | None:
    """A large edition laid out in several processes and joined (see parallel); None when
    it cannot be split, and the caller lays it out as one document."""
    from weasyprint.logger import LOGGER

    collect = WarningCollector()
    LOGGER.addHandler(collect)
    try:
        laid = render_parallel(edition, style, options, processes, placeholders, warnings)
    finally:
        LOGGER.removeHandler(collect)
    if laid is None:
        return None
    data, pages = laid
    # (chunks laid out in this process log here too: their links to other chunks are no warning)
    warnings += [f"WeasyPrint: {msg}" for msg in pack_warnings(edition, collect.messages) if f"WeasyPrint: {msg}" not in warnings]
    if placeholders:
        options.progress("pdf", "adding annexes")
        annex_pages = sum(len(p.page_sizes) for p in placeholders)
        data = lay_annexes(data, edition.meta.annexes, placeholders, pages - annex_pages)
    return PdfOutput(data=data, pages=pages, warnings=warnings)
