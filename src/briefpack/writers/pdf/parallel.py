"""A large edition as one PDF laid out section by section, joined into the PDF a single layout gives.

Sections start on a new page (`section_break: page`), so each section's pages depend only on
the section: contiguous runs of sections ("chunks") are laid out each as a WeasyPrint document
without margin boxes (no running heads, no "Page X of Y") and written to PDF — in forked
processes on several CPUs, one after the other in this process on one. Then, in this process,
one *frame* document is laid out from the style's own templates: the cover, the contents, one
empty placeholder page per body page, the credits and the annex pages. Each placeholder page
holds invisible, absolutely positioned boxes where the body page has its anchors and bookmarks,
so WeasyPrint itself lays out the running heads and footers with the right numbers, the
contents with the right page numbers, the outline and the named destinations of the joined PDF.
pypdf then draws each body page onto its placeholder page (as a form XObject, shifted to the
margins of that page's side) and adds the body page's links as annotations (join_pages).
Annexes are laid in afterwards as usual (annexes).

The bytes depend on the pack alone, never on the CPUs or processes that lay it out: whether it
is laid out by sections (`by_sections`: its estimated size) and into how many chunks
(`chunk_count`: about PAGES_PER_CHUNK pages each) are decided from the edition; the number of
processes (`processes_for`) only decides how many chunks are laid out at once. A chunk's PDF
is the same whichever process writes it, and one joining method serves every case.

Footnotes are kept with their calls as in the single layout (footnotes), but a section that
needs a new page break is laid out again alone, not the whole pack: each extra round costs the
pages of the sections it fixes.

Every section starts a recto page of its chunk, as if it were laid out alone (the blank pages
this inserts are left out; the join shifts each page onto its frame page's margins): so a
section's pages depend on the section alone, and a long-running process (`build --watch`,
serve's build process) keeps them between builds (layout_cache) and lays out again only the
sections an edit changed — to the bytes a fresh build writes.

`render_parallel` returns None when the edition cannot be split this way (PDF/A and PDF/UA
variants need one tagged document; sections that run on; a style whose page rules depend on
more than the left/right side); the caller then lays it out as one document.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import multiprocessing
import os
import re
from dataclasses import dataclass, field

from markupsafe import Markup

from ... import model as m
from ..html.body import HtmlBody, element
from ..html.document import AnnexPlaceholder, render_html
from .layout_watch import not_reporting_pages
from ...options import RenderOptions
from .footnotes import MAX_ROUNDS, Separation, find_separations, plan_page_breaks
from ...style import Style
from ..html.urls import STYLE_BASE, ResourceTable, make_fetcher

#: Below this many estimated pages one layout is faster than forking and joining.
MIN_PAGES = 60
#: A pack laid out by sections is split into chunks of about this many pages (at least two):
#: the split depends on the pack alone, and a chunk's boxes are freed once it is written.
PAGES_PER_CHUNK = 200
#: Characters of model text (repr) per printed page in the house style, measured on generated packs.
_CHARS_PER_PAGE = 4200

_MARGIN_BOXES = (
    "top-left-corner", "top-left", "top-center", "top-right", "top-right-corner", "left-top", "left-middle",
    "left-bottom", "right-top", "right-middle", "right-bottom", "bottom-left-corner", "bottom-left",
    "bottom-center", "bottom-right", "bottom-right-corner",
)
#: Chunks are laid out without margin boxes or page background: the frame page draws those.
_CHUNK_CSS = "\n".join(
    f"@page{side} {{ background: none !important; "
    + " ".join(f"@{box} {{ content: none !important; }}" for box in _MARGIN_BOXES)
    + " }"
    for side in ("", " :left", " :right")
)
#: The frame's placeholder pages and the invisible boxes on them.
_FRAME_CSS = """
.bp-page { break-before: page; position: relative; height: 0; margin: 0; padding: 0; border: 0; }
.bp-page > * { position: absolute; display: block; margin: 0; padding: 0; border: 0; width: 0; height: 0;
               background: none; text-decoration: none; }
.bp-page > .bp-mark { bookmark-label: attr(data-label); }
"""
#: Page selectors whose rules would apply to the wrong pages of a chunk (its first page is not
#: the pack's first page) — such a style is laid out as one document.
_UNSAFE_PAGE_SELECTOR = re.compile(r"@page[^{;]*:(first|blank|nth)", re.I)
#: Breaks to a given side: the style's own blank pages, which chunks would not keep.
_SIDE_BREAK = re.compile(r"(?<![\w-])(page-)?break-(before|after)\s*:\s*(left|right|recto|verso)\b", re.I)


# ----------------------------------------------------------------------------------- results


@dataclass
class PageLayout:
    """What the frame needs of one laid-out body page (CSS px from the page's top-left)."""

    width: float
    height: float
    content: tuple[float, float, float, float]  # x, y, width, height of the page area
    blank: bool
    anchors: list[tuple[str, float, float]]
    links: list[tuple[str, str, tuple[float, float, float, float]]]  # type, target, x1 y1 x2 y2
    bookmarks: list[tuple[int, str, float, float, str]]  # level, label, x, y, state


@dataclass
class ChunkResult:
    pdf: bytes | None  # None when not written (`lay_out_chunk(..., write=False)`): see `laid`
    pages: list[PageLayout]
    separations: list[tuple[Separation, int, int | None]]  # unfixed; call/note page in the chunk
    messages: list[str] = field(default_factory=list)  # WeasyPrint warnings
    rounds: int = 1
    relaid_pages: int = 0
    laid: object = field(default=None, repr=False, compare=False)  # weasyprint Document of the pages, when not written
    reused: int = 0  # sections whose pages came from a LayoutCache
    reused_pdf: bool = False  # and the chunk's PDF too
    chunk_key: tuple | None = field(default=None, repr=False, compare=False)  # its PDF's key in the LayoutCache, if kept


# ----------------------------------------------------------------------------------- entry point


def processes_for(edition: m.Edition, options: RenderOptions) -> int:
    """How many processes may lay out `edition`'s chunks at once (1: one after the other in this
    process). It changes how long a build takes, never the bytes it writes."""
    if multiprocessing.current_process().daemon:
        return 1  # a daemonic process (serve's build process) may not start children
    wanted = getattr(options, "pdf_processes", None)
    if wanted is not None:
        processes = max(1, int(wanted))
    elif multiprocessing.parent_process() is not None:
        return 1  # already a worker of a parallel build: do not multiply processes
    else:
        try:
            processes = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            processes = os.cpu_count() or 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, processes)


