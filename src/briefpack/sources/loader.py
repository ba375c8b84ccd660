"""Sources → `Pack`: read pack.yaml and sections/*.md, validate them, parse Markdown once.

Translations (`sections/x.fr.md` beside `x.md`) are read through the same door and parsed by
the same Markdown reader as the sections they translate (see `_read_translations`).

Every problem is collected with its file and line; `load_pack` raises them together as a
`SourceError`, `read_pack` returns them (for `briefpack check`).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import hashlib
import os
import re
import string
from dataclasses import dataclass
from types import MappingProxyType
from pathlib import Path
from typing import Any, Mapping

from .. import model as m
from ..errors import Problem, Problems, SourceError, sorted_problems
from .markdown import BodyContext, parse_body
from ..i18n.labels import LABEL_KEYS, has_built_in
from ..i18n.languages import is_language_tag
from ..model.naming import AnchorRegistry, is_slug, slugify
from .annexes import AnnexCache
from .files import SEPARATORS, ResourceProblem, check_text, list_sections, read_source_text, source_folder
from .images import ImageCache
from .parse_cache import CachedParse, ImageUse, ParseCache, failure
from .yamldata import YamlDoc, YamlProblem, parse_yaml

PACK_FILE = "pack.yaml"
SECTIONS_DIR = "sections"

PACK_KEYS = (
    "title", "slug", "subtitle", "date", "language", "classification", "authors", "contributors",
    "keywords", "topics", "page_size", "section_break", "annexes", "labels", "translations",
)
TOPIC_KEYS = ("title", "aliases")
#: words a topic may not be called: 'all' marks sections in every pack, 'full' names the full
#: pack's files (…-full.pdf), which a topic of that name would overwrite
RESERVED_TOPICS = {
    "all": "'all' is reserved (it marks sections that go into every pack)",
    "full": "'full' is reserved (the full pack's files are named …-full.pdf): name the topic otherwise",
}
SECTION_KEYS = ("title", "topics", "order", "contributors")
TRANSLATION_KEYS = ("title", "translation_of", "translators")
PACK_TRANSLATION_KEYS = ("title", "subtitle", "classification", "topics", "labels")
#: placeholders each fixed word may hold (the ones listed first must be there)
LABEL_FIELDS = {"page_of": ("page", "pages"), "annex": ("number", "title"), "not_translated": ("language",)}
LABEL_REQUIRED = {"page_of": ("page", "pages")}
#: `x.fr.md`, `x.zh-Hant.md`: a translation of `x.md`
TRANSLATION_NAME = re.compile(r"^(?P<stem>.+)\.(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.md$")
DIGEST_LENGTH = 12
PAGE_SIZES = {"a4": "A4", "letter": "letter"}
SECTION_BREAKS = ("page", "none")


@dataclass
class LoadResult:
    pack: m.Pack | None  # None when errors prevented building a model
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def load_pack(
    folder: Path | str, *, allow_remote: bool = False, texts: Mapping[str, bytes] | None = None, cache: ParseCache | None = None,
) -> m.Pack:
    """The validated pack, or `SourceError` listing every problem."""
    result = read_pack(folder, allow_remote=allow_remote, texts=texts, cache=cache)
    if result.errors or result.pack is None:
        raise SourceError(result.problems)
    return result.pack


def read_pack(
    folder: Path | str, *, allow_remote: bool = False, texts: Mapping[str, bytes] | None = None, overlay: bool = False,
    cache: ParseCache | None = None,
) -> LoadResult:
    """The pack and every problem found.

    `texts` reads pack.yaml and the sections from memory instead of the folder: paths relative
    to the folder ("pack.yaml", "sections/08-x.md") → bytes, as a DOCX carries the sources it was
    built from (see `briefpack.absorb`). Such texts may be one edition's sections only, so a
    link into a section they leave out is not an error. With `overlay`, the texts replace some
    files of the folder and the rest is read as usual (edits checked before they are written).
    Images and annexes always come from the folder, through `files.py`.

    `cache`: parses kept from the previous load of this pack (a long-running `serve` or
    `build --watch`); only changed sections are parsed again."""
    root = Path(folder).resolve()
    problems = Problems()
    if not root.is_dir():
        problems.error(Path(folder), None, "sources folder not found (give another with --sources DIR)")
        return LoadResult(None, problems.items)
    pack_path = root / PACK_FILE
    digest = hashlib.sha256()
    reader = _Texts(root, texts, overlay)
    meta, topics, translations = _read_pack_yaml(root, pack_path, problems, digest, reader)
    language = meta.language if meta is not None else "en"
    images = ImageCache(root)
    sections, translation_digests = _read_sections(
        root, topics, problems, allow_remote, digest, images, reader, topics_known=meta is not None,
        language=language, translations=translations, cache=cache,
    )
    if cache is not None:
        cache.end_load()
    if meta is None or problems.has_errors:
        return LoadResult(None, sorted_problems(problems.items))
    pack = m.Pack(
        meta=meta, topics=topics, sections=sections, root=root, digest=digest.hexdigest(),
        translations=MappingProxyType(translations), translation_digests=MappingProxyType(translation_digests),
        texts=reader.read_texts,
    )
    return LoadResult(pack, sorted_problems(problems.items))


class _Texts:
    """Where pack.yaml and the section files come from: the folder, or texts in memory."""

    def __init__(self, root: Path, texts: Mapping[str, bytes] | None, overlay: bool = False):
        self.root = root
        self.texts = None if texts is None else {root / name: data for name, data in texts.items()}
        self.overlay = overlay
        self.read_texts: dict[str, str] = {}  # what was read, by path relative to the root

    @property
    def partial(self) -> bool:
        return self.texts is not None and not self.overlay

    def is_file(self, path: Path) -> bool:
        """Whether there is something to read at `path` (the door then says if it may be read:
        a FIFO or a link leading out is reported as such, not as a missing file)."""
        if self.texts is not None and path in self.texts:
            return True
        return os.path.lexists(path) if not self.partial else False

    def read(self, path: Path) -> str:
        """The text at `path` for parsing: from memory under `check_text`'s rules, or from the
        folder through the door (`read_source_text`). What was read is recorded byte for byte
        (the DOCX carries it); the text parsed has its line and paragraph separators as spaces."""
        relative = path.relative_to(self.root)
        if self.texts is not None and path in self.texts:
            text = check_text(self.texts[path])
        else:
            text = read_source_text(self.root, relative)
        self.read_texts[relative.as_posix()] = text
        return SEPARATORS.sub(" ", text)

    def sections(self, folder: Path) -> list[Path]:
        found = set(list_sections(folder)) if not self.partial and folder.is_dir() else set()
        if self.texts is not None:
            found |= {p for p in self.texts if p.parent == folder and p.suffix == ".md" and not p.name.startswith(".")}
        return sorted(found)


def _feed(digest, name: str, data: bytes | str) -> None:
    """Add one input to the pack's digest (length-prefixed, so inputs cannot run together)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    digest.update(f"{name}\0{len(raw)}\0".encode("utf-8") + raw)


