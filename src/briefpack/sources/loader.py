"""Sources → `Pack`: read pack.yaml (`pack_file.py`) and sections/*.md, validate them, parse
Markdown once.

Translations (`sections/x.fr.md` beside `x.md`) are read through the same door and parsed by
the same Markdown reader as the sections they translate (see `_read_translations`).

Every problem is collected with its file and line; `load_pack` raises them together as a
`SourceError`, `read_pack` returns them (for `briefpack check`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from dataclasses import dataclass
from types import MappingProxyType
from pathlib import Path
from typing import Mapping

from .. import model as m
from ..errors import Problem, Problems, SourceError, sorted_problems
from .markdown import BodyContext, parse_body
from ..model.naming import AnchorRegistry
from .files import SEPARATORS, ResourceProblem, check_text, list_sections, read_source_text, source_folder
from .images import ImageCache
from .parse_cache import CachedParse, ImageUse, ParseCache, failure
from .yamldata import YamlDoc, YamlProblem, parse_yaml
from .pack_file import PACK_FILE, feed_digest, read_pack_yaml
from .validate import Validator, did_you_mean

SECTIONS_DIR = "sections"

SECTION_KEYS = ("title", "topics", "order", "contributors")
TRANSLATION_KEYS = ("title", "translation_of", "translators")
#: `x.fr.md`, `x.zh-Hant.md`: a translation of `x.md`
TRANSLATION_NAME = re.compile(r"^(?P<stem>.+)\.(?P<lang>[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\.md$")
DIGEST_LENGTH = 12


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
    meta, topics, translations = read_pack_yaml(root, pack_path, problems, digest, reader)
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
            feed_digest(digest, f"section {path.name}", header.text)
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
        v = Validator(h.path, h.doc, problems)
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
                hint = did_you_mean(anchor, anchors.taken)
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
        feed_digest(digest, f"translation {path.name}", header.text)
        if original is None:
            continue  # the original has errors of its own, reported there
        v = Validator(path, header.doc, problems)
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
                hint = did_you_mean(anchor, registry.taken)
                problems.error(path, line, f"link to '#{anchor}': no section or heading has that anchor{hint}")


def _translation_of(v: "Validator", header: _Header, original: m.Section) -> tuple[str | None, int | None]:
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


def _section_topics(v: "Validator", data: dict, topic_names: dict[str, str], *, report_unknown: bool) -> tuple[str, ...]:
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
            v.err(("topics", i), f"unknown topic '{name}'{did_you_mean(name, topic_names)} (topics: {valid})")
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
            feed_digest(digest, f"image {use.src}", resource.data)
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
