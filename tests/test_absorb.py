"""`briefpack absorb`: Word edits back into the Markdown sources, exactly.

The packs are built once per module and re-saved by LibreOffice in one run; every test edits a
copy of a DOCX's XML the way Word does (tests/docx_edits.py), absorbs it into a fresh copy of
the sources, and compares whole files with the expected Markdown.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefpack.absorb import AbsorbError, absorb_docx, write_absorbed
from briefpack.build import build_pack
from briefpack.cli import main
from conftest import REPO, SAMPLE
from docx_edits import W_NS, Docx, w

REVIEW = REPO / "tests" / "fixtures" / "reviewpack"
SAMPLE_DOCX = ("full", "internet", "cybersecurity", "strategic-plan", "international-security")


class Lab:
    """Built DOCX files (as written and as re-saved by LibreOffice), and fresh source copies."""

    def __init__(self, root: Path):
        self.root = root
        self.count = 0

    def built(self, name: str) -> Path:
        return self.root / "out" / f"{name}.docx"

    def resaved(self, name: str) -> Path:
        return self.root / "lo" / f"{name}.docx"

    def sources(self, pack: Path) -> Path:
        """A fresh copy of a pack's sources to absorb into."""
        self.count += 1
        target = self.root / f"src{self.count}"
        shutil.copytree(pack, target)
        return target

    def edited(self, docx: Path, edit) -> Path:
        """A copy of `docx` with `edit(Docx)` applied to its XML."""
        self.count += 1
        doc = Docx(docx.read_bytes())
        edit(doc)
        path = self.root / f"edited{self.count}.docx"
        path.write_bytes(doc.save())
        return path


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Lab:
    root = tmp_path_factory.mktemp("absorb")
    out = root / "out"
    build_pack(SAMPLE, out, formats=("docx",))
    build_pack(SAMPLE, out, formats=("docx",), each_topic=True)
    build_pack(REVIEW, out, formats=("docx",))
    build_pack(REVIEW, out, formats=("docx",), topics=["alpha"])
    build_pack(SAMPLE, out, formats=("docx",), topics=["cybersecurity"], languages=["fr"])
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice is not installed")
    profile = tmp_path_factory.mktemp("lo-profile")
    files = sorted(str(p) for p in out.glob("*.docx"))
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "docx",
                    "--outdir", str(root / "lo"), *files], check=True, capture_output=True, timeout=300)
    return Lab(root)


def review_text(name: str) -> str:
    return (REVIEW / name).read_text(encoding="utf-8")


def absorbed(docx: Path, sources: Path, **kw) -> dict[str, str]:
    """The files absorb would change, path → new text (and check it writes exactly those)."""
    result = absorb_docx(docx, sources, **kw)
    changes = {c.path: c.new for c in result.changes}
    write_absorbed(result)
    for path, text in changes.items():
        assert (sources / path).read_text(encoding="utf-8") == text
    return changes


def replaced(text: str, *pairs: tuple[str, str]) -> str:
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


# --------------------------------------------------------------------------- no edit, no change


@pytest.mark.parametrize("topic", SAMPLE_DOCX)
def test_an_unedited_sample_docx_absorbs_to_nothing_as_built_and_resaved(lab, topic):
    for docx in (lab.built(f"itu-pp-2014-{topic}"), lab.resaved(f"itu-pp-2014-{topic}")):
        result = absorb_docx(docx, SAMPLE)
        assert result.changes == [] and result.findings == [], (docx, result.findings)


@pytest.mark.parametrize("name", ["review-full", "review-alpha", "itu-pp-2014-cybersecurity-fr"])
def test_an_unedited_review_docx_absorbs_to_nothing_as_built_and_resaved(lab, name):
    for docx in (lab.built(name), lab.resaved(name)):
        result = absorb_docx(docx, SAMPLE if name.startswith("itu") else REVIEW)
        assert result.changes == [] and result.findings == []


