"""Section bodies as HTML: one visitor method per model node, every source string escaped.

Owns the mapping model → HTML elements and classes (the class names are the contract with
`styles/print.css`). Text from sources only ever reaches the page through `escape()`, so
template syntax or markup typed in a section prints literally.

Two renderings share this visitor:
- print (WeasyPrint): a note is a `<span class="note">` at its first call, floated to the
  foot of the page by CSS; blocks get a `data-b` number so the footnote fixer can name the
  block it wants to move to a new page in the next layout.
- preview (a browser): calls are superscript links and the notes of a section follow it.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from markupsafe import Markup, escape

from ... import model as m
from ...i18n import direction

#: Unicode's left-to-right isolate and its end: a URL or a code span inside right-to-left text
#: keeps its own order and moves as one unit (WeasyPrint has no `unicode-bidi`; Pango follows
#: these characters).
LRI, PDI = "\u2066", "\u2069"

#: Elements a note may hold are spelled as spans inside a note: a note sits inside its
#: paragraph, and an HTML parser closes an open <p> at the first <p>, <ul> or <table>.
_NOTE_SAFE = {"em", "strong", "s", "code", "a", "img", "br", "sup", "span"}

#: Longer link addresses are printed as their text, without a link: WeasyPrint writes the whole
#: address into the PDF once per line the link text takes, so a link of n characters whose text
#: is its address costs n² bytes (a 50,000-character address: 1.4 GB while writing). Browsers and
#: servers stop at a few thousand characters anyway.
MAX_LINK_TARGET = 2000


def overlong_links(edition: m.Edition) -> list[str]:
    """Warnings for the links of `edition` that the print document leaves unlinked (MAX_LINK_TARGET)."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, m.Link) and not value.internal and len(value.target) > MAX_LINK_TARGET:
            found.append(value.target)
        if isinstance(value, tuple):
            for item in value:
                walk(item)
        elif dataclasses.is_dataclass(value) and not isinstance(value, (m.Resource, type)):
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name))

    for section in edition.sections:
        walk(section.children)
        walk(tuple(section.footnotes.values()))
    return [
        f"a link address of {len(t):,} characters ({t[:40]}…) is printed as text, not as a link "
        f"(the limit is {MAX_LINK_TARGET:,})"
        for t in found
    ]


def element(tag: str, content="", /, **attrs) -> Markup:
    """`<tag attrs>content</tag>`; attribute values and non-Markup content are escaped.
    `class_` → class, `data_b` → data-b; None/False attributes are left out."""
    # Plain concatenation with explicit escape(): Markup.format() parses a format string per
    # element and was most of the time of a 100-page preview.
    parts = [f"<{tag}"]
    for key, value in attrs.items():
        if value is None or value is False:
            continue
        parts.append(f' {key.rstrip("_").replace("_", "-")}="{escape(value)}"')
    if isinstance(content, (list, tuple)):
        body = "".join([escape(item) for item in content])
    else:
        body = escape(content)
    parts.append(f">{body}</{tag}>")
    return Markup("".join(parts))


def void(tag: str, **attrs) -> Markup:
    return element(tag, **attrs).replace(Markup(f"</{tag}>"), Markup(""))


