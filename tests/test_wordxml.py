"""The Word XML layer on its own: parts, relationships, fields and numbering survive a save and
read back the way Word expects them."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import docx
import pytest
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from lxml import etree

from briefpack.wordml import write as wx

W = {"w": wx.W_NS, "r": wx.R_NS}
PKG_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def xp(el, path: str):
    """XPath with the w/r prefixes, on python-docx and plain lxml elements alike."""
    return etree._Element.xpath(el, path, namespaces=W)


def saved(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def xml(blob: bytes, name: str):
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        return etree.fromstring(z.read(name))


def test_footnotes_part_is_registered_with_separators_and_settings():
    doc = docx.Document()
    part = wx.footnotes_part(doc.part)
    assert wx.footnotes_part(doc.part) is part  # one part, however often asked
    note = part.add_footnote(1)
    container = docx.blkcntnr.BlockItemContainer(note, part)
    p = container.add_paragraph()
    p._p.append(wx.footnote_mark_run(None))
    p._p.append(wx.run(" A note with a "))
    link = wx.external_hyperlink(part, "https://example.org/note")
    link.append(wx.run("link"))
    p._p.append(link)
    with pytest.raises(ValueError):
        part.add_footnote(1)
    blob = saved(doc)

    types = xml(blob, "[Content_Types].xml")
    override = types.find("{*}Override[@PartName='/word/footnotes.xml']")
    assert override.get("ContentType") == "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
    rels = xml(blob, "word/_rels/document.xml.rels")
    assert [r.get("Target") for r in rels if r.get("Type") == RT.FOOTNOTES] == ["footnotes.xml"]

    notes = xml(blob, "word/footnotes.xml")
    kinds = [(n.get(f"{{{wx.W_NS}}}type"), n.get(f"{{{wx.W_NS}}}id")) for n in notes]
    assert kinds == [("separator", "-1"), ("continuationSeparator", "0"), (None, "1")]
    assert xp(notes, "//w:footnote[@w:id='1']//w:footnoteRef")

    # the link in the note is related from the footnotes part itself, as an external target
    note_rels = xml(blob, "word/_rels/footnotes.xml.rels")
    (rel,) = [r for r in note_rels if r.get("Type") == RT.HYPERLINK]
    assert rel.get("Target") == "https://example.org/note" and rel.get("TargetMode") == "External"
    assert xp(notes, "//w:hyperlink/@r:id") == [rel.get("Id")]

    settings = xml(blob, "word/settings.xml")
    assert xp(settings, "w:footnotePr/w:footnote/@w:id") == ["-1", "0"]

    # reading the file back gives our part class again
    again = docx.Document(io.BytesIO(blob))
    part = again.part.part_related_by(RT.FOOTNOTES)
    assert isinstance(part, wx.FootnotesPart) and part.note_ids() == [1]
    part.clear_notes()
    assert part.note_ids() == [] and len(part.element) == 2


def test_field_runs_carry_a_stored_result():
    runs = wx.field("NOTEREF _RefNote3 \\f \\h", "3", style_id="FootnoteReference")
    kinds = [xp(r, "string(w:fldChar/@w:fldCharType)") for r in runs]
    assert kinds == ["begin", "", "separate", "", "end"]
    assert xp(runs[1], "string(w:instrText)").strip() == "NOTEREF _RefNote3 \\f \\h"
    assert xp(runs[3], "string(w:t)") == "3"
    assert all(xp(r, "string(w:rPr/w:rStyle/@w:val)") == "FootnoteReference" for r in runs)


def test_bookmark_names_are_word_safe_and_unique():
    taken: set[str] = set()
    names = [wx.bookmark_name(a, taken) for a in ("about", "2014-deadlines", "a-b", "a_b", "x" * 60, "x" * 61)]
    assert names[0] == "about"
    assert names[1].startswith("h_2014_")
    assert len(set(names)) == len(names)
    for name in names:
        assert len(name) <= 40 and name[0].isalpha() and name.replace("_", "").isalnum()


def test_bookmark_around_a_paragraph_and_a_run():
    doc = docx.Document()
    p = doc.add_paragraph("Heading", style="Heading 1")._p
    wx.bookmark_around(p, 7, "intro")
    assert [c.tag.split("}")[1] for c in p][:2] == ["pPr", "bookmarkStart"]
    assert p[-1].tag.endswith("bookmarkEnd") and p[-1].get(f"{{{wx.W_NS}}}id") == "7"


def test_numbering_definitions_by_depth_and_restarts():
    doc = docx.Document()
    numbering = wx.numbering_element(doc.part)
    existing_num = wx.add_list_instance(numbering, wx.add_abstract_list(numbering, "bullet", "first"))
    ordered = wx.add_abstract_list(numbering, "ordered", "ordered")
    first = wx.add_list_instance(numbering, ordered, 0, 1)
    second = wx.add_list_instance(numbering, ordered, 0, 4)
    assert len({existing_num, first, second}) == 3

    abstract = xp(numbering, f"w:abstractNum[@w:abstractNumId='{ordered}']")[0]
    formats = xp(abstract, "w:lvl/w:numFmt/@w:val")
    assert formats[:6] == ["decimal", "lowerLetter", "lowerRoman"] * 2 and len(formats) == 9
    assert xp(abstract, "w:lvl[@w:ilvl='1']/w:lvlText/@w:val") == ["%2."]
    # schema order: all abstractNum elements before any num
    tags = [c.tag.split("}")[1] for c in numbering if c.tag.split("}")[1] in ("abstractNum", "num")]
    assert tags == sorted(tags)  # "abstractNum" < "num"
    num = xp(numbering, f"w:num[@w:numId='{second}']")[0]
    assert xp(num, "w:lvlOverride[@w:ilvl='0']/w:startOverride/@w:val") == ["4"]

    p = doc.add_paragraph("item", style="List Number")._p
    wx.set_numbering(p, second, 2)
    assert xp(p, "w:pPr/w:numPr/w:ilvl/@w:val") == ["2"]
    assert xp(p, "w:pPr/w:numPr/w:numId/@w:val") == [str(second)]


def test_settings_and_language_in_schema_order():
    doc = docx.Document()
    settings = doc.settings.element
    wx.set_update_fields(settings)
    wx.set_update_fields(settings)
    wx.footnotes_part(doc.part)
    names = [etree.QName(c).localname for c in settings]
    assert names.count("updateFields") == 1
    assert names.index("updateFields") < names.index("footnotePr") < names.index("compat")

    wx.set_default_language(doc.styles.element, "fr-FR")
    assert xp(doc.styles.element, "w:docDefaults/w:rPrDefault/w:rPr/w:lang/@w:val") == ["fr-FR"]


def test_placeholder_png_is_a_valid_image():
    from docx.image.image import Image

    image = Image.from_blob(wx.placeholder_png(40, 12))
    assert (image.px_width, image.px_height) == (40, 12)
    assert image.content_type == "image/png"


def test_reproducible_zip_fixes_times_and_order():
    doc = docx.Document()
    doc.add_paragraph("x")
    blob = saved(doc)
    stamp = dt.datetime(2014, 10, 1, 12, 30)
    one, two = wx.reproducible_zip(blob, stamp), wx.reproducible_zip(saved(doc), stamp)
    assert one == two
    with zipfile.ZipFile(io.BytesIO(one)) as z:
        names = z.namelist()
        assert names[:2] == ["[Content_Types].xml", "_rels/.rels"] and names[2:] == sorted(names[2:])
        assert {i.date_time for i in z.infolist()} == {(2014, 10, 1, 12, 30, 0)}
        assert z.testzip() is None
    assert docx.Document(io.BytesIO(one)).paragraphs[-1].text == "x"


def test_package_bytes_is_the_reproducible_zip_of_pythondocx_save():
    """The writer zips the package once (package_bytes): the same bytes as python-docx's own
    save re-zipped, footnotes part and custom properties included."""
    doc = docx.Document()
    doc.add_paragraph("x")
    wx.footnotes_part(doc.part).add_footnote(1)
    wx.set_custom_properties(doc.part.package, [("briefpack", "1")])
    stamp = dt.datetime(2014, 10, 1, 12, 30)
    direct = wx.package_bytes(doc.part.package, stamp)
    assert direct == wx.reproducible_zip(saved(doc), stamp)
    with zipfile.ZipFile(io.BytesIO(direct)) as z:
        assert {"word/footnotes.xml", "docProps/custom.xml", "word/_rels/document.xml.rels"} <= set(z.namelist())


def test_hyperlink_targets_give_python_docx_ids():
    """The indexed hyperlink relationships (linear in the links) are the ones python-docx's
    relate_to gives: the same id for the same address, the lowest free id for a new one, gaps
    left by the reference document filled, other relationships added between links respected."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    def ids(indexed: bool) -> list[str]:
        doc = docx.Document()
        rels = doc.part.rels
        rels.add_relationship(RT.HYPERLINK, "https://gap.example/", "rId40", is_external=True)
        del rels["rId2"]  # a gap, as a reference document may have
        targets = wx.HyperlinkTargets(doc.part) if indexed else None
        out = []
        for i, url in enumerate(["https://a.example/", "https://b.example/", "https://a.example/", "https://gap.example/",
                                 *(f"https://x.example/{n}" for n in range(60))]):
            if i == 5:  # something else takes the next free id in between
                out.append(doc.part.relate_to("https://other.example/", RT.IMAGE, is_external=True))
            out.append(wx.external_hyperlink(doc.part, url, targets=targets).get(wx.qn("r:id")))
        return out

    assert ids(indexed=True) == ids(indexed=False)
    first, second, again, gap = ids(indexed=True)[:4]
    assert (first, again, gap) == ("rId2", "rId2", "rId40") and second not in ("rId2", "rId40")


