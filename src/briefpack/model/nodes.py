"""The document model: what a pack *is*, independent of how it was written or will be printed.

The loader builds these objects once (sources → model); selection turns a `Pack` into an
`Edition` (the sections of one topic pack, its footnote numbers and its credits); writers only
walk an `Edition`. Nothing here reads files or knows about HTML, PDF or Word.

Block and inline nodes are plain frozen dataclasses. Writers are visitors: `visit(node)`
dispatches to `visit_<ClassName>`, so a writer that forgets a node type fails loudly.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Union


# --------------------------------------------------------------------------- people & topics


@dataclass(frozen=True)
class Person:
    name: str
    affiliation: str | None = None

    def __str__(self) -> str:
        return f"{self.name} ({self.affiliation})" if self.affiliation else self.name


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    aliases: tuple[str, ...] = ()


# --------------------------------------------------------------------------- resources


@dataclass(frozen=True)
class Resource:
    """A file the pack embeds (an image), already read and checked by the loader."""

    path: Path  # resolved, inside the sources folder
    data: bytes = field(repr=False)
    media_type: str  # image/png, image/jpeg, image/svg+xml
    width: int | None = None  # intrinsic size in pixels, when known
    height: int | None = None
    #: an SVG's drawing work (elements and path points once expanded; see sources.svg)
    cost: int = field(default=0, compare=False)


# --------------------------------------------------------------------------- inlines


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Emphasis:
    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Strong:
    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Strikethrough:
    children: tuple["Inline", ...]


@dataclass(frozen=True)
class Code:
    text: str


@dataclass(frozen=True)
class Link:
    """A hyperlink. `target` is an absolute URL (http, https, mailto) or `#anchor` for a heading
    inside the pack (see `Heading.anchor`)."""

    target: str
    children: tuple["Inline", ...]
    title: str | None = None

    @property
    def internal(self) -> bool:
        return self.target.startswith("#")


@dataclass(frozen=True)
class Image:
    """An inline image. A paragraph holding only an image becomes a `Figure` instead."""

    resource: Resource
    alt: str
    title: str | None = None


@dataclass(frozen=True)
class FootnoteRef:
    """A call to a footnote. `label` is local to the section file; `index` numbers the calls of
    one section in reading order (0, 1, …) so that `Edition.call()` can tell a note's first
    call (which prints the note) from later ones (which refer back to it)."""

    label: str
    index: int


@dataclass(frozen=True)
class SoftBreak:
    pass


@dataclass(frozen=True)
class LineBreak:
    pass


Inline = Union[Text, Emphasis, Strong, Strikethrough, Code, Link, Image, FootnoteRef, SoftBreak, LineBreak]


# --------------------------------------------------------------------------- blocks

#: Where a block came from in its section file: (first line, line after the last), file line
#: numbers as markdown-it maps them (a list item's span may end with the blank line after it).
#: It takes no part in equality, so a model read from moved text compares equal; `briefpack
#: absorb` uses it to write Word edits back into the lines they came from.
Span = Union[tuple[int, int], None]


def _span():
    return field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Paragraph:
    children: tuple[Inline, ...]
    span: Span = _span()


@dataclass(frozen=True)
class Heading:
    """A heading inside a section body: level 2 for `##`, 3 for `###`, … (the section title
    itself is level 1 and lives on `Section`). `anchor` is unique within the whole pack."""

    level: int
    children: tuple[Inline, ...]
    anchor: str
    span: Span = _span()


@dataclass(frozen=True)
class ListItem:
    children: tuple["Block", ...]
    span: Span = _span()


@dataclass(frozen=True)
class BulletList:
    items: tuple[ListItem, ...]
    tight: bool = True
    span: Span = _span()


@dataclass(frozen=True)
class OrderedList:
    items: tuple[ListItem, ...]
    start: int = 1
    tight: bool = True
    span: Span = _span()


@dataclass(frozen=True)
class BlockQuote:
    children: tuple["Block", ...]
    span: Span = _span()


@dataclass(frozen=True)
class CodeBlock:
    text: str
    language: str | None = None
    span: Span = _span()


@dataclass(frozen=True)
class TableCell:
    children: tuple[Inline, ...]


@dataclass(frozen=True)
class Table:
    header: tuple[TableCell, ...]
    rows: tuple[tuple[TableCell, ...], ...]
    aligns: tuple[str | None, ...]  # per column: "left", "center", "right" or None
    span: Span = _span()
    #: the file line of the header row, then of each body row (the delimiter row has none)
    row_lines: tuple[int, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Figure:
    """An image standing alone in its paragraph; printed at text width with its alt text as
    caption."""

    image: Image
    span: Span = _span()

    @property
    def caption(self) -> str:
        return self.image.alt


@dataclass(frozen=True)
class ThematicBreak:
    span: Span = _span()


Block = Union[Paragraph, Heading, BulletList, OrderedList, BlockQuote, CodeBlock, Table, Figure, ThematicBreak]


# --------------------------------------------------------------------------- sections & pack


@dataclass(frozen=True)
class Footnote:
    label: str
    children: tuple[Block, ...]
    line: int  # line of the definition in its section file
    span: Span = _span()  # the whole definition, continuation paragraphs included


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one object per file
class Section:
    """A section as one file holds it. An original (`sections/x.md`) lists its translations;
    a translation (`sections/x.fr.md`) is a Section too — its own title, blocks, footnotes and
    path — that keeps its original's id, topics, order and contributors."""

    id: str  # slug, unique in the pack; also the anchor of its title
    title: str
    path: Path  # the source file the text came from (a translation: the .fr.md file)
    topics: tuple[str, ...]  # topic ids, or ("all",)
    order: int | None
    contributors: tuple[Person, ...]
    children: tuple[Block, ...]
    footnotes: dict[str, Footnote]  # by label, local to this section
    language: str = "en"  # the language the text is written in
    #: an original: the first 12 hex digits of the SHA-256 of its body (the bytes after the front
    #: matter's closing '---' line), which a translation records as `translation_of`
    digest: str = ""
    #: a translation: the section it translates, the digest it recorded and that line
    original: "Section | None" = None
    translation_of: str | None = None
    translation_of_line: int | None = None
    translators: tuple[Person, ...] = ()
    #: an original: its translations by language tag (as pack.yaml spells it)
    translations: dict[str, "Section"] = field(default_factory=dict)

    @property
    def in_every_pack(self) -> bool:
        return "all" in self.topics

    @property
    def is_translation(self) -> bool:
        return self.original is not None

    @property
    def stale(self) -> bool:
        """A translation whose original changed after it recorded `translation_of` (or that
        recorded none)."""
        return self.original is not None and self.translation_of != self.original.digest

    def headings(self, max_level: int = 6) -> list[Heading]:
        """Headings of the body (level ≥ 2) in reading order, outside lists and quotes too."""
        found: list[Heading] = []

        def walk(blocks: tuple[Block, ...]) -> None:
            for block in blocks:
                if isinstance(block, Heading) and block.level <= max_level:
                    found.append(block)
                elif isinstance(block, (BlockQuote, ListItem)):
                    walk(block.children)
                elif isinstance(block, (BulletList, OrderedList)):
                    for item in block.items:
                        walk(item.children)

        walk(self.children)
        return found