class HtmlBody(m.Visitor):
    """Renders the blocks of one edition's sections. Not thread-safe; one per render."""

    def __init__(
        self,
        edition: m.Edition,
        *,
        for_print: bool,
        resource_url: Callable[[m.Resource], str],
        page_breaks: frozenset[int] = frozenset(),
    ):
        self.edition = edition
        self.for_print = for_print
        self.resource_url = resource_url
        self.page_breaks = page_breaks  # data-b numbers that must start a new page
        self.section: m.Section | None = None
        self.block_no = 0  # numbers blocks in reading order: stable across re-renders
        self.ol_depth = 0
        self.note_depth = 0
        self.endnotes: list[m.NoteCall] = []  # preview: notes of the current section
        self.rtl = False  # the current section's text runs right to left

    # ------------------------------------------------------------------ entry points

    def section_body(self, section: m.Section) -> Markup:
        self.section = section
        self.endnotes = []
        self.rtl = direction(section.language) == "rtl"
        return Markup("").join(self.visit_all(section.children))

    def note_body(self, note: m.Footnote) -> Markup:
        return Markup("").join(self.visit_all(note.children))

    # ------------------------------------------------------------------ helpers

    def _block(self, tag: str, content, **attrs) -> Markup:
        """A block element; inside a print note it becomes a span with class n-<tag>."""
        if self.note_depth and self.for_print and tag not in _NOTE_SAFE:
            cls = " ".join(filter(None, ["n-" + tag, attrs.pop("class_", None)]))
            attrs.pop("id", None)  # note content needs no anchors; avoids duplicates
            return element("span", content, class_=cls, **attrs)
        if self.for_print and not self.note_depth and tag in ("p", "pre", "tr", "figure", "h2", "h3", "h4", "h5", "h6"):
            self.block_no += 1
            attrs["data_b"] = self.block_no
            if self.block_no in self.page_breaks:
                # Set by the footnote fixer: inline, so it works whatever the style says.
                attrs["style"] = "break-before: page"
        return element(tag, content, **attrs)

    def inlines(self, nodes) -> Markup:
        return Markup("").join(self.visit_all(nodes))

    # ------------------------------------------------------------------ blocks

    def visit_Paragraph(self, node: m.Paragraph) -> Markup:
        return self._block("p", self.inlines(node.children))

    def visit_Heading(self, node: m.Heading) -> Markup:
        level = min(max(node.level, 2), 6)
        return self._block(
            f"h{level}", self.inlines(node.children), id=node.anchor, data_label=m.plain_text(node.children)
        )

    def visit_BulletList(self, node: m.BulletList) -> Markup:
        return self._block("ul", self.visit_all(node.items), class_=None if node.tight else "loose")

    def visit_OrderedList(self, node: m.OrderedList) -> Markup:
        self.ol_depth += 1
        # Numbering by depth: 1. → a. → i. → 1. …; the class lets the style choose.
        depth_class = f"ol-{(self.ol_depth - 1) % 3 + 1}"
        try:
            items = self.visit_all(node.items)
        finally:
            self.ol_depth -= 1
        classes = depth_class + ("" if node.tight else " loose")
        start = node.start if node.start != 1 else None
        if self.note_depth and self.for_print and start is not None:
            # spans have no start attribute: reset the list-item counter instead
            return self._block("ol", items, class_=classes, style=f"counter-reset: list-item {start - 1}")
        return self._block("ol", items, class_=classes, start=start)

    def visit_ListItem(self, node: m.ListItem) -> Markup:
        first = self.block_no + 1
        content = self.visit_all(node.children)
        if self.for_print and not self.note_depth and first in self.page_breaks and content:
            head = str(content[0])
            if head.startswith("<") and f' data-b="{first}"' in head[:head.find(">")]:
                # WeasyPrint does not carry a forced break from an item's first block to the
                # item: break before the item itself.
                return self._block("li", content, style="break-before: page")
        return self._block("li", content)

    def visit_BlockQuote(self, node: m.BlockQuote) -> Markup:
        return self._block("blockquote", self.visit_all(node.children))

    def visit_CodeBlock(self, node: m.CodeBlock) -> Markup:
        code = element("code", node.text, class_=f"language-{node.language}" if node.language else None)
        return self._block("pre", code)

    def visit_Table(self, node: m.Table) -> Markup:
        def align(i: int) -> str | None:
            a = node.aligns[i] if i < len(node.aligns) else None
            return f"align-{a}" if a else None

        head = self._block(
            "tr", [self._block("th", self.inlines(c.children), class_=align(i), scope="col") for i, c in enumerate(node.header)]
        )
        rows = [
            self._block("tr", [self._block("td", self.inlines(c.children), class_=align(i)) for i, c in enumerate(row)])
            for row in node.rows
        ]
        # <thead> is what makes WeasyPrint repeat the header row on every page of the table.
        return self._block("table", [self._block("thead", head), self._block("tbody", rows)])

    def visit_Figure(self, node: m.Figure) -> Markup:
        img = void("img", src=self.resource_url(node.image.resource), alt=node.image.alt, title=node.image.title)
        caption = self._block("figcaption", node.caption) if node.caption else Markup("")
        return self._block("figure", img + caption)

    def visit_ThematicBreak(self, node: m.ThematicBreak) -> Markup:
        return void("hr") if not (self.note_depth and self.for_print) else element("span", class_="n-hr")

    # ------------------------------------------------------------------ inlines

    def visit_Text(self, node: m.Text) -> Markup:
        if self.note_depth and self.for_print:
            return escape(node.text.replace("\n", " "))  # see visit_SoftBreak
        return escape(node.text)

    def visit_Emphasis(self, node: m.Emphasis) -> Markup:
        return element("em", self.inlines(node.children))

    def visit_Strong(self, node: m.Strong) -> Markup:
        return element("strong", self.inlines(node.children))

    def visit_Strikethrough(self, node: m.Strikethrough) -> Markup:
        return element("s", self.inlines(node.children))

    def visit_Code(self, node: m.Code) -> Markup:
        return element("code", self._ltr(node.text))

    def _ltr(self, text: str) -> str:
        """Text that reads left to right whatever surrounds it (URLs, code) — isolated only in
        right-to-left sections, so left-to-right packs are what they always were."""
        return f"{LRI}{text}{PDI}" if self.rtl else text

    def visit_Link(self, node: m.Link) -> Markup:
        text = self.inlines(node.children)
        if node.internal:
            if not self.edition.links_to(node):
                return text  # its target section is not in this pack: the words, without a dead link
            return element("a", text, href=node.target, class_="internal", title=node.title)
        if len(node.target) > MAX_LINK_TARGET:
            return text  # see MAX_LINK_TARGET; overlong_links warns
        link = element("a", text, href=node.target, class_="external", title=node.title)
        shown = m.plain_text(node.children).strip()
        bare = node.target.removeprefix("mailto:")
        if shown in (node.target, bare) or shown.rstrip("/") == bare.rstrip("/"):
            if self.rtl:
                text = Markup(LRI) + text + Markup(PDI)
            return element("a", text, href=node.target, class_="external bare", title=node.title)
        # On paper a link is only as good as its printed address; the style decides how it looks
        # (and hides it on screen).
        return link + element("span", self._ltr(bare), class_="link-url")

    def visit_Image(self, node: m.Image) -> Markup:
        return void("img", src=self.resource_url(node.resource), alt=node.alt, title=node.title, class_="inline")

    def visit_FootnoteRef(self, node: m.FootnoteRef) -> Markup:
        call = self.edition.call(self.section, node)
        number = str(call.number)
        if not self.for_print:
            if call.first:
                self.endnotes.append(call)
            link = element("a", number, href=f"#{call.anchor}", id=f"{call.anchor}-call-{node.index}" if call.first else None)
            return element("sup", link, class_="note-call")
        if not call.first:
            # A later call to a note already printed: the same number, linking to that note.
            return element("a", number, href=f"#{call.anchor}", class_="note-ref")
        self.note_depth += 1
        try:
            body = self.note_body(call.note)
        finally:
            self.note_depth -= 1
        return element("span", body, class_="note", id=call.anchor, data_n=number)

    def visit_SoftBreak(self, node: m.SoftBreak) -> Markup:
        # A space, not a newline: WeasyPrint 70 breaks the line at every newline inside a
        # footnote, whatever `white-space` says.
        return Markup(" ")

    def visit_LineBreak(self, node: m.LineBreak) -> Markup:
        return void("br")
