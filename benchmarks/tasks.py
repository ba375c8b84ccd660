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


def briefpack_build(sources: str, out: str, fmt: str, cpus: str, folder: str = "kept") -> dict:
    """`build_pack` writing one format from scratch (force: never "up to date"). `cpus` "1" pins
    the process to one CPU, so briefpack lays the PDF out in one process as WeasyPrint alone
    does; "all" leaves it free to lay a large PDF out in parallel, as a user's build does.
    `folder` "new" empties the output folder first: a first build, which checks the style
    (a folder built into before remembers that the style passed)."""
    import os
    import shutil

    from briefpack.build import build_pack

    if folder == "new":
        shutil.rmtree(out, ignore_errors=True)
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


def briefpack_incremental(sources: str, work: str) -> dict:
    """The writing loop in one long-running process, as `serve` and `build --watch` run it.
    The HTML preview first, as the server keeps it: the pack loaded and shown, then one section
    in the middle gets a new paragraph and the preview is refreshed (reload + render, as the
    server does on a file event); again from the save itself, file event included (watchfiles).
    Then the PDF: a full build in this warm process (everything laid out, several processes, as
    `briefpack build`), the first build of a watch session (a BuildCache: laid out in this
    process, the layouts kept), then a rebuild after another edit of that section, whose bytes
    are checked against a build of the edited sources that reuses nothing."""
    import shutil
    import threading
    from pathlib import Path

    from briefpack.build import BuildCache, build_pack
    from briefpack.preview.state import Preview, View
    from briefpack.sources.parse_cache import ParseCache
    from briefpack.watch import watch

    import os

    # reproducible builds, so that the rebuilt PDF can be compared byte for byte with a fresh one
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1412121600")
    root = Path(work)
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(sources, root / "sources")
    src, out = root / "sources", root / "out"
    sections = sorted((src / "sections").glob("*.md"))
    edited = sections[len(sections) // 2]

    def edit(marker: str) -> None:
        text = f"\n\nA paragraph added while writing, to see how fast the pack follows: {marker}.\n"
        edited.write_text(edited.read_text(encoding="utf-8") + text, encoding="utf-8")

    preview = Preview(src, out)
    start = time.perf_counter()
    preview.reload()
    preview.show(View())
    first_html = time.perf_counter() - start

    edit("FIRST-EDIT")
    start = time.perf_counter()
    preview.reload()
    shown = preview.show(View())
    html_refresh = time.perf_counter() - start
    assert "FIRST-EDIT" in shown.document

    ready, stop, timing = threading.Event(), threading.Event(), {}

    def on_change(paths):
        preview.reload()
        if "SECOND-EDIT" in preview.show(View()).document:
            timing["end"] = time.perf_counter()
            ready.set()
            stop.set()

    watcher = threading.Thread(target=watch, args=([src], on_change), kwargs={"stop": stop})
    watcher.start()
    time.sleep(0.5)
    timing["start"] = time.perf_counter()
    edit("SECOND-EDIT")
    ready.wait(30)
    stop.set()
    watcher.join(10)

    parses = ParseCache()
    build_pack(src, out, formats=("pdf",), force=True, cache=parses)  # imports, parses warm
    start = time.perf_counter()
    # the full build: everything laid out, as `briefpack build` does (several processes), warm
    full = build_pack(src, out, formats=("pdf",), force=True, cache=parses)
    full_pdf = time.perf_counter() - start
    cache = BuildCache()  # what build --watch and serve's build process keep: parses and layouts
    start = time.perf_counter()
    build_pack(src, out, formats=("pdf",), force=True, cache=cache)
    first_pdf = time.perf_counter() - start
    edit("THIRD-EDIT")
    start = time.perf_counter()
    rebuilt = build_pack(src, out, formats=("pdf",), cache=cache)
    pdf_rebuild = time.perf_counter() - start
    assert rebuilt.written
    # the promise: the same bytes as a build of the edited sources that reuses nothing
    fresh = build_pack(src, root / "fresh", formats=("pdf",), force=True)
    same = rebuilt.written[0].read_bytes() == fresh.written[0].read_bytes()
    return {
        "inner": html_refresh,
        "pages": sum(full.pages.values()),
        "sections": len(sections),
        "first_html_s": first_html,
        "html_refresh_s": html_refresh,
        "save_to_html_s": timing.get("end", float("nan")) - timing["start"],
        "full_pdf_s": full_pdf,
        "first_pdf_s": first_pdf,
        "pdf_rebuild_s": pdf_rebuild,
        "rebuild_bytes_identical": same,
    }


TASKS = {
    "briefpack-incremental": briefpack_incremental,
    "briefpack-build": briefpack_build,
    "briefpack-rebuild": briefpack_rebuild,
    "briefpack-html": briefpack_html,
    "weasyprint": weasyprint,
}

if __name__ == "__main__":
    name, *args = sys.argv[1:]
    print(json.dumps(TASKS[name](*args)))
