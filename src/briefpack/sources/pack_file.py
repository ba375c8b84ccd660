"""pack.yaml → the pack's fields: title, date, people, topics, fixed words, translations of
those fields, annexes — each validated at its line (see README, 'Source format')."""

from __future__ import annotations

import string
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .. import model as m
from ..errors import Problems
from ..i18n.labels import LABEL_KEYS, has_built_in
from ..i18n.languages import is_language_tag
from ..model.naming import is_slug, slugify
from .annexes import AnnexCache
from .files import ResourceProblem
from .validate import Validator, did_you_mean
from .yamldata import YamlProblem, parse_yaml

PACK_FILE = "pack.yaml"

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
PACK_TRANSLATION_KEYS = ("title", "subtitle", "classification", "topics", "labels")
#: placeholders each fixed word may hold (the ones listed first must be there)
LABEL_FIELDS = {"page_of": ("page", "pages"), "annex": ("number", "title"), "not_translated": ("language",)}
LABEL_REQUIRED = {"page_of": ("page", "pages")}
PAGE_SIZES = {"a4": "A4", "letter": "letter"}
SECTION_BREAKS = ("page", "none")


def feed_digest(digest, name: str, data: bytes | str) -> None:
    """Add one input to the pack's digest (length-prefixed, so inputs cannot run together)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    digest.update(f"{name}\0{len(raw)}\0".encode("utf-8") + raw)


def read_pack_yaml(
    root: Path, path: Path, problems: Problems, digest, reader,
) -> tuple[m.PackMeta | None, tuple[m.Topic, ...], dict[str, m.PackTranslation]]:
    if not reader.is_file(path):
        problems.error(path, None, f"no {PACK_FILE} in the sources folder: every pack needs one (see README, 'Source format')")
        return None, (), {}
    try:
        text = reader.read(path)
        feed_digest(digest, PACK_FILE, text)
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
    v = Validator(path, doc, problems)
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
        feed_digest(digest, f"annex {annex.title}", b"" if id(annex.resource) in fed else annex.resource.data)
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


def _translations(v: "Validator", raw: Any, source: str, topics: tuple[m.Topic, ...]) -> dict[str, m.PackTranslation]:
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
                v.err(twhere, f"unknown topic '{tid}'{did_you_mean(tid, topic_ids)}: translate the topics defined under 'topics:'")
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


def _labels(v: "Validator", raw: Any, where: tuple, language: str) -> dict[str, str]:
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
            v.warn(where + (key,), f"unknown label '{key}' is ignored{did_you_mean(key, LABEL_KEYS)} (labels: {', '.join(LABEL_KEYS)})")
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


def _topics(v: "Validator", raw: Any) -> tuple[m.Topic, ...]:
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


def _annexes(root: Path, v: "Validator", raw: Any) -> tuple[m.Annex, ...]:
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
