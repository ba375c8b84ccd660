"""Pack → Edition: choose the sections of some topics in one language, number their footnotes,
credit people.

All of a pack's tailoring rules live here, computed on the model, so every writer prints the same
numbers, names and words. An edition in another language than the sources' holds each section's
translation into it, or the original section (printed in its own language, marked as not yet
translated) where there is none.
"""

from __future__ import annotations

import dataclasses
import difflib
from types import MappingProxyType

from . import nodes as m
from ..errors import UsageError, shown
from ..i18n.labels import labels_for


def resolve_topics(pack: m.Pack, names: list[str] | tuple[str, ...]) -> tuple[m.Topic, ...]:
    """Topic ids or aliases → topics (in the order given, without repeats)."""
    by_name = {t.id: t for t in pack.topics} | {a: t for t in pack.topics for a in t.aliases}
    chosen: set[str] = set()
    for name in names:
        key = name.strip().lower()
        if key not in by_name:
            close = difflib.get_close_matches(key, list(by_name), n=1, cutoff=0.6)
            close = close or [n for n in by_name if key and (n.startswith(key) or key in n)][:1]  # 'cyber'
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise UsageError(f"unknown topic '{shown(name)}'{hint}.\n{describe_topics(pack)}")
        chosen.add(by_name[key].id)
    # in pack.yaml's order, so `-t a -t b` and `-t b -t a` give the same pack and file name
    return tuple(t for t in pack.topics if t.id in chosen)


def describe_topics(pack: m.Pack) -> str:
    if not pack.topics:
        return "This pack defines no topics (add them under 'topics:' in pack.yaml)."
    lines = ["Valid topics (aliases in brackets):"]
    for t in pack.topics:
        aliases = f" [{', '.join(t.aliases)}]" if t.aliases else ""
        lines.append(f"  {t.id}{aliases} — {shown(t.title)}")
    return "\n".join(lines)


def select_sections(pack: m.Pack, topics: tuple[m.Topic, ...]) -> tuple[m.Section, ...]:
    """Sections in pack order whose topics include `all` or a chosen topic (all sections when
    no topic is chosen: the full pack)."""
    if not topics:
        return pack.sections
    wanted = {t.id for t in topics}
    return tuple(s for s in pack.sections if s.in_every_pack or wanted & set(s.topics))


def number_footnotes(sections: tuple[m.Section, ...]) -> dict[tuple[str, int], m.NoteCall]:
    """Number notes 1..N in reading order; a note called twice keeps its number."""
    calls: dict[tuple[str, int], m.NoteCall] = {}
    counter = 0
    for section in sections:
        numbered: dict[str, m.NoteCall] = {}
        for ref in _refs_in_blocks(section.children):
            first = numbered.get(ref.label)
            if first is None:
                counter += 1
                call = m.NoteCall(number=counter, first=True, note=section.footnotes[ref.label], anchor=f"fn-{counter}")
                numbered[ref.label] = call
            else:
                call = m.NoteCall(number=first.number, first=False, note=first.note, anchor=first.anchor)
            calls[(section.id, ref.index)] = call
    return calls


def _refs_in_blocks(blocks):
    for block in blocks:
        if isinstance(block, (m.Paragraph, m.Heading)):
            yield from _refs_in_inlines(block.children)
        elif isinstance(block, (m.BlockQuote, m.ListItem)):
            yield from _refs_in_blocks(block.children)
        elif isinstance(block, (m.BulletList, m.OrderedList)):
            for item in block.items:
                yield from _refs_in_blocks(item.children)
        elif isinstance(block, m.Table):
            for row in (block.header, *block.rows):
                for cell in row:
                    yield from _refs_in_inlines(cell.children)


def _refs_in_inlines(inlines):
    for node in inlines:
        if isinstance(node, m.FootnoteRef):
            yield node
        elif isinstance(node, (m.Emphasis, m.Strong, m.Strikethrough, m.Link)):
            yield from _refs_in_inlines(node.children)


def collect_credits(pack: m.Pack, sections: tuple[m.Section, ...]) -> m.Credits:
    translators: dict[str, m.Person] = {}
    for section in sections:
        for person in section.translators:
            translators.setdefault(person.name, person)
    return m.Credits(
        prepared_by=pack.meta.authors,
        contributors=pack.meta.contributors,
        by_section=tuple(m.SectionCredit(s, s.contributors) for s in sections if s.contributors),
        translated_by=tuple(translators.values()),
    )


