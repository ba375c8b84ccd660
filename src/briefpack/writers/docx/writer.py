"""The DOCX writer: an `Edition` → an editable Word document, built on the style's reference.docx.

It walks the model as a `Visitor` (one method per node) and gives every paragraph a named style
from the reference document, so staff restyle the pack in Word rather than fight direct
formatting. The Word XML python-docx has no API for (footnotes, hyperlinks, fields, bookmarks,
numbering) comes from `briefpack.wordml.write`. It reads no files: the reference document, images and text all
arrive in memory.

The document records what it was built from (`briefpack.provenance`, in its custom properties),
and a `trace` callback can be told which model node each paragraph and table came from: that is
how `briefpack absorb` maps a reviewed DOCX back to the lines of the sources.
"""

from __future__ import annotations

import io
import itertools
import logging
import unicodedata
from contextlib import contextmanager
from typing import Callable

from ... import model as m
from ...i18n import direction, language_name, long_date, script_of
from ...i18n.labels import page_parts
from ...i18n.languages import table_key
from ...wordml import write as wx
from .raster import RasterError, svg_to_png

LOGGER = logging.getLogger("briefpack")

# Paragraph styles by role; the names are Word's built-in ones where Word has one.
BODY, QUOTE, NOTE, CELL, CELL_HEAD = "Body Text", "Quote", "Footnote Text", "Table Text", "Table Heading"
LINK_CHAR, CODE_CHAR, NOTE_CHAR = "Hyperlink", "HTML Code", "Footnote Reference"
TRANSLATION_NOTE = "Translation Note"  # the note above a section not yet translated
#: the regional forms of the CJK faces the reference document names, by language
EAST_ASIAN_REGION = {"zh-Hant": "TC", "ja": "JP", "ko": "KR"}
TOC_INSTRUCTION = 'TOC \\o "1-3" \\h \\z \\u'
CREDITS_ANCHOR = "credits "  # the space keeps it apart from any section id


#: trace(element, section, node, role): the writer made `element` (a w:p, w:tbl, w:tr or
#: w:footnote) for `node` of `section` (None outside sections). Roles: "block" (the node's own
#: paragraph or table), "row" (node is (table, row index)), "caption" (a figure's caption),
#: "marker" (the numbered paragraph of a list item that starts with no paragraph), "note" (the
#: w:footnote of a Footnote), "title" (a section's Heading 1), "generated" (a note in a section
#: that it is not translated), and for the generated parts "cover-title", "cover-subtitle",
#: "cover", "contents", "credits".
Trace = Callable[[object, "m.Section | None", object, str], None]


def render_docx(edition: m.Edition, style, options) -> bytes:
    """The pack as .docx bytes; the same edition, style and timestamp give the same bytes.
    A style the reference document lacks is a problem at reference.docx, not a traceback."""
    from ...errors import Problem, SourceError

    options.progress("docx", "writing Word document")
    try:
        writer = DocxWriter(edition, style.data("reference.docx"), options)
        return writer.render()
    except KeyError as exc:
        message = str(exc.args[0]) if exc.args else ""
        if "no style" not in message:
            raise
        raise SourceError([Problem(
            style.root / "reference.docx", None,
            f"{message.removeprefix('the reference document ')}: the DOCX writer needs it — add it in Word, "
            "or start from briefpack's styles/reference.docx",
        )]) from None


def _no_trace(element, section, node, role) -> None:
    pass