def by_sections(edition: m.Edition) -> bool:
    """Whether `edition` is large enough to be laid out by sections (if it can be: cannot_split):
    a section the footnote fixer changes is then laid out again alone, not the whole pack, and
    several CPUs share the work. Decided by the edition alone."""
    return estimate_pages(edition) >= MIN_PAGES


def chunk_count(edition: m.Edition) -> int:
    """How many chunks `edition` is laid out in: about PAGES_PER_CHUNK pages each, at least two
    (two CPUs halve the time of a 60-page pack). Decided by the edition alone."""
    return max(1, min(len(edition.sections), max(2, round(estimate_pages(edition) / PAGES_PER_CHUNK))))


def estimate_pages(edition: m.Edition) -> float:
    return sum(_size(s) for s in edition.sections) / _CHARS_PER_PAGE + 0.5 * len(edition.sections)


def cannot_split(edition: m.Edition, style: Style, options: RenderOptions) -> str | None:
    """Why `edition` must be laid out as one document, or None."""
    if options.pdf_variant:
        return f"{options.pdf_variant} needs one tagged document"
    if edition.meta.section_break != "page":
        return "sections run on (section_break: none)"
    if len(edition.sections) < 2:
        return "one section"
    if _UNSAFE_PAGE_SELECTOR.search(style.text("print.css")):
        return "the style has :first, :blank or :nth() page rules"
    if _SIDE_BREAK.search(style.text("print.css")):
        return "the style breaks to left or right pages"
    return None


def render_parallel(edition: m.Edition, style: Style, options: RenderOptions, processes: int, placeholders, warnings):
    """The PDF bytes and page count of `edition` laid out by chunks (chunk_count), `processes`
    of them at once, before annexes are laid in; or None (see the module docstring).
    `placeholders` are the annex placeholders (annexes.measure_annexes); WeasyPrint's and the
    footnote fixer's warnings are appended to `warnings`."""
    import weasyprint  # noqa: F401  (imported before forking: children inherit it)

    if cannot_split(edition, style, options):
        return None
    chunks = split_sections(edition.sections, chunk_count(edition))
    processes = max(1, min(processes, len(chunks)))
    cache = options.pdf_layouts
    if cache is not None and not cache.fits(estimate_pages(edition)):
        cache = None  # too large to keep: laid out as usual
    sizes = ", ".join(str(len(c)) for c in chunks)
    where = "in this process" if processes == 1 or cache is not None else f"{processes} processes at a time"
    options.progress("pdf", f"layout of {len(edition.sections)} sections in {len(chunks)} chunks, {where} (sections per chunk: {sizes})")
    if cache is not None:
        # the pages to keep are laid out in this process; forked children write the chunks'
        # PDFs from them meanwhile (they inherit the pages), when there is a CPU to spare
        writers = ChunkWriters(processes - 1)
        try:
            results = _lay_out_here(edition, style, options, chunks, cache, writers)
            return _frame_and_join(edition, style, options, placeholders, warnings, results, lambda: writers.pdfs(results), cache)
        finally:
            writers.close()
    if processes == 1:
        results = _lay_out_here(edition, style, options, chunks)
        return _frame_and_join(edition, style, options, placeholders, warnings, results, lambda: [r.pdf for r in results])
    workers = ChunkWorkers(edition, style, options, chunks, processes)
    try:
        results = workers.layouts(options.progress)
        # the last workers write their PDFs while this process lays out the frame
        return _frame_and_join(edition, style, options, placeholders, warnings, results, workers.pdfs)
    finally:
        workers.close()


def _lay_out_here(edition, style, options, chunks, cache=None, writers=None) -> list[ChunkResult]:
    """The chunks laid out and written one after the other in this process, each chunk's boxes
    freed once it is written: the same PDFs a worker writes (lay_out_chunk). With `cache` (a
    LayoutCache) the boxes are kept for the next build and unchanged sections are not laid out;
    `writers` (ChunkWriters) then write the PDFs the cache does not have."""
    from .layout_watch import release_frozen

    results = []
    for index, chunk in enumerate(chunks):
        result = lay_out_chunk(edition, style, options, chunk, cache=cache, write=writers is None)
        if writers is not None:
            writers.start(index, result, cache)
        results.append(result)
        extra = f", {result.relaid_pages} pages laid out again for footnotes" if result.relaid_pages else ""
        if cache is not None:
            extra += f", {result.reused} of {len(chunk)} sections reused" + (" and its PDF" if result.reused_pdf else "")
        options.progress("pdf", f"layout: chunk {index + 1}/{len(chunks)} done, {len(result.pages)} pages{extra}")
        if cache is None:
            release_frozen()  # the chunk's boxes are garbage now; layout_watch had frozen them
    return results


