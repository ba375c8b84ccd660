"""The library API: `build_pack(...)` loads a pack, tailors editions and writes their files.

The CLI, the tests and the benchmark all call this. Progress goes through one callback the
caller chooses how to show. Writers are imported only when a format needs them (WeasyPrint alone
takes most of a second to import).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from . import model as m
from .errors import BuildError, Problem, SourceError, display_path, sorted_problems
from .sources.loader import read_pack
from .sources.parse_cache import ParseCache
from .options import Progress, RenderOptions, _quiet, build_timestamp
from .output import OutputFolder
from .model.selection import make_edition
from .style import Style
from .style_check import ALL_FORMATS, check_digest, load_checked_style

FORMATS = ("pdf", "docx", "html")
DEFAULT_FORMATS = ("pdf", "docx")


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)
    up_to_date: list[Path] = field(default_factory=list)
    backups: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    pages: dict[Path, int] = field(default_factory=dict)  # PDF pages written
    files: list[Path] = field(default_factory=list)  # every file of the build, written or not, in pack order


class BuildCache(ParseCache):
    """What a caller that builds the same pack again and again keeps (build --watch, serve's
    build process): the parsed sections (ParseCache) and, once a PDF is built, the PDF layout
    of each section (writers.pdf.layout_cache), so that an edit lays out what it changed."""

    def __init__(self) -> None:
        super().__init__()
        self._layouts = None

    @property
    def pdf_layouts(self):
        if self._layouts is None:
            from .writers.pdf.layout_cache import LayoutCache

            self._layouts = LayoutCache()
        return self._layouts


def formats_from(choice: str | None) -> tuple[str, ...]:
    if choice in (None, ""):
        return DEFAULT_FORMATS
    if choice == "all":
        return FORMATS
    if choice not in FORMATS:
        raise BuildError(f"unknown format '{choice}' (choose pdf, docx, html or all)")
    return (choice,)


def build_pack(
    sources: Path | str = "sources",
    out: Path | str = "output",
    *,
    topics: list[str] | tuple[str, ...] = (),
    each_topic: bool = False,
    languages: list[str] | tuple[str, ...] = (),
    each_language: bool = False,
    formats: tuple[str, ...] = DEFAULT_FORMATS,
    style_dir: Path | str | None = None,
    pdf_variant: str | None = None,
    allow_remote: bool = False,
    force: bool = False,
    jobs: int | None = None,
    progress: Progress = _quiet,
    cache: ParseCache | None = None,
) -> BuildResult:
    """Build the requested packs: the topics' editions (`topics`, or one per topic with
    `each_topic`, or the full pack) in each of `languages` (default: the sources' language;
    `each_language`: every language the pack offers). Raises `SourceError` (bad sources),
    `UsageError` (unknown topic or language) or `BuildError`; nothing is written unless every
    requested file can be. `cache`: kept by a caller that builds the same pack again and again
    (build --watch, serve), so that only changed sections are parsed again — and, a BuildCache,
    laid out again in the PDF; the bytes written are the same either way."""
    result = BuildResult()
    timestamp = build_timestamp()  # a bad SOURCE_DATE_EPOCH stops the build before any work
    progress("load", f"reading {sources}")
    loaded = read_pack(sources, allow_remote=allow_remote, cache=cache)
    folder = OutputFolder(Path(out))
    style, style_problems = _checked_style(style_dir, formats, passed=folder.recorded_style_checks())
    if loaded.errors or loaded.pack is None or style is None:
        raise SourceError(sorted_problems(loaded.problems + style_problems))
    result.warnings += [p.located() for p in loaded.warnings]  # the CLI says "warning:" once, before the line
    pack = loaded.pack

    chosen_languages = choose_languages(pack, languages, each_language)
    if each_topic:
        if not pack.topics:
            raise BuildError("--each-topic: this pack defines no topics in pack.yaml")
        editions = [make_edition(pack, [t.id], language=lang) for t in pack.topics for lang in chosen_languages]
    else:
        editions = [make_edition(pack, list(topics), language=lang) for lang in chosen_languages]

    if ("pdf" in formats or "html" in formats) and style.has("print.css"):
        from .glyphs import missing_glyphs

        for edition in editions:  # no silent tofu: characters no installed font can draw
            result.warnings += [w for w in missing_glyphs(edition, style.text("print.css")) if w not in result.warnings]

    layouts = cache.pdf_layouts if isinstance(cache, BuildCache) and "pdf" in formats else None
    options = RenderOptions(
        pdf_variant=pdf_variant, allow_remote=allow_remote, timestamp=timestamp, progress=progress, pdf_layouts=layouts
    )
    inputs = _inputs_digest(pack, style, options)
    folder.record_style_checks([check_digest(style, fmt) for fmt in formats])
    with folder.locked():
        jobs_todo: list[tuple[m.Edition, str, str, str]] = []  # edition, format, file name, fingerprint
        refused = []
        for edition in editions:
            for fmt in formats:
                name = f"{edition.name}.{fmt}"
                result.files.append(folder.folder / name)
                fingerprint = _fingerprint(inputs, edition, fmt)
                if not force and folder.up_to_date(name, fingerprint):
                    result.up_to_date.append(folder.folder / name)
                    progress("skip", f"{name} is up to date")
                    continue
                edited = folder.edited(name)
                if edited and (not force or not edited.forcible):
                    refused.append(edited)
                jobs_todo.append((edition, fmt, name, fingerprint))
        result.warnings += folder.notes
        if refused:
            names = "\n".join(f"  {display_path(e.path)}: {e.reason}" for e in refused)
            docx = next((e.path for e in refused if e.path.suffix == ".docx"), None)
            advice = "Move them away, or build with --force (a backup copy is kept beside each)."
            if docx:
                where = "" if Path(sources).resolve() == Path("sources").resolve() else f" --sources {shlex.quote(display_path(Path(sources)))}"
                advice = (f"To keep a reviewer's edits, bring them into the sources first: briefpack absorb "
                          f"{shlex.quote(display_path(docx))}{where} --write\nOr move them away, or build with --force "
                          "(a backup copy is kept beside each).")
            raise BuildError(f"not overwriting {len(refused)} file(s) edited since briefpack wrote them:\n{names}\n{advice}")
        if layouts is not None:
            layouts.begin()
        rendered = _render_all(jobs_todo, style, options, jobs, progress)
        if layouts is not None:
            layouts.end()  # what this build did not use is let go
        # all files or none; each checked for edits once more right before it is replaced
        commit = folder.commit(
            [(name, output.data, fingerprint) for (_, _, name, fingerprint), output in zip(jobs_todo, rendered)],
            force=force,
            when=options.timestamp,
        )
        result.backups += commit.backups
        result.warnings += [n for n in folder.notes if n not in result.warnings]
        for path, output in zip(commit.written, rendered):
            result.written.append(path)
            result.warnings += output.warnings
            if output.pages:
                result.pages[path] = output.pages
            progress("wrote", str(path))
    return result


@dataclass
class Rendered:
    data: bytes
    pages: int = 0
    warnings: list[str] = field(default_factory=list)


def render(edition: m.Edition, fmt: str, style: Style, options: RenderOptions) -> Rendered:
    """One edition in one format, in memory."""
    if fmt == "pdf":
        from .writers.pdf.render import render_pdf

        out = render_pdf(edition, style, options)
        return Rendered(out.data, out.pages, [f"{edition.name}.pdf: {w}" for w in out.warnings])
    if fmt == "docx":
        from .writers.docx.writer import render_docx

        return Rendered(render_docx(edition, style, options))
    if fmt == "html":
        from .writers.html.document import render_html

        return Rendered(render_html(edition, style, options, for_print=False).encode("utf-8"))
    raise BuildError(f"unknown format '{fmt}'")


# Work for a forked worker: set before the pool starts, inherited by the children (no pickling
# of the whole model per task).
_WORK: tuple | None = None


def _render_job(i: int) -> Rendered:
    jobs, style, options, queue = _WORK
    edition, fmt, name, _ = jobs[i]
    # progress from a child travels back to the parent, which owns the callback
    options = dataclasses.replace(options, progress=lambda stage, detail: queue.put((stage, f"{name}: {detail}")))
    return render(edition, fmt, style, options)


def _render_all(jobs, style, options, n_jobs, progress) -> list[Rendered]:
    """Several packs: one process per file, `n_jobs` at a time. One pack: its files one after
    the other here, and a large PDF splits its own layout over `n_jobs` processes."""
    editions = {id(edition) for edition, _, _, _ in jobs}
    if len(editions) <= 1 or (n_jobs or 2) <= 1 or "fork" not in _start_methods():
        options = dataclasses.replace(options, pdf_processes=n_jobs)  # None: the PDF writer decides
        out = []
        for edition, fmt, name, _ in jobs:
            named = dataclasses.replace(options, progress=lambda stage, detail, name=name: progress(stage, f"{name}: {detail}"))
            out.append(render(edition, fmt, style, named))
        return out
    global _WORK
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    if any(fmt == "pdf" for _, fmt, _, _ in jobs):
        import weasyprint  # noqa: F401  (imported once here, inherited by every forked worker)
    ctx = multiprocessing.get_context("fork")
    queue = ctx.SimpleQueue()

    def relay() -> None:
        while (item := queue.get()) is not None:
            progress(*item)

    relay_thread = threading.Thread(target=relay, daemon=True)
    relay_thread.start()
    # in a worker the PDF writer chooses one process (processes_for); layouts kept in a worker
    # would die with it, so they are kept only when the packs render here
    options = dataclasses.replace(options, pdf_layouts=None)
    _WORK = (jobs, style, options, queue)
    n_jobs = n_jobs or os.cpu_count() or 1
    try:
        with ProcessPoolExecutor(max_workers=min(n_jobs, len(jobs)), mp_context=ctx) as pool:
            futures = [pool.submit(_render_job, i) for i in range(len(jobs))]
            results = []
            for (edition, fmt, name, _), future in zip(jobs, futures):
                results.append(future.result())
                progress("render", f"{name}: done")
            return results
    finally:
        _WORK = None
        queue.put(None)
        relay_thread.join(5)


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


def _inputs_digest(pack: m.Pack, style: Style, options: RenderOptions) -> str:
    """What every output depends on: what the loader read (not whatever else lies in the
    sources folder, such as an output folder inside it), the style, the options, the version."""
    h = hashlib.sha256()
    h.update(f"briefpack {__version__}\0variant {options.pdf_variant}\0remote {options.allow_remote}\0".encode())
    h.update(pack.digest.encode())
    for name in style.names():
        h.update(f"{name}\0{len(style.data(name))}\0".encode() + style.data(name))
    if os.environ.get("SOURCE_DATE_EPOCH"):
        h.update(b"epoch " + os.environ["SOURCE_DATE_EPOCH"].encode())
    return h.hexdigest()


def _fingerprint(inputs: str, edition: m.Edition, fmt: str) -> str:
    key = f"{inputs}\0{edition.name}\0{fmt}"
    if not edition.in_source_language:  # its translation files too (the source pack ignores them)
        key += f"\0{edition.language}\0{edition.pack.translation_digests.get(edition.language, '')}"
    return hashlib.sha256(key.encode()).hexdigest()


def choose_languages(pack: m.Pack, languages=(), each_language: bool = False) -> tuple[str, ...]:
    """The languages to build, as the pack spells them, without repeats; an unknown one is a
    `UsageError` that lists the languages the pack offers."""
    from .model.selection import resolve_language

    if each_language:
        return pack.languages
    if not languages:
        return (pack.meta.language,)
    return tuple(dict.fromkeys(resolve_language(pack, lang) for lang in languages))


def _checked_style(style_dir: Path | str | None, formats: tuple[str, ...], passed=()) -> tuple[Style | None, list[Problem]]:
    """The style folder read and checked for `formats` (see style_check; `passed`: checks an
    output folder recorded), or its problems."""
    try:
        return load_checked_style(Path(style_dir) if style_dir else None, formats, passed), []
    except SourceError as exc:
        return None, exc.problems


def check_pack(sources: Path | str = "sources", style_dir: Path | str | None = None) -> list[Problem]:
    """Every problem in the sources and the style folder (errors and warnings); writes nothing."""
    _, style_problems = _checked_style(style_dir, ALL_FORMATS)
    return sorted_problems(read_pack(sources).problems + style_problems)
