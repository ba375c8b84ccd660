"""The garbage collector's settings and the progress display while WeasyPrint lays a PDF out.

WeasyPrint allocates millions of boxes that live until the PDF is written. With Python's
defaults the collector keeps scanning them all (400-page pack: ~18% of the time), so while a
PDF is laid out it collects less often, and every few pages the boxes made so far are frozen
(`gc.freeze`): the collector no longer scans them at all (400 pages on one CPU: ~2 s less), at
the price of keeping whatever garbage they include until the PDF is written (~+120 MiB at 400
pages). Everything is put back afterwards.

The pages are counted from WeasyPrint's own progress log ("Step 5 - Creating layout - Page N");
should that message change in another WeasyPrint, the layout is only a little slower and the
progress display quieter.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os

#: Collector thresholds while laying out (Python's default is (700, 10, 10)).
LAYOUT_GC_THRESHOLDS = (20000, 10, 10)
#: Every this many pages made, the objects made so far are frozen.
FREEZE_EVERY = 20
#: Every this many pages of a layout, the progress display hears how far it has got.
REPORT_EVERY = 50


class _LayoutWatch(logging.Handler):
    def __init__(self, progress):
        super().__init__(logging.INFO)
        self.progress = progress
        self.pid = os.getpid()  # forked workers inherit the handler but do not report
        self.made = 0
        self.reporting = True

    def emit(self, record: logging.LogRecord) -> None:
        message = str(record.msg)
        if not message.startswith("Step 5 - Creating layout - Page") or "up-to-date" in message:
            return
        self.made += 1
        if self.made % FREEZE_EVERY == 0:
            gc.freeze()
        page = record.args[0] if record.args else None
        if self.reporting and os.getpid() == self.pid and isinstance(page, int) and page % REPORT_EVERY == 0:
            self.progress("pdf", f"layout: page {page}")


_current: _LayoutWatch | None = None


@contextlib.contextmanager
def watching_layout(progress):
    """Lay out PDFs inside this: collector settings as above, pages reported to `progress`."""
    from weasyprint.logger import PROGRESS_LOGGER

    global _current
    before = gc.get_threshold()
    level, propagate = PROGRESS_LOGGER.level, PROGRESS_LOGGER.propagate
    watch, outer = _LayoutWatch(progress), _current
    gc.set_threshold(*LAYOUT_GC_THRESHOLDS)
    PROGRESS_LOGGER.addHandler(watch)
    PROGRESS_LOGGER.setLevel(logging.INFO)
    PROGRESS_LOGGER.propagate = False  # its INFO messages are for us, not for the application's log
    _current = watch
    try:
        yield
    finally:
        _current = outer
        PROGRESS_LOGGER.removeHandler(watch)
        PROGRESS_LOGGER.setLevel(level)
        PROGRESS_LOGGER.propagate = propagate
        gc.unfreeze()
        gc.set_threshold(*before)


def release_frozen() -> None:
    """Let the collector reach what has been frozen so far: between the chunks laid out one after
    the other in one process, the previous chunk's boxes are garbage."""
    gc.unfreeze()
    gc.collect()


@contextlib.contextmanager
def not_reporting_pages():
    """A layout whose pages are not the pack's progress (the frame of parallel)."""
    watch = _current
    if watch is None:
        yield
        return
    before, watch.reporting = watch.reporting, False
    try:
        yield
    finally:
        watch.reporting = before