def _frame_over(edition, style, options, placeholders, warnings, results: list[ChunkResult], source=None):
    """The frame laid out over the chunks' body pages: (document, its PDF identifier, index of
    its first body page, each body page's shift onto its frame page); the chunks' warnings are
    added to `warnings`. None when the body pages cannot go onto the frame's."""
    pages = [p for r in results for p in r.pages]
    if any(p.blank for p in pages):
        return None  # the style inserts blank pages: page sides matter
    options.progress("pdf", f"contents, running heads and footers over {len(pages)} body pages")
    frame = _lay_out_frame(edition, style, options, pages, placeholders, source)
    if frame is None:
        return None
    document, html, first_body = frame
    shifts = _shifts(pages, document.pages[first_body:first_body + len(pages)])
    if shifts is None:
        return None
    _report(results, first_body, warnings)
    return document, hashlib.md5(html.encode("utf-8")).hexdigest().encode("ascii"), first_body, shifts


def _frame_and_join(edition, style, options, placeholders, warnings, results: list[ChunkResult], pdfs, cache=None):
    """The frame laid out and written, the chunks' PDFs (`pdfs()`) drawn onto it (join_pages).
    With `cache` (a LayoutCache), a frame whose HTML (placeholders included: every anchor and
    bookmark where the body pages have it) is the one of the last build is not laid out again."""
    pages = [p for r in results for p in r.pages]
    kept, key = None, None
    if cache is not None and not any(p.blank for p in pages):
        source = frame_source(edition, style, options, pages, placeholders)
        # the body pages' boxes too: the shifts onto the frame's pages depend on them
        key = cache.frame_key(source.key + repr([(p.width, p.height, p.content) for p in pages]), style, options)
        kept = cache.frame(key)
    if kept is not None:
        frame_pdf, first_body, shifts, frame_pages = kept
        options.progress("pdf", f"contents, running heads and footers over {len(pages)} body pages: as in the last build")
        _report(results, first_body, warnings)
    else:
        frame = _frame_over(edition, style, options, placeholders, warnings, results, source if key else None)
        if frame is None:
            return None
        document, identifier, first_body, shifts = frame
        frame_pages = len(document.pages)
        options.progress("pdf", f"writing {frame_pages} pages")
        frame_pdf = document.write_pdf(pdf_identifier=identifier)
        if key is not None:
            cache.keep_frame(key, (frame_pdf, first_body, shifts, frame_pages))
    chunk_pdfs = pdfs()
    options.progress("pdf", f"joining {len(pages)} body pages onto the frame")
    data = join_pages(frame_pdf, chunk_pdfs, first_body, shifts, pages)
    return data, frame_pages


def _shifts(pages: list[PageLayout], frame_pages) -> list[tuple[float, float]] | None:
    """How far each body page moves onto its frame page (CSS px); None when a body page does not
    fit its frame page, or the frame page's background would hide the body drawn under it."""
    shifts = []
    for body, page in zip(pages, frame_pages):
        box = page._page_box
        content = (box.content_box_x(), box.content_box_y(), box.width, box.height)
        if (round(body.width, 2), round(body.height, 2)) != (round(page.width, 2), round(page.height, 2)) or (
            round(body.content[2], 2), round(body.content[3], 2)) != (round(content[2], 2), round(content[3], 2)):
            return None  # left and right pages differ in more than their margins
        if _paints_background(box):
            return None  # the page background would hide the body drawn under the frame
        shifts.append((content[0] - body.content[0], content[1] - body.content[1]))
    return shifts


def _report(results: list[ChunkResult], first_body: int, warnings: list[str]) -> None:
    """The chunks' WeasyPrint warnings and unfixed footnote separations, with page numbers of the pack."""
    for result in results:
        warnings += [f"WeasyPrint: {msg}" for msg in result.messages if f"WeasyPrint: {msg}" not in warnings]
    offset = first_body
    for result in results:
        for sep, call_page, note_page in result.separations:
            moved = dataclasses.replace(
                sep, call_page=offset + call_page, note_page=None if note_page is None else offset + note_page
            )
            warnings.append(moved.describe())
        offset += len(result.pages)


# ----------------------------------------------------------------------------------- chunks


def _size(section: m.Section) -> int:
    return len(repr(section.children)) + len(repr(section.footnotes))