# ------------------------------------------------------------------------------ pack.yaml


def _read_pack_yaml(
    root: Path, path: Path, problems: Problems, digest, reader: _Texts,
) -> tuple[m.PackMeta | None, tuple[m.Topic, ...], dict[str, m.PackTranslation]]:
    if not reader.is_file(path):
        problems.error(path, None, f"no {PACK_FILE} in the sources folder: every pack needs one (see README, 'Source format')")
        return None, (), {}
    try:
        text = reader.read(path)
        _feed(digest, PACK_FILE, text)
        doc = parse_yaml(text)
    except ResourceProblem as exc:
        problems.error(path, exc.line, exc.message)
        return None, (), {}
    except YamlProblem as exc:
        problems.error(path, exc.line, exc.message)
        return None, (), {}
    data = doc.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.error(path, doc.first_line, f"{PACK_FILE} must be a mapping of keys (title: …, topics: …)")
        return None, (), {}
    v = _Validator(path, doc, problems)
    v.unknown_keys(data, PACK_KEYS, ())
    title = v.string(data, "title", required=True)
    slug = v.string(data, "slug")
    if slug is not None and not is_slug(slug):
        v.err(("slug",), f"slug '{slug}' must be lower-case letters, digits and hyphens (e.g. itu-pp-2014)")
        slug = None
    page_size = v.string(data, "page_size") or "A4"
    if page_size.lower() not in PAGE_SIZES:
        v.err(("page_size",), f"page_size must be A4 or letter, not '{page_size}'")
    section_break = v.string(data, "section_break") or "page"
    if section_break not in SECTION_BREAKS:
        v.err(("section_break",), f"section_break must be 'page' or 'none', not '{section_break}'")
    language = v.string(data, "language") or "en"
    if not is_language_tag(language):
        v.err(("language",), f"language '{language}' is not a language tag: write a BCP 47 code such as en, fr, ar, zh-Hans")
        language = "en"
    topics = _topics(v, data.get("topics"))
    labels = _labels(v, data.get("labels"), ("labels",), language)
    translations = _translations(v, data.get("translations"), language, topics)
    annexes = _annexes(root, v, data.get("annexes"))
    fed: set[int] = set()
    for annex in annexes:
        _feed(digest, f"annex {annex.title}", b"" if id(annex.resource) in fed else annex.resource.data)
        fed.add(id(annex.resource))
    fields = dict(
        subtitle=v.string(data, "subtitle"),
        date=v.date(data, "date"),
        classification=v.string(data, "classification"),
        authors=v.people(data, "authors"),
        contributors=v.people(data, "contributors"),
        keywords=tuple(v.string_list(data, "keywords")),
    )
    if title is None:
        return None, topics, translations
    meta = m.PackMeta(
        title=title,
        slug=slug or slugify(title, "pack"),
        language=language,
        **fields,
        page_size=PAGE_SIZES.get(page_size.lower(), "A4"),
        section_break=section_break if section_break in SECTION_BREAKS else "page",
        annexes=annexes,
        labels=MappingProxyType(labels),
    )
    return meta, topics, translations