def edition_name(pack: m.Pack, topics: tuple[m.Topic, ...], language: str | None = None) -> str:
    """Output file stem: 'itu-pp-2014-cybersecurity', '…-internet+cybersecurity', '…-full';
    another language than the sources' adds its code: 'itu-pp-2014-cybersecurity-fr'."""
    suffix = "+".join(t.id for t in topics) if topics else "full"
    if language and language != pack.meta.language:
        suffix += f"-{language}"
    return f"{pack.meta.slug}-{suffix}"


def resolve_language(pack: m.Pack, language: str | None) -> str:
    """A language the pack offers, as pack.yaml spells it (None: the sources' language)."""
    if language is None or not language.strip():
        return pack.meta.language
    found = pack.offered_language(language)
    if found is None:
        raise UsageError(f"the pack is not offered in '{language}'.\n{describe_languages(pack)}")
    return found


def describe_languages(pack: m.Pack) -> str:
    lines = ["Languages this pack offers (pack.yaml 'language' and 'translations'):"]
    for lang in pack.languages:
        note = " (the sources' language)" if lang == pack.meta.language else ""
        lines.append(f"  {lang}{note}")
    if len(pack.languages) == 1:
        lines.append("Add others under 'translations:' in pack.yaml (see README, 'Languages and translations').")
    return "\n".join(lines)


def in_language(sections: tuple[m.Section, ...], language: str) -> tuple[m.Section, ...]:
    """Each section's translation into `language`, or the original where there is none."""
    return tuple(s.translations.get(language, s) if s.language != language else s for s in sections)


def join_titles(titles: list[str], language: str) -> str:
    """'A', 'A and B', 'A, B and C' in the language's own words (CLDR list patterns); titles that
    hold a comma or 'and' themselves are joined with semicolons, or the list would not parse."""
    if len(titles) == 1:
        return titles[0]
    if any(" and " in t or "," in t or "،" in t or "，" in t or "、" in t for t in titles):
        return "; ".join(titles)
    from babel.lists import format_list

    from ..i18n.languages import babel_locale

    return format_list(titles, locale=babel_locale(language))


def localize(pack: m.Pack, language: str) -> tuple[m.PackMeta, tuple[m.Topic, ...]]:
    """The pack's fields and topics in `language` (the sources' words where pack.yaml gives none)."""
    meta, topics = pack.meta, pack.topics
    tr = pack.translations.get(language)
    if tr is None:
        return meta, topics
    meta = dataclasses.replace(
        meta,
        title=tr.title or meta.title,
        subtitle=tr.subtitle or meta.subtitle,
        classification=tr.classification or meta.classification,
        language=language,
        labels=tr.labels,
    )
    topics = tuple(dataclasses.replace(t, title=tr.topics.get(t.id, t.title)) for t in topics)
    return meta, topics


def make_edition(
    pack: m.Pack, topic_names: list[str] | tuple[str, ...] = (), *, language: str | None = None
) -> m.Edition:
    """The edition of some topics (none: the full pack) in one of the pack's languages (None:
    the sources' language). An unknown topic or language is a `UsageError` listing the valid ones."""
    topics = resolve_topics(pack, topic_names)
    language = resolve_language(pack, language)
    meta, local_topics = localize(pack, language)
    topics = tuple(t for t in local_topics if t in topics or any(t.id == c.id for c in topics))
    sections = in_language(select_sections(pack, topics), language)
    anchors = frozenset(a for s in sections for a in (s.id, *(h.anchor for h in s.headings())))
    labels = labels_for(language, meta.labels)
    label = join_titles([t.title for t in topics], language) if topics else labels["full_pack"]
    return m.Edition(
        pack=pack,
        topics=topics,
        sections=sections,
        calls=number_footnotes(sections),
        credits=collect_credits(pack, sections),
        name=edition_name(pack, topics, language),
        anchors=anchors,
        language=language,
        local_meta=meta if meta is not pack.meta else None,
        labels=MappingProxyType(dict(labels)),
        topic_label=label,
    )


def each_topic(pack: m.Pack, language: str | None = None) -> list[m.Edition]:
    """One edition per topic of the pack (for --each-topic)."""
    return [make_edition(pack, [t.id], language=language) for t in pack.topics]