@dataclass(frozen=True)
class Annex:
    """An existing PDF appended after the credits of the PDF pack."""

    title: str
    resource: Resource
    #: (width, height) in PDF points of each page, measured by the loader
    page_sizes: tuple[tuple[float, float], ...] = ()


@dataclass(frozen=True)
class PackMeta:
    title: str
    slug: str  # used to name output files
    subtitle: str | None = None
    date: _dt.date | None = None
    language: str = "en"
    classification: str | None = None
    authors: tuple[Person, ...] = ()
    contributors: tuple[Person, ...] = ()
    keywords: tuple[str, ...] = ()
    page_size: str = "A4"  # "A4" or "letter"
    section_break: str = "page"  # "page" or "none"
    annexes: tuple[Annex, ...] = ()
    #: fixed words overridden for this language (pack.yaml `labels:`), by label key
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class PackTranslation:
    """What pack.yaml's `translations: <language>:` says: the pack's fields in that language."""

    language: str  # as pack.yaml spells it, e.g. "fr", "zh-Hant"
    title: str | None = None
    subtitle: str | None = None
    classification: str | None = None
    topics: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # topic id → title
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Pack:
    """Everything the sources folder says, validated and parsed once."""

    meta: PackMeta
    topics: tuple[Topic, ...]
    sections: tuple[Section, ...]  # in pack order (order, then file name)
    root: Path  # the sources folder
    #: hash of everything the loader read (pack.yaml, sections, images, annexes): the same
    #: digest means the same pack, whatever else lies in the folder
    digest: str = ""
    #: the text of pack.yaml and of each section file as the loader read it, by path relative
    #: to `root` ("sections/08-x.md"); a DOCX carries its edition's share (see `provenance`)
    texts: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    #: pack.yaml `translations:`, by language tag in the order written
    translations: Mapping[str, PackTranslation] = field(default_factory=lambda: MappingProxyType({}))
    #: per translated language, the hash of its translation files (and their images)
    translation_digests: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages the pack can be built in: its source language first."""
        return (self.meta.language, *self.translations)

    def offered_language(self, tag: str) -> str | None:
        """The language as the pack spells it ('zh-hant' → 'zh-Hant'), or None if not offered."""
        return next((lang for lang in self.languages if lang.lower() == tag.strip().lower()), None)


# --------------------------------------------------------------------------- an edition


@dataclass(frozen=True)
class NoteCall:
    """Where one footnote call lands in an edition."""

    number: int  # 1..N within the edition
    first: bool  # the first call of this note prints it; later calls refer back to it
    note: Footnote
    anchor: str  # unique in the edition, e.g. "fn-3"; later calls link here


@dataclass(frozen=True)
class SectionCredit:
    section: Section
    people: tuple[Person, ...]


@dataclass(frozen=True)
class Credits:
    prepared_by: tuple[Person, ...]
    contributors: tuple[Person, ...]  # pack-wide
    by_section: tuple[SectionCredit, ...]  # only sections in the edition that name someone
    translated_by: tuple[Person, ...] = ()  # translators of the sections printed in translation

    @property
    def everyone(self) -> tuple[Person, ...]:
        seen: dict[str, Person] = {}
        people = (*self.prepared_by, *self.contributors, *(p for c in self.by_section for p in c.people), *self.translated_by)
        for person in people:
            seen.setdefault(person.name, person)
        return tuple(seen.values())


@dataclass(frozen=True)
class Edition:
    """One built pack: the sections chosen for some topics (or all), with its own footnote
    numbering and credits. This is what writers render."""

    pack: Pack
    topics: tuple[Topic, ...]  # the chosen topics; empty for the full pack
    sections: tuple[Section, ...]
    calls: dict[tuple[str, int], NoteCall]  # (section id, FootnoteRef.index) → call
    credits: Credits
    name: str  # output file stem, e.g. "itu-pp-2014-cybersecurity"
    #: anchors of the sections and headings in this edition; an internal link whose target is
    #: not here points into a section left out, and writers print its text without a link
    anchors: frozenset[str] = frozenset()
    #: the language the edition is printed in; a section whose `language` differs from it is
    #: printed in its original language, marked as not yet translated
    language: str = "en"
    #: the pack's fields in that language (title, subtitle, classification)
    local_meta: PackMeta | None = None
    #: the fixed words in that language (built in, with the pack's overrides)
    labels: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: "Cybersecurity", "Internet governance and Cybersecurity", or "Full pack", in that language
    topic_label: str = ""

    def links_to(self, link: Link) -> bool:
        return link.internal and link.target[1:] in self.anchors

    @property
    def meta(self) -> PackMeta:
        return self.local_meta or self.pack.meta

    @property
    def is_full(self) -> bool:
        return not self.topics

    @property
    def in_source_language(self) -> bool:
        return self.language == self.pack.meta.language

    def untranslated(self, section: Section) -> bool:
        """The section is printed in its original language in this edition."""
        return section.language.lower() != self.language.lower()

    def call(self, section: Section, ref: FootnoteRef) -> NoteCall:
        return self.calls[(section.id, ref.index)]

    @property
    def notes(self) -> tuple[NoteCall, ...]:
        """Each note once, in number order."""
        return tuple(sorted((c for c in self.calls.values() if c.first), key=lambda c: c.number))


# --------------------------------------------------------------------------- helpers for writers


def plain_text(inlines: tuple[Inline, ...]) -> str:
    """The text of some inlines without markup or footnote calls (for bookmarks, alt, TOC)."""
    out: list[str] = []
    for node in inlines:
        if isinstance(node, (Text, Code)):
            out.append(node.text)
        elif isinstance(node, (Emphasis, Strong, Strikethrough, Link)):
            out.append(plain_text(node.children))
        elif isinstance(node, Image):
            out.append(node.alt)
        elif isinstance(node, (SoftBreak, LineBreak)):
            out.append(" ")
    return "".join(out)


class Visitor:
    """Base for writers: `visit(node)` calls `visit_<ClassName>(node)`."""

    def visit(self, node):
        method = getattr(self, "visit_" + type(node).__name__, None)
        if method is None:
            raise NotImplementedError(f"{type(self).__name__} has no visit_{type(node).__name__}")
        return method(node)

    def visit_all(self, nodes):
        return [self.visit(node) for node in nodes]