def _translations(v: "_Validator", raw: Any, source: str, topics: tuple[m.Topic, ...]) -> dict[str, m.PackTranslation]:
    """pack.yaml `translations:` — language → the pack's fields in that language."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        v.err(("translations",), "translations must be a mapping: language: {title: …, subtitle: …, topics: …}")
        return {}
    out: dict[str, m.PackTranslation] = {}
    topic_ids = {t.id for t in topics}
    for lang, spec in raw.items():
        lang = str(lang)
        where = ("translations", lang)
        if not is_language_tag(lang):
            v.err(where, f"'{lang}' is not a language tag: write a BCP 47 code such as fr, es, ru, ar, zh-Hans")
            continue
        if lang.lower() == source.lower():
            v.err(where, f"'{lang}' is the language the sources are written in ('language: {source}'), not a translation")
            continue
        if any(lang.lower() == other.lower() for other in out):
            v.err(where, f"the language '{lang}' is listed twice")
            continue
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            v.err(where, f"translations: {lang} must be a mapping: {{title: …, subtitle: …, topics: …}}")
            continue
        v.unknown_keys(spec, PACK_TRANSLATION_KEYS, where)
        titles: dict[str, str] = {}
        raw_topics = spec.get("topics") or {}
        if not isinstance(raw_topics, dict):
            v.err(where + ("topics",), "topics must be a mapping: topic-id: {title: …}")
            raw_topics = {}
        for tid, tspec in raw_topics.items():
            tid = str(tid)
            twhere = where + ("topics", tid)
            if topic_ids and tid not in topic_ids:
                v.err(twhere, f"unknown topic '{tid}'{_did_you_mean(tid, topic_ids)}: translate the topics defined under 'topics:'")
                continue
            if isinstance(tspec, str):
                tspec = {"title": tspec}
            if not isinstance(tspec, dict):
                v.err(twhere, f"topic '{tid}' must be a mapping: {{title: …}}")
                continue
            v.unknown_keys(tspec, ("title",), twhere)
            title = v.string(tspec, "title", path=twhere)
            if title:
                titles[tid] = title
        out[lang] = m.PackTranslation(
            language=lang,
            title=v.string(spec, "title", path=where),
            subtitle=v.string(spec, "subtitle", path=where),
            classification=v.string(spec, "classification", path=where),
            topics=MappingProxyType(titles),
            labels=MappingProxyType(_labels(v, spec.get("labels"), where + ("labels",), lang)),
        )
    return out


def _labels(v: "_Validator", raw: Any, where: tuple, language: str) -> dict[str, str]:
    """`labels:` — fixed words overridden for one language; unknown keys are warnings."""
    if raw is None:
        if not has_built_in(language):
            v.warn(where[:-1] or ("language",), f"briefpack has no fixed words for '{language}' (it has ar, en, es, fr, ru, zh): "
                   "English ones are printed unless you give them under 'labels:' (see README, 'Languages and translations')")
        return {}
    if not isinstance(raw, dict):
        v.err(where, "labels must be a mapping: key: word, e.g. contents: Sommaire")
        return {}
    out: dict[str, str] = {}
    for key, value in raw.items():
        key = str(key)
        if key not in LABEL_KEYS:
            v.warn(where + (key,), f"unknown label '{key}' is ignored{_did_you_mean(key, LABEL_KEYS)} (labels: {', '.join(LABEL_KEYS)})")
            continue
        if not isinstance(value, str) or not value.strip():
            v.err(where + (key,), f"label '{key}' must be text")
            continue
        try:
            fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError:
            v.err(where + (key,), f"label '{key}': unbalanced '{{' or '}}' (write {{{{ and }}}} for braces)")
            continue
        allowed = LABEL_FIELDS.get(key, ())
        unknown = sorted(fields - set(allowed))
        missing = [f for f in LABEL_REQUIRED.get(key, ()) if f not in fields]
        if unknown:
            hint = f"it may hold {', '.join('{' + f + '}' for f in allowed)}" if allowed else "it holds no placeholders"
            v.err(where + (key,), f"label '{key}': unknown placeholder {{{unknown[0]}}} ({hint})")
            continue
        if missing:
            v.err(where + (key,), f"label '{key}' must hold {', '.join('{' + f + '}' for f in LABEL_REQUIRED[key])}")
            continue
        out[key] = value
    return out


def _topics(v: "_Validator", raw: Any) -> tuple[m.Topic, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        v.err(("topics",), "topics must be a mapping: topic-id: {title: …, aliases: [...]}")
        return ()
    topics: list[m.Topic] = []
    names: dict[str, str] = {}
    for tid, spec in raw.items():
        tid = str(tid)
        where = ("topics", tid)
        if not is_slug(tid):
            v.err(where, f"topic id '{tid}' must be a lower-case slug (letters, digits, hyphens)")
            continue
        if tid in RESERVED_TOPICS:
            v.err(where, RESERVED_TOPICS[tid])
            continue
        if spec is None:
            spec = {}
        if not isinstance(spec, dict):
            v.err(where, f"topic '{tid}' must be a mapping: {{title: …, aliases: [...]}}")
            continue
        v.unknown_keys(spec, TOPIC_KEYS, where)
        title = v.string(spec, "title", path=where) or tid.replace("-", " ").capitalize()
        aliases = []
        for i, alias in enumerate(v.string_list(spec, "aliases", path=where)):
            if not is_slug(alias):
                v.err(where + ("aliases", i), f"alias '{alias}' must be a lower-case slug")
            elif alias in RESERVED_TOPICS:
                v.err(where + ("aliases", i), f"alias {RESERVED_TOPICS[alias]}")
            elif alias in names or alias in raw:
                v.err(where + ("aliases", i), f"alias '{alias}' is already used by topic '{names.get(alias, alias)}'")
            else:
                names[alias] = tid
                aliases.append(alias)
        names[tid] = tid
        topics.append(m.Topic(id=tid, title=title, aliases=tuple(aliases)))
    return tuple(topics)


def _annexes(root: Path, v: "_Validator", raw: Any) -> tuple[m.Annex, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        v.err(("annexes",), "annexes must be a list of {title: …, file: annexes/x.pdf}")
        return ()
    out = []
    annexes = AnnexCache(root)
    for i, item in enumerate(raw):
        where = ("annexes", i)
        if isinstance(item, str):
            item = {"file": item}
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            v.err(where, "each annex needs a 'file' (a PDF path relative to the sources folder)")
            continue
        v.unknown_keys(item, ("title", "file"), where)
        try:
            resource, sizes = annexes.read(item["file"])
        except ResourceProblem as exc:
            v.err(where + ("file",), f"annex: {exc.message}")
            continue
        title = item.get("title") or Path(item["file"]).stem.replace("-", " ").replace("_", " ").capitalize()
        out.append(m.Annex(title=str(title), resource=resource, page_sizes=sizes))
    return tuple(out)


# ------------------------------------------------------------------------------ sections


@dataclass
class _Header:
    path: Path
    doc: YamlDoc
    data: dict
    body: str
    body_line: int
    text: str  # the whole file


def _read_sections(
    root: Path, topics: tuple[m.Topic, ...], problems: Problems, allow_remote: bool, digest, images: ImageCache,
    reader: _Texts, *,
    topics_known: bool, language: str = "en", translations: dict[str, m.PackTranslation] | None = None,
    cache: ParseCache | None = None,
) -> tuple[tuple[m.Section, ...], dict[str, str]]:
    """The sections in pack order, and per translated language the digest of its files."""
    translations = translations or {}
    folder = root / SECTIONS_DIR
    if not reader.partial:  # (texts from memory are the sections: the folder need not hold them)
        try:
            folder = source_folder(root, SECTIONS_DIR)
        except ResourceProblem as exc:
            missing = exc.message.startswith("no ")
            problems.error(folder, None, f"no {SECTIONS_DIR}/ folder: put one Markdown file per section there" if missing else exc.message)
            return (), {}
        for other in sorted(folder.iterdir()):
            if other.is_file() and other.suffix.lower() != ".md" and not other.name.startswith("."):
                if other.suffix.lower() not in (".png", ".jpg", ".jpeg", ".svg"):
                    problems.warning(other, None, "not a section (only *.md files are read)")
    originals, translated = _split_translations(reader.sections(folder), translations, problems)
    headers = []
    sections_ok = True
    for path in originals:
        header = _read_header(path, problems, reader, cache)
        if header is not None:
            headers.append(header)
            _feed(digest, f"section {path.name}", header.text)
        else:
            sections_ok = False
    if not headers and not problems.has_errors:
        problems.error(folder, None, "the pack has no sections: add Markdown files to sections/")

    topic_names = {t.id: t.id for t in topics} | {a: t.id for t in topics for a in t.aliases}

    def sort_key(h: _Header):
        order = h.data.get("order")
        return (order if isinstance(order, int) and not isinstance(order, bool) else float("inf"), h.path.name)

    anchors = AnchorRegistry()
    titles: dict[str, Path] = {}
    sections: list[m.Section] = []
    internal_links: list[tuple[Path, str, int]] = []
    for h in sorted(headers, key=sort_key):
        v = _Validator(h.path, h.doc, problems)
        v.unknown_keys(h.data, SECTION_KEYS, ())
        title = v.string(h.data, "title", required=True)
        order = v.integer(h.data, "order")
        contributors = v.people(h.data, "contributors")
        section_topics = _section_topics(v, h.data, topic_names, report_unknown=topics_known)
        if title is None:
            sections_ok = False
            continue
        key = title.strip().lower()
        if key in titles:
            v.err(("title",), f"two sections have the title '{title}' (the other is {titles[key].name}): titles must differ")
            sections_ok = False
            continue
        titles[key] = h.path
        if not h.body.strip():
            problems.error(h.path, h.body_line, "the section is empty: write its text below the front matter, or delete the file")
        parsed = _parse_body(images, h, allow_remote, digest, cache)
        problems.items.extend(parsed.problems)
        internal_links += [(h.path, a, line) for a, line in parsed.internal_links]
        # pack-unique anchors, claimed in reading order: the title, then the headings
        section_id = anchors.claim(title, "section")
        blocks, footnotes = _unique_anchors(parsed.body, anchors)
        sections.append(m.Section(
            id=section_id, title=title, path=h.path, topics=section_topics, order=order,
            contributors=contributors, children=blocks, footnotes=footnotes,
            language=language, digest=body_digest(h.body),
        ))
    # A section whose front matter failed has no anchors yet: links to it are not reported, so
    # one mistake does not show up as many.
    if sections_ok and not reader.partial:
        for path, anchor, line in internal_links:
            if anchor not in anchors.taken:
                hint = _did_you_mean(anchor, anchors.taken)
                problems.error(path, line, f"link to '#{anchor}': no section or heading has that anchor{hint}")
    by_file = {s.path.name: s for s in sections}
    language_digests = {}
    for lang in translations:
        lang_digest = hashlib.sha256()
        _read_translations(
            root, lang, translated.get(lang, []), by_file, anchors, problems, allow_remote, lang_digest, images, reader,
            check_links=sections_ok and not reader.partial, cache=cache,
        )
        language_digests[lang] = lang_digest.hexdigest()
    return tuple(sections), language_digests


def body_digest(body: str) -> str:
    """What a translation records as `translation_of`: the first 12 hex digits of the SHA-256
    of the original's body — its bytes after the front matter's closing '---' line (UTF-8, line
    ends as LF, so a checkout that turns them into CRLF does not make every translation stale)."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:DIGEST_LENGTH]


