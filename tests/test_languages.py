"""Packs in the six UN languages, read back as their readers will: pdftotext/pypdf and pdffonts for
the PDF, python-docx/lxml for the DOCX, LibreOffice for how Word clients lay the DOCX out.

The small test pack (tests/fixtures/langpack: English sources, translations into ar, es, fr, ru,
zh and zh-TW, one section translated only into fr and ar, one into none) is built once in every
language; the sample's cybersecurity pack once in all six languages.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from lxml import etree
from pypdf import PdfReader

from briefpack.build import build_pack
from briefpack.cli import main
from briefpack.errors import UsageError
from briefpack.i18n import LABEL_KEYS, long_date
from briefpack.i18n.labels import BUILT_IN_TABLES, labels_for
from briefpack.i18n.languages import direction, table_key
from briefpack.model.naming import slugify
from briefpack.model.selection import make_edition
from briefpack.sources.loader import load_pack, read_pack
from conftest import REPO, SAMPLE, write_pack

LANGPACK = REPO / "tests" / "fixtures" / "langpack"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}
EPOCH = "1448000000"


def pdf_text(path: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-layout"] + (["-f", str(page), "-l", str(page)] if page else []) + [str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def words(path: Path, page: int) -> list[tuple[str, float, float, float]]:
    """(word, xMin, xMax, yMin) of one page, from pdftotext's bounding boxes (a right-to-left
    word may come out in visual order, reversed: see `pick`)."""
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    found = []
    for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>', out):
        found.append((m.group(4), float(m.group(1)), float(m.group(3)), float(m.group(2))))
    return found


def on_line(found, word) -> list[tuple[str, float, float, float]]:
    """The words on the same line as `word`."""
    return [w for w in found if abs(w[3] - word[3]) < 3]


def pick(found, *targets: str) -> list[tuple[str, float, float, float]]:
    """The words that are one of `targets`, stored in reading or in visual (reversed) order."""
    return [w for w in found if w[0] in targets or w[0][::-1] in targets]


def page_with(path: Path, needle: str) -> int:
    for i, page in enumerate(PdfReader(path).pages, start=1):
        if needle in (page.extract_text() or ""):
            return i
    raise AssertionError(f"{path.name}: no page holds {needle!r}")


# --------------------------------------------------------------------------- built outputs


@pytest.fixture(scope="module")
def langpack(tmp_path_factory):
    """The test pack built in every language it offers (PDF and DOCX)."""
    out = tmp_path_factory.mktemp("langpack-out")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        result = build_pack(LANGPACK, out, each_language=True, formats=("pdf", "docx"), jobs=2)
    return out, result


def lang_file(langpack, lang: str, ext: str) -> Path:
    out, _ = langpack
    suffix = "" if lang == "en" else f"-{lang}"
    return out / f"water-2015-full{suffix}.{ext}"


@pytest.fixture(scope="module")
def arabic_docx_printed(langpack, tmp_path_factory):
    """LibreOffice's PDF of the Arabic DOCX: how a Word client lays it out."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice is not installed")
    out = tmp_path_factory.mktemp("lo-ar")
    profile = tmp_path_factory.mktemp("lo-profile")
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(lang_file(langpack, "ar", "docx"))],
                   check=True, capture_output=True, timeout=180)
    return out / "water-2015-full-ar.pdf"


@pytest.fixture(scope="module")
def sample_six(tmp_path_factory):
    """The sample's cybersecurity pack in all six languages."""
    out = tmp_path_factory.mktemp("sample-six")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        build_pack(SAMPLE, out, topics=["cybersecurity"], each_language=True, formats=("pdf", "docx"), jobs=2)
    return out


# --------------------------------------------------------------------------- fixed words and dates


def test_every_built_in_table_has_every_key():
    assert set(BUILT_IN_TABLES) == {"ar", "en", "es", "fr", "ru", "zh-Hans", "zh-Hant"}
    for lang, table in BUILT_IN_TABLES.items():
        assert set(table) == set(LABEL_KEYS), lang
        assert all(value.strip() for value in table.values()), lang
        assert "{page}" in table["page_of"] and "{pages}" in table["page_of"], lang
        assert "{language}" in table["not_translated"], lang


@pytest.mark.parametrize("tag, key", [("zh", "zh-Hans"), ("zh-CN", "zh-Hans"), ("zh-Hans", "zh-Hans"),
                                      ("zh-TW", "zh-Hant"), ("zh-hk", "zh-Hant"), ("zh-Hant", "zh-Hant"),
                                      ("fr-CA", "fr"), ("ar-EG", "ar"), ("de", None)])
