"""Sources → `Pack`: read pack.yaml and sections/*.md, validate them, parse Markdown once.

Every problem is collected with its file and line; `load_pack` raises them together as a
`SourceError`, `read_pack` returns them (for `briefpack check`).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import model as m
from ..errors import Problem, Problems, SourceError, sorted_problems
from .markdown import BodyContext, parse_body
from ..model.naming import AnchorRegistry, is_slug, slugify
from .files import ResourceProblem, list_sections, read_annex, read_image, read_text, resolve_inside
from .parse_cache import CachedParse, ImageUse, ParseCache, failure
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


def load_pack(folder: Path | str, *, allow_remote: bool = False, cache: ParseCache | None = None) -> m.Pack:
    """The validated pack, or `SourceError` listing every problem."""
    result = read_pack(folder, allow_remote=allow_remote, cache=cache)
    if result.errors or result.pack is None:
        raise SourceError(result.problems)
    return result.pack


def read_pack(folder: Path | str, *, allow_remote: bool = False, cache: ParseCache | None = None) -> LoadResult:
    """The pack and every problem found. `cache`: parses kept from the previous load of this
    pack (a long-running `serve` or `build --watch`); only changed sections are parsed again."""
    root = Path(folder).resolve()
    problems = Problems()
    if not root.is_dir():
        problems.error(Path(folder), None, "sources folder not found (give another with --sources DIR)")
        return LoadResult(None, problems.items)
    pack_path = root / PACK_FILE
    digest = hashlib.sha256()
    meta, topics = _read_pack_yaml(root, pack_path, problems, digest)
    sections = _read_sections(root, topics, problems, allow_remote, digest, topics_known=meta is not None, cache=cache)
    if cache is not None:
        cache.end_load()
    if meta is None or problems.has_errors:
        return LoadResult(None, sorted_problems(problems.items))
    pack = m.Pack(meta=meta, topics=topics, sections=sections, root=root, digest=digest.hexdigest())
    return LoadResult(pack, sorted_problems(problems.items))


def _feed(digest, name: str, data: bytes | str) -> None:
    """Add one input to the pack's digest (length-prefixed, so inputs cannot run together)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    digest.update(f"{name}\0{len(raw)}\0".encode("utf-8") + raw)


# ------------------------------------------------------------------------------ pack.yaml


def _read_pack_yaml(root: Path, path: Path, problems: Problems, digest) -> tuple[m.PackMeta | None, tuple[m.Topic, ...]]:
    if not path.is_file():
        problems.error(path, None, f"no {PACK_FILE} in the sources folder: every pack needs one (see README, 'Source format')")
        return None, ()
    try:
        text = read_text(path)
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
    root: Path, topics: tuple[m.Topic, ...], problems: Problems, allow_remote: bool, digest, *, topics_known: bool,
    cache: ParseCache | None = None,
) -> tuple[m.Section, ...]:
    folder = root / SECTIONS_DIR
    if not folder.is_dir():
        problems.error(folder, None, f"no {SECTIONS_DIR}/ folder: put one Markdown file per section there")
        return ()
    for other in sorted(folder.iterdir()):
        if other.is_file() and other.suffix.lower() != ".md" and not other.name.startswith("."):
            if other.suffix.lower() not in (".png", ".jpg", ".jpeg", ".svg"):
                problems.warning(other, None, "not a section (only *.md files are read)")
    headers = []
    sections_ok = True
    for path in list_sections(folder):
        header = _read_header(path, problems)
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
        parsed = _parse_body(root, h, allow_remote, digest, cache)
        problems.items.extend(parsed.problems)
        internal_links += [(h.path, a, line) for a, line in parsed.internal_links]
        # pack-unique anchors, claimed in reading order: the title, then the headings
        section_id = anchors.claim(title, "section")
        blocks, footnotes = _unique_anchors(parsed.body, anchors)
        sections.append(m.Section(
            id=section_id, title=title, path=h.path, topics=section_topics, order=order,
            contributors=contributors, children=blocks, footnotes=footnotes,
        ))
    # A section whose front matter failed has no anchors yet: links to it are not reported, so
    # one mistake does not show up as many.
    if sections_ok:
        for path, anchor, line in internal_links:
            if anchor not in anchors.taken:
                hint = _did_you_mean(anchor, anchors.taken)
                problems.error(path, line, f"link to '#{anchor}': no section or heading has that anchor{hint}")
    return tuple(sections)


def _read_header(path: Path, problems: Problems) -> _Header | None:
    try:
        text = read_text(path)
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


def _parse_body(root: Path, h: _Header, allow_remote: bool, digest, cache: ParseCache | None) -> CachedParse:
    """The section's body parsed with anchors local to it, its problems and the images it used —
    from `cache` when nothing it depends on changed. Images feed the pack's digest either way."""
    load = _image_loader(root, h.path, allow_remote)
    entry = cache.get(h.path, h.text, allow_remote, load) if cache is not None else None
    if entry is None:
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
        if cache is not None:
            cache.put(h.path, h.text, allow_remote, entry)
    for use in entry.images:
        if use.resource is not None:
            _feed(digest, f"image {use.src}", use.resource.data)
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


def _image_loader(root: Path, section_path: Path, allow_remote: bool):
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