def _split_translations(
    paths: list[Path], translations: dict[str, m.PackTranslation], problems: Problems
) -> tuple[list[Path], dict[str, list[tuple[Path, Path]]]]:
    """Section files, and per offered language its (translation, original) file pairs. A file
    `x.fr.md` beside `x.md` is a translation, never a section of its own."""
    names = {p.name for p in paths}
    offered = {lang.lower(): lang for lang in translations}
    originals: list[Path] = []
    translated: dict[str, list[tuple[Path, Path]]] = {}
    for path in paths:
        match = TRANSLATION_NAME.match(path.name)
        if match is None:
            originals.append(path)
            continue
        original_name = match.group("stem") + ".md"
        lang = offered.get(match.group("lang").lower())
        if original_name not in names:
            if lang is not None:
                problems.error(path, None, f"a translation into '{lang}' of {original_name}, which is not in sections/: "
                                           "rename it after the section it translates")
                continue
            originals.append(path)  # 'notes.old.md' with no 'notes.md': a section like any other
            continue
        if lang is None:
            problems.warning(path, None, f"a translation of {original_name} into '{match.group('lang')}', a language "
                                         "pack.yaml does not offer: add it under 'translations:' (the file is ignored)")
            continue
        translated.setdefault(lang, []).append((path, path.with_name(original_name)))
    return originals, translated