class DocxWriter(m.Visitor):
    def __init__(self, edition: m.Edition, reference: bytes, options, trace: Trace | None = None,
                 rasterize: bool = True) -> None:
        import docx
        from docx.blkcntnr import BlockItemContainer
        from docx.text.paragraph import Paragraph

        self._container_cls = BlockItemContainer
        self._paragraph_cls = Paragraph
        self.edition = edition
        self.options = options
        self.trace = trace or _no_trace
        #: False: an SVG's stand-in PNG is a placeholder (a document rendered to be read back,
        #: not looked at, need not spend a second rasterising)
        self.rasterize = rasterize
        self.doc = docx.Document(io.BytesIO(reference))
        body = self.doc.element.body
        for child in list(body):
            if child.tag != wx.qn("w:sectPr"):
                body.remove(child)
        # body paragraphs go before the section properties, found once (python-docx searches
        # the whole body for them on every paragraph)
        self._body = body
        self._sect_pr = body.find(wx.qn("w:sectPr"))
        self.part = self.doc.part
        self.notes = wx.footnotes_part(self.part)
        self.notes.clear_notes()
        numbering = wx.numbering_element(self.part)
        self.numbering = numbering
        self.abstract = {
            "ordered": wx.add_abstract_list(numbering, "ordered", "briefpack ordered list"),
            "bullet": wx.add_abstract_list(numbering, "bullet", "briefpack bullet list"),
        }
        self._num_ids = itertools.count(wx.first_free_num_id(numbering))  # every list's w:num, counted
        # Style names → ids, looked up once: python-docx's `paragraph.style = name` scans every
        # style on each call, which was most of the writer's time on large packs.
        self._style_ids = {st.name: st.style_id for st in self.doc.styles}
        self._bookmark_names: dict[str, str] = {}
        self._bookmark_taken: set[str] = set()
        self._bookmark_count = 0
        for section in edition.sections:
            self._bookmark(section.id)
            for heading in section.headings():
                self._bookmark(heading.anchor)
        self._bookmark(CREDITS_ANCHOR)

        # walking state
        # the pack's language: its fixed words, its script, its direction
        self.labels = edition.labels
        self.language = edition.language
        self.rtl = direction(self.language) == "rtl"
        self.split_rtl = self.rtl  # split text into right-to-left and left-to-right runs
        self.run_language: tuple[str, str] | None = None  # (tag, script) of a section not yet translated
        self.paragraph_bidi: bool | None = None  # set on each paragraph when it differs from the document

        self.container = self.doc._body  # where blocks go: the body or a footnote
        self.story = self.part  # the part that owns relationships of what is being written
        self.section: m.Section | None = None
        self.block_style = BODY
        self.lists: list[int] = []  # numIds of the lists we are inside, outermost first
        self.list_kinds: list[str] = []
        self.item_first = False  # the next paragraph is the first of a list item
        self.sink = None  # the element runs go into: a w:p or a w:hyperlink
        self.marks: frozenset[str] = frozenset()
        self.in_link = False
        self._fallback_png: dict[int, bytes] = {}  # id of an SVG resource → its PNG
        self._text_size = None  # (width, height) inside the margins, once looked up
        self._first_calls: dict[str, list] | None = None  # section id → its notes' first calls
        self._link_targets: dict[int, wx.HyperlinkTargets] = {}  # id of a story part → its links
        self._pictures: wx.Pictures | None = None  # the package's images, indexed once a picture is written

    # ------------------------------------------------------------------ document

    def render(self) -> bytes:
        self.build()
        return self.save()

    def build(self) -> None:
        """Write the whole document into the in-memory tree (`self.doc`)."""
        self.write_cover()
        self.write_contents()
        for section in self.edition.sections:
            self.visit_Section(section)
        self.write_credits()
        self.write_header_footer()
        self.write_settings_and_properties()
        # python-docx numbers drawings per part; Word wants the ids unique across the document
        drawings = [*self.part.element.iter(wx.qn("wp:docPr")), *self.notes.element.iter(wx.qn("wp:docPr"))]
        for number, doc_pr in enumerate(drawings, start=1):
            doc_pr.set("id", str(number))

    def save(self) -> bytes:
        return wx.package_bytes(self.doc.part.package, self.options.timestamp)

    def write_cover(self) -> None:
        meta = self.edition.meta
        self.traced(self.paragraph("Title", meta.title), meta, "cover-title")
        if meta.subtitle:
            self.traced(self.paragraph("Subtitle", meta.subtitle), meta, "cover-subtitle")
        self.traced(self.paragraph("Cover Topic", self.edition.topic_label), meta, "cover")
        if meta.date:
            self.traced(self.paragraph("Cover Detail", long_date(meta.date, self.language)), meta, "cover")
        if self.edition.credits.prepared_by:
            self.traced(self.paragraph("Cover Label", self.labels["prepared_by"]), meta, "cover")
            for person in self.edition.credits.prepared_by:
                self.traced(self.paragraph("Cover Detail", str(person)), meta, "cover")
        last = self.traced(self.paragraph("Classification", meta.classification or ""), meta, "cover")
        last._p.append(wx.page_break_run())

    def toc_entries(self) -> list[tuple[int, str, str]]:
        entries = []
        for section in self.edition.sections:
            entries.append((1, section.title, self._bookmark(section.id)))
            for heading in section.headings(max_level=3):
                entries.append((heading.level, m.plain_text(heading.children), self._bookmark(heading.anchor)))
        if self._has_credits():
            entries.append((1, self.labels["credits"], self._bookmark(CREDITS_ANCHOR)))
        return entries

    def write_contents(self) -> None:
        """A real TOC field (Word refreshes it on open) whose stored result already lists every
        heading as a working link, for viewers that never compute fields. Page numbers are
        PAGEREF fields with an empty stored result: a guess would be wrong as often as right,
        and Word and LibreOffice both fill them in."""
        self.traced(self.paragraph("TOC Heading", self.labels["contents"]), None, "contents")
        entries = self.toc_entries() or [(1, "", "")]
        paragraphs = []
        for level, text, bookmark in entries:
            p = self.traced(self.paragraph(f"TOC {level}"), None, "contents")._p
            if bookmark:
                link = wx.internal_hyperlink(bookmark)
                link.extend(self.runs(text))
                # no tab before the empty page number: dot leaders to nothing look broken in
                # viewers that never refresh the field; Word rebuilds the entries anyway
                for r in wx.field(f"PAGEREF {bookmark} \\h", ""):
                    link.append(r)
                p.append(link)
            paragraphs.append(p)
        first, last = paragraphs[0], paragraphs[-1]
        begin = wx.field(TOC_INSTRUCTION)[:3]  # begin, instruction, separate
        anchor = first.find(wx.qn("w:pPr"))
        for r in reversed(begin):
            anchor.addnext(r)
        last.append(wx.field_char("end"))
        if self.edition.meta.section_break != "page":
            last.append(wx.page_break_run())

    def visit_Section(self, section: m.Section) -> None:
        self.section = section
        untranslated = self.edition.untranslated(section)
        saved = (self.split_rtl, self.run_language, self.paragraph_bidi)
        if untranslated:
            # printed in its own language: runs say so (w:lang), and its paragraphs take its
            # direction where that is not the document's
            section_rtl = direction(section.language) == "rtl"
            self.run_language = (section.language, script_of(section.language))
            self.split_rtl = self.rtl or section_rtl
            self.paragraph_bidi = section_rtl if section_rtl != self.rtl else None
        try:
            heading = self.traced(self.paragraph("Heading 1", section.title), section, "title")
            self._mark_bookmark(heading._p, section.id)
            if untranslated:
                self.untranslated_note(section, saved)
            self.visit_all(section.children)
            self.write_notes_of(section)
        finally:
            self.split_rtl, self.run_language, self.paragraph_bidi = saved
        self.section = None

    def untranslated_note(self, section: m.Section, document_state) -> None:
        """The note, in the pack's language, that a section is printed in its original one."""
        note = self.labels["not_translated"].format(language=language_name(section.language, self.language))
        inner = (self.split_rtl, self.run_language, self.paragraph_bidi)
        self.split_rtl, self.run_language, self.paragraph_bidi = document_state
        try:
            style = TRANSLATION_NOTE if TRANSLATION_NOTE in self._style_ids else BODY
            p = self.traced(self.paragraph(style, note), section, "generated")
            if style == BODY:
                for r in p._p.iter(wx.qn("w:r")):
                    r.get_or_add_rPr()._add_i()
        finally:
            self.split_rtl, self.run_language, self.paragraph_bidi = inner

    def write_notes_of(self, section: m.Section) -> None:
        """Each note whose first call is in this section, as a real Word footnote whose id is its
        number in the edition (Word numbers the marks itself)."""
        if self._first_calls is None:  # grouped once: a scan of every call per section was quadratic
            self._first_calls = {}
            for (sid, _), c in self.edition.calls.items():
                if c.first:
                    self._first_calls.setdefault(sid, []).append(c)
        calls = sorted(self._first_calls.get(section.id, ()), key=lambda c: c.number)
        for call in calls:
            note = self.notes.add_footnote(call.number)
            self.trace(note, section, call.note, "note")
            with self.writing_into(self._container_cls(note, self.notes), self.notes, NOTE):
                self.visit_all(call.note.children)
            first = note.find(wx.qn("w:p"))
            if first is None:
                first = self._container_cls(note, self.notes).add_paragraph(style=NOTE)._p
                note.insert(0, first)
            ppr = first.get_or_add_pPr()
            ppr.addnext(wx.run(" "))
            ppr.addnext(wx.footnote_mark_run(self.style_id(NOTE_CHAR)))

    def _has_credits(self) -> bool:
        c = self.edition.credits
        return bool(c.prepared_by or c.contributors or c.by_section)

    def write_credits(self) -> None:
        credits = self.edition.credits
        if not self._has_credits():
            return
        heading = self.traced(self.paragraph("Heading 1", self.labels["credits"]), None, "credits")
        self._mark_bookmark(heading._p, CREDITS_ANCHOR)
        for key, people in (("prepared_by", credits.prepared_by), ("with_contributions_from", credits.contributors)):
            if people:
                self.traced(self.paragraph("Credits Label", self.labels[key]), None, "credits")
                self.people_list(people)
        if credits.by_section:
            self.traced(self.paragraph("Credits Label", self.labels["contributors_by_section"]), None, "credits")
            for credit in credits.by_section:
                p = self.traced(self.paragraph(BODY), None, "credits")
                self.sink = p._p
                with self.marked("b"):
                    self.text(credit.section.title)
                self.text(": " + ", ".join(str(person) for person in credit.people))
                self.sink = None
        if credits.translated_by:
            self.traced(self.paragraph("Credits Label", self.labels["translated_by"]), None, "credits")
            self.people_list(credits.translated_by)

    def people_list(self, people) -> None:
        num_id = wx.add_list_instance(self.numbering, self.abstract["bullet"], num_id=next(self._num_ids))
        for person in people:
            p = self.traced(self.paragraph("List Bullet", str(person)), None, "credits")
            wx.set_numbering(p._p, num_id, 0)

    def write_header_footer(self) -> None:
        meta = self.edition.meta
        section = self.doc.sections[0]
        section.different_first_page_header_footer = True  # the cover has no header or footer
        for story in (section.first_page_header, section.first_page_footer):
            self._only_paragraph(story, "Normal")
        header = self._only_paragraph(section.header, "Header")
        header.extend(self.runs(meta.title))
        header.append(wx.tab_run())
        header.extend(self.runs(self.edition.topic_label))
        footer = self._only_paragraph(section.footer, "Footer")
        if meta.classification:
            footer.extend(self.runs(meta.classification))
        footer.append(wx.tab_run())
        before, between, after = page_parts(self.labels["page_of"])  # "Page ", " of ", ""
        footer.extend(self.runs(before))
        footer.extend(wx.field("PAGE", "1"))
        footer.extend(self.runs(between))
        footer.extend(wx.field("NUMPAGES", "1"))
        footer.extend(self.runs(after))

    def _only_paragraph(self, story, style_name):
        story.is_linked_to_previous = False
        element = story._element
        for child in list(element):
            element.remove(child)
        p = story.add_paragraph(style=style_name)._p
        if self.rtl:
            wx.set_bidi(p.get_or_add_pPr())
        return p

    def write_settings_and_properties(self) -> None:
        meta, edition = self.edition.meta, self.edition
        settings = self.doc.settings.element
        wx.set_update_fields(settings)
        styles = self.doc.styles.element
        wx.set_default_language(styles, self.language, script_of(self.language))
        wx.set_script_fonts(styles, EAST_ASIAN_REGION.get(table_key(self.language) or self.language.split("-")[0]))
        if self.rtl:
            wx.set_default_bidi(styles)
            wx.mirror_borders(styles)
            wx.set_section_rtl(self.doc.sections[0]._sectPr)
        heading1 = self.doc.styles["Heading 1"]
        heading1.paragraph_format.page_break_before = meta.section_break == "page"

        props = self.doc.core_properties
        people = edition.credits.prepared_by or meta.authors
        props.title = _core_property(meta.title if edition.is_full else f"{meta.title}: {edition.topic_label}")
        props.subject = _core_property(edition.topic_label)
        props.author = _core_property("; ".join(p.name for p in people))
        props.last_modified_by = props.author or "briefpack"
        props.keywords = _core_property(", ".join(meta.keywords))
        props.language = self.language
        props.category = _core_property(self.labels["briefing_pack"])
        props.comments = ""
        props.revision = 1
        stamp = self.options.timestamp.replace(microsecond=0)
        props.created = props.modified = stamp
        from ... import __version__, provenance

        record = provenance.of_edition(edition, __version__)
        wx.set_custom_properties(self.doc.part.package, provenance.to_properties(record))

    # ------------------------------------------------------------------ helpers

    def traced(self, paragraph, node, role: str):
        """`paragraph` (a python-docx proxy), after telling the trace where it came from."""
        self.trace(paragraph._p, self.section, node, role)
        return paragraph

    def style_id(self, name: str) -> str:
        try:
            return self._style_ids[name]
        except KeyError:
            raise KeyError(f"the reference document has no style {name!r}") from None

    def paragraph(self, style_name: str, text: str = ""):
        """A new paragraph of `style_name` at the end of the current container (a python-docx
        proxy): the same `w:p` as `container.add_paragraph(style=…)`, made directly."""
        p = wx.element("w:p", children=[wx.element("w:pPr", children=[wx.element("w:pStyle", {"w:val": self.style_id(style_name)})])])
        parent = self.container._element
        if parent is self._body and self._sect_pr is not None:
            self._sect_pr.addprevious(p)
        else:
            parent.append(p)
        if self.paragraph_bidi is not None:
            wx.set_bidi(p.pPr, self.paragraph_bidi)
        if text:
            p.extend(self.runs(text))
        return self._paragraph_cls(p, self.container)

    def runs(self, text: str, style_id: str | None = None, marks: frozenset[str] = frozenset()) -> list:
        """The runs of some text: in a right-to-left document (or section), one run per stretch
        of right-to-left or left-to-right text, the right-to-left ones marked `w:rtl` so Word
        uses the complex-script font, size and weight; a section not yet translated names its
        language on every run."""
        pieces = split_by_direction(text) if self.split_rtl else [(text, False)]
        return [wx.text_run(piece, style_id, marks, rtl, self.run_language) for piece, rtl in pieces]

    def _bookmark(self, anchor: str) -> str:
        if anchor not in self._bookmark_names:
            self._bookmark_names[anchor] = wx.bookmark_name(anchor, self._bookmark_taken)
        return self._bookmark_names[anchor]

    def _mark_bookmark(self, p, anchor: str) -> None:
        self._bookmark_count += 1
        wx.bookmark_around(p, self._bookmark_count, self._bookmark(anchor))

    @contextmanager
    def writing_into(self, container, story, block_style):
        saved = (self.container, self.story, self.block_style, self.lists, self.list_kinds, self.item_first)
        self.container, self.story, self.block_style = container, story, block_style
        self.lists, self.list_kinds, self.item_first = [], [], False
        try:
            yield
        finally:
            (self.container, self.story, self.block_style, self.lists, self.list_kinds, self.item_first) = saved

    @contextmanager
    def marked(self, mark: str):
        saved = self.marks
        self.marks = saved | {mark}
        try:
            yield
        finally:
            self.marks = saved

    @contextmanager
    def into(self, sink):
        saved = self.sink
        self.sink = sink
        try:
            yield
        finally:
            self.sink = saved

    def text(self, text: str, char_style: str | None = None) -> None:
        if not text:
            return
        style = LINK_CHAR if self.in_link else char_style
        self.sink.extend(self.runs(text, self.style_id(style) if style else None, self.marks))

    def block_paragraph(self):
        """A paragraph for body text in the current context: a list item, a quote, a note,
        a table cell or the body."""
        if self.lists:
            depth = len(self.lists)
            suffix = "" if depth == 1 else f" {min(depth, 3)}"
            if self.block_style == NOTE:
                # lists inside notes keep the notes' small type; numbering still comes from w:numPr
                family, suffix = NOTE, ""
            elif self.item_first:
                family = "List Number" if self.list_kinds[-1] == "ordered" else "List Bullet"
            else:
                family = "List Continue"
            if self.item_first:
                p = self.paragraph(family + suffix)
                wx.set_numbering(p._p, self.lists[-1], depth - 1)
                self.item_first = False
                return p
            return self.paragraph(family + suffix)
        return self.paragraph(self.block_style)

    # ------------------------------------------------------------------ blocks

    def visit_Paragraph(self, node: m.Paragraph) -> None:
        p = self.traced(self.block_paragraph(), node, "block")
        with self.into(p._p):
            self.visit_all(node.children)

    def visit_Heading(self, node: m.Heading) -> None:
        p = self.traced(self.paragraph(f"Heading {min(node.level, 4)}"), node, "block")
        with self.into(p._p):
            self.visit_all(node.children)
        self._mark_bookmark(p._p, node.anchor)

    def _list(self, node, kind: str, start: int = 1) -> None:
        depth = len(self.lists)
        num_id = wx.add_list_instance(self.numbering, self.abstract[kind], depth, start, num_id=next(self._num_ids))
        self.lists = [*self.lists, num_id]
        self.list_kinds = [*self.list_kinds, kind]
        try:
            for item in node.items:
                self.item_first = True
                self.visit(item)
        finally:
            self.lists, self.list_kinds = self.lists[:-1], self.list_kinds[:-1]
            self.item_first = False

    def visit_BulletList(self, node: m.BulletList) -> None:
        self._list(node, "bullet")

    def visit_OrderedList(self, node: m.OrderedList) -> None:
        self._list(node, "ordered", node.start)

    def visit_ListItem(self, node: m.ListItem) -> None:
        if not node.children or not isinstance(node.children[0], m.Paragraph):
            self.traced(self.block_paragraph(), node, "marker")  # the item's number stands on its own line
        self.visit_all(node.children)

    def visit_BlockQuote(self, node: m.BlockQuote) -> None:
        saved = self.block_style
        self.block_style = QUOTE
        try:
            self.visit_all(node.children)
        finally:
            self.block_style = saved

    def visit_CodeBlock(self, node: m.CodeBlock) -> None:
        p = self.traced(self.paragraph("HTML Preformatted"), node, "block")
        for i, line in enumerate(node.text.rstrip("\n").split("\n")):
            if i:
                p._p.append(wx.run(children=[wx.element("w:br")]))
            p._p.append(wx.run(line.replace("\t", "    ")))

    def visit_ThematicBreak(self, node: m.ThematicBreak) -> None:
        self.traced(self.paragraph("Separator"), node, "block")

    def visit_Table(self, node: m.Table) -> None:
        from docx.shared import Emu

        columns = max(len(node.header), *(len(r) for r in node.rows)) if node.rows else len(node.header)
        width = self._text_width()
        table = self.container.add_table(rows=1 + len(node.rows), cols=columns, width=width)
        tbl = table._tbl
        tbl.tblPr.style = self._table_style_id()
        rows = list(tbl.iterchildren(wx.qn("w:tr")))
        self.trace(tbl, self.section, node, "block")
        for r, tr in enumerate(rows):
            self.trace(tr, self.section, (node, r), "row")
        if (self.rtl and self.paragraph_bidi is not False) or self.paragraph_bidi:
            from docx.enum.table import WD_TABLE_DIRECTION

            table.table_direction = WD_TABLE_DIRECTION.RTL  # w:bidiVisual: the first column on the right
        rows[0].get_or_add_trPr().append(wx.element("w:tblHeader"))
        widths = column_widths(node, columns, width)
        for c, column_width in enumerate(widths):
            table.columns[c].width = column_width
        # A new table's cells, written through the elements rather than python-docx's cell
        # proxies (which rebuild the row's grid and search the schema order on every set): a
        # fresh table has one w:tc per column and each holds a w:tcPr/w:tcW and an empty w:p.
        twips = [str(Emu(w).twips) for w in widths]
        head_style, cell_style = self.style_id(CELL_HEAD), self.style_id(CELL)
        for r, (cells, tr) in enumerate(zip((node.header, *node.rows), rows)):
            for c, tc in enumerate(tr.iterchildren(wx.qn("w:tc"))):
                tc.find(wx.qn("w:tcPr")).find(wx.qn("w:tcW")).set(wx.qn("w:w"), twips[c])
                p = tc.find(wx.qn("w:p"))
                ppr = wx.element("w:pPr", children=[wx.element("w:pStyle", {"w:val": head_style if r == 0 else cell_style})])
                p.insert(0, ppr)
                if self.paragraph_bidi is not None:
                    wx.set_bidi(ppr, self.paragraph_bidi)
                align = node.aligns[c] if c < len(node.aligns) else None
                if align in ("left", "center", "right"):
                    wx.set_alignment(ppr, align)
                if c < len(cells):
                    with self.into(p):
                        self.visit_all(cells[c].children)

    def _table_style_id(self) -> str | None:
        """The id of the "Brief Table" style, found once, as python-docx's `table.style = …`
        finds it (None when it is the document's default table style: no w:tblStyle)."""
        if not hasattr(self, "_table_style"):
            from docx.enum.style import WD_STYLE_TYPE

            self._table_style = self.part.get_style_id(self.doc.styles["Brief Table"], WD_STYLE_TYPE.TABLE)
        return self._table_style

    def visit_Figure(self, node: m.Figure) -> None:
        p = self.traced(self.paragraph("Figure"), node, "block")
        with self.into(p._p):
            self.picture(node.image, self._text_width())
        if node.caption:
            caption = self.traced(self.paragraph("Caption"), node, "caption")
            with self.into(caption._p):
                self.text(node.caption)

    # ------------------------------------------------------------------ inlines

    def visit_Text(self, node: m.Text) -> None:
        self.text(node.text)

    def visit_Emphasis(self, node: m.Emphasis) -> None:
        with self.marked("i"):
            self.visit_all(node.children)

    def visit_Strong(self, node: m.Strong) -> None:
        with self.marked("b"):
            self.visit_all(node.children)

    def visit_Strikethrough(self, node: m.Strikethrough) -> None:
        with self.marked("strike"):
            self.visit_all(node.children)

    def visit_Code(self, node: m.Code) -> None:
        self.text(node.text, CODE_CHAR)

    def visit_SoftBreak(self, node: m.SoftBreak) -> None:
        self.text(" ")

    def visit_LineBreak(self, node: m.LineBreak) -> None:
        self.sink.append(wx.run(children=[wx.element("w:br")]))

    def visit_Link(self, node: m.Link) -> None:
        if node.internal:
            anchor = node.target[1:]
            if anchor not in self._bookmark_names:
                # the target section is not in this edition: keep the words, drop the link
                self.visit_all(node.children)
                return
            link = wx.internal_hyperlink(self._bookmark(anchor), node.title)
        else:
            targets = self._link_targets.get(id(self.story))
            if targets is None:
                targets = self._link_targets[id(self.story)] = wx.HyperlinkTargets(self.story)
            link = wx.external_hyperlink(self.story, node.target, node.title, targets)
        self.sink.append(link)
        saved = self.in_link
        self.in_link = True
        try:
            with self.into(link):
                self.visit_all(node.children)
        finally:
            self.in_link = saved

    def visit_Image(self, node: m.Image) -> None:
        width = None
        if node.resource.width:
            from docx.shared import Emu

            width = min(Emu(int(node.resource.width * 914400 / 96)), self._text_width())
        self.picture(node, width)

    def visit_FootnoteRef(self, node: m.FootnoteRef) -> None:
        call = self.edition.call(self.section, node)
        bookmark = f"_RefNote{call.number}"
        note_style = self.style_id(NOTE_CHAR)
        if call.first:
            r = wx.footnote_reference_run(call.number, note_style)
            self.sink.append(r)
            self._bookmark_count += 1
            # a bookmark around the mark, so later calls can refer back to it
            wx.bookmark_around(self.sink, self._bookmark_count, bookmark, first=r, last=r)
        else:
            # a later call of the same note: a NOTEREF field showing the note's number
            for r in wx.field(f"NOTEREF {bookmark} \\f \\h", str(call.number), note_style):
                self.sink.append(r)

    # ------------------------------------------------------------------ pictures

    def _text_width(self):
        return self._text_area()[0]

    def _text_height(self):
        return self._text_area()[1]

    def _text_area(self) -> tuple:
        """Width and height inside the margins, read once (python-docx finds the section
        properties by a search of the whole document on each look)."""
        if self._text_size is None:
            section = self.doc.sections[0]
            self._text_size = (section.page_width - section.left_margin - section.right_margin,
                               section.page_height - section.top_margin - section.bottom_margin)
        return self._text_size

    def picture(self, image: m.Image, width) -> None:
        resource = image.resource
        svg = resource.media_type == "image/svg+xml"
        if svg:
            # The picture carries the SVG (Word 2016+ draws it) and a PNG of it for every other
            # client; a plain placeholder only if the SVG cannot be rasterised.
            w, h = (resource.width, resource.height) if resource.width and resource.height else (800, 450)
            data = self._fallback_png.get(id(resource))
            if data is None:  # once per SVG, however often it is shown
                try:
                    if not self.rasterize:
                        raise RasterError("not rasterised")
                    data = svg_to_png(resource.data, 1600, h / w)  # sharp in print at text width
                except RasterError as exc:
                    if self.rasterize:
                        LOGGER.warning("%s: %s; Word 2016+ still shows the SVG", resource.path.name, exc)
                    data = wx.placeholder_png(max(1, min(w, 4000) // 8), max(1, min(h, 4000) // 8))
                self._fallback_png[id(resource)] = data
        else:
            data = resource.data
        if svg:
            aspect = h / w
        else:
            aspect = (resource.height / resource.width) if resource.width and resource.height else None
        if width is not None and aspect and width * aspect > self._text_height() * 0.6:
            width = int(self._text_height() * 0.6 / aspect)
        if self._pictures is None:
            self._pictures = wx.Pictures(self.story.package)
        inline = self._pictures.inline(self.story, data, width)
        if svg:
            wx.attach_svg(self.story, inline, resource.data, resource.path.name)
        doc_pr = inline.find(wx.qn("wp:docPr"))
        doc_pr.set("descr", image.alt)
        r = wx.run()
        drawing = wx.element("w:drawing")
        drawing.append(inline)
        r.append(drawing)
        self.sink.append(r)


_STRONG_RTL = ("R", "AL")


def split_by_direction(text: str) -> list[tuple[str, bool]]:
    """'القرار 130 (Rev. Guadalajara)' → [('القرار 130 (', True), ('Rev. Guadalajara)', False)]:
    stretches of right-to-left and of left-to-right letters; digits, spaces and punctuation
    stay with the stretch they follow (or the first one, at the start)."""
    pieces: list[list] = []
    pending = ""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in _STRONG_RTL or kind == "L":
            rtl = kind in _STRONG_RTL
            if pieces and pieces[-1][1] == rtl:
                pieces[-1][0] += pending + char
            elif pieces:
                pieces[-1][0] += pending
                pieces.append([char, rtl])
            else:
                pieces.append([pending + char, rtl])
            pending = ""
        else:
            pending += char
    if not pieces:
        return [(text, False)] if text else []
    pieces[-1][0] += pending
    return [(piece, rtl) for piece, rtl in pieces]


def column_widths(table: m.Table, columns: int, total: int) -> list[int]:
    """Share the text width by how much each column holds (a short code column next to a long
    title column should not get the same third), within 8–60 % per column; Word and LibreOffice
    keep fixed widths, so the stored grid is what readers see."""
    weights = []
    for c in range(columns):
        texts = [m.plain_text(row[c].children) for row in (table.header, *table.rows) if c < len(row)]
        lengths = [len(t) for t in texts]
        longest = max(lengths, default=0)
        average = sum(lengths) / len(lengths) if lengths else 0
        word = max((len(w) for t in texts for w in t.split()), default=0)  # never break a word
        weights.append(max(min(60.0, max(4.0, (longest + 2 * average) / 3)), word * 1.15) + 3)
    shares = [max(0.08, min(0.60, w / sum(weights))) for w in weights]
    scale = total / sum(shares)
    widths = [int(share * scale) for share in shares]
    widths[-1] += total - sum(widths)
    return widths


def _core_property(text: str) -> str:
    """`text` as a document property: python-docx (and Word) take at most 255 characters."""
    return text if len(text) <= 255 else text[:254] + "…"
