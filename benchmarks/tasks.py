"""The measured builds, each run as its own process: `python benchmarks/tasks.py TASK ARGS...`.

The parent (run.py) times the whole process, interpreter start and imports included, and reads
its peak memory when it exits; the task prints one JSON line of facts about what it did (pages,
time spent inside the build, files up to date). Only the standard library is imported at the top:
each task imports what it uses, so no task pays for another's imports.
"""

from __future__ import annotations

import json
import sys
import time


def briefpack_build(sources: str, out: str, fmt: str, cpus: str) -> dict:
    """`build_pack` writing one format from scratch (force: never "up to date"). `cpus` "1" pins
    the process to one CPU, so briefpack lays the PDF out in one process as WeasyPrint alone
    does; "all" leaves it free to lay a large PDF out in parallel, as a user's build does."""
    import os

    from briefpack.build import build_pack

    if cpus == "1":
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    steps = []  # what the PDF writer reports: layout passes, parallel chunks, footnote fixes

    def progress(stage: str, detail: str) -> None:
        if stage == "pdf":
            steps.append(detail.split(": ", 1)[-1])

    start = time.perf_counter()
    result = build_pack(sources, out, formats=(fmt,), force=True, progress=progress)
    return {
        "inner": time.perf_counter() - start,
        "pages": sum(result.pages.values()),
        "pdf_steps": steps,
        "warnings": len(result.warnings),
    }


def briefpack_rebuild(sources: str, out: str) -> dict:
    """`build_pack` again on an output folder it has already filled: nothing should be redone."""
    from briefpack.build import build_pack

    start = time.perf_counter()
    result = build_pack(sources, out, formats=("pdf", "docx"))
    return {"inner": time.perf_counter() - start, "up_to_date": len(result.up_to_date), "written": len(result.written)}


def briefpack_html(sources: str, html_file: str) -> dict:
    """briefpack's own print HTML (what its PDF writer gives WeasyPrint), written to a file."""
    from pathlib import Path

    from briefpack.writers.html.document import render_html
    from briefpack.sources.loader import load_pack
    from briefpack.options import RenderOptions
    from briefpack.sources.files import load_style
    from briefpack.model.selection import make_edition

    edition = make_edition(load_pack(sources))
    Path(html_file).write_text(render_html(edition, load_style(None), RenderOptions(), for_print=True), encoding="utf-8")
    return {}


def weasyprint(html_file: str, pdf_file: str) -> dict:
    """WeasyPrint alone: an HTML file to a PDF, nothing else."""
    from weasyprint import HTML

    document = HTML(html_file).render()
    document.write_pdf(pdf_file)
    return {"pages": len(document.pages)}


TASKS = {
    "briefpack-build": briefpack_build,
    "briefpack-rebuild": briefpack_rebuild,
    "briefpack-html": briefpack_html,
    "weasyprint": weasyprint,
}

if __name__ == "__main__":
    name, *args = sys.argv[1:]
    print(json.dumps(TASKS[name](*args)))