_TRANSLATION_OF_LINE = re.compile(r"^translation_of\s*:\s*(['\"]?)(?P<value>[^'\"#\s]*)\1\s*(#.*)?$")


def _read_translations(
    root: Path, lang: str, files: list[tuple[Path, Path]], by_file: dict[str, m.Section], anchors: AnchorRegistry,
    problems: Problems, allow_remote: bool, digest, images: ImageCache, reader: _Texts, *, check_links: bool,
    cache: ParseCache | None = None,
) -> None:
    """The translations into one language, each parsed like its original and attached to it
    (`Section.translations[lang]`). Headings get anchors from their own text, unique among the
    pack's anchors; the section keeps its original's id, so links to it work in every language."""
    registry = AnchorRegistry()
    registry.taken = set(anchors.taken)
    internal_links: list[tuple[Path, str, int]] = []
    for path, original_path in files:
        original = by_file.get(original_path.name)
        header = _read_header(path, problems, reader, cache)
        if header is None:
            continue
        _feed(digest, f"translation {path.name}", header.text)
        if original is None:
            continue  # the original has errors of its own, reported there
        v = _Validator(path, header.doc, problems)
        for key in header.data:
            if key in SECTION_KEYS and key not in TRANSLATION_KEYS:
                v.warn((key,), f"'{key}' comes from the original ({original_path.name}) and is ignored in a translation")
        v.unknown_keys({k: None for k in header.data if k not in SECTION_KEYS}, TRANSLATION_KEYS, ())
        title = v.string(header.data, "title", required=True)
        translators = v.people(header.data, "translators")
        recorded, recorded_line = _translation_of(v, header, original)
        if title is None:
            continue
        if not header.body.strip():
            problems.error(path, header.body_line, "the translation is empty: write its text below the front matter, or delete the file")
        parsed = _parse_body(images, header, allow_remote, digest, cache)
        problems.items.extend(parsed.problems)
        internal_links += [(path, a, line) for a, line in parsed.internal_links]
        blocks, footnotes = _unique_anchors(parsed.body, registry)  # unique among the pack's anchors
        original.translations[lang] = m.Section(
            id=original.id, title=title, path=path, topics=original.topics, order=original.order,
            contributors=original.contributors, children=blocks, footnotes=footnotes,
            language=lang, original=original, translation_of=recorded, translation_of_line=recorded_line,
            translators=translators,
        )
    if check_links:
        for path, anchor, line in internal_links:
            if anchor not in registry.taken:
                hint = _did_you_mean(anchor, registry.taken)
                problems.error(path, line, f"link to '#{anchor}': no section or heading has that anchor{hint}")


