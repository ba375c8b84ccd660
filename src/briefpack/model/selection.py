"""Pack → Edition: choose the sections of some topics, number their footnotes, credit people.

All of a pack's tailoring rules live here, computed on the model, so every writer prints the same
numbers and the same names.
"""

from __future__ import annotations

import difflib

from . import nodes as m
from ..errors import UsageError, shown


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
    return m.Credits(
        prepared_by=pack.meta.authors,
        contributors=pack.meta.contributors,
        by_section=tuple(m.SectionCredit(s, s.contributors) for s in sections if s.contributors),
    )


def edition_name(pack: m.Pack, topics: tuple[m.Topic, ...]) -> str:
    """Output file stem: 'itu-pp-2014-cybersecurity', '…-internet+cybersecurity', '…-full'."""
    suffix = "+".join(t.id for t in topics) if topics else "full"
    return f"{pack.meta.slug}-{suffix}"


def make_edition(pack: m.Pack, topic_names: list[str] | tuple[str, ...] = ()) -> m.Edition:
    topics = resolve_topics(pack, topic_names)
    sections = select_sections(pack, topics)
    anchors = frozenset(a for s in sections for a in (s.id, *(h.anchor for h in s.headings())))
    return m.Edition(
        pack=pack,
        topics=topics,
        sections=sections,
        calls=number_footnotes(sections),
        credits=collect_credits(pack, sections),
        name=edition_name(pack, topics),
        anchors=anchors,
    )


def each_topic(pack: m.Pack) -> list[m.Edition]:
    """One edition per topic of the pack (for --each-topic)."""
    return [make_edition(pack, [t.id]) for t in pack.topics]