def split_sections(sections: tuple[m.Section, ...], k: int) -> list[tuple[m.Section, ...]]:
    """`sections` in at most `k` contiguous runs of similar size (greedy on cumulative size)."""
    k = max(1, min(k, len(sections)))
    sizes = [_size(s) + _CHARS_PER_PAGE // 2 for s in sections]  # a section's last page is half empty
    total = sum(sizes)
    chunks: list[tuple[m.Section, ...]] = []
    start, running = 0, 0
    for i, size in enumerate(sizes):
        running += size
        left = len(sections) - i - 1
        target = total * (len(chunks) + 1) / k
        if len(chunks) < k - 1 and left >= k - 1 - len(chunks) and (running >= target or left == k - 1 - len(chunks)):
            # close the chunk here, or before this section when that is nearer the target
            if i > start and running - target > target - (running - size) and running - size > total * len(chunks) / k:
                chunks.append(tuple(sections[start:i]))
                start = i
            else:
                chunks.append(tuple(sections[start:i + 1]))
                start = i + 1
    chunks.append(tuple(sections[start:]))
    return [c for c in chunks if c]


# Work for forked workers, set before forking and inherited (nothing big is pickled).
_WORK: tuple | None = None


def _chunk_worker(index: int, conn) -> None:
    """A forked worker: lays out chunk `index` (telling the parent which page it has reached),
    sends its layout at once (the parent may lay the frame out meanwhile), then writes the
    chunk's PDF — the PDF this process would write for it (lay_out_chunk) — and sends the bytes."""
    from .layout_watch import watching_layout

    def progress(stage: str, detail: str) -> None:
        if detail.startswith("layout: page "):
            conn.send(("page", int(detail.rsplit(" ", 1)[1])))

    try:
        edition, style, options, chunks = _WORK
        with watching_layout(progress):
            result = lay_out_chunk(edition, style, options, chunks[index], write=False)
        conn.send(("layout", dataclasses.replace(result, laid=None)))
        conn.send(("pdf", result.laid.write_pdf()))
    except BaseException as exc:  # reported to the parent, which raises it
        import traceback

        try:
            conn.send(("error", exc, traceback.format_exc()))
        except Exception:
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}"), traceback.format_exc()))
    finally:
        conn.close()


class ChunkWorkers:
    """Chunks laid out in forked processes, at most `processes` at a time (a worker per chunk,
    the next started when one has sent its PDF): `layouts()` as soon as every chunk is laid
    out, `pdfs()` once they are all written. Always `close()`d (stops workers still running)."""

    def __init__(self, edition, style, options, chunks, processes: int):
        self.context = multiprocessing.get_context("fork")
        self.work = (edition, style, dataclasses.replace(options, progress=_quiet), chunks)
        self.limit = max(1, processes)
        self.workers: list[tuple | None] = [None] * len(chunks)  # (process, connection), while running
        self.layout: list[ChunkResult | None] = [None] * len(chunks)
        self.pdf: list[bytes | None] = [None] * len(chunks)
        self.reached = [0] * len(chunks)
        self.started = 0
        while self.started < min(self.limit, len(chunks)):
            self._start()

    def _start(self) -> None:
        global _WORK
        index = self.started
        self.started += 1
        mine, theirs = self.context.Pipe(duplex=False)
        _WORK = self.work
        try:
            process = self.context.Process(target=_chunk_worker, args=(index, theirs), daemon=True)
            process.start()
        finally:
            _WORK = None
            theirs.close()
        self.workers[index] = (process, mine)

    def _receive(self, index: int, progress) -> None:
        """One message from worker `index`: a page reached, its layout, its PDF (the worker is
        then done and the next chunk starts) or its error (raised here)."""
        process, conn = self.workers[index]
        try:
            kind, *value = conn.recv()
        except EOFError:
            process.join(1)
            raise RuntimeError(f"the PDF layout worker for chunk {index + 1} stopped (exit code {process.exitcode})") from None
        if kind == "error":
            raise value[0] from RuntimeError(value[1])
        if kind == "page":
            self.reached[index] = value[0]
            running = [i for i, w in enumerate(self.workers) if w is not None and self.layout[i] is None]
            progress("pdf", "layout: " + ", ".join(f"chunk {i + 1}: page {self.reached[i]}" for i in running))
        elif kind == "layout":
            self.layout[index] = result = value[0]
            extra = f", {result.relaid_pages} pages laid out again for footnotes" if result.relaid_pages else ""
            progress("pdf", f"layout: chunk {index + 1}/{len(self.layout)} done, {len(result.pages)} pages{extra}")
        elif kind == "pdf":
            self.pdf[index] = value[0]
            conn.close()
            process.join()
            self.workers[index] = None
            if self.started < len(self.workers):
                self._start()
        else:
            raise RuntimeError(f"unexpected message from the PDF layout worker for chunk {index + 1}: {kind}")

    def _wait_until(self, done, progress) -> None:
        from multiprocessing.connection import wait

        while not done():
            running = {w[1]: i for i, w in enumerate(self.workers) if w is not None}
            for conn in wait(list(running)):
                self._receive(running[conn], progress)

    def layouts(self, progress) -> list[ChunkResult]:
        """Every chunk's layout; meanwhile the pages the workers have reached, as progress."""
        self._wait_until(lambda: all(r is not None for r in self.layout), progress)
        return list(self.layout)

    def pdfs(self) -> list[bytes]:
        self._wait_until(lambda: all(p is not None for p in self.pdf), _quiet)
        return list(self.pdf)

    def close(self) -> None:
        for worker in self.workers:
            if worker is None:
                continue
            process, conn = worker
            conn.close()
            if process.is_alive():
                process.terminate()
            process.join()


def _write_chunk(laid, conn) -> None:
    """A forked child: the PDF of pages laid out by its parent (inherited, not sent)."""
    try:
        conn.send(("pdf", laid.write_pdf()))
    except BaseException as exc:
        conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
    finally:
        conn.close()