def _translation_of(v: "_Validator", header: _Header, original: m.Section) -> tuple[str | None, int | None]:
    """The digest a translation recorded, and its line; a stale or missing one is a warning
    that names the original and the digest to record once the translation matches it."""
    now = original.digest
    if "translation_of" not in header.data:
        v.warn((), f"no 'translation_of': once this translation matches {original.path.name}, "
                   f"record it in the front matter as 'translation_of: {now}'")
        return None, None
    line = header.doc.line("translation_of")
    # the text as written: YAML would read 012345678901 as a number (an octal one, even)
    raw = header.text.split("\n")[line - 1].strip() if line else ""
    match = _TRANSLATION_OF_LINE.match(raw)
    value = match.group("value").lower() if match else ""
    if not re.fullmatch(r"[0-9a-f]{%d}" % DIGEST_LENGTH, value):
        v.err(("translation_of",), f"translation_of must be the first {DIGEST_LENGTH} hex digits of the SHA-256 of "
                                   f"{original.path.name}'s body (now: translation_of: {now})")
        return None, line
    if value != now:
        v.warn(("translation_of",), f"stale translation: {original.path.name} changed after this translation was made "
                                    f"(recorded {value}, the original is now {now}); bring the translation up to date, "
                                    f"then record 'translation_of: {now}'")
    return value, line


