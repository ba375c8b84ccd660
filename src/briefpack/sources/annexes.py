"""Annexes (PDFs appended to the PDF pack), read and checked by the loader.

Each file is read once through `files.py`, however often pack.yaml lists it, and opened with
pypdf as the PDF writer will open it: an encrypted file that does not open without a password,
a truncated or damaged file, a page whose content cannot be decoded (an unsupported `/Filter`,
a compression bomb) are refused here, with the line of pack.yaml that names the file — never
dropped silently at build time. Every page's size is measured once and kept in the model.

Limits: `MAX_ANNEX_PAGES` pages in all (each listing counts), `MAX_ANNEX_TOTAL_BYTES` of annex
files in all (each file once), `MAX_CONTENT_BYTES` of decoded page content per file.
"""

from __future__ import annotations

import io
import logging
import math
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .. import model as m
from .files import MAX_ANNEX_BYTES, ResourceProblem, read_source_bytes, resolve_inside

#: Annex pages in one pack, all annexes together (a listed-twice annex counts twice): each is a
#: page to lay out, draw and write. 1,000 pages keep an annex-heavy build well within a minute.
MAX_ANNEX_PAGES = 1000
#: Bytes of annex files in one pack (each file counted once): the pack holds them in memory.
MAX_ANNEX_TOTAL_BYTES = MAX_ANNEX_BYTES
#: Decoded page content (drawing instructions, not images) of one annex file.
MAX_CONTENT_BYTES = 200 * 1024 * 1024
#: PDF's own limit on a page side, in points (200 inches).
MAX_PAGE_SIDE = 14400.0


@dataclass
class AnnexCache:
    """The annexes of one pack: each file read and checked once; the pack's totals."""

    root: Path
    by_path: dict[Path, tuple[m.Resource, tuple[tuple[float, float], ...]] | ResourceProblem] = field(default_factory=dict)
    total_bytes: int = 0
    total_pages: int = 0

    def read(self, relative: str) -> tuple[m.Resource, tuple[tuple[float, float], ...]]:
        path = resolve_inside(self.root, relative)
        if path not in self.by_path:
            try:
                data = read_source_bytes(self.root, relative, limit=MAX_ANNEX_BYTES, what="annex")
                if self.total_bytes + len(data) > MAX_ANNEX_TOTAL_BYTES:
                    raise ResourceProblem(
                        f"the pack's annexes add up to more than {MAX_ANNEX_TOTAL_BYTES // 1048576} MB: "
                        "attach fewer or smaller PDFs (or compress their images)"
                    )
                sizes = check_annex(data, path.name)
                self.total_bytes += len(data)
                self.by_path[path] = (m.Resource(path=path, data=data, media_type="application/pdf"), sizes)
            except ResourceProblem as exc:
                self.by_path[path] = exc
        found = self.by_path[path]
        if isinstance(found, ResourceProblem):
            raise ResourceProblem(found.message, found.line)
        resource, sizes = found
        if self.total_pages + len(sizes) > MAX_ANNEX_PAGES:
            raise ResourceProblem(
                f"the pack's annexes would have more than {MAX_ANNEX_PAGES:,} pages in all ({self.total_pages + len(sizes):,}): "
                "attach fewer pages, or send the long documents separately"
            )
        self.total_pages += len(sizes)
        return resource, sizes


def check_annex(data: bytes, name: str) -> tuple[tuple[float, float], ...]:
    """Open `data` as the PDF writer will and decode every page's content: the page sizes
    (width, height in points), or `ResourceProblem`."""
    if not data.startswith(b"%PDF-"):
        raise ResourceProblem(f"'{name}' is not a PDF file")
    from pypdf import PdfReader

    with quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                unlock(reader, name)
            count = len(reader.pages)
            if count == 0:
                raise ResourceProblem(f"'{name}' has no pages")
            if count > MAX_ANNEX_PAGES:
                raise ResourceProblem(f"'{name}' has {count:,} pages; the pack's annexes may have {MAX_ANNEX_PAGES:,} pages in all")
            sizes = []
            budget = [MAX_CONTENT_BYTES]
            for number, page in enumerate(reader.pages, start=1):
                sizes.append(_page_size(page, name, number))
                page_content(page, budget, name, number)
        except ResourceProblem:
            raise
        except RecursionError:
            raise ResourceProblem(f"'{name}' is a damaged PDF (its objects refer to each other in a loop)") from None
        except NotImplementedError as exc:
            raise ResourceProblem(f"'{name}' uses a compression briefpack cannot read ({exc}): save it again as a standard PDF") from None
        except Exception as exc:  # pypdf raises many kinds of errors on damaged files
            raise ResourceProblem(f"'{name}' is a damaged PDF ({_pdf_error(exc)}): save it again, or print it to a new PDF") from None
        return tuple(sizes)


@contextmanager
def quiet_pypdf():
    """pypdf logs what it repairs in a damaged file ("EOF marker not found"); a problem we
    report says it better, and nothing should reach the terminal raw."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def unlock(reader, name: str) -> None:
    """Open an encrypted PDF that needs no password to read (only to edit), or refuse it."""
    from pypdf import PasswordType

    try:
        result = reader.decrypt("")
    except Exception as exc:  # e.g. AES without a cryptography library
        raise ResourceProblem(f"'{name}' is encrypted and cannot be opened ({_pdf_error(exc)}): attach an unprotected copy") from None
    if result == PasswordType.NOT_DECRYPTED:
        raise ResourceProblem(f"'{name}' is protected by a password: attach an unprotected copy")


def _page_size(page, name: str, number: int) -> tuple[float, float]:
    box = page.mediabox
    width, height = float(box.width), float(box.height)
    if not (math.isfinite(width) and math.isfinite(height)) or not (0 < abs(width) <= MAX_PAGE_SIDE and 0 < abs(height) <= MAX_PAGE_SIDE):
        raise ResourceProblem(f"'{name}' page {number} has an impossible size ({width:g} × {height:g} points)")
    return round(abs(width), 3), round(abs(height), 3)


def page_content(page, budget: list[int], name: str, number: int) -> bytes:
    """The decoded content stream(s) of a page, within `budget[0]` bytes (decreased)."""
    contents = page.get("/Contents")
    if contents is None:
        return b""
    contents = contents.get_object()
    streams = list(contents) if isinstance(contents, list) else [contents]
    parts = []
    for stream in streams:
        stream = stream.get_object()
        data = _decode(stream, budget[0], name, number)
        budget[0] -= len(data)
        parts.append(data)
    return b"\n".join(parts)


def _decode(stream, budget: int, name: str, number: int) -> bytes:
    filters = stream.get("/Filter")
    if filters is None:
        names = []
    elif isinstance(filters, list):
        names = [str(f) for f in filters]
    else:
        names = [str(filters)]
    raw = getattr(stream, "_data", None)
    if names == ["/FlateDecode"] and raw is not None and stream.get("/DecodeParms") is None:
        # decompressed here, so a small stream that inflates to gigabytes stops at the budget
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(raw, budget + 1)
        except zlib.error as exc:
            raise ResourceProblem(f"'{name}' page {number}: its content is damaged ({exc})") from None
    else:
        data = stream.get_data()
    if len(data) > budget:
        raise ResourceProblem(
            f"'{name}' page {number}: its content decompresses to more than the {MAX_CONTENT_BYTES // 1048576} MB "
            "an annex may hold (a compression bomb?)"
        )
    return data


def _pdf_error(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:200]