class ChunkWriters:
    """Chunk PDFs written from pages laid out in this process (a LayoutCache's): each by a forked
    child, at most `spare` at a time, while this process lays out the next chunk or the frame;
    in this process when there is no CPU to spare. The bytes are those `laid.write_pdf()` gives
    here. Always `close()`d (stops children still running)."""

    def __init__(self, spare: int):
        self.spare = max(0, spare)
        self.context = multiprocessing.get_context("fork") if self.spare else None
        self.running: dict[int, tuple] = {}  # chunk index → (process, connection, result, cache)

    def start(self, index: int, result: ChunkResult, cache) -> None:
        """Have `result`'s PDF written (unless the cache gave it) and kept in `cache`."""
        if result.pdf is not None:
            return
        if not self.spare:
            self._finish(result, result.laid.write_pdf(), cache)
            return
        while len(self.running) >= self.spare:
            self._collect(min(self.running))
        mine, theirs = self.context.Pipe(duplex=False)
        try:
            process = self.context.Process(target=_write_chunk, args=(result.laid, theirs), daemon=True)
            process.start()
        finally:
            theirs.close()
        self.running[index] = (process, mine, result, cache)

    def _collect(self, index: int) -> None:
        process, conn, result, cache = self.running.pop(index)
        try:
            kind, value = conn.recv()
        except EOFError:
            process.join(1)
            if process.is_alive():  # no longer in `running`: close() would not stop it
                process.terminate()
                process.join()
            raise RuntimeError(f"the process writing chunk {index + 1} of the PDF stopped (exit code {process.exitcode})") from None
        finally:
            conn.close()
        process.join()
        if kind == "error":
            raise value
        self._finish(result, value, cache)

    @staticmethod
    def _finish(result: ChunkResult, pdf: bytes, cache) -> None:
        result.pdf = pdf
        if result.chunk_key is not None:
            cache.keep_chunk(result.chunk_key, pdf)

    def pdfs(self, results: list[ChunkResult]) -> list[bytes]:
        for index in sorted(self.running):
            self._collect(index)
        return [r.pdf for r in results]

    def close(self) -> None:
        for process, conn, _, _ in self.running.values():
            conn.close()
            if process.is_alive():
                process.terminate()
            process.join()
        self.running = {}


def _quiet(stage: str, detail: str) -> None:
    pass


class WarningCollector(logging.Handler):
    """WeasyPrint's warnings (a refused image, an unknown CSS property) gathered as ours, once each."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message not in self.messages:
            self.messages.append(message)


@dataclass
class SectionPages:
    """One section's final pages (after the footnote rounds), laid out from a recto page as if
    alone: the same pages whichever sections were laid out beside it (see `_keep_only_sections`)."""

    pages: list  # weasyprint Pages, alive while `documents` are
    layouts: list[PageLayout]
    separations: list[tuple[Separation, int, int | None]]  # unfixed; call/note page in the section
    messages: list[str]  # WeasyPrint's warnings while the section was laid out
    documents: list = field(default_factory=list, repr=False)
    #: its warnings came from a layout of several sections and may be another's: not kept for a
    #: later build, which would repeat them after their cause is gone (warnings are rare)
    shared_messages: bool = False

    @property
    def spills(self) -> bool:
        """Whether a note of the section was printed past its last page: on the next section's
        first page, which then depends on this section."""
        return any(n is not None and n >= len(self.pages) for _, _, n in self.separations)


def lay_out_sections(edition: m.Edition, style: Style, options: RenderOptions, sections, fonts) -> tuple[dict[str, SectionPages], int, int]:
    """Lay out `sections` (each starting a recto page) without margin boxes, keeping notes with
    their calls: a section the footnote fixer changes is laid out again alone. Returns each
    section's pages, the rounds and the pages laid out again."""
    from weasyprint import CSS, HTML
    from weasyprint.logger import LOGGER

    chunk_css = CSS(string=_CHUNK_CSS, font_config=fonts)
    blocks = _blocks_per_section(edition, sections)
    breaks: dict[str, frozenset[int]] = {s.id: frozenset() for s in sections}  # block numbers within the section
    out: dict[str, SectionPages] = {}
    messages: dict[str, list[str]] = {s.id: [] for s in sections}  # of every round the section was in
    todo = list(sections)
    rounds, relaid = 0, 0
    collect = WarningCollector()
    LOGGER.addHandler(collect)
    try:
        for round_ in range(MAX_ROUNDS + 1):
            rounds += 1
            offsets, numbered = {}, 0
            for s in todo:
                offsets[s.id] = numbered
                numbered += blocks[s.id]
            global_breaks = frozenset(offsets[s.id] + b for s in todo for b in breaks[s.id])
            resources = ResourceTable()
            html = render_html(
                dataclasses.replace(edition, sections=tuple(todo)), style, options, for_print=True,
                page_breaks=global_breaks, resources=resources,
            )
            fetcher = make_fetcher(style, resources, allow_remote=options.allow_remote)
            document = HTML(string=html, base_url=STYLE_BASE, url_fetcher=fetcher)
            if not _keep_only_sections(document, [s.id for s in todo]):
                raise RuntimeError("the style's templates do not give each section its own element with the section id")
            collect.messages = []
            document = document.render(stylesheets=[chunk_css], font_config=fonts)
            if round_:
                relaid += len(document.pages)
            for s in todo:
                messages[s.id] += [msg for msg in collect.messages if msg not in messages[s.id]]
            by_section = _pages_by_section(document, [s.id for s in todo])
            separations = find_separations(document)
            new_breaks, _ = plan_page_breaks(separations, global_breaks)
            next_todo = []
            for s in todo:
                first, last = offsets[s.id], offsets[s.id] + blocks[s.id]
                mine = frozenset(b - first for b in new_breaks if first < b <= last)
                start, pages = by_section[s.id]
                if mine != breaks[s.id] and round_ < MAX_ROUNDS:
                    breaks[s.id] = mine
                    next_todo.append(s)
                    continue
                unfixed = [
                    (sep, sep.call_page - start, None if sep.note_page is None else sep.note_page - start)
                    for sep in separations
                    if sep.chain == s.id
                ]
                out[s.id] = SectionPages(pages, [_page_layout(p) for p in pages], unfixed, messages[s.id], [document],
                                         shared_messages=bool(messages[s.id]) and len(todo) > 1)
            todo = next_todo
            if not todo:
                break
    finally:
        LOGGER.removeHandler(collect)
    return out, rounds, relaid