def _read_header(path: Path, problems: Problems, reader: _Texts, cache: ParseCache | None = None) -> _Header | None:
    try:
        text = reader.read(path)
    except ResourceProblem as exc:
        problems.error(path, exc.line, exc.message)
        return None
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.error(path, 1, "missing front matter: start the file with '---', a 'title: …' line, and '---'")
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        problems.error(path, 1, "front matter is not closed: add a line '---' after it")
        return None
    front = "\n".join(lines[1:end])
    doc = cache.front_matter(front) if cache is not None else None
    if doc is None:
        try:
            doc = parse_yaml(front, first_line=2)
        except YamlProblem as exc:
            problems.error(path, exc.line, exc.message)
            return None
        if cache is not None:
            cache.keep_front_matter(front, doc)
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        problems.error(path, 2, "front matter must be a mapping of keys (title: …, topics: …)")
        return None
    return _Header(path=path, doc=doc, data=data, body="\n".join(lines[end + 1:]), body_line=end + 2, text=text)


def _section_topics(v: "_Validator", data: dict, topic_names: dict[str, str], *, report_unknown: bool) -> tuple[str, ...]:
    raw = data.get("topics")
    if raw is None:
        v.warn((), "no 'topics': the section goes into every pack (write 'topics: all' to say so)")
        return ("all",)
    if raw == "all":
        return ("all",)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        v.err(("topics",), "topics must be 'all' or a list of topic ids, e.g. [internet, cybersecurity]")
        return ()
    out: list[str] = []
    for i, name in enumerate(raw):
        if name == "all":
            out.append("all")
        elif name in topic_names:
            out.append(topic_names[name])
        elif report_unknown:  # (when pack.yaml itself failed, its topics are unknown: say nothing)
            valid = ", ".join(sorted(set(topic_names.values()))) or "none are defined in pack.yaml"
            v.err(("topics", i), f"unknown topic '{name}'{_did_you_mean(name, topic_names)} (topics: {valid})")
    return tuple(dict.fromkeys(out))


def _parse_body(images: ImageCache, h: _Header, allow_remote: bool, digest, cache: ParseCache | None) -> CachedParse:
    """The section's body parsed with anchors local to it, its problems and the images it used —
    from `cache` when nothing it depends on changed. Images feed the digest either way, each
    once however often it is shown."""
    load = _image_loader(images, h.path, allow_remote)
    cost = images.svg_cost
    found = cache.get(h.path, h.text, allow_remote, load) if cache is not None else None
    if found is not None:
        entry, shown = found  # the images as this load's ImageCache gives them (SVG work counted once)
    else:
        images.svg_cost = cost  # a failed check's loads are not showings: the parse counts its own
        local = Problems()
        uses: list[ImageUse] = []

        def load_and_note(src: str) -> m.Resource:
            try:
                resource = load(src)
            except Exception as exc:
                uses.append(ImageUse(src, None, failure(exc)))
                raise
            uses.append(ImageUse(src, resource))
            return resource

        ctx = BodyContext(path=h.path, first_line=h.body_line, anchors=AnchorRegistry(), problems=local, load_image=load_and_note)
        body = parse_body(h.body, ctx)
        entry = CachedParse(body, tuple(local.items), tuple(ctx.internal_links), tuple(uses))
        shown = [use.resource for use in uses]
        if cache is not None:
            cache.put(h.path, h.text, allow_remote, entry)
    for use, resource in zip(entry.images, shown):
        key = (id(digest), id(resource))
        if resource is not None and key not in images.digested:  # each image once in a digest
            images.digested.add(key)
            _feed(digest, f"image {use.src}", resource.data)
    return entry


