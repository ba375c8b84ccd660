"""Sources → `Pack`: read pack.yaml and sections/*.md, validate them, parse Markdown once.

Every problem is collected with its file and line; `load_pack` raises them together as a
`SourceError`, `read_pack` returns them (for `briefpack check`).
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .. import model as m
from ..errors import Problem, Problems, SourceError, sorted_problems
from .markdown import BodyContext, parse_body
from ..model.naming import AnchorRegistry, is_slug, slugify
from .files import ResourceProblem, check_text, list_sections, read_annex, read_image, read_text, resolve_inside
from .yamldata import YamlDoc, YamlProblem, parse_yaml

PACK_FILE = "pack.yaml"
SECTIONS_DIR = "sections"

PACK_KEYS = (
    "title", "slug", "subtitle", "date", "language", "classification", "authors", "contributors",
    "keywords", "topics", "page_size", "section_break", "annexes",
)
TOPIC_KEYS = ("title", "aliases")
SECTION_KEYS = ("title", "topics", "order", "contributors")
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


def load_pack(folder: Path | str, *, allow_remote: bool = False, texts: Mapping[str, bytes] | None = None) -> m.Pack:
    """The validated pack, or `SourceError` listing every problem."""
    result = read_pack(folder, allow_remote=allow_remote, texts=texts)
    if result.errors or result.pack is None:
        raise SourceError(result.problems)
    return result.pack


def read_pack(
    folder: Path | str, *, allow_remote: bool = False, texts: Mapping[str, bytes] | None = None, overlay: bool = False,
) -> LoadResult:
    """The pack and every problem found.

    `texts` reads pack.yaml and the sections from memory instead of the folder: paths relative
    to the folder ("pack.yaml", "sections/08-x.md") → bytes, as a DOCX carries the sources it was
    built from (see `briefpack.absorb`). Such texts may be one edition's sections only, so a
    link into a section they leave out is not an error. With `overlay`, the texts replace some
    files of the folder and the rest is read as usual (edits checked before they are written).
    Images and annexes always come from the folder, through `files.py`."""
    root = Path(folder).resolve()
    problems = Problems()
    if not root.is_dir():
        problems.error(Path(folder), None, "sources folder not found (give another with --sources DIR)")
        return LoadResult(None, problems.items)
    pack_path = root / PACK_FILE
    digest = hashlib.sha256()
    reader = _Texts(root, texts, overlay)
    meta, topics = _read_pack_yaml(root, pack_path, problems, digest, reader)
    sections = _read_sections(root, topics, problems, allow_remote, digest, reader, topics_known=meta is not None)
    if meta is None or problems.has_errors:
        return LoadResult(None, sorted_problems(problems.items))
    pack = m.Pack(meta=meta, topics=topics, sections=sections, root=root, digest=digest.hexdigest(), texts=reader.read_texts)
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
        if self.texts is not None and path in self.texts:
            return True
        return path.is_file() if not self.partial else False

    def read(self, path: Path) -> str:
        text = check_text(self.texts[path]) if self.texts is not None and path in self.texts else read_text(path)
        self.read_texts[path.relative_to(self.root).as_posix()] = text
        return text

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


def _read_pack_yaml(root: Path, path: Path, problems: Problems, digest, reader: _Texts) -> tuple[m.PackMeta | None, tuple[m.Topic, ...]]:
    if not reader.is_file(path):
        problems.error(path, None, f"no {PACK_FILE} in the sources folder: every pack needs one (see README, 'Source format')")
        return None, ()
    try:
        text = reader.read(path)
        _feed(digest, PACK_FILE, text)
        doc = parse_yaml(text)
    except ResourceProblem as exc:
        problems.error(path, exc.line, exc.message)
        return None, ()
    except YamlProblem as exc:
        problems.error(path, exc.line, exc.message)
        return None, ()
    data = doc.data
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.error(path, doc.first_line, f"{PACK_FILE} must be a mapping of keys (title: …, topics: …)")
        return None, ()
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
    topics = _topics(v, data.get("topics"))
    annexes = _annexes(root, v, data.get("annexes"))
    for annex in annexes:
        _feed(digest, f"annex {annex.title}", annex.resource.data)
    fields = dict(
        subtitle=v.string(data, "subtitle"),
        date=v.date(data, "date"),
        classification=v.string(data, "classification"),
        authors=v.people(data, "authors"),
        contributors=v.people(data, "contributors"),
        keywords=tuple(v.string_list(data, "keywords")),
    )
    if title is None:
        return None, topics
    meta = m.PackMeta(
        title=title,
        slug=slug or slugify(title, "pack"),
        language=language,
        **fields,
        page_size=PAGE_SIZES.get(page_size.lower(), "A4"),
        section_break=section_break if section_break in SECTION_BREAKS else "page",
        annexes=annexes,
    )
    return meta, topics


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
        if tid == "all":
            v.err(where, "'all' is reserved (it marks sections that go into every pack)")
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
            elif alias in names or alias in raw or alias == "all":
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
    for i, item in enumerate(raw):
        where = ("annexes", i)
        if isinstance(item, str):
            item = {"file": item}
        if not isinstance(item, dict) or not isinstance(item.get("file"), str):
            v.err(where, "each annex needs a 'file' (a PDF path relative to the sources folder)")
            continue
        v.unknown_keys(item, ("title", "file"), where)
        try:
            resource = read_annex(resolve_inside(root, item["file"]))
        except ResourceProblem as exc:
            v.err(where + ("file",), f"annex: {exc.message}")
            continue
        title = item.get("title") or Path(item["file"]).stem.replace("-", " ").replace("_", " ").capitalize()
        out.append(m.Annex(title=str(title), resource=resource))
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
    root: Path, topics: tuple[m.Topic, ...], problems: Problems, allow_remote: bool, digest, reader: _Texts, *,
    topics_known: bool,
) -> tuple[m.Section, ...]:
    folder = root / SECTIONS_DIR
    if not reader.partial:  # (texts from memory are the sections: the folder need not hold them)
        if not folder.is_dir():
            problems.error(folder, None, f"no {SECTIONS_DIR}/ folder: put one Markdown file per section there")
            return ()
        for other in sorted(folder.iterdir()):
            if other.is_file() and other.suffix.lower() != ".md" and not other.name.startswith("."):
                if other.suffix.lower() not in (".png", ".jpg", ".jpeg", ".svg"):
                    problems.warning(other, None, "not a section (only *.md files are read)")
    headers = []
    sections_ok = True
    for path in reader.sections(folder):
        header = _read_header(path, problems, reader)
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
        section_id = anchors.claim(title, "section")
        ctx = BodyContext(
            path=h.path, first_line=h.body_line, anchors=anchors, problems=problems,
            load_image=_image_loader(root, h.path, allow_remote, digest),
        )
        if not h.body.strip():
            problems.error(h.path, h.body_line, "the section is empty: write its text below the front matter, or delete the file")
        body = parse_body(h.body, ctx)
        internal_links += [(h.path, a, line) for a, line in ctx.internal_links]
        sections.append(m.Section(
            id=section_id, title=title, path=h.path, topics=section_topics, order=order,
            contributors=contributors, children=body.blocks, footnotes=body.footnotes,
        ))
    # A section whose front matter failed has no anchors yet: links to it are not reported, so
    # one mistake does not show up as many.
    if sections_ok and not reader.partial:
        for path, anchor, line in internal_links:
            if anchor not in anchors.taken:
                hint = _did_you_mean(anchor, anchors.taken)
                problems.error(path, line, f"link to '#{anchor}': no section or heading has that anchor{hint}")
    return tuple(sections)


def _read_header(path: Path, problems: Problems, reader: _Texts) -> _Header | None:
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
    try:
        doc = parse_yaml("\n".join(lines[1:end]), first_line=2)
    except YamlProblem as exc:
        problems.error(path, exc.line, exc.message)
        return None
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


def _image_loader(root: Path, section_path: Path, allow_remote: bool, digest):
    def load(src: str) -> m.Resource:
        resource = _load_image(src)
        _feed(digest, f"image {src}", resource.data)
        return resource

    def _load_image(src: str) -> m.Resource:
        if src.lower().startswith(("http://", "https://")):
            if not allow_remote:
                raise ResourceProblem("remote images are not fetched: save the image in the sources folder, or build with --allow-remote")
            from .remote import fetch_image

            return fetch_image(src)
        if ":" in src.split("/")[0]:
            raise ResourceProblem("only image files inside the sources folder can be used")
        from urllib.parse import unquote

        return read_image(resolve_inside(root, unquote(src), base=section_path.parent))

    return load


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