def test_chinese_follows_its_script_and_regions_their_language(tag, key):
    assert table_key(tag) == key


def test_labels_fall_back_to_english_and_take_overrides():
    assert labels_for("de")["contents"] == "Contents"
    assert labels_for("fr", {"contents": "Sommaire"})["contents"] == "Sommaire"


@pytest.mark.parametrize("lang, text", [
    ("en", "20 November 2015"), ("fr", "20 novembre 2015"), ("es", "20 de noviembre de 2015"),
    ("ru", "20 ноября 2015\u202fг."), ("zh", "2015年11月20日"), ("zh-TW", "2015年11月20日"), ("ar", "20 نوفمبر 2015"),
])
def test_dates_in_each_languages_long_form(lang, text):  # CLDR: a narrow no-break space before г.
    import datetime as dt

    assert long_date(dt.date(2015, 11, 20), lang) == text


def test_english_dates_written_without_babel_are_babels():
    """English long dates are written by hand (no Babel import for an English pack): the same
    text as Babel's en_GB, every month, one- and two-digit days, any year; en-US is Babel's."""
    import datetime as dt

    from babel.dates import format_date

    from briefpack.i18n.languages import direction

    days = [dt.date(year, month, day) for year in (2014, 1999, 2031) for month in range(1, 13) for day in (1, 9, 28)]
    for tag in ("en", "EN", "en-GB"):
        assert [long_date(d, tag) for d in days] == [format_date(d, format="long", locale="en_GB") for d in days]
    assert long_date(dt.date(2015, 11, 20), "en-US") == "November 20, 2015"
    assert [direction(t) for t in ("en", "fr", "es", "ru", "zh", "zh-TW", "ar", "he", "de")] == ["ltr"] * 6 + ["rtl", "rtl", "ltr"]


def test_direction():
    assert [direction(t) for t in ("ar", "he", "fa", "ur", "en", "zh-Hant")] == ["rtl"] * 4 + ["ltr"] * 2


@pytest.mark.parametrize("lang, contents, page, topic", [
    ("en", "Contents", "Page 3 of", "Full pack"),
    ("fr", "Sommaire", "Page 3 sur", "Dossier complet"),  # the pack overrides 'contents'
    ("es", "Índice", "Página 3 de", "Carpeta completa"),
    ("ru", "Содержание", "Страница 3 из", "Полный комплект"),
    ("zh", "目录", "第 3 页，共", "完整版"),
    ("zh-TW", "目錄", "第 3 頁，共", "完整版"),
    ("ar", "المحتويات", "الصفحة 3 من", "الملف الكامل"),
])
def test_fixed_words_in_the_pdf_and_the_docx(langpack, lang, contents, page, topic):
    pdf = lang_file(langpack, lang, "pdf")
    text = pdf_text(pdf)
    assert contents in text and topic in text
    assert page in re.sub(r"\s+", " ", text) if lang not in ("ar",) else "الصفحة" in text
    document = docx.Document(lang_file(langpack, lang, "docx"))
    paragraphs = [p.text for p in document.paragraphs]
    assert contents in paragraphs and topic in paragraphs
    footer = document.sections[0].footer.paragraphs[0].text
    assert page.split("3")[0].strip() in footer  # the words around the PAGE field


def test_language_tags_in_pdf_html_and_docx(langpack):
    for lang in ("en", "fr", "es", "ru", "zh", "zh-TW", "ar"):
        reader = PdfReader(lang_file(langpack, lang, "pdf"))
        assert reader.trailer["/Root"].get("/Lang") == lang
        data = zipfile.ZipFile(lang_file(langpack, lang, "docx"))
        styles = etree.fromstring(data.read("word/styles.xml"))
        tag = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
        assert tag.get(f"{W}val") == lang
        if lang == "ar":
            assert tag.get(f"{W}bidi") == "ar"
        if lang.startswith("zh"):
            assert tag.get(f"{W}eastAsia") == lang
        core = docx.Document(lang_file(langpack, lang, "docx")).core_properties
        assert core.language == lang