def lay_out_chunk(edition: m.Edition, style: Style, options: RenderOptions, sections, write=True, cache=None) -> ChunkResult:
    """Lay out `sections` (contiguous, each starting a page) without margin boxes, keeping notes
    with their calls (lay_out_sections). The pages are written to PDF bytes; with `write=False`
    they are returned laid out (`laid`), unwritten. Its own FontConfiguration: the PDF depends
    on nothing laid out before in the process. With `cache` (a LayoutCache, in this process
    only) the pages of sections laid out by an earlier build are reused, and the chunk's PDF too
    when it holds the same sections: the same bytes, since a section's pages do not depend on
    its neighbours (unless a note spills over, and then nothing of the chunk is reused)."""
    from weasyprint.text.fonts import FontConfiguration

    keys = cache.keys(edition, style, options, sections) if cache is not None else None
    laid_out: dict[str, SectionPages] = {}
    if keys is not None:
        laid_out = {s.id: hit for s in sections if (hit := cache.section(keys[s.id])) is not None}
        if any(p.spills for p in laid_out.values()):
            laid_out = {}
    missing = [s for s in sections if s.id not in laid_out]
    reused = len(laid_out)
    rounds, relaid = 0, 0
    if missing:
        # shared by the layouts of the footnote rounds, written as one PDF
        new, rounds, relaid = lay_out_sections(edition, style, options, missing, FontConfiguration())
        if keys is not None and laid_out and any(p.spills for p in new.values()):
            # a spill decides the next section's first page: lay the whole chunk out together
            new, rounds, relaid = lay_out_sections(edition, style, options, sections, FontConfiguration())
            laid_out, reused = {}, 0
        laid_out.update(new)
    ordered = [laid_out[s.id] for s in sections]
    pages = [p for s in ordered for p in s.pages]
    separations = []
    page_no = 0
    for s in ordered:
        separations += [(sep, page_no + c, None if n is None else page_no + n) for sep, c, n in s.separations]
        page_no += len(s.pages)
    messages = pack_warnings(edition, list(dict.fromkeys(msg for s in ordered for msg in s.messages)))
    chunk_key = tuple(keys[s.id] for s in sections) if keys is not None else None
    pdf = cache.chunk_pdf(chunk_key) if chunk_key is not None else None
    reused_pdf = pdf is not None
    laid = ordered[0].documents[0].copy(pages)
    if write and pdf is None:
        pdf = laid.write_pdf()
    keep = keys is not None and not any(s.spills for s in ordered)
    if keep:
        for s in sections:
            if not laid_out[s.id].shared_messages:
                cache.keep_section(keys[s.id], laid_out[s.id])
        if pdf is not None:
            cache.keep_chunk(chunk_key, pdf)
    layouts = [layout for s in ordered for layout in s.layouts]
    return ChunkResult(pdf, layouts, separations, messages, rounds, relaid, None if pdf is not None else laid,
                       reused=reused, reused_pdf=reused_pdf, chunk_key=chunk_key if keep else None)


def pack_warnings(edition: m.Edition, messages: list[str]) -> list[str]:
    """WeasyPrint's warnings about a chunk that hold for the pack: a link to an anchor of another
    chunk is not missing from the pack."""
    known = edition.anchors | {c.anchor for c in edition.calls.values()}
    return [
        msg for msg in messages
        if not (msg.startswith("No anchor #") and msg[len("No anchor #"):].split(" ")[0] in known)
    ]


def _blocks_per_section(edition: m.Edition, sections) -> dict[str, int]:
    """How many `data-b` blocks the print HTML gives each section (the footnote fixer's unit)."""
    body = HtmlBody(edition, for_print=True, resource_url=lambda r: "")
    counts = {}
    for s in sections:
        before = body.block_no
        body.section_body(s)
        counts[s.id] = body.block_no - before
    return counts


def _pages_by_section(document, ids: list[str]) -> dict[str, tuple[int, list]]:
    """Section id → (index of its first page, its pages); each section starts a page."""
    starts = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            if name in ids and name not in starts:
                starts[name] = index
    out = {}
    for i, sid in enumerate(ids):
        start = starts[sid]
        end = starts[ids[i + 1]] if i + 1 < len(ids) else len(document.pages)
        while end > start + 1 and _inserted_blank(document.pages[end - 1]):
            end -= 1
        out[sid] = (start, document.pages[start:end])
    return out


