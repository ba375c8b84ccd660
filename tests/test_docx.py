"""The Word pack, read back the way its readers will: python-docx, the raw parts, and LibreOffice.

Each pack is built once per module; LibreOffice converts them all in one run.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile

import docx
import pytest
from lxml import etree

from briefpack import model as m
from briefpack.writers.docx.writer import render_docx
from briefpack.sources.loader import load_pack
from briefpack.options import RenderOptions
from briefpack.sources.files import load_style
from briefpack.model.selection import make_edition
from conftest import PNG_BYTES, SAMPLE, TRADE_PACK_YAML, TRADE_SECTIONS, write_pack

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W_NS,
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
STAMP = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.timezone.utc)
OPTIONS = RenderOptions(timestamp=STAMP)


def xp(el, path: str):
    return etree._Element.xpath(el, path, namespaces=NS)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


class Built:
    """One rendered pack and its parts, parsed once."""

    def __init__(self, edition: m.Edition, data: bytes):
        self.edition, self.data = edition, data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.doc = docx.Document(io.BytesIO(data))

    def part(self, name: str):
        return etree.fromstring(self.zip.read(name))

    def rels(self, name: str) -> dict[str, etree._Element]:
        return {r.get("Id"): r for r in self.part(name)}

    def style_ids(self) -> dict[str, str]:
        """styleId → the name Word shows (python-docx maps "heading 1" → "Heading 1" as Word does)"""
        return {s.style_id: s.name for s in self.doc.styles}


@pytest.fixture(scope="module")
def trade(tmp_path_factory) -> Built:
    root = write_pack(tmp_path_factory.mktemp("trade"), TRADE_PACK_YAML, TRADE_SECTIONS,
                      {"sections/img/logo.png": PNG_BYTES})
    edition = make_edition(load_pack(root))
    return Built(edition, render_docx(edition, load_style(), OPTIONS))


@pytest.fixture(scope="module")
def sample() -> Built:
    edition = make_edition(load_pack(SAMPLE))
    return Built(edition, render_docx(edition, load_style(), OPTIONS))


@pytest.fixture(scope="module")
def cyber() -> Built:
    edition = make_edition(load_pack(SAMPLE), ["cybersecurity"])
    return Built(edition, render_docx(edition, load_style(), OPTIONS))


# --------------------------------------------------------------------------- model helpers


def blocks_text(blocks) -> str:
    out = []
    for block in blocks:
        if isinstance(block, (m.Paragraph, m.Heading)):
            out.append(m.plain_text(block.children))
        elif isinstance(block, m.CodeBlock):
            out.append(block.text)
        elif isinstance(block, m.BlockQuote):
            out.append(blocks_text(block.children))
        elif isinstance(block, (m.BulletList, m.OrderedList)):
            out.extend(blocks_text(item.children) for item in block.items)
    return norm(" ".join(out))


def paragraph_text(p) -> str:
    return "".join(xp(p, ".//w:t/text()"))


def calls_with_context(edition: m.Edition):
    """(NoteCall, the words just before it in its paragraph) for every call, in reading order."""
    found = []

    def inlines(nodes, section, before: list[str]):
        for node in nodes:
            if isinstance(node, m.FootnoteRef):
                found.append((edition.call(section, node), norm("".join(before))))
                before.clear()
            elif isinstance(node, (m.Emphasis, m.Strong, m.Strikethrough, m.Link)):
                inlines(node.children, section, before)
            else:
                before.append(m.plain_text((node,)))

    def blocks(nodes, section):
        for block in nodes:
            if isinstance(block, (m.Paragraph, m.Heading)):
                inlines(block.children, section, [])
            elif isinstance(block, m.BlockQuote):
                blocks(block.children, section)
            elif isinstance(block, (m.BulletList, m.OrderedList)):
                for item in block.items:
                    blocks(item.children, section)
            elif isinstance(block, m.Table):
                for cell in (*block.header, *(c for row in block.rows for c in row)):
                    inlines(cell.children, section, [])

    for section in edition.sections:
        blocks(section.children, section)
    return found


# --------------------------------------------------------------------------- footnotes


@pytest.mark.parametrize("name", ["trade", "sample", "cyber"])
def test_every_note_is_one_real_footnote(name, request):
    built: Built = request.getfixturevalue(name)
    notes = built.part("word/footnotes.xml")
    real = {int(n.get(f"{{{W_NS}}}id")): n for n in xp(notes, "w:footnote[not(@w:type)]")}
    assert sorted(real) == [c.number for c in built.edition.notes] == list(range(1, len(real) + 1))
    for call in built.edition.notes:
        note = real[call.number]
        paragraphs = xp(note, "w:p")
        assert xp(paragraphs[0], "w:r[1]/w:footnoteRef"), "a note starts with its reference mark"
        assert xp(paragraphs[0], "string(w:r[1]/w:rPr/w:rStyle/@w:val)") == "FootnoteReference"
        assert {xp(p, "string(w:pPr/w:pStyle/@w:val)") for p in paragraphs} == {"FootnoteText"}
        assert norm(" ".join(paragraph_text(p) for p in paragraphs)) == blocks_text(call.note.children)
        assert not re.match(r"\s*\d", paragraph_text(paragraphs[0])), "no hard-coded numbers"

    body = built.part("word/document.xml")
    refs = [int(i) for i in xp(body, "//w:footnoteReference/@w:id")]
    assert sorted(refs) == sorted(real), "each note is called once by a footnoteReference"
    styles = set(xp(body, "//w:r[w:footnoteReference]/w:rPr/w:rStyle/@w:val"))
    assert styles == ({"FootnoteReference"} if refs else set())


def test_a_note_called_twice_refers_back_with_noteref(trade):
    later = [c for c in trade.edition.calls.values() if not c.first]
    assert later, "the trade pack calls one note twice"
    body = trade.part("word/document.xml")
    bookmarks = set(xp(body, "//w:bookmarkStart/@w:name"))
    instructions = [norm(t) for t in xp(body, "//w:instrText/text()")]
    for call in later:
        bookmark = f"_RefNote{call.number}"
        assert f"NOTEREF {bookmark} \\f \\h" in instructions
        assert bookmark in bookmarks
        # the bookmark sits around the first call's mark
        start = xp(body, f"//w:bookmarkStart[@w:name='{bookmark}']")[0]
        assert xp(start, "following-sibling::*[1]/w:footnoteReference/@w:id") == [str(call.number)]
        # the stored result already shows the number
        instr = [r for r in xp(body, "//w:r[w:instrText]") if "NOTEREF" in paragraph_text(r) + xp(r, "string(w:instrText)")][0]
        result = xp(instr, "following-sibling::w:r[2]")[0]
        assert paragraph_text(result) == str(call.number)
        assert xp(result, "string(w:rPr/w:rStyle/@w:val)") == "FootnoteReference"


def test_footnotes_part_is_wired_like_words_own(trade):
    types = trade.part("[Content_Types].xml")
    assert types.xpath("//*[@PartName='/word/footnotes.xml']/@ContentType") == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"]
    rels = trade.part("word/_rels/document.xml.rels")
    assert [r.get("Target") for r in rels if r.get("Type").endswith("/footnotes")] == ["footnotes.xml"]
    notes = trade.part("word/footnotes.xml")
    assert xp(notes, "w:footnote[@w:type='separator']/@w:id") == ["-1"]
    assert xp(notes, "w:footnote[@w:type='continuationSeparator']/@w:id") == ["0"]


# --------------------------------------------------------------------------- links


def model_links(edition: m.Edition, where: str) -> set[str]:
    found: set[str] = set()

    def inl(nodes):
        for node in nodes:
            if isinstance(node, m.Link):
                found.add(node.target)
            if hasattr(node, "children") and not isinstance(node, m.Image):
                inl(node.children)

    def blk(nodes):
        for b in nodes:
            if isinstance(b, (m.Paragraph, m.Heading)):
                inl(b.children)
            elif isinstance(b, m.BlockQuote):
                blk(b.children)
            elif isinstance(b, (m.BulletList, m.OrderedList)):
                for item in b.items:
                    blk(item.children)
            elif isinstance(b, m.Table):
                for cell in (*b.header, *(c for row in b.rows for c in row)):
                    inl(cell.children)

    if where == "body":
        for s in edition.sections:
            blk(s.children)
    else:
        for call in edition.notes:
            blk(call.note.children)
    return found


@pytest.mark.parametrize("name", ["trade", "sample"])
def test_external_links_are_real_hyperlinks_in_body_and_notes(name, request):
    built: Built = request.getfixturevalue(name)
    for where, part, rels in (("body", "word/document.xml", "word/_rels/document.xml.rels"),
                              ("notes", "word/footnotes.xml", "word/_rels/footnotes.xml.rels")):
        expected = {t for t in model_links(built.edition, where) if not t.startswith("#")}
        if not expected:
            continue
        relationships = built.rels(rels)
        xml = built.part(part)
        targets = set()
        for r_id in xp(xml, "//w:hyperlink/@r:id"):
            rel = relationships[r_id]
            assert rel.get("TargetMode") == "External"
            targets.add(rel.get("Target"))
        assert targets == expected, where
        assert set(xp(xml, "//w:hyperlink[@r:id]/w:r/w:rPr/w:rStyle/@w:val")) == {"Hyperlink"}


@pytest.mark.parametrize("name", ["trade", "sample", "cyber"])
def test_internal_links_and_contents_point_at_heading_bookmarks(name, request):
    built: Built = request.getfixturevalue(name)
    body = built.part("word/document.xml")
    bookmarks = set(xp(body, "//w:bookmarkStart/@w:name"))
    anchors = xp(body, "//w:hyperlink/@w:anchor")
    assert anchors and set(anchors) <= bookmarks
    for heading in xp(body, "//w:p[starts-with(w:pPr/w:pStyle/@w:val, 'Heading')]"):
        assert xp(heading, "w:bookmarkStart"), paragraph_text(heading)


# --------------------------------------------------------------------------- styles & structure


def test_every_paragraph_has_a_named_style_and_no_direct_fonts(sample, trade):
    for built in (sample, trade):
        names = built.style_ids()
        body = built.part("word/document.xml")
        used = set()
        for p in xp(body, "//w:body//w:p"):
            style = xp(p, "string(w:pPr/w:pStyle/@w:val)")
            assert style in names, paragraph_text(p)
            used.add(names[style])
        assert not xp(body, "//w:r/w:rPr/w:rFonts | //w:r/w:rPr/w:sz | //w:r/w:rPr/w:color")
        for required in ("Title", "Subtitle", "Cover Topic", "TOC Heading", "TOC 1", "Heading 1",
                         "Body Text", "Classification", "Caption", "Figure", "Table Text", "Table Heading"):
            assert required in used, required
    sample_used = {sample.style_ids()[s] for s in xp(sample.part("word/document.xml"), "//w:pPr/w:pStyle/@w:val")}
    assert {"TOC 2", "Heading 2", "Heading 3", "List Bullet", "List Number", "Quote"} <= sample_used
    trade_used = {trade.style_ids()[s] for s in xp(trade.part("word/document.xml"), "//w:pPr/w:pStyle/@w:val")}
    assert {"List Number", "List Number 2", "List Number 3", "Caption", "Table Text"} <= trade_used
    # the character styles the writer relies on exist in the reference document
    for name in ("Footnote Reference", "Hyperlink", "HTML Code", "Footnote Text", "Quote", "Caption"):
        assert name in {s.name for s in sample.doc.styles}


def test_ordered_lists_use_multilevel_numbering_and_restart(trade):
    numbering = trade.part("word/numbering.xml")
    body = trade.part("word/document.xml")
    ordered = xp(numbering, "w:abstractNum[w:name/@w:val='briefpack ordered list']")[0]
    assert xp(ordered, "w:lvl/w:numFmt/@w:val")[:3] == ["decimal", "lowerLetter", "lowerRoman"]
    bullets = xp(numbering, "w:abstractNum[w:name/@w:val='briefpack bullet list']")[0]
    assert set(xp(bullets, "w:lvl/w:numFmt/@w:val")) == {"bullet"}

    items = xp(body, "//w:p[w:pPr/w:numPr]")
    levels = [(paragraph_text(p), int(xp(p, "string(w:pPr/w:numPr/w:ilvl/@w:val)")),
               xp(p, "string(w:pPr/w:numPr/w:numId/@w:val)")) for p in items]
    by_text = {re.sub(r"\d+$", "", t): (lvl, num) for t, lvl, num in levels}  # minus note marks
    assert by_text["Disciplines"][0] == 0 and by_text["Illegal fishing"][0] == 1
    assert by_text["Reporting duties"][0] == 2 and by_text["Overfished stocks"][0] == 0
    assert by_text["Disciplines"][1] == by_text["Overfished stocks"][1], "one list, one num"
    assert len({by_text[t][1] for t in ("Disciplines", "Illegal fishing", "Reporting duties")}) == 3
    for _, level, num_id in levels:
        num = xp(numbering, f"w:num[@w:numId='{num_id}']")[0]
        assert xp(num, f"w:lvlOverride[@w:ilvl='{level}']/w:startOverride/@w:val"), "each list restarts"


def test_tables_repeat_their_header_row(trade):
    body = trade.part("word/document.xml")
    tables = xp(body, "//w:tbl")
    assert tables
    for table in tables:
        assert xp(table, "string(w:tblPr/w:tblStyle/@w:val)") == "BriefTable"
        assert xp(table, "w:tr[1]/w:trPr/w:tblHeader")


def test_figures_embed_the_picture_with_caption(trade, sample):
    names = trade.zip.namelist()
    assert any(n.startswith("word/media/") and n.endswith(".png") for n in names)
    body = trade.part("word/document.xml")
    figure = xp(body, "//w:p[w:pPr/w:pStyle/@w:val='Figure']")[0]
    assert xp(figure, ".//a:blip/@r:embed")
    caption = xp(figure, "following-sibling::w:p[1]")[0]
    assert xp(caption, "string(w:pPr/w:pStyle/@w:val)") == "Caption" and paragraph_text(caption) == "A tiny logo"
    # the sample's SVG goes in as SVG (Word 2016+) with a PNG fallback
    svg_parts = [n for n in sample.zip.namelist() if n.endswith(".svg")]
    assert svg_parts
    assert xp(sample.part("word/document.xml"), "//a:blip/a:extLst/a:ext/*[local-name()='svgBlip']")


# --------------------------------------------------------------------------- fields & page setup


def test_contents_field_has_a_readable_stored_result(sample):
    body = sample.part("word/document.xml")
    assert any("TOC \\o \"1-3\" \\h \\z \\u" == norm(t) for t in xp(body, "//w:instrText/text()"))
    entries = xp(body, "//w:p[starts-with(w:pPr/w:pStyle/@w:val, 'TOC') and w:pPr/w:pStyle/@w:val!='TOCHeading']")
    texts = [(xp(p, "string(w:pPr/w:pStyle/@w:val)"), paragraph_text(p)) for p in entries]
    expected = []
    for section in sample.edition.sections:
        expected.append(("TOC1", section.title))
        expected.extend((f"TOC{h.level}", m.plain_text(h.children)) for h in section.headings(3))
    expected.append(("TOC1", "Credits"))
    assert texts == expected
    # the field spans the entries: begin in the first, end in the last
    assert xp(entries[0], "w:r/w:fldChar/@w:fldCharType")[0] == "begin"
    assert xp(entries[-1], "w:r[last()]/w:fldChar/@w:fldCharType") == ["end"] or \
        "end" in xp(entries[-1], "w:r/w:fldChar/@w:fldCharType")
    for p in entries:
        assert len(xp(p, "w:hyperlink/@w:anchor")) == 1
        assert "PAGEREF" in " ".join(xp(p, ".//w:instrText/text()"))
    settings = sample.part("word/settings.xml")
    assert xp(settings, "w:updateFields/@w:val") == ["true"]


def test_header_footer_and_cover_page(sample):
    section = sample.doc.sections[0]
    assert section.different_first_page_header_footer
    assert not "".join(p.text for p in section.first_page_header.paragraphs).strip()
    assert not "".join(p.text for p in section.first_page_footer.paragraphs).strip()
    meta = sample.edition.meta
    assert section.header.paragraphs[0].text == f"{meta.title}\t{sample.edition.topic_label}"
    footer = section.footer._element
    instructions = [norm(t) for t in xp(footer, ".//w:instrText/text()")]
    assert instructions == ["PAGE", "NUMPAGES"]
    assert section.footer.paragraphs[0].text.startswith(meta.classification)
    assert abs(section.page_width.cm - 21) < 0.01 and abs(section.page_height.cm - 29.7) < 0.01
    body = sample.part("word/document.xml")
    assert xp(body, "//w:p[w:pPr/w:pStyle/@w:val='Classification']/w:r/w:br[@w:type='page']")


def test_credits_and_cover_name_the_people(trade):
    text = "\n".join(p.text for p in trade.doc.paragraphs)
    assert "Prepared by" in text and "Ada Policy (Trade Office)" in text
    assert "With contributions from" in text and "Pat Wide" in text
    assert "Fisheries: Fay Fisher (Ocean Desk)" in text
    assert "E-commerce: Eve Commerce" in text
    assert trade.doc.paragraphs[0].style.name == "Title"


def test_core_properties_language_and_section_breaks(cyber):
    props = cyber.doc.core_properties
    meta = cyber.edition.meta
    assert props.title == f"{meta.title}: Cybersecurity" and props.subject == "Cybersecurity"
    assert props.author == "; ".join(p.name for p in meta.authors)
    assert props.keywords == ", ".join(meta.keywords)
    assert props.language == meta.language
    assert props.created == props.modified == STAMP
    assert props.last_modified_by and "python-docx" not in (props.author + props.last_modified_by + props.title)
    assert b"python-docx" not in cyber.zip.read("docProps/core.xml")
    assert b"Macintosh" not in cyber.zip.read("docProps/app.xml")
    styles = cyber.part("word/styles.xml")
    assert xp(styles, "w:docDefaults/w:rPrDefault/w:rPr/w:lang/@w:val") == [meta.language]
    assert cyber.doc.styles["Heading 1"].paragraph_format.page_break_before


def test_no_page_breaks_between_sections_when_asked(trade):
    edition = trade.edition
    flowing = dataclasses.replace(edition, pack=dataclasses.replace(
        edition.pack, meta=dataclasses.replace(edition.meta, section_break="none")))
    doc = docx.Document(io.BytesIO(render_docx(flowing, load_style(), OPTIONS)))
    assert not doc.styles["Heading 1"].paragraph_format.page_break_before


def test_same_inputs_same_bytes(cyber):
    again = render_docx(cyber.edition, load_style(), OPTIONS)
    assert again == cyber.data
    assert {i.date_time for i in cyber.zip.infolist()} == {(2025, 3, 1, 9, 30, 0)}
    later = render_docx(cyber.edition, load_style(), RenderOptions(timestamp=STAMP + dt.timedelta(days=1)))
    assert later != cyber.data


# --------------------------------------------------------------------------- LibreOffice


@pytest.fixture(scope="module")
def printed(tmp_path_factory, sample, trade):
    """Both packs converted to PDF by LibreOffice, as page texts."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice is not installed")
    from pypdf import PdfReader

    folder = tmp_path_factory.mktemp("lo")
    for name, built in (("sample", sample), ("trade", trade)):
        (folder / f"{name}.docx").write_bytes(built.data)
    profile = tmp_path_factory.mktemp("lo-profile")
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(folder / "sample.docx"), str(folder / "trade.docx")],
                   check=True, capture_output=True, timeout=180)
    return {name: [norm(page.extract_text()) for page in PdfReader(folder / f"{name}.pdf").pages]
            for name in ("sample", "trade")}