def test_pictures_index_makes_python_docx_pictures():
    """Pictures (indexed, linear in the pictures) gives what python-docx's new_pic_inline gives:
    the same image parts and names, a repeated image shared, the same relationship ids and
    shape ids, in the body and in the footnotes part alike."""
    from PIL import Image as PILImage

    def png(shade: int) -> bytes:
        buffer = io.BytesIO()
        PILImage.new("RGB", (4 + shade % 3, 3), (shade, 0, 0)).save(buffer, "PNG")
        return buffer.getvalue()

    images = [png(n) for n in (1, 2, 1, 3)]

    def written(indexed: bool) -> bytes:
        doc = docx.Document()
        notes = wx.footnotes_part(doc.part)
        note = notes.add_footnote(1)
        pictures = wx.Pictures(doc.part.package) if indexed else None
        for story, parent in ((doc.part, doc.element.body), (notes, note), (doc.part, doc.element.body)):
            for data in images:
                inline = pictures.inline(story, data, 914400) if indexed else story.new_pic_inline(io.BytesIO(data), width=914400)
                drawing = wx.element("w:drawing", children=[inline])
                parent.append(wx.element("w:p", children=[wx.element("w:r", children=[drawing])]))
        return wx.package_bytes(doc.part.package, dt.datetime(2014, 10, 1))

    assert written(indexed=True) == written(indexed=False)
