"""What the preview page shows, kept up to date: no web code here.

`Preview.reload()` reads the pack again (after a file event), reusing the parse of every
unchanged section (`ParseCache`), and the style. A view — a topic, and later a language — is
turned into the pack's HTML (the same preview rendering as `build --format html`) and its
contents, cached until the next reload. Downloads go through `build_pack` into the output
folder, like the CLI, so "up to date", the manifest and the edit guard apply.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from .. import model as m
from ..build import BuildResult, build_pack
from ..errors import BriefpackError, Problem, SourceError, UsageError, sorted_problems
from ..i18n.labels import labels_for
from ..model.selection import localize, make_edition, resolve_language, resolve_topics
from ..options import Progress, RenderOptions, _quiet
from ..sources.files import load_style
from ..sources.loader import LoadResult, read_pack
from ..sources.parse_cache import ParseCache
from ..style import DEFAULT_STYLE_DIR, Style
from ..writers.html.document import PreviewCache

DOWNLOADS = ("pdf", "docx")


@dataclass(frozen=True)
class View:
    """What one page shows. The page's URL carries it as its query
    (`/?topic=cybersecurity&lang=fr`); a new kind of choice is one more field here and one more
    menu in the bar."""

    topic: str | None = None  # a topic id or alias; None: the full pack
    lang: str | None = None  # a language the pack offers; None: the sources' language

    @classmethod
    def from_query(cls, query) -> "View":
        topic = (query.get("topic") or "").strip()
        lang = (query.get("lang") or "").strip()
        return cls(topic=topic or None, lang=lang or None)

    def query(self) -> str:
        """The URL query of this view ('' for the full pack in the sources' language)."""
        return urlencode({k: v for k, v in (("topic", self.topic), ("lang", self.lang)) if v})


@dataclass(frozen=True)
class Shown:
    """One view rendered: the pack's HTML and its contents, or why it cannot be shown."""

    version: int
    errors: tuple[str, ...]  # `file:line: message`, as `briefpack check` prints them
    warnings: tuple[str, ...]
    document: str | None = None  # the pack as one HTML document
    contents: tuple[dict, ...] = ()  # [{id, title, headings: [{id, title}]}]
    title: str = ""  # "ITU Plenipotentiary Conference 2014: Cybersecurity"
    name: str = ""  # the output files' stem, e.g. "itu-pp-2014-cybersecurity"


class Preview:
    """The pack behind a preview server. Thread-safe: reloads and builds run in worker threads
    while requests read the state the last reload left."""

    def __init__(
        self,
        sources: Path,
        out: Path,
        *,
        style_dir: Path | None = None,
        allow_remote: bool = False,
        jobs: int | None = None,
    ):
        self.sources = Path(sources)
        self.out = Path(out)
        self.style_dir = Path(style_dir) if style_dir else None
        self.allow_remote = allow_remote
        self.jobs = jobs
        self.cache = ParseCache()
        self._build_cache = ParseCache()  # downloads build in another thread than reloads: a cache each
        self.version = 0
        self.loaded: LoadResult | None = None
        self.style: Style | None = None
        self.style_problems: list[Problem] = []
        self._shown: dict[View, Shown] = {}
        self._html_cache = PreviewCache()
        self._render_lock = threading.Lock()
        self._reload_lock = threading.Lock()
        self._build_lock = threading.Lock()
        self._builder = None

    @property
    def watched(self) -> list[Path]:
        """The folders whose changes the page follows: the sources and the style."""
        return [self.sources, self.style_dir or DEFAULT_STYLE_DIR]

    # ------------------------------------------------------------------ loading

    def reload(self) -> int:
        """Read the sources and the style again; the new version number."""
        with self._reload_lock:
            loaded = read_pack(self.sources, allow_remote=self.allow_remote, cache=self.cache)
            style, style_problems = self._read_style()
            self.loaded, self.style, self.style_problems = loaded, style, style_problems
            self._shown = {}
            self.version += 1
            return self.version

    @property
    def pack(self) -> m.Pack | None:
        return self.loaded.pack if self.loaded else None

    @property
    def problems(self) -> list[Problem]:
        found = list(self.loaded.problems) if self.loaded else []
        return sorted_problems(found + self.style_problems)

    def _read_style(self) -> tuple[Style | None, list[Problem]]:
        """The style folder read again and, when it changed, checked for the preview (as a
        build checks it: style_check), with its problems."""
        from ..style_check import check_style

        try:
            style = load_style(self.style_dir)
        except SourceError as exc:
            return None, exc.problems
        if self.style is not None and style.files == self.style.files:
            return self.style, self.style_problems  # unchanged: checked already
        problems = check_style(style, ("html",))
        return (None if any(p.is_error for p in problems) else style), problems

    def topics(self, view: View) -> list[tuple[str, str]]:
        """(id, title) of each topic of the pack, in the view's language, for the bar."""
        if self.pack is None:
            return []
        try:
            _, topics = localize(self.pack, resolve_language(self.pack, view.lang))
        except UsageError:
            topics = self.pack.topics
        return [(t.id, t.title) for t in topics]

    def full_pack_label(self, view: View) -> str:
        """"Full pack" in the view's language, for the bar."""
        if self.pack is None:
            return "Full pack"
        try:
            language = resolve_language(self.pack, view.lang)
            meta, _ = localize(self.pack, language)
        except UsageError:
            language, meta = self.pack.meta.language, self.pack.meta
        return labels_for(language, meta.labels)["full_pack"]

    def canonical(self, view: View) -> tuple[View, str | None]:
        """`view` as its URL names it — a topic by its id (not an alias), a language as pack.yaml
        spells it, the sources' language as none — or, when the pack has no such topic or
        language, the message saying so. Views are not judged while the sources have errors."""
        if self.pack is None:
            return view, None
        try:
            topics = resolve_topics(self.pack, [view.topic]) if view.topic else ()
            language = resolve_language(self.pack, view.lang)
        except UsageError as exc:
            return view, str(exc)
        return View(topic=topics[0].id if topics else None,
                    lang=None if language == self.pack.meta.language else language), None

    def languages(self) -> list[tuple[str, str]]:
        """(tag, name in that language) of each language the pack offers, for the bar."""
        if self.pack is None:
            return []
        from ..i18n.languages import language_name

        return [(lang, language_name(lang, lang)) for lang in self.pack.languages]

    def edition(self, view: View) -> m.Edition:
        """The edition `view` asks for; `UsageError` for a topic or language the pack lacks."""
        if self.pack is None:
            raise BriefpackError("the sources have errors")
        return make_edition(self.pack, [view.topic] if view.topic else [], language=view.lang)

    # ------------------------------------------------------------------ showing

    def show(self, view: View) -> Shown:
        """`view` rendered for the page (cached until the next reload)."""
        with self._render_lock:  # one render at a time: the section cache is shared
            shown = self._shown.get(view)
            if shown is None or shown.version != self.version:
                shown = self._render(view)
                self._shown[view] = shown
            return shown

    def _render(self, view: View) -> Shown:
        version = self.version
        problems = self.problems
        errors = tuple(str(p) for p in problems if p.is_error)
        warnings = tuple(str(p) for p in problems if not p.is_error)
        if errors or self.pack is None or self.style is None:
            return Shown(version, errors, warnings)
        try:
            edition = self.edition(view)
        except UsageError as exc:
            return Shown(version, (str(exc),), warnings)
        from ..writers.html.document import render_html

        try:
            document = render_html(
                edition, self.style, RenderOptions(allow_remote=self.allow_remote), for_print=False, cache=self._html_cache,
            )
        except SourceError as exc:  # a template failed on this pack: at its file and line
            return Shown(version, tuple(str(p) for p in exc.problems), warnings)
        except Exception as exc:  # a bug of ours: shown in the page rather than a server error
            return Shown(version, (f"briefpack could not render this view: {type(exc).__name__}: {exc}",), warnings)
        contents = tuple(
            {
                "id": s.id,
                "title": s.title,
                "headings": [{"id": h.anchor, "title": m.plain_text(h.children)} for h in s.headings(max_level=2)],
            }
            for s in edition.sections
        )
        title = edition.meta.title + ("" if edition.is_full else f": {edition.topic_label}")
        if edition.language != self.pack.meta.language:
            title += f" ({edition.language})"
        return Shown(version, (), warnings, document, contents, title, edition.name)

    # ------------------------------------------------------------------ downloads

    def build_options(self) -> dict:
        return dict(sources=self.sources, out=self.out, style_dir=self.style_dir, allow_remote=self.allow_remote, jobs=self.jobs)

    def start_builder(self) -> None:
        """Build downloads in a process of their own from now on (see builder): call it while
        the program has one thread, before the server starts."""
        from .builder import Builder

        self._builder = Builder(**self.build_options())

    def stop_builder(self) -> None:
        builder, self._builder = self._builder, None
        if builder is not None:
            builder.close()

    def download(self, view: View, fmt: str, progress: Progress = _quiet) -> tuple[Path, BuildResult]:
        """Build `view` in `fmt` into the output folder (or find it up to date), as `briefpack
        build` does; the path of the file. Raises the build's `BriefpackError`s."""
        if fmt not in DOWNLOADS:
            raise UsageError(f"unknown format '{fmt}'")
        choice = dict(topics=[view.topic] if view.topic else [], languages=[view.lang] if view.lang else [], formats=(fmt,))
        if self._builder is not None:
            return self._builder.build(choice, progress)
        with self._build_lock:  # one build at a time into the output folder
            result = build_pack(progress=progress, cache=self._build_cache, **choice, **self.build_options())
        return result.files[0], result
