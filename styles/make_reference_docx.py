"""Generate `styles/reference.docx`, the Word look of briefpack packs.

Run `python styles/make_reference_docx.py` after changing it and commit both files. It starts
from python-docx's default template and defines every style the DOCX writer uses (the default
template lacks footnote, hyperlink, contents and code styles): fonts, sizes, spacing and colours
of a sober policy brief in Liberation Serif / Liberation Sans (with Noto faces for Arabic and
Chinese text: the `cs` and `eastAsia` fonts), an A4 page with a header and
footer look, and a different (empty) first page for the cover. The writer only fills in text,
so staff can restyle a pack — or an organisation can ship its own reference.docx — in Word.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from pathlib import Path

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import nsdecls, qn
from docx.oxml.parser import parse_xml
from docx.shared import Cm

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from briefpack.wordml.write import reproducible_zip  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "reference.docx"

SERIF, SANS, MONO = "Liberation Serif", "Liberation Sans", "Liberation Mono"
#: the faces Word and LibreOffice use for complex-script (Arabic) and East Asian text of a style
#: whose Latin face is the key; the writer swaps "CJK SC" for "CJK TC" in Traditional Chinese packs
SCRIPT_FACES = {
    SERIF: ("Noto Naskh Arabic", "Noto Serif CJK SC"),
    SANS: ("Noto Sans Arabic", "Noto Sans CJK SC"),
    MONO: ("Noto Sans Arabic", "Noto Sans Mono CJK SC"),
}
NAVY, ACCENT, GREY, RULE = "1F3A5F", "2E5C8A", "595959", "A6B4C4"
TEXT_WIDTH = 9070  # twips: A4 (11906) minus two 2.5 cm margins

P, C, T = WD_STYLE_TYPE.PARAGRAPH, WD_STYLE_TYPE.CHARACTER, WD_STYLE_TYPE.TABLE


def fonts(face: str) -> str:
    cs, east_asia = SCRIPT_FACES.get(face, (face, face))
    return f'<w:rFonts w:ascii="{face}" w:hAnsi="{face}" w:cs="{cs}" w:eastAsia="{east_asia}"/>'


def rpr(face=None, size=None, bold=False, italic=False, color=None, caps=False, tracking=None, tail="") -> str:
    # CT_RPr children must come in schema order: fonts, b, i, caps, color, spacing, sz, u, vertAlign
    parts = [fonts(face) if face else "", "<w:b/><w:bCs/>" if bold else "",
             "<w:i/><w:iCs/>" if italic else "", "<w:caps/>" if caps else "",
             f'<w:color w:val="{color}"/>' if color else "",
             f'<w:spacing w:val="{tracking}"/>' if tracking else "",
             f'<w:sz w:val="{int(size * 2)}"/><w:szCs w:val="{int(size * 2)}"/>' if size else "", tail]
    return "<w:rPr>" + "".join(parts) + "</w:rPr>"


def ppr(inner: str) -> str:
    return f"<w:pPr>{inner}</w:pPr>"


def spacing(before=0, after=0, line=None) -> str:
    line_attr = f' w:line="{line}" w:lineRule="auto"' if line else ""
    return f'<w:spacing w:before="{before}" w:after="{after}"{line_attr}/>'


def define(doc, name, kind, based_on=None, next_style=None, *, p=None, r=None, extra_xml=()):
    """Get or add a style and replace its formatting wholesale (the default template's theme
    fonts and colours must not leak through)."""
    styles = doc.styles
    style = styles[name] if name in [s.name for s in styles] else styles.add_style(name, kind)
    el = style.element
    for tag in ("w:pPr", "w:rPr", "w:tblPr", "w:trPr", "w:tcPr", "w:tblStylePr"):
        for child in el.findall(qn(tag)):
            el.remove(child)
    if based_on is not None:
        style.base_style = styles[based_on]
    if next_style is not None:
        style.next_paragraph_style = styles[next_style]
    style.quick_style = True
    style.hidden = False
    style.unhide_when_used = False
    for xml in (p, r, *extra_xml):
        if xml:
            el.append(parse_xml(xml.replace(">", f" {nsdecls('w')}>", 1)))
    return style


def build() -> bytes:
    doc = docx.Document()
    part = doc.part

    # -- drop what a clean reference does not need: Word 2010 effects, custom XML, thumbnail
    for r_id, rel in list(part.rels.items()):
        if rel.reltype.endswith(("/stylesWithEffects", "/customXml")):
            part.drop_rel(r_id)
    for r_id, rel in list(doc.part.package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del doc.part.package.rels[r_id]
    for r_id, rel in list(doc.part.package.rels.items()):
        if rel.reltype == RT.EXTENDED_PROPERTIES:
            rel.target_part._blob = APP_XML.encode()

    # -- numbering: the writer adds its own list definitions; the template's legacy ones go
    numbering = part.numbering_part.element
    for child in list(numbering):
        numbering.remove(child)

    # -- page: A4, 2.5 cm margins, header/footer 1.25 cm from the edge, different first page
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.3)
    section.header_distance = section.footer_distance = Cm(1.25)
    section.different_first_page_header_footer = True
    for story in (section.header, section.footer, section.first_page_header, section.first_page_footer):
        story.is_linked_to_previous = False
        story.paragraphs[0].style = doc.styles["Footer" if "footer" in story.part.partname else "Header"]
    for story in (section.first_page_header, section.first_page_footer):
        story.paragraphs[0].style = doc.styles["Normal"]  # the cover: no rule, no text

    # -- document defaults
    styles_el = doc.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    styles_el.remove(defaults)
    styles_el.insert(0, parse_xml(
        f'<w:docDefaults {nsdecls("w")}><w:rPrDefault>{rpr(SERIF, 11)[: -len("</w:rPr>")]}'
        '<w:lang w:val="en-GB" w:eastAsia="en-GB" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
        f'<w:pPrDefault><w:pPr>{spacing(0, 0, 264)}</w:pPr></w:pPrDefault></w:docDefaults>'))

    # -- prune the dozens of unused table styles the default template carries
    for style in list(doc.styles):
        if style.type == T and style.name not in ("Normal Table", "Table Grid"):
            styles_el.remove(style.element)

    # -- paragraph styles
    define(doc, "Normal", P, p=ppr('<w:widowControl/>' + spacing(0, 0, 264)), r=rpr(SERIF, 11))
    # space before as well as after, so text following a table or a list does not touch it
    define(doc, "Body Text", P, "Normal", p=ppr(spacing(60, 100, 276)), r=rpr())
    define(doc, "Title", P, "Normal", "Subtitle",
           p=ppr(spacing(2600, 240, 240)), r=rpr(SANS, 30, bold=True, color=NAVY))
    define(doc, "Subtitle", P, "Normal", "Body Text",
           p=ppr(spacing(0, 720, 240)), r=rpr(SANS, 16, color=GREY))
    define(doc, "Cover Topic", P, "Normal", "Body Text",
           p=ppr(f'<w:pBdr><w:top w:val="single" w:sz="12" w:space="8" w:color="{ACCENT}"/></w:pBdr>'
                 + spacing(240, 120, 240)), r=rpr(SANS, 18, bold=True, color=ACCENT))
    define(doc, "Cover Detail", P, "Normal", p=ppr(spacing(0, 60, 240)), r=rpr(SANS, 11, color="262626"))
    define(doc, "Cover Label", P, "Normal", "Cover Detail",
           p=ppr('<w:keepNext/>' + spacing(600, 80, 240)),
           r=rpr(SANS, 8.5, bold=True, color=GREY, caps=True, tracking=10))
    define(doc, "Classification", P, "Normal",
           p=ppr(spacing(1200, 0, 240)), r=rpr(SANS, 10, bold=True, color="8B1A1A", caps=True))

    heading_rule = f'<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="6" w:color="{RULE}"/></w:pBdr>'
    define(doc, "Heading 1", P, "Normal", "Body Text",
           p=ppr('<w:keepNext/><w:keepLines/><w:pageBreakBefore/>' + heading_rule
                 + spacing(0, 320, 240) + '<w:outlineLvl w:val="0"/>'),
           r=rpr(SANS, 20, bold=True, color=NAVY))
    define(doc, "Heading 2", P, "Normal", "Body Text",
           p=ppr('<w:keepNext/><w:keepLines/>' + spacing(360, 120, 240) + '<w:outlineLvl w:val="1"/>'),
           r=rpr(SANS, 13.5, bold=True, color=NAVY))
    define(doc, "Heading 3", P, "Normal", "Body Text",
           p=ppr('<w:keepNext/><w:keepLines/>' + spacing(240, 80, 240) + '<w:outlineLvl w:val="2"/>'),
           r=rpr(SANS, 11.5, bold=True, color=ACCENT))
    define(doc, "Heading 4", P, "Normal", "Body Text",
           p=ppr('<w:keepNext/><w:keepLines/>' + spacing(200, 60, 240) + '<w:outlineLvl w:val="3"/>'),
           r=rpr(SANS, 11, bold=True, italic=True, color=GREY))
    toc_tab = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/></w:tabs>'
    define(doc, "TOC 1", P, "Normal", "Normal",
           p=ppr(toc_tab + spacing(160, 40, 240)), r=rpr(SANS, 10.5, bold=True, color=NAVY))
    define(doc, "TOC 2", P, "Normal", "Normal",
           p=ppr(toc_tab + spacing(0, 30, 240) + '<w:ind w:left="284"/>'), r=rpr(SERIF, 10.5))
    define(doc, "TOC 3", P, "Normal", "Normal",
           p=ppr(toc_tab + spacing(0, 20, 240) + '<w:ind w:left="567"/>'), r=rpr(SERIF, 10, color="404040"))

    define(doc, "TOC Heading", P, "Heading 1", "TOC 1",
           p=ppr('<w:pageBreakBefore w:val="0"/>' + spacing(0, 320, 240) + '<w:outlineLvl w:val="9"/>'))

    for n, suffix in ((1, ""), (2, " 2"), (3, " 3")):
        for family in ("List Bullet", "List Number"):
            define(doc, family + suffix, P, "Body Text", p=ppr(spacing(0, 60, 276)))
        define(doc, "List Continue" + suffix, P, "Body Text",
               p=ppr(spacing(0, 60, 276) + f'<w:ind w:left="{397 * n}"/>'))
    define(doc, "Quote", P, "Body Text", "Body Text",
           p=ppr(f'<w:pBdr><w:left w:val="single" w:sz="18" w:space="10" w:color="{RULE}"/></w:pBdr>'
                 + spacing(60, 120, 276) + '<w:ind w:left="454" w:right="454"/>'),
           r=rpr(italic=True, color="404040"))
    define(doc, "Figure", P, "Normal", "Caption",
           p=ppr('<w:keepNext/>' + spacing(120, 60, 240) + '<w:jc w:val="center"/>'))
    define(doc, "Caption", P, "Normal", "Body Text",
           p=ppr(spacing(0, 240, 240) + '<w:jc w:val="center"/>'), r=rpr(SANS, 9, italic=True, color=GREY))
    define(doc, "Translation Note", P, "Normal", "Body Text",
           p=ppr(f'<w:pBdr><w:left w:val="single" w:sz="12" w:space="8" w:color="{RULE}"/></w:pBdr>'
                 + spacing(0, 240, 240) + '<w:ind w:left="170"/>'), r=rpr(SANS, 9, italic=True, color=GREY))
    define(doc, "Footnote Text", P, "Normal",
           p=ppr(spacing(0, 40, 240)), r=rpr(SERIF, 9))
    define(doc, "HTML Preformatted", P, "Normal",
           p=ppr('<w:shd w:val="clear" w:color="auto" w:fill="F2F4F7"/>' + spacing(60, 160, 240)
                 + '<w:ind w:left="170" w:right="170"/>'), r=rpr(MONO, 9))
    define(doc, "Table Text", P, "Normal", p=ppr(spacing(40, 40, 240)), r=rpr(SANS, 9.5))
    define(doc, "Table Heading", P, "Table Text", p=ppr('<w:keepNext/>'), r=rpr(bold=True, color=NAVY))
    define(doc, "Separator", P, "Normal", "Body Text",
           p=ppr(f'<w:pBdr><w:bottom w:val="single" w:sz="4" w:space="1" w:color="{RULE}"/></w:pBdr>'
                 + spacing(120, 280, 240) + '<w:ind w:left="3402" w:right="3402"/>'), r=rpr(size=4))
    define(doc, "Credits Label", P, "Normal", "Body Text",
           p=ppr('<w:keepNext/>' + spacing(240, 80, 240)), r=rpr(SANS, 10.5, bold=True, color=NAVY))
    define(doc, "Header", P, "Normal",
           p=ppr(f'<w:pBdr><w:bottom w:val="single" w:sz="4" w:space="4" w:color="{RULE}"/></w:pBdr>'
                 f'<w:tabs><w:tab w:val="clear" w:pos="4320"/><w:tab w:val="clear" w:pos="8640"/>'
                 f'<w:tab w:val="right" w:pos="{TEXT_WIDTH}"/></w:tabs>' + spacing(0, 0, 240)),
           r=rpr(SANS, 8.5, color=GREY))
    define(doc, "Footer", P, "Normal",
           p=ppr(f'<w:tabs><w:tab w:val="clear" w:pos="4320"/><w:tab w:val="clear" w:pos="8640"/>'
                 f'<w:tab w:val="right" w:pos="{TEXT_WIDTH}"/></w:tabs>' + spacing(0, 0, 240)),
           r=rpr(SANS, 8.5, color=GREY))

    # -- character styles
    define(doc, "Footnote Reference", C, r=rpr(tail='<w:vertAlign w:val="superscript"/>'))
    define(doc, "Hyperlink", C, r=rpr(color="1F5C99", tail='<w:u w:val="single"/>'))
    define(doc, "HTML Code", C, r=rpr(MONO, 9.5, color="3A3A3A"))

    # -- a table style: rules above and below, light header row
    define(doc, "Brief Table", T, "Normal Table", extra_xml=(
        '<w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr>',
        f'<w:tblPr><w:tblBorders><w:top w:val="single" w:sz="8" w:space="0" w:color="{NAVY}"/>'
        f'<w:bottom w:val="single" w:sz="8" w:space="0" w:color="{NAVY}"/>'
        f'<w:insideH w:val="single" w:sz="4" w:space="0" w:color="D0D7E0"/></w:tblBorders>'
        '<w:tblCellMar><w:top w:w="40" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>'
        '<w:bottom w:w="40" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar></w:tblPr>',
        f'<w:tblStylePr w:type="firstRow"><w:rPr><w:b/></w:rPr><w:tcPr><w:tcBorders>'
        f'<w:bottom w:val="single" w:sz="8" w:space="0" w:color="{NAVY}"/></w:tcBorders>'
        '<w:shd w:val="clear" w:color="auto" w:fill="E8EEF5"/></w:tcPr></w:tblStylePr>',
    ))

    props = doc.core_properties
    props.title, props.author, props.last_modified_by = "briefpack reference document", "briefpack", "briefpack"
    props.created = props.modified = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    props.revision = 1
    props.comments = "Styles for briefpack's DOCX output; see styles/make_reference_docx.py"

    buffer = io.BytesIO()
    doc.save(buffer)
    return reproducible_zip(buffer.getvalue(), dt.datetime(2024, 1, 1))


APP_XML = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
    'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    "<Template>reference.docx</Template><Application>briefpack</Application><DocSecurity>0</DocSecurity>"
    "<ScaleCrop>false</ScaleCrop><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
    "<HyperlinksChanged>false</HyperlinksChanged></Properties>"
)


if __name__ == "__main__":
    OUT.write_bytes(build())
    print(f"wrote {OUT}")