def page_of(pages: list[str], snippet: str, start: int = 0) -> int | None:
    for i in range(start, len(pages)):
        if snippet in pages[i]:
            return i
    return None


@pytest.mark.parametrize("name", ["sample", "trade"])
def test_libreoffice_prints_each_note_on_the_page_of_its_call(printed, name, request):
    built: Built = request.getfixturevalue(name)
    pages = printed[name]
    checked = 0
    for call, before in calls_with_context(built.edition):
        words = before.split()
        if not call.first or len(words) < 3:
            continue
        call_page = page_of(pages, " ".join(words[-4:]), start=1)
        note_words = blocks_text(call.note.children).split()[:6]
        note_page = page_of(pages, " ".join(note_words), start=1)
        assert call_page is not None and call_page == note_page, (call.number, " ".join(words[-4:]))
        checked += 1
    assert checked >= 1


def test_libreoffice_shows_contents_and_page_numbers(printed, sample):
    pages = printed["sample"]
    contents = " ".join(pages[1:3])
    assert contents.startswith("ITU Plenipotentiary") or "Contents" in contents
    for section in sample.edition.sections:
        assert section.title in contents
        for heading in section.headings(2):
            assert m.plain_text(heading.children) in contents
    assert f"Page 2 of {len(pages)}" in pages[1]
    assert "Page" not in pages[0], "the cover has no footer"


