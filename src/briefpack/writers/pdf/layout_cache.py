"""Section layouts kept from one PDF build to the next in a long-running process (`serve`,
`build --watch`), so that a one-section edit lays out that section alone.

A pack laid out by sections (parallel) gives each section pages that depend only on the
section: it starts a recto page and is laid out as if alone. So the pages of a section whose
print HTML, style and options are unchanged are the pages a fresh layout would give, and a
chunk's PDF written from them has the same bytes (fonts are keyed by their description, not by
the layout that loaded them). The key of a section hashes everything its print HTML is made of:
its body as the HTML writer prints it (footnote numbers, links, the bytes of its images), its
own fields (title, language, contributors…), the edition's settings the templates read, the
style's files, the options and briefpack's version. Nothing is ever looked up by file name.

WeasyPrint's pages are live objects (boxes, fonts): the cache is memory only, kept by the
caller, and holds the sections of the latest build of each edition, up to MAX_PAGES pages in
all; a larger pack is laid out as usual (several processes, nothing kept). A chunk's PDF is
kept by the keys of its sections, so an unchanged chunk is not even written again; and the
latest frame (contents, running heads, "Page X of Y") by its HTML, which holds every anchor and
bookmark of the body pages where they are: an edit that moves none of them (a word changed in
a line) does not lay the frame out again. The frame's HTML also carries the build's time (the
PDF's dates), so this holds when `SOURCE_DATE_EPOCH` fixes it; without it each build's frame
is new (a later step could stamp the dates at the join instead).
"""

from __future__ import annotations

import dataclasses
import hashlib

from ... import __version__
from ... import model as m
from ...options import RenderOptions
from ...style import Style
from ..html.urls import resource_name

#: Pages of WeasyPrint boxes kept at most (~1 MiB a page of the house style: 105 pages, +105 MiB).
MAX_PAGES = 400


class LayoutCache:
    """Per-section pages and per-chunk PDFs of the latest build of each edition (see the
    module docstring). `begin(edition)` before a build, `end()` after it."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self.max_pages = max_pages
        self._sections: dict[str, object] = {}  # key → SectionPages
        self._chunks: dict[tuple[str, ...], bytes] = {}
        self._used_sections: dict[str, object] = {}
        self._used_chunks: dict[tuple[str, ...], bytes] = {}
        self._style_digests: dict[int, tuple[Style, str]] = {}
        self._frame: tuple[str, tuple] | None = None
        self.hits = 0
        self.misses = 0

    # -------------------------------------------------------------- a build

    def begin(self) -> None:
        self._used_sections, self._used_chunks = {}, {}

    def end(self) -> None:
        """Forget what the build just finished did not use (an edition's old sections) — unless
        it laid nothing out (its PDFs were up to date)."""
        if self._used_sections:
            self._sections, self._chunks = self._used_sections, self._used_chunks
        self._used_sections, self._used_chunks = {}, {}

    def keys(self, edition: m.Edition, style: Style, options: RenderOptions, sections) -> dict[str, str]:
        """Section id → the key of its layout."""
        from ..html.body import HtmlBody

        common = hashlib.sha256()
        common.update(f"briefpack {__version__}\0remote {options.allow_remote}\0variant {options.pdf_variant}\0".encode())
        common.update(self._style_digest(style).encode())
        # what the templates read around a section (not the other sections, the footnote
        # numbers or the anchors: the section's body as printed holds what it uses of those)
        common.update(repr((edition.meta, edition.local_meta, edition.language, dict(edition.labels),
                            edition.topic_label, edition.name, edition.topics)).encode())
        keys = {}
        for section in sections:
            h = common.copy()
            # a fresh writer per section: block numbers from 0, whatever precedes it
            body = HtmlBody(edition, for_print=True, resource_url=resource_name)
            h.update(body.section_body(section).encode())
            h.update(repr(dataclasses.replace(section, children=())).encode())
            keys[section.id] = h.hexdigest()
        return keys

    def section(self, key: str):
        found = self._sections.get(key) or self._used_sections.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._used_sections[key] = found
        return found

    def keep_section(self, key: str, laid) -> None:
        pages = sum(len(s.pages) for s in self._used_sections.values())
        if key in self._used_sections or pages + len(laid.pages) <= self.max_pages:
            self._used_sections[key] = laid

    def chunk_pdf(self, key: tuple[str, ...]) -> bytes | None:
        found = self._chunks.get(key) or self._used_chunks.get(key)
        if found is not None:
            self._used_chunks[key] = found
        return found

    def keep_chunk(self, key: tuple[str, ...], pdf: bytes) -> None:
        self._used_chunks[key] = pdf

    def frame_key(self, html_key: str, style: Style, options: RenderOptions) -> str:
        """The key of a frame: its HTML with every placeholder (parallel.FrameSource.key), the
        style, the options, the time stamped into the PDF."""
        import os

        h = hashlib.sha256(f"briefpack {__version__}\0{options.timestamp.isoformat()}\0{options.allow_remote}\0".encode())
        h.update(f"epoch {os.environ.get('SOURCE_DATE_EPOCH', '')}\0".encode())
        h.update(self._style_digest(style).encode())
        h.update(html_key.encode())
        return h.hexdigest()

    def frame(self, key: str):
        """(frame PDF, index of its first body page, shifts, pages) kept for `key`, or None."""
        found = self._frame if self._frame is not None and self._frame[0] == key else None
        return found[1] if found is not None else None

    def keep_frame(self, key: str, frame) -> None:
        self._frame = (key, frame)  # the latest only: it is the one a small edit leaves as it was

    def fits(self, estimated_pages: float) -> bool:
        return estimated_pages <= self.max_pages

    # -------------------------------------------------------------- helpers

    def _style_digest(self, style: Style) -> str:
        kept = self._style_digests.get(id(style))
        if kept is not None and kept[0] is style:
            return kept[1]
        h = hashlib.sha256()
        for name in style.names():
            h.update(f"{name}\0{len(style.data(name))}\0".encode() + style.data(name))
        digest = h.hexdigest()
        self._style_digests = {id(style): (style, digest)}
        return digest
