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


def build_timestamp() -> _dt.datetime:
    """The time stamped into outputs: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), tz=_dt.timezone.utc)
    return _dt.datetime.now(tz=_dt.timezone.utc).replace(microsecond=0)


@dataclass(frozen=True)
class RenderOptions:
    pdf_variant: str | None = None  # e.g. "pdf/ua-1", "pdf/a-3b"
    allow_remote: bool = False
    timestamp: _dt.datetime = field(default_factory=build_timestamp)
    progress: Progress = _quiet
    #: PDF layout processes: None chooses (a large pack: its sections in several processes on several
    #: CPUs, in this one on one CPU, then joined), 1 lays the pack out as one document
    pdf_processes: int | None = None