def _inserted_blank(page) -> bool:
    """A blank page WeasyPrint inserted for a recto break, holding nothing (not even notes)."""
    box = page._page_box
    return bool(box.page_type.blank) and not any(getattr(child, "children", None) for child in box.children[1:])


def _page_layout(page) -> PageLayout:
    box = page._page_box
    return PageLayout(
        width=page.width,
        height=page.height,
        content=(box.content_box_x(), box.content_box_y(), box.width, box.height),
        blank=bool(box.page_type.blank),
        anchors=[(name, box_[0], box_[1]) for name, box_ in page.anchors.items()],
        links=[(kind, target, tuple(rect)) for kind, target, rect, _ in page.links if kind in ("internal", "external")],
        bookmarks=[(level, label, x, y, state) for level, label, (x, y), state in page.bookmarks],
    )


# ----------------------------------------------------------------------------------- the tree


def _section_elements(root, ids: list[str]):
    wanted = set(ids)
    found = {}
    parents = {}
    for parent in root.iter():
        for child in parent:
            parents[child] = parent
            sid = child.get("id")
            if sid in wanted and sid not in found:
                found[sid] = child
    if set(found) != wanted:
        return None, parents
    return [found[i] for i in ids], parents


def _keep_only_sections(document, ids: list[str]) -> bool:
    """Prune the parsed HTML of `document` (a weasyprint.HTML) to the elements of the sections
    `ids`: no cover, contents or credits. False when the sections are not siblings."""
    import cssselect2

    root = document.etree_element
    elements, parents = _section_elements(root, ids)
    if elements is None or len({id(parents[e]) for e in elements}) != 1:
        return False
    keep = {id(e) for e in elements}
    for e in elements:
        # every section starts a recto page, as it would laid out alone: its pages (their
        # margins, side by side) then do not depend on the sections laid out before it, so
        # a cached layout is the one a fresh one would give; the blank pages this inserts are
        # left out (_pages_by_section)
        e.set("style", ";".join(filter(None, [e.get("style", "").strip().rstrip(";"), "break-before: recto"])))
    node = parents[elements[0]]
    for child in list(node):
        if id(child) not in keep:
            node.remove(child)
    while node in parents and node.tag != "body":
        parent = parents[node]
        for child in list(parent):
            if child is not node:
                parent.remove(child)
        node = parent
    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root)
    document.etree_element = root
    return True


# ----------------------------------------------------------------------------------- the frame


