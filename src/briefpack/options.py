"""Options that shape rendering but are not part of the document (variant, time stamp, progress)."""

from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from typing import Callable

#: progress(stage, detail) — e.g. progress("pdf", "layout: 12 pages"). The CLI decides how to show it.
Progress = Callable[[str, str], None]


def _quiet(stage: str, detail: str) -> None:
    pass


#: The last second SOURCE_DATE_EPOCH may name: 2107-12-31 23:59:59 UTC, the last date a zip
#: file (and so a DOCX) can record.
MAX_EPOCH = 4354819199


def build_timestamp() -> _dt.datetime:
    """The time stamped into outputs: SOURCE_DATE_EPOCH when set (reproducible builds), else now.

    A value that is not a whole number of seconds from 0 to `MAX_EPOCH` is an error, not
    ignored: a build that silently stopped being reproducible would be worse. An empty value
    counts as unset."""
    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or not raw.strip():
        return _dt.datetime.now(tz=_dt.timezone.utc).replace(microsecond=0)
    value = raw.strip()
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_EPOCH:
        from .errors import BuildError, shown

        raise BuildError(
            f"SOURCE_DATE_EPOCH={shown(raw)!s} is not a time briefpack can stamp: give a whole number of seconds "
            f"since 1970-01-01 UTC, from 0 to {MAX_EPOCH} (2107-12-31), e.g. SOURCE_DATE_EPOCH=1412121600 — or unset it"
        )
    return _dt.datetime.fromtimestamp(int(value), tz=_dt.timezone.utc)


@dataclass(frozen=True)
class RenderOptions:
    pdf_variant: str | None = None  # e.g. "pdf/ua-1", "pdf/a-3b"
    allow_remote: bool = False
    timestamp: _dt.datetime = field(default_factory=build_timestamp)
    progress: Progress = _quiet
    #: PDF layout processes: None chooses (a large pack: its sections in several processes on several
    #: CPUs, in this one on one CPU, then joined), 1 lays the pack out as one document
    pdf_processes: int | None = None
    #: a writers.pdf.layout_cache.LayoutCache kept by a long-running caller (serve, build --watch):
    #: the PDF layout of unchanged sections is reused; never changes the bytes written
    pdf_layouts: object = field(default=None, compare=False, repr=False)