def test_titles_and_dates_of_the_pack_in_its_language(langpack):
    assert "Conférence sur l'eau 2015" in pdf_text(lang_file(langpack, "fr", "pdf"), 1)
    assert "20 novembre 2015" in pdf_text(lang_file(langpack, "fr", "pdf"), 1)
    cover = words(lang_file(langpack, "ar", "pdf"), 1)
    assert pick(cover, "نوفمبر") and pick(cover, "20") and pick(cover, "2015")
    assert "2015年11月20日" in pdf_text(lang_file(langpack, "zh", "pdf"), 1)
    document = docx.Document(lang_file(langpack, "ru", "docx"))
    assert [p.text for p in document.paragraphs][:2] == ["Конференция по водным ресурсам 2015 года", "Записка для делегации"]
    assert "20 ноября 2015\u202fг." in [p.text for p in document.paragraphs]


# --------------------------------------------------------------------------- translations and fallbacks


def test_edition_holds_translations_or_originals_marked_as_such():
    pack = load_pack(LANGPACK)
    assert pack.languages == ("en", "fr", "es", "ru", "zh", "zh-TW", "ar")
    es = make_edition(pack, language="es")
    by_id = {s.id: s for s in es.sections}
    assert by_id["introduction"].title == "Introducción"
    assert by_id["introduction"].path.name == "a-intro.es.md"  # a later reader maps text back here
    assert by_id["rivers"].path.name == "b-rivers.md" and es.untranslated(by_id["rivers"])
    assert not es.untranslated(by_id["introduction"])
    assert es.name == "water-2015-full-es"
    ar = make_edition(pack, ["rivers"], language="AR")  # any case
    assert ar.language == "ar" and ar.topic_label == "الأنهار"
    assert [p.name for p in ar.credits.translated_by] == ["Layla Haddad"]


def test_fallback_section_carries_its_language_and_a_note(langpack):
    es_pdf = lang_file(langpack, "es", "pdf")
    assert "Aún sin traducir: esta sección se reproduce en su idioma original (inglés)." in re.sub(r"\s+", " ", pdf_text(es_pdf))
    document = docx.Document(lang_file(langpack, "es", "docx"))
    note = next(p for p in document.paragraphs if p.text.startswith("Aún sin traducir"))
    assert note.style.name == "Translation Note"
    rivers = [p for p in document.paragraphs if p.text.startswith("Rivers cross borders")][0]
    langs = {r.get(f"{W}val") for r in rivers._p.iter(f"{W}lang")}
    assert langs == {"en"}  # every run of the English text says so


def test_fallback_section_in_html_is_marked_with_its_language(tmp_path):
    build_pack(LANGPACK, tmp_path, languages=["ar"], formats=("html",))
    html = (tmp_path / "water-2015-full-ar.html").read_text()
    assert '<html lang="ar" dir="rtl">' in html
    assert re.search(r'<section class="section untranslated" id="oceans" lang="en" dir="ltr">', html)
    assert 'lang="ar" dir="rtl">لم يُترجم بعد: يرد هذا القسم بلغته الأصلية (الإنجليزية).' in html
    # anchors for titles in any script, and links to them
    assert 'id="الخلفية"' in html and 'href="#الخلفية"' in html


def test_anchors_keep_letters_of_every_script():
    assert slugify("الأمن السيبراني") == "الأمن-السيبراني"
    assert slugify("网络安全") == "网络安全"
    assert slugify("Кибербезопасность") == "кибербезопасность"
    assert slugify("Sécurité de l'Internet") == "securite-de-l-internet"  # as before


def test_translation_problems_are_reported_with_file_and_line(tmp_path):
    root = write_pack(tmp_path / "p", """
        title: T
        translations:
          fr: {title: T fr, labels: {contnets: Sommaire, page_of: "Page {page}"}}
          de: {}
    """, {
        "a.md": "---\ntitle: A\ntopics: all\n---\nText.\n",
        "a.fr.md": "---\ntitle: A fr\ntranslation_of: 000000000000\norder: 3\n---\nTexte.\n",
        "b.md": "---\ntitle: B\ntopics: all\n---\nMore.\n",
        "b.fr.md": "---\ntitle: B fr\n---\nPlus.\n",
        "c.ru.md": "---\ntitle: C\n---\nx\n",
        "b.it.md": "---\ntitle: B it\n---\nAltro.\n",
    })
    result = read_pack(root)
    text = "\n".join(str(p) for p in result.problems)
    assert re.search(r"pack\.yaml:3: warning: unknown label 'contnets' is ignored \(did you mean 'contents'\?\)", text)
    assert re.search(r"pack\.yaml:3: label 'page_of' must hold \{page\}, \{pages\}", text)
    assert re.search(r"pack\.yaml:4: warning: briefpack has no fixed words for 'de'", text)
    assert re.search(r"a\.fr\.md:3: warning: stale translation: a\.md changed after this translation was made "
                     r"\(recorded 000000000000, the original is now [0-9a-f]{12}\)", text)
    assert re.search(r"a\.fr\.md:4: warning: 'order' comes from the original \(a\.md\)", text)
    assert re.search(r"b\.fr\.md:\d+: warning: no 'translation_of': .*'translation_of: [0-9a-f]{12}'", text)
    assert re.search(r"b\.it\.md: warning: a translation of b\.md into 'it', a language pack\.yaml does not offer", text)
    # c.ru.md has no c.md beside it and 'ru' is not offered: a section like any other
    assert re.search(r"c\.ru\.md:\d+: warning: no 'topics'", text)
    assert result.errors and result.pack is None  # the page_of label without {pages}