# --------------------------------------------------------------------------- every node type

ODD_SECTIONS = {
    "odd.md": """
        ---
        title: Odd corners
        topics: all
        ---
        Text with `code`, ~~struck~~ words, a hard\\
        break and an inline ![dot](img/dot.png) image.[^n]

        #### A deep heading

        1. First
           - a bullet inside[^n]
           - another

           A second paragraph in the item.
        2. Second

        > Quoted text
        >
        > - a list in a quote

        ```python
        def f():
            return 1
        ```

        ---

        | Left | Right |
        |:-----|------:|
        | a[^t] | 1 |

        [^n]: A note with a list:

            - one point
            - [a link](https://example.org/in-note)

        [^t]: Called from a table.
    """,
}


@pytest.fixture(scope="module")
def odd(tmp_path_factory) -> Built:
    root = write_pack(tmp_path_factory.mktemp("odd"), "title: Odd pack\nslug: odd\nlanguage: fr\n", ODD_SECTIONS,
                      {"sections/img/dot.png": PNG_BYTES})
    edition = make_edition(load_pack(root))
    return Built(edition, render_docx(edition, load_style(), OPTIONS))


def test_every_node_type_lands_in_a_named_style(odd):
    body = odd.part("word/document.xml")
    names = odd.style_ids()
    used = [names[s] for s in xp(body, "//w:body//w:p/w:pPr/w:pStyle/@w:val")]
    for style in ("Heading 4", "List Number", "List Bullet 2", "List Continue", "Quote", "List Bullet",
                  "HTML Preformatted", "Separator", "Table Text", "Table Heading"):
        assert style in used, style
    assert "HTMLCode" in xp(body, "//w:r/w:rPr/w:rStyle/@w:val")
    assert xp(body, "//w:r[w:rPr/w:strike]/w:t/text()") == ["struck"]
    code = xp(body, "//w:p[w:pPr/w:pStyle/@w:val='HTMLPreformatted']")[0]
    assert len(xp(code, "w:r/w:br")) == 1 and "    return 1" in xp(code, "w:r/w:t/text()")
    right = xp(body, "//w:tbl/w:tr[2]/w:tc[2]/w:p/w:pPr/w:jc/@w:val")
    assert right == ["right"]
    # the inline picture keeps its own small size
    assert len(xp(body, "//w:drawing")) == 1

    notes = odd.part("word/footnotes.xml")
    note_list = xp(notes, "//w:footnote[@w:id='1']/w:p[w:pPr/w:numPr]")
    assert len(note_list) == 2 and {xp(p, "string(w:pPr/w:pStyle/@w:val)") for p in note_list} == {"FootnoteText"}
    assert odd.rels("word/_rels/footnotes.xml.rels")
    assert xp(notes, "//w:footnote[@w:id='2']//w:t/text()")[-1] == "Called from a table."
    assert xp(body, "//w:tbl//w:footnoteReference/@w:id") == ["2"]
    assert xp(odd.part("word/styles.xml"), "w:docDefaults/w:rPrDefault/w:rPr/w:lang/@w:val") == ["fr"]
    assert not odd.edition.meta.classification and odd.doc.sections[0].footer.paragraphs[0].text.startswith("\t")


def test_svg_figure_has_a_real_png_fallback_and_keeps_the_svg():
    """LibreOffice and older Word show the PNG; Word 2016+ draws the SVG itself."""
    import zipfile

    from PIL import Image

    edition = make_edition(load_pack(SAMPLE), [])
    data = render_docx(edition, load_style(), OPTIONS)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        media = {n: z.read(n) for n in z.namelist() if n.startswith("word/media/")}
    svgs = [n for n in media if n.endswith(".svg")]
    pngs = [Image.open(io.BytesIO(b)) for n, b in media.items() if n.endswith(".png")]
    assert svgs and pngs
    png = max(pngs, key=lambda im: im.width)
    assert png.width >= 1000
    colours = png.convert("RGB").getcolors(maxcolors=1 << 16) or []
    assert len(colours) > 50  # a drawing, not a flat placeholder box
