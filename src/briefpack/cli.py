"""The `briefpack` command: a thin layer over the library API (`briefpack.build`).

Exit codes: 0 ok, 1 build or validation error, 2 usage error. User errors never show a
traceback.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from pathlib import Path

import click

from . import __version__
from .errors import BriefpackError, BuildError, SourceError, UsageError, display_path, shown, shown_lines

SOURCES_HELP = "The pack folder (pack.yaml + sections/)."
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3b")


class _Status:
    """Progress on stderr. On a terminal: one line, rewritten in place, shown once a build has
    taken more than a moment. Otherwise (a log, CI): plain status lines. Nothing with --quiet."""

    DELAY = 0.4  # seconds before a terminal shows anything

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.start = time.monotonic()
        self.tty = sys.stderr.isatty()
        self.shown = False

    def __call__(self, stage: str, detail: str) -> None:
        if self.quiet or stage in ("wrote", "skip"):  # both are in the list of files printed at the end
            return
        elapsed = time.monotonic() - self.start
        line = f"[{elapsed:5.1f}s] {stage}: {shown(detail)}"
        if not self.tty:
            click.echo(line, err=True)
        elif elapsed >= self.DELAY:
            width = shutil.get_terminal_size((100, 20)).columns - 1
            click.echo("\r\033[K" + line[:width], err=True, nl=False)
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            click.echo("\r\033[K", err=True, nl=False)
            self.shown = False


class _WarningHandler(logging.Handler):
    """Writers report problems that do not stop a build through the 'briefpack' logger."""

    def emit(self, record: logging.LogRecord) -> None:
        click.secho(f"warning: {shown(record.getMessage())}", err=True, fg="yellow")


def _show_warnings() -> None:
    logger = logging.getLogger("briefpack")
    if not any(isinstance(h, _WarningHandler) for h in logger.handlers):
        logger.addHandler(_WarningHandler(logging.WARNING))
        logger.propagate = False


def _fail(exc: BriefpackError, writes: bool = True) -> None:
    if isinstance(exc, SourceError):
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        errors = sum(1 for p in exc.problems if p.is_error)
        tail = "; nothing was written" if writes else ""
        click.secho(f"briefpack: {errors} error(s){tail}.", err=True, fg="red")
    else:
        prefix = "usage error" if isinstance(exc, UsageError) else "error"
        click.secho(f"briefpack: {prefix}: {_lines(exc)}", err=True, fg="red")
    sys.exit(exc.exit_code)


def _lines(exc: BaseException) -> str:
    """An error message of several lines, each line `shown` (its user strings are quoted where
    they were put in; this catches any escape sequence that got through)."""
    return shown_lines(exc)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="briefpack")
def main() -> None:
    """Compile modular Markdown sections into topic-tailored briefing packs:
    a print-ready PDF and an editable Word DOCX from the same sources.

    \b
    Examples:
      briefpack build --topic cybersecurity     # common sections + cybersecurity → output/
      briefpack build --each-topic              # one pack per topic
      briefpack build -t cybersecurity --lang ar  # the same pack in Arabic
      briefpack topics                          # what each topic pulls in
      briefpack translations                    # which translations are missing or stale
      briefpack check                           # validate sources; write nothing
      briefpack serve --open                    # live preview in the browser while you write
      briefpack absorb output/x.docx --write    # Word edits back into the sources
    """


class _BuildCommand(click.Command):
    """`briefpack build cybersecurity` is a natural slip: point at --topic."""

    def parse_args(self, ctx, args):
        given = list(args)  # the parser consumes the list it is given
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            words = [a for a in given if not a.startswith("-")]
            if "unexpected extra argument" in exc.message and words:
                raise click.UsageError(f"{exc.message}. To build a topic's pack: briefpack build --topic {words[-1]}", ctx) from None
            raise


@main.command(cls=_BuildCommand)
@click.option("--topic", "-t", "topics", multiple=True, metavar="T",
              help="Build the pack for topic T (an id or alias); repeat to combine topics in one pack. "
                   "Without --topic: the full pack.")
@click.option("--each-topic", is_flag=True, help="Build one pack per topic of the pack, in one go.")
@click.option("--lang", "-l", "languages", multiple=True, metavar="L",
              help="Build the pack in language L (a language the pack offers: pack.yaml 'language' or a key of "
                   "'translations'); repeat for several. Default: the language the sources are written in.")
@click.option("--each-lang", is_flag=True, help="Build the pack in every language it offers.")
@click.option("--format", "-f", "fmt", type=click.Choice(["pdf", "docx", "html", "all"]), default=None,
              help="What to write. Default: pdf and docx. 'html' is a standalone preview; 'all' writes all three.")
@click.option("--sources", "-s", type=click.Path(path_type=Path), default=Path("sources"), show_default=True, help=SOURCES_HELP)
@click.option("--out", "-o", type=click.Path(path_type=Path), default=Path("output"), show_default=True,
              help="Folder to write the packs into.")
@click.option("--style", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="A style folder (print.css, templates/, reference.docx) to use instead of the house style.")
@click.option("--pdf-variant", type=click.Choice(PDF_VARIANTS), default=None,
              help="Write a tagged accessible PDF (pdf/ua-1) or an archival PDF (pdf/a-3b).")
@click.option("--allow-remote", is_flag=True, help="Allow fetching http(s) images named in the sources (off: nothing is fetched).")
@click.option("--force", is_flag=True,
              help="Rebuild even if up to date, and overwrite files edited since briefpack wrote them (a backup copy is kept).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Processes to use: packs rendered at once, or, for one large pack, processes laying out its PDF "
                   "(1: never split). Default: the number of cores.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the paths written, and errors.")
@click.option("--watch", "-w", is_flag=True, help="Stay running and rebuild whenever a source or style file changes (Ctrl-C stops).")
def build(topics, each_topic, languages, each_lang, fmt, sources, out, style, pdf_variant, allow_remote, force, jobs, quiet, watch):
    """Build briefing packs (PDF and DOCX) from the sources.

    A pack holds the sections marked `topics: all` plus those of the chosen topic(s), with
    footnotes numbered afresh and credits naming exactly the people of the sections included.
    Files are named from the pack and topic, e.g. output/itu-pp-2014-cybersecurity.pdf
    (…-full.pdf for the full pack); a language other than the sources' adds its code
    (itu-pp-2014-cybersecurity-fr.pdf). Each path written is printed.

    \b
    Examples:
      briefpack build --topic cybersecurity
      briefpack build --topic lebanon --format pdf
      briefpack build -t internet -t cybersecurity --out packs/
      briefpack build --each-topic --jobs 2
      briefpack build --topic cybersecurity --lang fr --lang ar
      briefpack build --each-topic --each-lang
      briefpack build --sources ../other-pack --style ../house-style
    """
    from .build import build_pack, formats_from

    if each_topic and topics:
        raise click.UsageError("use either --topic or --each-topic, not both")
    if each_lang and languages:
        raise click.UsageError("use either --lang or --each-lang, not both")
    status = _Status(quiet)
    _show_warnings()
    from .sources.parse_cache import ParseCache

    cache = ParseCache() if watch else None  # unchanged sections are not parsed again

    def once(force_now: bool) -> bool:
        status.start = time.monotonic()  # each rebuild's progress counts from its own start
        try:
            result = build_pack(
                sources, out, topics=topics, each_topic=each_topic, languages=languages, each_language=each_lang,
                formats=formats_from(fmt),
                style_dir=style, pdf_variant=pdf_variant, allow_remote=allow_remote, force=force_now,
                jobs=jobs, progress=status, cache=cache,
            )
        except BriefpackError as exc:
            status.clear()
            if not watch:
                _fail(exc)
            _report_error(exc)
            return False
        status.clear()
        _report(result, quiet)
        return True

    once(force)
    if watch:
        from .style import DEFAULT_STYLE_DIR
        from .watch import watch as watch_folders

        folders = [Path(sources), Path(style) if style else DEFAULT_STYLE_DIR]
        click.echo(f"watching {', '.join(display_path(f) for f in folders)} — Ctrl-C to stop", err=True)

        def rebuild(changed: list[str]) -> None:
            click.echo(f"changed: {', '.join(display_path(Path(c)) for c in changed[:5])}", err=True)
            once(False)

        try:
            watch_folders(folders, rebuild, ignore=[Path(out)])
        except KeyboardInterrupt:
            click.echo("stopped watching", err=True)


def _report_error(exc: BriefpackError) -> None:
    if isinstance(exc, SourceError):
        for problem in exc.problems:
            click.echo(str(problem), err=True)
    click.secho(f"briefpack: {_lines(exc)}; waiting for the next change", err=True, fg="red")


def _report(result, quiet: bool) -> None:
    for warning in result.warnings:
        click.secho(f"warning: {shown(warning)}", err=True, fg="yellow")
    for path in result.backups:
        click.echo(f"kept a backup of the edited file: {display_path(path)}", err=True)
    # every file of the build, in pack order, on stdout (bare paths with --quiet, for scripts)
    for path in result.files:
        note = ""
        if path in result.up_to_date:
            note = "  (up to date)"
        elif result.pages.get(path):
            note = f"  ({result.pages[path]} pages)"
        click.echo(display_path(path) + ("" if quiet else note))


@main.command()
@click.option("--sources", "-s", type=click.Path(path_type=Path), default=Path("sources"), show_default=True, help=SOURCES_HELP)
@click.option("--topic", "-t", metavar="T", default=None, help="Open the page on topic T (an id or alias). Default: the full pack.")
@click.option("--lang", "-l", "language", metavar="L", default=None,
              help="Open the page in language L (one the pack offers). Default: the sources' language.")
@click.option("--out", "-o", type=click.Path(path_type=Path), default=Path("output"), show_default=True,
              help="Folder the page's PDF and DOCX downloads are built into (as by briefpack build).")
@click.option("--style", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="A style folder to use instead of the house style (its changes update the page too).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to serve on. The default is only reachable from this machine; 0.0.0.0 serves the network.")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to serve on (0: any free port, printed at start). A busy port is an error.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default web browser.")
@click.option("--allow-remote", is_flag=True, help="Allow fetching http(s) images named in the sources.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Processes for a large PDF download (as build --jobs).")
def serve(sources, topic, language, out, style, host, port, open_browser, allow_remote, jobs):
    """Preview the pack in a web browser, updated as you write.

    Serves a page with the pack as HTML, a bar to switch topic (and language, for a pack with
    translations), the contents at the side and
    links that build and download the PDF and the DOCX of what is shown (into --out, exactly as
    briefpack build would: an edited DOCX there is not overwritten). Saving a source or style
    file updates the open page in place, keeping its scroll position; errors in the sources
    are listed in the page as briefpack check prints them until they are fixed.

    \b
    Examples:
      briefpack serve --open                       # http://127.0.0.1:8000/
      briefpack serve --topic cybersecurity --port 8080
      briefpack serve --topic cybersecurity --lang fr   # /?topic=cybersecurity&lang=fr
      briefpack serve --sources ../other-pack --style ../house-style
      briefpack serve --port 0                     # any free port (printed)
    """
    from .preview.server import bind, run, url_of
    from .preview.state import Preview, View

    if not Path(sources).is_dir():
        _fail(BuildError(f"sources folder not found: {display_path(Path(sources))} (give another with --sources DIR)"), writes=False)
    preview = Preview(sources, out, style_dir=style, allow_remote=allow_remote, jobs=jobs)
    preview.reload()
    view = View(topic=topic, lang=language)
    if (topic or language) and preview.pack is not None:
        try:
            preview.edition(view)
        except UsageError as exc:
            _fail(exc, writes=False)
    try:
        sock = bind(host, port)
    except BriefpackError as exc:
        _fail(exc, writes=False)
        return
    url = url_of(sock, host)
    query = view.query()
    page = url + (f"?{query}" if query else "")
    errors = sum(1 for p in preview.problems if p.is_error)
    for problem in preview.problems:
        click.echo(str(problem), err=True)
    if errors:
        click.secho(f"briefpack: {errors} error(s) in the sources: the page lists them until they are fixed", err=True, fg="red")
    click.echo(f"serving {page}", err=True)
    click.echo(f"watching {', '.join(display_path(f) for f in preview.watched)} — Ctrl-C to stop", err=True)

    def say(message: str) -> None:
        click.echo(message, err=True)

    run(preview, sock, page, host=host, open_browser=open_browser, say=say)
    click.echo("stopped serving", err=True)


@main.command()
@click.option("--sources", "-s", type=click.Path(path_type=Path), default=Path("sources"), show_default=True, help=SOURCES_HELP)
def topics(sources):
    """List each topic, its aliases and the sections it pulls in.

    \b
    Example:
      briefpack topics --sources sources/
    """
    from .sources.loader import load_pack
    from .model.selection import select_sections

    try:
        pack = load_pack(sources)
    except BriefpackError as exc:
        _fail(exc, writes=False)
        return
    common = [s for s in pack.sections if s.in_every_pack]
    click.echo(f"{shown(pack.meta.title)} — {len(pack.sections)} sections, {len(pack.topics)} topics")
    click.echo("\nIn every pack:")
    for s in common:
        click.echo(f"  {shown(s.title)}  ({shown(s.path.name)})")
    for topic in pack.topics:
        aliases = f"  (aliases: {', '.join(topic.aliases)})" if topic.aliases else ""
        click.echo(f"\n{topic.id} — {shown(topic.title)}{aliases}")
        own = [s for s in select_sections(pack, (topic,)) if not s.in_every_pack]
        for s in own:
            click.echo(f"  {shown(s.title)}  ({shown(s.path.name)})")
        if not own:
            click.echo("  (no sections of its own)")


@main.command()
@click.option("--sources", "-s", type=click.Path(path_type=Path), default=Path("sources"), show_default=True, help=SOURCES_HELP)
@click.option("--lang", "-l", "languages", multiple=True, metavar="L", help="Only language L (repeatable). Default: every translated language.")
def translations(sources, languages):
    """Show, per language, each section's translation: translated, missing or stale.

    A translation is stale when its original changed after the translation recorded the
    original's digest (`translation_of:` in its front matter). Once a stale or new
    translation matches its original, record the digest shown here. Exit status 0, or 1 if
    the sources have errors.

    \b
    Examples:
      briefpack translations
      briefpack translations --lang ar
    """
    from .model.selection import resolve_language
    from .sources.loader import load_pack

    try:
        pack = load_pack(sources)
        chosen = [resolve_language(pack, lang) for lang in languages] or list(pack.translations)
    except BriefpackError as exc:
        _fail(exc, writes=False)
        return
    chosen = [lang for lang in dict.fromkeys(chosen) if lang != pack.meta.language]
    click.echo(f"{shown(pack.meta.title)} — written in {pack.meta.language}; {len(pack.sections)} sections")
    if not chosen:
        click.echo("\nNo translations: add languages under 'translations:' in pack.yaml, and files such as "
                   "sections/01-about.fr.md beside the sections (see README, 'Languages and translations').")
        return
    width = max(len(s.path.name) for s in pack.sections)
    for lang in chosen:
        states = [(s, s.translations.get(lang)) for s in pack.sections]
        done = sum(1 for _, t in states if t is not None and not t.stale)
        stale = sum(1 for _, t in states if t is not None and t.stale)
        missing = sum(1 for _, t in states if t is None)
        click.echo(f"\n{lang}: {done} translated, {stale} stale, {missing} missing")
        for section, tr in states:
            name = shown(section.path.name).ljust(width)
            if tr is None:
                stem = shown(section.path.name[:-3])
                click.echo(f"  missing     {name}  write {stem}.{lang}.md with 'translation_of: {section.digest}'")
            elif tr.stale:
                was = tr.translation_of or "nothing"
                where = display_path(tr.path) + (f":{tr.translation_of_line}" if tr.translation_of_line else "")
                click.echo(f"  stale       {name}  {where} records {was}; once updated, record 'translation_of: {section.digest}'")
            else:
                click.echo(f"  translated  {name}  {display_path(tr.path)}")


@main.command()
@click.option("--sources", "-s", type=click.Path(path_type=Path), default=Path("sources"), show_default=True, help=SOURCES_HELP)
@click.option("--style", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="A style folder to check too (default: the house style).")
def check(sources, style):
    """Validate the sources (and the style folder) and write nothing.

    Reports every problem (not only the first) as file:line: message — in the sources, and in
    the style folder's CSS, templates and reference.docx. Exit status 1 if there is any error;
    warnings alone exit 0.

    \b
    Examples:
      briefpack check --sources sources/
      briefpack check --style ../house-style
    """
    from .build import check_pack

    problems = check_pack(sources, style)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    if errors:
        click.secho(f"{errors} error(s), {warnings} warning(s)", err=True, fg="red")
        sys.exit(1)
    click.secho(f"ok: no errors, {warnings} warning(s)", err=True, fg="green")


@main.command()
@click.argument("docx", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--sources", "-s", type=click.Path(path_type=Path), default=Path("sources"), show_default=True, help=SOURCES_HELP)
@click.option("--write", "-w", "write", is_flag=True, help="Apply the edits to the source files (all or none). Without it: show them.")
@click.option("--accept-changes", is_flag=True, help="Take tracked changes in the DOCX as accepted.")
@click.option("--reject-changes", is_flag=True, help="Take tracked changes in the DOCX as rejected.")
@click.option("--style", type=click.Path(path_type=Path, file_okay=False, exists=True), default=None,
              help="The style folder the DOCX was built with, if not the house style.")
@click.option("--allow-remote", is_flag=True, help="Allow fetching the http(s) images the sources name, as the build did.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the files changed (with --write) or the diff, and errors.")
def absorb(docx, sources, write, accept_changes, reject_changes, style, allow_remote, quiet):
    """Bring the edits made to a briefpack DOCX in Word back into the Markdown sources.

    The DOCX carries the sources it was built from, so absorb sees exactly what the reviewers
    changed — a word, a footnote, a list item, a table cell, a link — and writes each edit into
    the section file it came from, as Markdown in the style of that file, leaving every other
    byte alone. Edits also made to the same block of a file since the DOCX was built are a
    conflict: nothing is written. Without --write, absorb shows a diff and writes nothing.

    Comments are listed at their line; direct formatting Markdown cannot hold (a colour, a
    merged cell) and edits to the cover, contents and credits are reported, not absorbed.
    A DOCX with tracked changes needs --accept-changes or --reject-changes.

    \b
    Examples:
      briefpack absorb output/itu-pp-2014-cybersecurity.docx            # show what would change
      briefpack absorb output/itu-pp-2014-cybersecurity.docx --write    # apply it
      briefpack absorb reviewed.docx --accept-changes --write
      briefpack absorb ~/Mail/pack-edited.docx --sources ../pack --write
    """
    from .absorb import AbsorbError, absorb_docx, write_absorbed
    from .absorb.report import diff, finding_line, summary

    if accept_changes and reject_changes:
        raise click.UsageError("use either --accept-changes or --reject-changes, not both")
    changes = "accept" if accept_changes else "reject" if reject_changes else "keep"
    status = _Status(quiet)
    try:
        result = absorb_docx(docx, sources, changes=changes, style_dir=style, allow_remote=allow_remote, progress=status)
        status.clear()
        # a reviewed DOCX is untrusted: what it says reaches the terminal quoted
        for finding in result.findings:
            click.echo(shown_lines(finding_line(finding, result.sources), indent="  "), err=True)
        if write:
            written = write_absorbed(result)
            for path in written:
                click.echo(display_path(path))
            if not quiet:
                click.echo(summary(result, written=True), err=True)
        else:
            patch = diff(result)
            if patch:
                click.echo("\n".join(shown(line, keep_tabs=True) for line in patch.split("\n")), nl=False)
            if not quiet:
                click.echo(summary(result, written=False), err=True)
    except AbsorbError as exc:
        status.clear()
        root = Path(sources).resolve()
        for finding in exc.findings:
            click.echo(shown_lines(finding_line(finding, root), indent="  "), err=True)
        click.secho(f"briefpack: error: {_lines(exc)}", err=True, fg="red")
        sys.exit(1)
    except BriefpackError as exc:  # e.g. the style folder's problems, each at file:line
        status.clear()
        _fail(exc)
    except Exception as exc:  # a DOCX shaped like nothing absorb has seen: say so, write nothing
        status.clear()
        click.secho(f"briefpack: error: {display_path(docx)} could not be absorbed ({type(exc).__name__}: {_lines(exc)}); "
                    "nothing was written. Please report this with the file if you can.", err=True, fg="red")
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