def _px(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") + "px"


def frame_page(body: PageLayout, number: int, seen: set[str]) -> Markup:
    """A placeholder page: the anchors and bookmarks of `body`, invisible, in place (its links
    are written by join_pages). An anchor is only the first box with its name (a section runs
    over pages): `seen` holds the names placed on earlier pages."""
    x0, y0 = body.content[0], body.content[1]
    parts = []
    for level, label, x, y, state in body.bookmarks:
        style = f"left: {_px(x - x0)}; top: {_px(y - y0)}; bookmark-level: {level}; bookmark-state: {state}"
        parts.append(element("span", class_="bp-mark", data_label=label, style=style))
    for name, x, y in body.anchors:
        if name in seen:
            continue
        seen.add(name)
        parts.append(element("span", id=name, style=f"left: {_px(x - x0)}; top: {_px(y - y0)}"))
    return element("div", parts, class_="bp-page", id=f"bp-page-{number}")


@dataclass
class FrameSource:
    """The frame's HTML before layout: the style's templates over sections reduced to their
    contents entries, and one placeholder page per body page."""

    html: str
    placeholders: str
    resources: ResourceTable

    @property
    def key(self) -> str:
        """Hash input for the PDF identifier: the frame with every placeholder (it depends on the layout)."""
        return self.html + self.placeholders


def frame_source(edition, style, options, pages: list[PageLayout], placeholders: list[AnnexPlaceholder]) -> FrameSource:
    # Sections reduced to their contents entries: the frame never prints a section body.
    frame_sections = tuple(dataclasses.replace(s, children=tuple(s.headings(max_level=2))) for s in edition.sections)
    resources = ResourceTable()
    html = render_html(
        dataclasses.replace(edition, sections=frame_sections), style, options, for_print=True,
        annexes=tuple(placeholders), resources=resources,
    )
    seen: set[str] = set()
    placeholder_html = Markup("").join(frame_page(p, i, seen) for i, p in enumerate(pages))
    return FrameSource(str(html), str(placeholder_html), resources)


def _lay_out_frame(edition, style, options, pages: list[PageLayout], placeholders: list[AnnexPlaceholder], source=None):
    """The frame document (see the module docstring), its HTML and the index of its first body
    page; None when the style's templates do not have the expected shape."""
    from weasyprint import CSS, HTML

    source = source or frame_source(edition, style, options, pages, placeholders)
    html, placeholder_html, resources, html_key = source.html, source.placeholders, source.resources, source.key
    document = HTML(string=html, base_url=STYLE_BASE, url_fetcher=make_fetcher(style, resources, allow_remote=options.allow_remote))
    ids = [s.id for s in edition.sections]
    root = document.etree_element
    elements, parents = _section_elements(root, ids)
    if elements is None or len({id(parents[e]) for e in elements}) != 1:
        return None
    parent = parents[elements[0]]
    at = list(parent).index(elements[0])
    for e in elements:
        parent.remove(e)
    left = {e.get("id") for e in root.iter() if e.get("id")}
    if left & (edition.anchors | {c.anchor for c in edition.calls.values()}):
        return None  # a section's anchors live outside its element: cannot stand in for them
    from xml.etree import ElementTree

    container = ElementTree.fromstring(f"<div>{placeholder_html}</div>")
    for offset, child in enumerate(list(container)):
        parent.insert(at + offset, child)
    import cssselect2

    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(root)
    document.etree_element = root
    with not_reporting_pages():
        rendered = document.render(stylesheets=[CSS(string=_FRAME_CSS)])
    first = None
    for index, page in enumerate(rendered.pages):
        if "bp-page-0" in page.anchors:
            first = index
            break
    if first is None:
        return None
    for i in range(len(pages)):
        page = rendered.pages[first + i] if first + i < len(rendered.pages) else None
        if page is None or f"bp-page-{i}" not in page.anchors:
            return None
    return rendered, html_key, first


def _paints_background(page_box) -> bool:
    background = page_box.background
    if background is None:
        return False
    return background.color.alpha > 0 or any(layer.image is not None for layer in background.layers)


# ----------------------------------------------------------------------------------- joining


def join_pages(frame_pdf: bytes, chunk_pdfs: list[bytes], first_body: int, shifts: list[tuple[float, float]], layouts: list[PageLayout]) -> bytes:
    """`frame_pdf` with the pages of `chunk_pdfs`, in order, drawn onto its pages from
    `first_body` on, each shifted by (dx, dy) CSS px (to the margins of its page's side), with
    the links of `layouts` (one per body page) as link annotations.

    Each body page becomes a form XObject holding its content stream as is (no parsing), with
    its chunk's resources (fonts, images), cloned once per chunk: the work is linear in pages.
    An internal link names its anchor (`/Dest (name)`), as WeasyPrint writes it: the frame
    holds every anchor of the body, so its name tree resolves them."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    from .annexes import form_entries

    writer = PdfWriter(clone_from=io.BytesIO(frame_pdf))
    anchors = {name for layout in layouts for name, _, _ in layout.anchors}
    index = first_body
    shift = iter(shifts)
    for n, data in enumerate(chunk_pdfs):
        reader = PdfReader(io.BytesIO(data))
        for source in reader.pages:
            target = writer.pages[index]
            dx, dy = next(shift)
            form = source["/Contents"].get_object().clone(writer)  # the stream, still compressed
            form_object = form.get_object()
            form_object.update(form_entries(source))
            form_object[NameObject("/Resources")] = source.raw_get("/Resources").clone(writer)
            name = NameObject(f"/BPbody{n}x{index}")
            resources = DictionaryObject(target["/Resources"].get_object())
            xobjects = DictionaryObject(resources.get("/XObject", DictionaryObject()).get_object() if "/XObject" in resources else {})
            xobjects[name] = form.indirect_reference if hasattr(form, "indirect_reference") and form.indirect_reference else writer._add_object(form_object)
            resources[NameObject("/XObject")] = xobjects
            target[NameObject("/Resources")] = resources
            # The body first, then the frame's running heads and footers: the order one layout
            # paints them in (text extraction follows it).
            contents = target.raw_get("/Contents")
            draw = DecodedStreamObject()
            # as precise as WeasyPrint's own coordinates (6 decimals): a body page laid out on the
            # other side lands where one layout puts it, to the rasteriser's pixel
            draw.set_data(f"q 1 0 0 1 {dx * 0.75:.6f} {-dy * 0.75:.6f} cm {name} Do Q\n".encode("ascii"))
            existing = list(contents) if isinstance(contents, ArrayObject) else [contents]
            target[NameObject("/Contents")] = ArrayObject([writer._add_object(draw), *existing])
            _add_links(writer, target, layouts[index - first_body], dx, dy, anchors)
            index += 1
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_links(writer, page, layout: PageLayout, dx: float, dy: float, anchors: set[str]) -> None:
    """The links of a body page as link annotations on its frame page, as WeasyPrint writes
    them (a link to an anchor the pack does not have was reported by the chunk and is left out)."""
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject, TextStringObject

    annotations = []
    for kind, target, (x1, y1, x2, y2) in layout.links:
        if kind == "internal" and target not in anchors:
            continue
        # corners in WeasyPrint's order: (x1, y1) then (x2, y2), y up from the page's foot
        rect = ((x1 + dx) * 0.75, (layout.height - y1 - dy) * 0.75, (x2 + dx) * 0.75, (layout.height - y2 - dy) * 0.75)
        annotation = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject([FloatObject(round(v, 4)) for v in rect]),
            NameObject("/BS"): DictionaryObject({NameObject("/W"): NumberObject(0)}),
        })
        if kind == "internal":
            annotation[NameObject("/Dest")] = TextStringObject(target)
        else:
            annotation[NameObject("/A")] = DictionaryObject({
                NameObject("/Type"): NameObject("/Action"),
                NameObject("/S"): NameObject("/URI"),
                NameObject("/URI"): TextStringObject(target),
            })
        annotations.append(writer._add_object(annotation))
    if not annotations:
        return
    existing = page.get("/Annots")
    existing = list(existing.get_object()) if existing is not None else []
    page[NameObject("/Annots")] = ArrayObject([*existing, *annotations])