def test_translation_files_are_never_sections(tmp_path):
    root = write_pack(tmp_path / "p", "title: T\n", {
        "a.md": "---\ntitle: A\ntopics: all\n---\nText.\n",
        "a.fr.md": "---\ntitle: A fr\n---\nTexte.\n",  # fr is not offered: ignored, with a warning
        "notes.old.md": "---\ntitle: Old notes\ntopics: all\n---\nKept.\n",  # no notes.md: a section
    })
    pack = load_pack(root)
    assert [s.title for s in pack.sections] == ["A", "Old notes"]


def test_source_language_pack_unchanged_by_translation_files(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    plain = tmp_path / "plain"
    shutil.copytree(LANGPACK, plain)
    for extra in plain.glob("sections/*.*.md"):
        extra.unlink()
    with_tr = build_pack(LANGPACK, tmp_path / "a", topics=["rivers"], formats=("pdf", "docx"), jobs=1)
    without = build_pack(plain, tmp_path / "b", topics=["rivers"], formats=("pdf", "docx"), jobs=1)
    for a, b in zip(sorted(with_tr.written), sorted(without.written)):
        assert a.name == b.name
        assert a.read_bytes() == b.read_bytes(), a.name


# --------------------------------------------------------------------------- right to left


def test_arabic_pdf_runs_right_to_left(langpack):
    pdf = lang_file(langpack, "ar", "pdf")
    page = page_with(pdf, "سطر قصير")
    found = words(pdf, page)
    heading = pick(found, "مقدمة")[0]
    right_edge = heading[2]  # the heading is set to the start of the line: the right margin
    short = on_line(found, pick(found, "قصير.")[0])
    assert short and max(w[2] for w in short) == pytest.approx(right_edge, abs=1.5)  # hangs from the right
    assert min(w[1] for w in short) > right_edge - 100
    # running heads: the title on the right, the topic on the left; page numbers at the outer edge
    top = [w for w in found if w[3] < 60]
    title_x = min(w[1] for w in pick(top, "مؤتمر", "المياه"))
    topic_x = max(w[2] for w in pick(top, "الملف", "الكامل"))
    assert title_x > topic_x
    numbers = [w for w in pick(found, "الصفحة") if w[3] > 780]
    side = "left" if page % 2 else "right"  # page 1 of a right-to-left book is a left-hand page
    assert numbers and ((numbers[0][2] < 200) if side == "left" else (numbers[0][1] > 350))
    # the footnote's number sits to the right of its text
    note_number = next(w for w in found if w[0] == "1" and w[3] > 600)
    note_words = [w for w in found if w[3] == pytest.approx(note_number[3], abs=2) and w is not note_number]
    assert note_number[1] > max(w[2] for w in note_words)


def test_arabic_docx_declares_right_to_left(langpack):
    data = zipfile.ZipFile(lang_file(langpack, "ar", "docx"))
    styles = etree.fromstring(data.read("word/styles.xml"))
    document = etree.fromstring(data.read("word/document.xml"))
    assert styles.find(f"{W}docDefaults/{W}pPrDefault/{W}pPr/{W}bidi") is not None
    sect = document.find(f"{W}body/{W}sectPr")
    assert sect.find(f"{W}bidi") is not None and sect.find(f"{W}rtlGutter") is not None
    assert document.xpath("//w:tbl/w:tblPr/w:bidiVisual", namespaces=NS)
    runs = document.xpath("//w:r[w:t]", namespaces=NS)
    arabic = [r for r in runs if re.search("[\u0600-\u06ff]", "".join(r.itertext()))]
    latin = [r for r in runs if re.search("[A-Za-z]", "".join(r.itertext())) and not re.search("[\u0600-\u06ff]", "".join(r.itertext()))]
    assert arabic and all(r.find(f"{W}rPr/{W}rtl") is not None for r in arabic)
    assert latin and all(r.find(f"{W}rPr/{W}rtl") is None for r in latin)  # URLs, 'Oceans'
    fonts = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert fonts.get(f"{W}cs") == "Noto Naskh Arabic"
    for part in ("word/header2.xml", "word/footer2.xml"):
        if part in data.namelist():
            assert etree.fromstring(data.read(part)).xpath("//w:pPr/w:bidi", namespaces=NS)
    # the section not yet translated runs left to right inside the Arabic document
    oceans = next(p for p in document.iter(f"{W}p") if "".join(p.itertext()).startswith("Oceans cover"))
    assert oceans.find(f"{W}pPr/{W}bidi").get(f"{W}val") == "0"


def test_libreoffice_lays_the_arabic_docx_out_right_to_left(arabic_docx_printed):
    pdf = arabic_docx_printed
    page = page_with(pdf, "قصير")
    found = words(pdf, page)
    heading = pick(found, "مقدمة")[0]
    right_edge = heading[2]
    short = on_line(found, pick(found, "قصير.")[0])
    assert max(w[2] for w in short) == pytest.approx(right_edge, abs=3)  # short lines hang from the right
    assert min(w[1] for w in short) > right_edge - 120
    # the table is mirrored: its first column (Year) is on the right
    year = pick(found, "السنة")[0]
    decision = pick(found, "القرار")[0]
    assert year[1] > decision[2]
    # header: the title on the right, the topic on the left; the footer's page number on the left
    top = [w for w in found if w[3] < 70]
    assert min(w[1] for w in pick(top, "مؤتمر", "المياه")) > max(w[2] for w in pick(top, "الملف", "الكامل"))
    bottom = [w for w in found if w[3] > 760]
    classification_x = min(w[1] for w in pick(bottom, "توزيع", "محدود"))
    page_x = max(w[2] for w in pick(bottom, "الصفحة"))
    assert page_x < classification_x
    # the footnote: its number on the right of its text
    note_text = pick(found, "بموجب", "اتفاق")
    marks = [w for w in found if w[0] == "1" and w[3] > note_text[0][3] - 5]
    assert marks and marks[0][1] > max(w[2] for w in note_text)


# --------------------------------------------------------------------------- fonts


def test_chinese_pdfs_embed_a_cjk_font(langpack):
    for lang, face in (("zh", "CJK"), ("zh-TW", "CJK")):
        fonts = subprocess.run(["pdffonts", str(lang_file(langpack, lang, "pdf"))], capture_output=True, text=True).stdout
        assert face in fonts, fonts
    fonts = subprocess.run(["pdffonts", str(lang_file(langpack, "ar", "pdf"))], capture_output=True, text=True).stdout
    assert "Arabic" in fonts


def test_traditional_chinese_docx_names_traditional_faces(langpack):
    data = zipfile.ZipFile(lang_file(langpack, "zh-TW", "docx"))
    styles = data.read("word/styles.xml").decode()
    assert "CJK TC" in styles and "CJK SC" not in styles


def test_characters_no_font_has_are_a_warning(tmp_path):
    from briefpack.glyphs import _any_font_has

    char = "\U0010fffd"  # private use: no font here should have it
    if shutil.which("fc-list") is None or _any_font_has(char):
        pytest.skip("fontconfig missing, or some font covers the test character")
    body = f"Plain text.\n\nA sign: {char}.\n\n| a | b |\n| - | - |\n| x | {char} |\n\nCalled.[^n]\n\n[^n]: And {char}.\n"
    root = write_pack(tmp_path / "p", "title: T\n", {"a.md": "---\ntitle: A\ntopics: all\n---\n" + body})
    result = build_pack(root, tmp_path / "out", formats=("html",))
    # at the first line that shows it (line 7), counting the table row (11) and the note (15)
    assert any("a.md:7: no installed font has a glyph for U+10FFFD" in w and "(also on 2 more lines)" in w
               for w in result.warnings), result.warnings


# --------------------------------------------------------------------------- command line


def test_unknown_language_is_a_usage_error_listing_the_offered_ones(tmp_path):
    result = CliRunner().invoke(main, ["build", "-s", str(LANGPACK), "-o", str(tmp_path), "--lang", "de"])
    assert result.exit_code == 2
    assert "the pack is not offered in 'de'" in result.output
    assert "en (the sources' language)" in result.output and "zh-TW" in result.output and "ar" in result.output
    with pytest.raises(UsageError):
        make_edition(load_pack(LANGPACK), language="pt")


def test_translations_command(tmp_path):
    root = tmp_path / "p"
    shutil.copytree(LANGPACK, root)
    intro = root / "sections" / "a-intro.md"
    intro.write_text(intro.read_text() + "\nA new paragraph.\n")
    now = load_pack(root).sections[0].digest
    result = CliRunner().invoke(main, ["translations", "-s", str(root), "--lang", "fr"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "fr: 1 translated, 1 stale, 1 missing" in lines
    stale = next(line for line in lines if line.strip().startswith("stale"))
    assert "a-intro.fr.md:3 records 6801b6e208fe" in stale and f"record 'translation_of: {now}'" in stale
    assert any(line.strip().startswith("translated") and "b-rivers.md" in line for line in lines)
    missing = next(line for line in lines if line.strip().startswith("missing"))
    assert "c-oceans.fr.md" in missing and "translation_of: 7335f849df57" in missing
    check = CliRunner().invoke(main, ["check", "-s", str(root)])
    assert check.exit_code == 0
    assert re.search(r"a-intro\.(fr|ar|es|ru|zh|zh-TW)\.md:3: warning: stale translation: a-intro\.md changed", check.output)
    # a build says "warning:" once, before the file and line
    build = CliRunner().invoke(main, ["build", "-s", str(root), "-o", str(root.parent / "out"), "--lang", "fr", "-f", "html"])
    assert build.exit_code == 0, build.output
    assert re.search(r"^warning: \S*a-intro\.fr\.md:3: stale translation: a-intro\.md changed", build.output, re.M), build.output
    assert not [line for line in build.output.splitlines() if line.count("warning:") > 1], build.output


def test_each_lang_and_lang_build_names(tmp_path):
    result = CliRunner().invoke(main, ["build", "-s", str(LANGPACK), "-o", str(tmp_path), "-t", "rivers",
                                       "--lang", "fr", "--lang", "en", "-f", "html", "-q"])
    assert result.exit_code == 0, result.output
    assert [Path(line).name for line in result.output.split()] == ["water-2015-rivers-fr.html", "water-2015-rivers.html"]


# --------------------------------------------------------------------------- the sample in six languages


@pytest.mark.parametrize("lang, title, date", [
    ("en", "ITU Plenipotentiary Conference 2014", "1 October 2014"),
    ("fr", "Conférence de plénipotentiaires de l'UIT 2014", "1 octobre 2014"),
    ("es", "Conferencia de Plenipotenciarios de la UIT de 2014", "1 de octubre de 2014"),
    ("ru", "Полномочная конференция МСЭ 2014 года", "1 октября 2014 г."),
    ("zh", "2014年国际电联全权代表大会", "2014年10月1日"),
    ("ar", "لعام 2014", "1 أكتوبر 2014"),
])
def test_sample_cybersecurity_pack_in_six_languages(sample_six, lang, title, date):
    suffix = "" if lang == "en" else f"-{lang}"
    pdf = sample_six / f"itu-pp-2014-cybersecurity{suffix}.pdf"
    if lang == "ar":
        cover_words = words(pdf, 1)
        assert all(pick(cover_words, word) for word in ("المندوبين", "المفوضين", "أكتوبر", "2014"))
    else:
        cover = re.sub(r"\s+", " ", PdfReader(pdf).pages[0].extract_text().replace("\u202f", " "))
        assert title in cover and date in cover
    document = docx.Document(sample_six / f"itu-pp-2014-cybersecurity{suffix}.docx")
    texts = [p.text.replace("\u202f", " ") for p in document.paragraphs]
    assert date in texts
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    expected = {"en": "Cybersecurity", "fr": "Cybersécurité", "ar": "الأمن السيبراني"}
    # es, ru, zh: the section is not translated yet, printed in English with the note
    assert expected.get(lang, "Cybersecurity") in headings
    if lang in ("es", "ru", "zh"):
        assert any(p.style.name == "Translation Note" for p in document.paragraphs)
    if lang == "zh":
        fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
        assert "CJK" in fonts