def _unique_anchors(body, anchors: AnchorRegistry) -> tuple[tuple[m.Block, ...], dict[str, m.Footnote]]:
    """The body with each heading's section-local anchor replaced by the one `anchors` gives its
    text in the pack (`background` → `background-2` when another section had it first). The
    parsed blocks are reused as they are when no anchor changes, the usual case."""
    given = [anchors.claim(text, "heading") for text, _ in body.headings]
    if given == [local for _, local in body.headings]:
        return body.blocks, body.footnotes
    names = iter(given)
    blocks = _renamed(body.blocks, names)
    footnotes = {label: dataclasses.replace(note, children=_renamed(note.children, names)) for label, note in body.footnotes.items()}
    return blocks, footnotes


def _renamed(blocks, names) -> tuple:
    """`blocks` with the headings' anchors taken from `names`, in the order the parser met them."""
    out = []
    for block in blocks:
        if isinstance(block, m.Heading):
            block = dataclasses.replace(block, anchor=next(names, block.anchor))
        elif isinstance(block, m.BlockQuote):
            block = dataclasses.replace(block, children=_renamed(block.children, names))
        elif isinstance(block, (m.BulletList, m.OrderedList)):
            items = tuple(dataclasses.replace(item, children=_renamed(item.children, names)) for item in block.items)
            block = dataclasses.replace(block, items=items)
        out.append(block)
    return tuple(out)


def _image_loader(images: ImageCache, section_path: Path, allow_remote: bool):
    def _load_image(src: str) -> m.Resource:
        if src.lower().startswith(("http://", "https://")):
            if not allow_remote:
                raise ResourceProblem("remote images are not fetched: save the image in the sources folder, or build with --allow-remote")
            return images.remote(src)
        if ":" in src.split("/")[0]:
            raise ResourceProblem("only image files inside the sources folder can be used")
        from urllib.parse import unquote

        return images.local(unquote(src), section_path.parent)

    return _load_image


# ------------------------------------------------------------------------------ validation helpers


def _did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class _Validator:
    """Typed reads of a YAML mapping, each failure a problem at the value's line."""

    def __init__(self, path: Path, doc: YamlDoc, problems: Problems):
        self.path, self.doc, self.problems = path, doc, problems

    def err(self, where: tuple, message: str) -> None:
        self.problems.error(self.path, self.doc.line(*where), message)

    def warn(self, where: tuple, message: str) -> None:
        self.problems.warning(self.path, self.doc.line(*where), message)

    def unknown_keys(self, data: dict, known: tuple[str, ...], where: tuple) -> None:
        for key in data:
            if key not in known:
                hint = _did_you_mean(str(key), known)
                self.warn(where + (key,), f"unknown key '{key}' is ignored{hint}")

    def string(self, data: dict, key: str, *, required: bool = False, path: tuple = ()) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.err(path, f"'{key}' is required: add a line '{key}: …'")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or (required and not value.strip()):
            self.err(path + (key,), f"'{key}' must be text")
            return None
        return value.strip()

    def string_list(self, data: dict, key: str, *, path: tuple = ()) -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(x, (str, int)) for x in value):
            self.err(path + (key,), f"'{key}' must be a list of words")
            return []
        return [str(x) for x in value]

    def integer(self, data: dict, key: str) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.err((key,), f"'{key}' must be a whole number, not '{value}'")
            return None
        return value

    def date(self, data: dict, key: str) -> _dt.date | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, _dt.date):
            return value
        try:
            return _dt.date.fromisoformat(str(value))
        except ValueError:
            self.err((key,), f"'{key}' must be an ISO date like 2014-10-20, not '{value}'")
            return None

    def people(self, data: dict, key: str) -> tuple[m.Person, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, (str, dict)):
            value = [value]
        if not isinstance(value, list):
            self.err((key,), f"'{key}' must be a list of names or {{name, affiliation}} entries")
            return ()
        people = []
        for i, entry in enumerate(value):
            if isinstance(entry, str) and entry.strip():
                people.append(m.Person(entry.strip()))
            elif isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"].strip():
                self.unknown_keys(entry, ("name", "affiliation"), (key, i))
                aff = entry.get("affiliation")
                people.append(m.Person(entry["name"].strip(), str(aff).strip() if aff else None))
            else:
                self.err((key, i), f"each entry of '{key}' must be a name or {{name: …, affiliation: …}}")
        return tuple(people)