def test_what_word_varies_is_no_edit(lab):
    """Word translates style ids (names stay), splits runs by editing session, adds _GoBack and
    _Toc bookmarks, may write a link as a HYPERLINK field and a title in w:tgtFrame."""
    def wordish(d: Docx) -> None:
        styles = d.xml("word/styles.xml")
        renames = {"Heading1": "Titolo1", "Heading2": "Titolo2", "BodyText": "Corpotesto", "FootnoteText": "Testonotaapidipagina"}
        for style in styles.iter(w("style")):
            if style.get(w("styleId")) in renames:
                style.set(w("styleId"), renames[style.get(w("styleId"))])
        for root in (d.doc, d.notes):
            for ref in root.iter(w("pStyle")):
                ref.set(w("val"), renames.get(ref.get(w("val")), ref.get(w("val"))))
        p = d.paragraph("A paragraph with")
        d.retype(p, "wrapped at a narrow", "wrapped at a narrow")  # the same words in three runs
        start = p.makeelement(w("bookmarkStart"), {w("id"): "990", w("name"): "_GoBack"})
        p.append(start)
        p.append(p.makeelement(w("bookmarkEnd"), {w("id"): "990"}))
        heading = d.paragraph("Tables and quotes")
        heading.insert(1, heading.makeelement(w("bookmarkStart"), {w("id"): "991", w("name"): "_Toc12345"}))
        # the inline link as a HYPERLINK field, its title where LibreOffice puts it
        link_p = d.paragraph("See the reference link")
        links = link_p.findall(w("hyperlink"))
        inline = links[1]
        rels = {r.get("Id"): r.get("Target") for r in d.xml("word/_rels/document.xml.rels")}
        url = rels[inline.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")]
        runs = list(inline)
        field = [_field_run(d, "begin"), _instr(d, f' HYPERLINK "{url}" \\o "A title" '), _field_run(d, "separate"),
                 *runs, _field_run(d, "end")]
        for r in reversed(field):
            inline.addnext(r)
        link_p.remove(inline)
        reference = links[0]
        reference.set(w("tgtFrame"), "_blank")
        # the autolink as a simple field
        auto = links[2]
        target = rels[auto.get(f"{{{_R}}}id")]
        simple = auto.makeelement(w("fldSimple"), {w("instr"): f' HYPERLINK "{target}" '})
        for r in list(auto):
            simple.append(r)
        auto.addnext(simple)
        link_p.remove(auto)

    docx = lab.edited(lab.resaved("review-full"), wordish)
    result = absorb_docx(docx, REVIEW)
    assert result.changes == [] and result.findings == []


def _field_run(d: Docx, kind: str):
    r = d.doc.makeelement(w("r"), {})
    r.append(r.makeelement(w("fldChar"), {w("fldCharType"): kind}))
    return r


def _instr(d: Docx, text: str):
    r = d.doc.makeelement(w("r"), {})
    t = r.makeelement(w("instrText"), {})
    t.text = text
    r.append(t)
    return r


# --------------------------------------------------------------------------- edits of every kind


def test_every_kind_of_edit_lands_in_its_file_in_that_file_s_style(lab):
    def edit(d: Docx) -> None:
        d.retype(d.paragraph("A paragraph with"), "narrow", "small")  # a typed-over word
        d.retype(d.note_paragraph("The Constitution, with"), "The Constitution", "The ITU Constitution")
        d.add_paragraph_after(d.paragraph("See the reference link"), "A paragraph added in Word.")
        d.delete(d.paragraph("Stocks, with a note of their own"))  # a list item with its note
        d.relink(d.paragraph("See the reference link"), "https://www.wto.org/en/")  # the reference link
        d.add_footnote(d.paragraph("It ends here"), "It ends here.", "A new alpha note, in *Word*.")
        d.set_text(d.cell(0, 2, 1), "8")
        d.retype(d.paragraph("A quoted line"), "second", "last")
        d.add_paragraph_after(d.paragraph("Illegal fishing"), "Unreported fishing")

    sources = lab.sources(REVIEW)
    changes = absorbed(lab.edited(lab.resaved("review-full"), edit), sources)
    assert set(changes) == {"sections/01-forms.md", "sections/03-alpha.md"}
    assert changes["sections/01-forms.md"] == replaced(
        review_text("sections/01-forms.md"),
        ("wrapped at a narrow width", "wrapped at a small width"),
        ("or [the beta part](#beta-only).\n", "or [the beta part](#beta-only).\n\nA paragraph added in Word.\n"),
        ("   1. Illegal fishing\n", "   1. Illegal fishing\n   2. Unreported fishing\n"),
        ("   2. Subsidies[^twice]\n2. Stocks, with a note of their own[^gone]\n3. Capacity",
         "   3. Subsidies[^twice]\n2. Capacity"),
        ("| Rice | 7      |", "| Rice | 8      |"),
        ("> and a second line.", "> and a last line."),
        ("[^cstd]: The Constitution", "[^cstd]: The ITU Constitution"),
        ("[^gone]: A note whose only call sits in a list item.\n\n    Its second paragraph.\n\n", ""),
        ("[wto]: https://www.wto.org/", "[wto]: https://www.wto.org/en/"),
    )
    assert changes["sections/03-alpha.md"] == replaced(
        review_text("sections/03-alpha.md"),
        ("It ends here.", "It ends here.[^3]"),
        ("[^2]: The second alpha note.\n", "[^2]: The second alpha note.\n\n[^3]: A new alpha note, in \\*Word\\*.\n"),
    )


def test_inline_links_keep_their_title_and_autolinks_their_kind(lab):
    def edit(d: Docx) -> None:
        p = d.paragraph("See the reference link")
        hyperlinks = p.findall(w("hyperlink"))
        rels = d.xml("word/_rels/document.xml.rels")
        targets = {hyperlinks[1].get(f"{{{_R}}}id"): "https://example.org/new-page",
                   hyperlinks[2].get(f"{{{_R}}}id"): "https://example.org/other"}
        for rel in rels:
            if rel.get("Id") in targets:
                rel.set("Target", targets[rel.get("Id")])
        for t in hyperlinks[2].iter(w("t")):
            t.text = "https://example.org/other"

    sources = lab.sources(REVIEW)
    changes = absorbed(lab.edited(lab.resaved("review-full"), edit), sources)
    assert changes == {"sections/01-forms.md": replaced(
        review_text("sections/01-forms.md"),
        ('(https://example.org/page "A title")', '(https://example.org/new-page "A title")'),
        ("<https://example.org/auto>", "<https://example.org/other>"),
    )}


def test_a_link_into_a_section_the_edition_leaves_out_survives_an_edit_of_its_words(lab):
    """In the alpha pack the link to the beta section prints as plain text; retyping its words
    keeps it a link in the sources."""
    sources = lab.sources(REVIEW)
    docx = lab.edited(lab.resaved("review-alpha"), lambda d: d.retype(d.paragraph("See the reference"), "beta part", "beta pages"))
    assert absorbed(docx, sources) == {"sections/01-forms.md": replaced(
        review_text("sections/01-forms.md"), ("[the beta part](#beta-only)", "[the beta pages](#beta-only)"))}


def test_sample_edits_keep_wrapping_labels_and_numbering(lab):
    def edit(d: Docx) -> None:
        d.retype(d.paragraph("Two questions sit at the heart"), "hard negotiation", "tough negotiation")
        d.add_paragraph_after(d.paragraph("Any new or amended definition of cybersecurity"), "A point added in Word.")
        p = d.paragraph("Resolution 130 draws the line")
        d.add_footnote(p, "In the text in force,", "Adopted at Guadalajara.")
        d.retype(d.note_paragraph("WTDC-10 is the World"), "Hyderabad, India", "Hyderabad (India)")

    sources = lab.sources(SAMPLE)
    changes = absorbed(lab.edited(lab.resaved("itu-pp-2014-cybersecurity"), edit), sources)
    original = (SAMPLE / "sections/08-cybersecurity.md").read_text(encoding="utf-8")
    assert changes == {"sections/08-cybersecurity.md": replaced(
        original,
        ("subject of hard negotiation in", "subject of tough negotiation in"),
        ("text in force, the Union", "text in force,[^adopted] the Union"),
        ("2. Any narrowing of the exclusions", "2. A point added in Word.\n3. Any narrowing of the exclusions"),
        ("3. The follow-up given", "4. The follow-up given"),
        ("4. New assistance programmes", "5. New assistance programmes"),
        ("held in Hyderabad, India,\n", "held in Hyderabad (India),\n"),
        ("    Development Sector (ITU-D).\n", "    Development Sector (ITU-D).\n\n[^adopted]: Adopted at Guadalajara.\n"),
    )}


def test_a_french_docx_absorbs_into_the_translation_files(lab):
    """The French edition's sections are the .fr.md files (Section.path), its cover title is
    pack.yaml's `translations: fr: title`."""
    def edit(d: Docx) -> None:
        d.retype(d.paragraph("La plupart des initiatives"), "La plupart des", "Presque toutes les")
        d.retype(d.note_paragraph("La CMDT-10 est la Conférence"), "tenue à", "réunie à")
        d.retype(d.paragraph("Conférence de plénipotentiaires de l'UIT 2014"), "2014", "2014 (Busan)")

    sources = lab.sources(SAMPLE)
    changes = absorbed(lab.edited(lab.resaved("itu-pp-2014-cybersecurity-fr"), edit), sources)
    french = (SAMPLE / "sections/08-cybersecurity.fr.md").read_text(encoding="utf-8")
    assert changes == {
        "sections/08-cybersecurity.fr.md": replaced(
            french, ("La plupart des initiatives", "Presque toutes les initiatives"),
            ("télécommunications tenue à\n", "télécommunications réunie à\n")),
        "pack.yaml": replaced((SAMPLE / "pack.yaml").read_text(encoding="utf-8"),
                              ("title: Conférence de plénipotentiaires de l'UIT 2014\n",
                               "title: Conférence de plénipotentiaires de l'UIT 2014 (Busan)\n")),
    }


def test_titles_go_to_front_matter_and_pack_yaml_keeping_comments(lab):
    def edit(d: Docx) -> None:
        d.retype(d.paragraph("Review Pack"), "Review Pack", "Review Pack 2025")
        d.retype(d.paragraph("Edits travel back"), "travel back", "travel home")
        heading = next(p for p in d.doc.iter(w("p")) if _text(p) == "Forms" and p.find(w("bookmarkStart")) is not None)
        d.retype(heading, "Forms", "Forms: all of them")

    sources = lab.sources(REVIEW)
    changes = absorbed(lab.edited(lab.resaved("review-full"), edit), sources)
    assert changes["pack.yaml"] == replaced(
        review_text("pack.yaml"), ("title: Review Pack\n", "title: Review Pack 2025\n"),
        ("subtitle: Edits travel back", "subtitle: Edits travel home"))
    assert changes["sections/01-forms.md"] == replaced(
        review_text("sections/01-forms.md"),
        ("title: Forms          # the section title", 'title: "Forms: all of them"          # the section title'))


def _text(p) -> str:
    return "".join(t.text or "" for t in p.iter(w("t")))


_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


# --------------------------------------------------------------------------- three-way


def test_edits_to_different_blocks_are_both_kept(lab):
    sources = lab.sources(REVIEW)
    path = sources / "sections/01-forms.md"
    today = replaced(review_text("sections/01-forms.md"), ("## Tables and quotes", "## Tables, and quotes"))
    path.write_text(today, encoding="utf-8")
    docx = lab.edited(lab.resaved("review-full"), lambda d: d.retype(d.paragraph("A paragraph with"), "narrow", "small"))
    assert absorbed(docx, sources) == {"sections/01-forms.md": replaced(today, ("a narrow width", "a small width"))}


def test_the_same_block_edited_on_both_sides_is_a_conflict_and_nothing_is_written(lab):
    sources = lab.sources(REVIEW)
    path = sources / "sections/01-forms.md"
    today = replaced(review_text("sections/01-forms.md"), ("shows that the line breaks stay.", "shows the line breaks stay."))
    path.write_text(today, encoding="utf-8")
    docx = lab.edited(lab.resaved("review-full"), lambda d: d.retype(d.paragraph("A paragraph with"), "narrow", "small"))
    with pytest.raises(AbsorbError) as caught:
        absorb_docx(docx, sources)
    conflict = caught.value.findings[0]
    assert (conflict.path, conflict.line) == ("sections/01-forms.md", 6)
    assert "wrapped at a small width" in conflict.message and "shows the line breaks stay." in conflict.message
    assert path.read_text(encoding="utf-8") == today
    # the command shows both versions on lines of their own, not as one line of '\n's
    result = CliRunner().invoke(main, ["absorb", str(docx), "--sources", str(sources), "--write"])
    assert result.exit_code == 1 and "\\n" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert any(line.endswith("sections/01-forms.md:6: changed in the DOCX and in the file since the DOCX was built:") for line in lines), lines
    assert "      in the DOCX:" in lines and "      in the file now:" in lines, lines
    assert path.read_text(encoding="utf-8") == today


# --------------------------------------------------------------------------- review marks


def _review_marks(d: Docx) -> None:
    d.track_insert(d.paragraph("A paragraph with"), "A paragraph", " (the first)", author="Ana")
    d.track_delete(d.paragraph("It ends here"), " here", author="Ben")
    d.track_move(d.paragraph("The alpha section has"), d.paragraph("It ends"), author="Ana")


def test_tracked_changes_are_refused_and_listed_with_file_line_and_author(lab):
    docx = lab.edited(lab.resaved("review-full"), _review_marks)
    with pytest.raises(AbsorbError) as caught:
        absorb_docx(docx, REVIEW)
    listed = [f"{f.path}:{f.line}: {f.message}" for f in caught.value.findings]
    # a move is listed at the line of the text moved, on both ends
    assert listed == [
        "sections/01-forms.md:6: insertion by Ana “(the first)”",
        "sections/03-alpha.md:6: moved away by Ana “The alpha section has numbered notes. A second one follows.”",
        "sections/03-alpha.md:8: deletion by Ben “here”",
        "sections/03-alpha.md:6: moved here by Ana “The alpha section has numbered notes. A second one follows.”",
    ]
    assert "--accept-changes" in str(caught.value)


def test_accepted_changes_are_absorbed_and_a_move_stays_a_move(lab):
    sources = lab.sources(REVIEW)
    changes = absorbed(lab.edited(lab.resaved("review-full"), _review_marks), sources, changes="accept")
    assert changes == {
        "sections/01-forms.md": replaced(review_text("sections/01-forms.md"), ("A paragraph with _under", "A paragraph (the first) with _under")),
        "sections/03-alpha.md": replaced(
            review_text("sections/03-alpha.md"),
            ("The alpha section has numbered notes.[^1] A second one follows.[^2]\n\nIt ends here.\n",
             "It ends.\n\nThe alpha section has numbered notes.[^1] A second one follows.[^2]\n")),
    }


def test_rejected_changes_leave_the_sources_as_they_are(lab):
    result = absorb_docx(lab.edited(lab.resaved("review-full"), _review_marks), REVIEW, changes="reject")
    assert result.changes == []


def test_comments_and_formatting_are_reported_at_their_lines(lab):
    def edit(d: Docx) -> None:
        d.comment(d.paragraph("See the reference link"), "Is this the right link?", author="Ana Reviewer")
        d.colour(d.paragraph("A paragraph with"), "strong words")
        d.retype(d.paragraph("It ends here"), "ends", "stops")

    docx = lab.edited(lab.resaved("review-full"), edit)
    result = absorb_docx(docx, REVIEW)
    assert [c.path for c in result.changes] == ["sections/03-alpha.md"]
    shown = CliRunner().invoke(main, ["absorb", str(docx), "--sources", str(REVIEW)])
    assert shown.exit_code == 0
    from briefpack.errors import display_path

    assert f"{display_path(REVIEW / 'sections/01-forms.md')}:10: Ana Reviewer: Is this the right link?\n" in shown.stderr
    assert [f"{f.path}:{f.line}: {f.message}" for f in result.findings] == [
        "sections/01-forms.md:6: colour on “strong words”: direct formatting a Markdown source cannot hold",
        "sections/01-forms.md:10: Ana Reviewer: Is this the right link?",
    ]
    assert [f.severity for f in result.findings] == ["warning", "comment"]


def test_a_merged_table_cell_and_a_new_picture_are_reported_not_dropped_silently(lab):
    def edit(d: Docx) -> None:
        tc = d.cell(0, 1, 0).getparent()
        tcpr = tc.find(w("tcPr"))
        if tcpr is None:
            tcpr = tc.makeelement(w("tcPr"), {})
            tc.insert(0, tcpr)
        tcpr.append(tc.makeelement(w("gridSpan"), {w("val"): "2"}))
        figure = d.paragraph("It ends here")
        drawing = next(d.doc.iter(w("drawing")))
        import copy
        run = figure.makeelement(w("r"), {})
        run.append(copy.deepcopy(drawing))
        figure.append(run)

    result = absorb_docx(lab.edited(lab.resaved("review-full"), edit), REVIEW)
    messages = [f"{f.path}:{f.line}: {f.message}" for f in result.findings]
    assert any(m.startswith("sections/01-forms.md:29: merged cell") for m in messages), messages
    assert any(m.startswith("sections/03-alpha.md:8: a picture was inserted") for m in messages), messages


# --------------------------------------------------------------------------- the build loop


def test_after_absorb_write_the_next_build_replaces_the_docx_and_gives_the_edited_text(lab, tmp_path):
    sources = lab.sources(REVIEW)
    out = tmp_path / "out"
    build_pack(sources, out, formats=("docx",))
    docx = out / "review-full.docx"
    doc = Docx(docx.read_bytes())
    doc.retype(doc.paragraph("A paragraph with"), "narrow", "small")
    doc.add_paragraph_after(doc.paragraph("It ends here"), "Added by a reviewer.")
    docx.write_bytes(doc.save())
    edited_text = _docx_text(docx)

    runner = CliRunner()
    refused = runner.invoke(main, ["build", "--sources", str(sources), "--out", str(out), "--format", "docx"])
    assert refused.exit_code == 1 and "edited since briefpack wrote them" in refused.output
    # the refusal names the way to keep the edits: the command this test runs next
    assert f"briefpack absorb {docx} --sources {sources} --write" in refused.output, refused.output
    done = runner.invoke(main, ["absorb", str(docx), "--sources", str(sources), "--write"])
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines() == [str(sources / "sections/01-forms.md"), str(sources / "sections/03-alpha.md")]
    rebuilt = runner.invoke(main, ["build", "--sources", str(sources), "--out", str(out), "--format", "docx"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert _docx_text(docx) == edited_text
    assert list(out.glob("*.edited-*")) == []  # replaced, not backed up: its edits are in the sources


def _docx_text(path: Path) -> list[str]:
    """The document's paragraphs, the contents left out (it is generated from the headings)."""
    import docx as python_docx

    doc = python_docx.Document(str(path))
    return [" ".join(p.text.split()) for p in doc.paragraphs
            if p.text.strip() and not p.style.name.lower().startswith("toc")]


# --------------------------------------------------------------------------- the command


def test_absorb_without_write_shows_a_diff_and_writes_nothing(lab):
    sources = lab.sources(REVIEW)
    docx = lab.edited(lab.resaved("review-full"), lambda d: d.retype(d.paragraph("It ends here"), "ends", "stops"))
    result = CliRunner().invoke(main, ["absorb", str(docx), "--sources", str(sources)])
    assert result.exit_code == 0
    assert "-It ends here.\n+It stops here.\n" in result.stdout
    # sources outside the working folder: named as `diff -u` names them (not a//tmp/…)
    name = sources / "sections/03-alpha.md"
    assert f"--- {name}\n+++ {name}\n" in result.stdout, result.stdout[:300]
    assert "1 file would change" in result.stderr
    assert (sources / "sections/03-alpha.md").read_text(encoding="utf-8") == review_text("sections/03-alpha.md")


def test_absorbing_into_sources_that_do_not_build_says_so(lab):
    """The edits are absorbed (they did not cause the problem), and the report says the pack does
    not build yet instead of leaving the user to find out at the next build."""
    sources = lab.sources(REVIEW)
    path = sources / "sections/03-alpha.md"
    path.write_text(review_text("sections/03-alpha.md") + "\n![A lost figure](lost.png)\n", encoding="utf-8")
    docx = lab.edited(lab.resaved("review-full"), lambda d: d.retype(d.paragraph("It ends here"), "ends", "stops"))
    result = CliRunner().invoke(main, ["absorb", str(docx), "--sources", str(sources), "--write"])
    assert result.exit_code == 0, result.output
    assert "It stops here." in path.read_text(encoding="utf-8")
    assert "note: the sources have 1 error that the edits did not cause" in result.stderr, result.stderr
    assert "not absorbed" not in result.stderr


def test_an_unedited_docx_after_the_sources_moved_on_says_it_has_no_edits(lab):
    sources = lab.sources(REVIEW)
    path = sources / "sections/03-alpha.md"
    path.write_text(replaced(review_text("sections/03-alpha.md"), ("It ends here", "It stops here")), encoding="utf-8")
    result = CliRunner().invoke(main, ["absorb", str(lab.resaved("review-full")), "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    assert "has no edits since it was built" in result.stderr and "already say" not in result.stderr, result.stderr


def test_absorb_usage_errors_exit_2(lab):
    result = CliRunner().invoke(main, ["absorb", str(lab.built("review-full")), "--accept-changes", "--reject-changes"])
    assert result.exit_code == 2 and "either --accept-changes or --reject-changes" in result.output


# --------------------------------------------------------------------------- hostile and foreign files


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out.getvalue()


def _with_part(docx: Path, name: str, data: bytes) -> bytes:
    with zipfile.ZipFile(docx) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts[name] = data
    return _zip(parts)


HOSTILE = {
    "not a zip": (lambda built: b"%PDF-1.4 not a word file", "not a zip package"),
    "encrypted": (lambda built: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, "password-protected"),
    "no main part": (lambda built: _zip({"[Content_Types].xml": b"<Types/>"}), "no main document part"),
    "zip bomb": (lambda built: _with_part(built, "word/document.xml", b" " * (40 * 1024 * 1024)), "MB"),
    "entities": (lambda built: _with_part(built, "word/document.xml",
                                          b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
                                          b'<w:document xmlns:w="' + W_NS.encode() + b'"><w:body>&b;</w:body></w:document>'),
                 "DOCTYPE"),
    "broken xml": (lambda built: _with_part(built, "word/document.xml", b"<w:document"), "not well-formed"),
    "not briefpack": (lambda built: _with_part(built, "docProps/custom.xml", b'<?xml version="1.0"?><Properties '
                                               b'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>'),
                      "not built by briefpack"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_or_foreign_docx_fails_cleanly_with_nothing_written(lab, tmp_path, case):
    make, message = HOSTILE[case]
    bad = tmp_path / "bad.docx"
    bad.write_bytes(make(lab.built("review-full")))
    sources = lab.sources(REVIEW)
    before = {p: p.read_bytes() for p in sources.rglob("*") if p.is_file()}
    result = CliRunner().invoke(main, ["absorb", str(bad), "--sources", str(sources), "--write"])
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output
    assert {p: p.read_bytes() for p in sources.rglob("*") if p.is_file()} == before


def test_a_damaged_record_of_the_sources_is_refused(lab, tmp_path):
    with zipfile.ZipFile(lab.built("review-full")) as z:
        custom = z.read("docProps/custom.xml").decode()
    damaged = custom.replace("briefpack.sources.00000\"><vt:lpwstr>eN", "briefpack.sources.00000\"><vt:lpwstr>eM")
    assert damaged != custom
    bad = tmp_path / "damaged.docx"
    bad.write_bytes(_with_part(lab.built("review-full"), "docProps/custom.xml", damaged.encode()))
    with pytest.raises(AbsorbError, match="checksum"):
        absorb_docx(bad, REVIEW)


def test_a_docx_from_another_pack_is_refused(lab):
    with pytest.raises(AbsorbError, match=r"built from the pack 'Review Pack' \(review\)"):
        absorb_docx(lab.built("review-full"), SAMPLE)


def test_the_record_is_in_properties_word_accepts(lab):
    with zipfile.ZipFile(lab.built("itu-pp-2014-cybersecurity")) as z:
        custom = z.read("docProps/custom.xml").decode()
    from lxml import etree

    props = etree.fromstring(custom.encode())
    values = [p[0].text or "" for p in props]
    assert max(len(v) for v in values) <= 255
    assert [p.get("pid") for p in props] == [str(i) for i in range(2, 2 + len(props))]
    names = [p.get("name") for p in props]
    assert names[:6] == ["briefpack", "briefpack.pack", "briefpack.edition", "briefpack.version",
                         "briefpack.sources.count", "briefpack.sources.sha256"]
    # only the edition's own sections travel with it
    from briefpack.provenance import from_properties

    record = from_properties(dict(zip(names, values)))
    assert sorted(record.files) == ["pack.yaml"] + sorted(
        f"sections/{n}" for n in ("01-about.md", "02-agenda.md", "03-elections.md", "04-constitution.md",
                                  "05-resolutions-overview.md", "08-cybersecurity.md", "11-abbreviations.md"))
    assert "# The sample pack" in record.files["pack.yaml"]  # YAML comments travel too
    json.dumps(record.topics)
    # and LibreOffice keeps them as they are
    with zipfile.ZipFile(lab.resaved("itu-pp-2014-cybersecurity")) as z:
        resaved = etree.fromstring(z.read("docProps/custom.xml"))
    assert {p.get("name"): p[0].text or "" for p in resaved} == dict(zip(names, values))


# --------------------------------------------------------------------------- generated packs


from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pack_strategies import valid_body  # noqa: E402
from test_properties import titled, write_generated  # noqa: E402


@settings(max_examples=15, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no slow shrinking
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(valid_body, min_size=1, max_size=2), pick=st.integers(0, 10**6))
def test_generated_packs_absorb_their_own_docx_to_nothing_and_a_retyped_word_exactly_or_refuse(tmp_path_factory, bodies, pick):
    """Whatever the Markdown, the DOCX built from it reads back as its sources; a word retyped in
    Word is either absorbed — and then the sources rebuild to that very text — or refused cleanly."""
    from briefpack.sources.loader import read_pack

    root = write_generated(tmp_path_factory.mktemp("gen"), titled(bodies))
    if read_pack(root).errors:
        return
    out = root / "out"
    build_pack(root, out, formats=("docx",))
    docx = out / "fuzz-full.docx"
    result = absorb_docx(docx, root)
    assert result.changes == [] and result.findings == []

    doc = Docx(docx.read_bytes())
    texts = [t for t in doc.doc.iter(w("t")) if t.text and t.text.strip() and _in_section_body(t)]
    if not texts:
        return
    target = texts[pick % len(texts)]
    target.text = target.text.rstrip() + " retyped"
    edited = out / "edited.docx"
    edited.write_bytes(doc.save())
    try:
        result = absorb_docx(edited, root)
    except AbsorbError as exc:
        assert exc.findings and all(f.message for f in exc.findings)
        return
    write_absorbed(result)
    build_pack(root, out, formats=("docx",))
    assert _docx_text(docx) == _docx_text(edited)


def _in_section_body(t) -> bool:
    """Text of a section's body (not the cover, contents, titles, credits, a link, or the
    number a NOTEREF field shows — which Word computes, and absorb rightly ignores)."""
    run_style = t.getparent().find(f"{w('rPr')}/{w('rStyle')}")
    if run_style is not None and run_style.get(w("val")) == "FootnoteReference":
        return False
    p = next(a for a in t.iterancestors() if a.tag == w("p"))
    style = p.find(f"{w('pPr')}/{w('pStyle')}")
    name = style.get(w("val")) if style is not None else ""
    return not name.startswith(("TOC", "Title", "Subtitle", "Cover", "Classification", "Heading1", "Credits")) and \
        not any(a.tag == w("hyperlink") for a in t.iterancestors())
