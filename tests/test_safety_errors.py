"""Safety (README) — clear errors, no traceback, nothing accepted that the build then chokes on
or drops: decoded control characters, separators, recursive YAML, damaged images and annexes,
annex actions, style folders (sandboxed templates), SOURCE_DATE_EPOCH, the reserved topic
'full', and every user string quoted on the terminal."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader
from pypdf.generic import IndirectObject, NameObject

from briefpack.build import build_pack
from briefpack.errors import BuildError, SourceError
from briefpack.options import build_timestamp
from briefpack.sources.loader import read_pack
from briefpack.style import DEFAULT_STYLE_DIR
from conftest import PNG_BYTES, write_pack
from hostile import encrypted_pdf, flate_bomb_pdf, hostile_annex, plain_pdf, png, unknown_filter_pdf
from test_safety_files import CLI, _guarded
from test_safety_limits import word_tops

FRONT = "---\ntitle: S\ntopics: all\n---\n"


def _problems(root: Path) -> list[str]:
    return [str(p) for p in read_pack(root).problems if p.is_error]


# ------------------------------------------------------------------------------ characters


def test_control_characters_written_as_character_references_are_refused_at_their_line(tmp_path):
    body = (
        "A paragraph &#12; with a form feed.\n\n"       # line 5
        "## A heading &#x0C;\n\n"                        # line 7
        "![An alt &#12; text](pic.png)\n\n"              # line 9
        '[A link](https://www.itu.int/ "A title &#12;")\n'  # line 11
    )
    root = write_pack(tmp_path / "p", "title: T\n", {"s.md": FRONT + body}, {"sections/pic.png": PNG_BYTES})
    problems = _problems(root)
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["5", "7", "9", "11"], problems
    assert all("U+000C" in p and "&#12;" in p for p in problems)


def test_line_and_paragraph_separators_are_read_as_spaces_and_build(tmp_path):
    """A raw U+2029 after a space crashed WeasyPrint (AssertionError); U+2028, U+0085 and their
    character references are read as spaces too, in Markdown and in YAML."""
    body = (
        "Before \u2029after, one\u2028two, three\u0085four, five&#8233;six, seven&#x2028;eight.\n\n"
        "## A heading \u2029with a separator\n\n"
        "![Alt \u2029text](pic.png)\n"
    )
    front = '---\ntitle: "Title\\u2029with separator"\ntopics: all\n---\n'
    root = write_pack(tmp_path / "p", "title: T\n", {"s.md": front + body}, {"sections/pic.png": PNG_BYTES})
    assert _problems(root) == []
    result = build_pack(root, tmp_path / "out", formats=("pdf", "docx"))
    pdf = next(p for p in result.written if p.suffix == ".pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(pdf).pages)
    assert "Before after, one two, three four, five six, seven eight." in text
    assert "Title with separator" in text and "A heading with a separator" in text
    words = "\n".join(p.text for p in Document(next(p for p in result.written if p.suffix == ".docx")).paragraphs)
    assert "five six, seven eight" in words and "\u2029" not in words


@pytest.mark.parametrize("yaml_text, where, words", [
    ("title: T\nkeywords: &a [x, *a]\n", "pack.yaml:2:", "refers to the list or mapping it is inside"),
    ("title: T\nkeywords: " + "[" * 10_000 + "]" * 10_000 + "\n", "pack.yaml:2:", "nested more than 50 deep"),
    ('title: T\n"unknown\\e[31m": 1\n', "pack.yaml:2:", "control character U+001B"),
])
def test_recursive_or_absurd_yaml_is_a_problem_not_a_recursion_error(tmp_path, yaml_text, where, words):
    root = write_pack(tmp_path / "p", yaml_text, {"s.md": FRONT + "Body.\n"})
    (problem,) = _problems(root)
    assert where in problem and words in problem


def test_recursive_alias_in_front_matter(tmp_path):
    root = write_pack(tmp_path / "p", "title: T\n", {"s.md": "---\ntitle: S\ncontributors: &a [x, *a]\n---\nBody.\n"})
    (problem,) = _problems(root)
    assert "s.md:3:" in problem and "refers to the list or mapping it is inside" in problem


# ------------------------------------------------------------------------------ damaged inputs


DAMAGED_IMAGES = {
    "a PNG with truncated image data (valid checksums)": ("x.png", png(64, 64, truncate=True), "damaged image"),
    "a malformed SVG": ("x.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><rect width="5"', "not a valid SVG"),
    "an HTML file saved as .svg": ("x.svg", b"<!DOCTYPE html>\n<html><head><meta charset=utf-8></head><body><p>Hi<br></body></html>", "not a valid SVG"),
    "a well-formed HTML file saved as .svg": ("x.svg", b"<!DOCTYPE html><html><body><p>Hi</p></body></html>", "not an SVG image"),
    "an XHTML file saved as .svg": ("x.svg", b'<html xmlns="http://www.w3.org/1999/xhtml"><body/></html>', "root element is <html>"),
    "a PNG named .jpg": ("x.jpg", PNG_BYTES, "claims to be image/jpeg"),
}


@pytest.mark.parametrize("case", sorted(DAMAGED_IMAGES))
def test_damaged_images_are_reported_by_check_at_the_line_that_shows_them(tmp_path, case):
    name, data, words = DAMAGED_IMAGES[case]
    root = write_pack(tmp_path / "p", "title: T\n", {"s.md": FRONT + f"Intro.\n\n![Figure]({name})\n"}, {f"sections/{name}": data})
    (problem,) = _problems(root)
    assert f"s.md:7: image '{name}'" in problem and words in problem


DAMAGED_ANNEXES = {
    "encrypted": (encrypted_pdf(), "protected by a password"),
    "truncated": (plain_pdf(["One", "Two"])[:400], "damaged PDF"),
    "an unknown /Filter": (unknown_filter_pdf(), "compression briefpack cannot read"),
    "not a PDF": (b"<html>not a pdf</html>", "not a PDF file"),
}


@pytest.mark.parametrize("case", sorted(DAMAGED_ANNEXES))
def test_damaged_annexes_are_reported_at_their_line_not_dropped(tmp_path, case):
    data, words = DAMAGED_ANNEXES[case]
    root = write_pack(
        tmp_path / "p", "title: T\nannexes:\n  - {title: Good, file: annexes/good.pdf}\n  - {title: Bad, file: annexes/bad.pdf}\n",
        {"s.md": FRONT + "Body.\n"}, {"annexes/good.pdf": plain_pdf(["Good"]), "annexes/bad.pdf": data},
    )
    (problem,) = _problems(root)
    assert "pack.yaml:4: annex: 'bad.pdf'" in problem and words in problem


def test_a_flate_bomb_annex_is_refused_without_inflating_it(tmp_path):
    root = write_pack(
        tmp_path / "p", "title: T\nannexes:\n  - {title: Bomb, file: annexes/bomb.pdf}\n", {"s.md": FRONT + "Body.\n"},
        {"annexes/bomb.pdf": flate_bomb_pdf()},
    )
    proc = _guarded(CLI + ["check", "--sources", str(root)], tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "pack.yaml:3: annex: 'bomb.pdf' page 1: its content decompresses to more than" in proc.stdout


def test_an_annex_that_opens_without_a_password_is_used(tmp_path):
    root = write_pack(
        tmp_path / "p", "title: T\nannexes:\n  - {title: Locked for editing, file: annexes/a.pdf}\n", {"s.md": FRONT + "Body.\n"},
        {"annexes/a.pdf": encrypted_pdf(user_password="")},
    )
    result = build_pack(root, tmp_path / "out", formats=("pdf",))
    assert "Encrypted annex page" in PdfReader(result.written[0]).pages[-1].extract_text()


def test_annex_links_that_act_are_stripped_and_safe_ones_kept(tmp_path):
    """The annex carries file:, JavaScript, Launch, GoToR and SubmitForm actions, an open action,
    a named script and an attachment: none reaches the pack. Its http(s), mailto and own-page
    links survive (re-pointed to where its pages are in the pack); its form field stays visible."""
    root = write_pack(
        tmp_path / "p", "title: T\nannexes:\n  - {title: Hostile, file: annexes/h.pdf}\n  - {title: Twice, file: annexes/h.pdf}\n",
        {"s.md": FRONT + "Body.\n"}, {"annexes/h.pdf": hostile_annex()},
    )
    pdf = build_pack(root, tmp_path / "out", formats=("pdf",)).written[0]
    reader = PdfReader(pdf)
    names, strings = _reachable(reader)
    assert not names & {"/JavaScript", "/JS", "/Launch", "/GoToR", "/SubmitForm", "/EmbeddedFile", "/EmbeddedFiles", "/OpenAction", "/AA"}
    assert not [s for s in strings if "file:" in s or "evil" in s or "alert" in s or "/bin/sh" in s]
    count = len(reader.pages)
    for first in (count - 4, count - 2):  # each listing's two pages
        links = [a.get_object() for a in reader.pages[first].get("/Annots", [])]
        uris = [a["/A"]["/URI"] for a in links if "/A" in a]
        assert uris == ["https://www.itu.int/annex-link", "mailto:delegation@example.org", "https://www.itu.int/next"]
        assert all("/Next" not in a["/A"] for a in links if "/A" in a)
        (goto,) = [a["/Dest"] for a in links if "/Dest" in a]
        assert reader.get_page_number(goto[0].get_object()) == first + 1  # its own page two, in the pack
        assert {str(a["/Subtype"]) for a in links} == {"/Link"}
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("FIELD VALUE SHOWN") == 2 and text.count("Hostile annex page two") == 2
    # the form field's appearance where the field was (its box: 572–592 pt from the top), the
    # page's own text where it was (92 pt), both the right way up
    words = dict(word_tops(pdf, count - 3))
    assert 570 < words["FIELD"] < 592 and 60 < words["Hostile"] < 100, words


def _reachable(reader) -> tuple[set[str], list[str]]:
    """Every name and string reachable from the trailer (outline /Next entries aside)."""
    names, strings, seen = set(), [], set()
    stack = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, dict):
            names.update(str(k) for k in obj)
            stack.extend(obj.values())
        elif isinstance(obj, list):
            stack.extend(obj)
        elif isinstance(obj, NameObject):
            names.add(str(obj))
        elif isinstance(obj, str):
            strings.append(str(obj))
    return names, strings


# ------------------------------------------------------------------------------ style folders


def _style(tmp_path: Path, change) -> Path:
    style = tmp_path / "style"
    shutil.copytree(DEFAULT_STYLE_DIR, style)
    change(style)
    return style


def _append(path: Path, text: str):
    return lambda style: (style / path).write_text((style / path).read_text() + text)


STYLE_CASES = {
    "no print.css": (lambda s: (s / "print.css").unlink(), "print.css", None, "has no print.css"),
    "a CSS that is not UTF-8": (lambda s: (s / "print.css").write_bytes(b"body {}\n\xff\xfe {}"), "print.css", 2, "not valid UTF-8"),
    "a reference.docx that is not a zip": (lambda s: (s / "reference.docx").write_text("text"), "reference.docx", None, "not a zip file"),
    "a template syntax error": (_append(Path("templates/cover.html.j2"), "{% if %}\n"), "templates/cover.html.j2", -1, "template syntax error"),
    "an unknown asset": (_append(Path("templates/cover.html.j2"), '<img src="{{ asset(\'logo.png\') }}">\n'), "templates/cover.html.j2", -1, "asset('logo.png')"),
    "an include of /etc/passwd": (_append(Path("templates/cover.html.j2"), "{% include '/etc/passwd' %}\n"), "templates/cover.html.j2", -1, "no template '/etc/passwd'"),
    "an unknown variable": (_append(Path("templates/credits.html.j2"), "{{ no_such_name }}\n"), "templates/credits.html.j2", -1, "'no_such_name' is undefined"),
    "a division by zero": (_append(Path("templates/credits.html.j2"), "{{ 1 / 0 }}\n"), "templates/credits.html.j2", -1, "ZeroDivisionError"),
    "a huge repetition": (_append(Path("templates/credits.html.j2"), "{{ 'x' * 10**9 }}\n"), "templates/credits.html.j2", -1, "too large"),
}


@pytest.mark.parametrize("case", sorted(STYLE_CASES))
def test_style_folder_problems_are_file_line_messages_and_nothing_is_written(tmp_path, case):
    change, name, line, words = STYLE_CASES[case]
    style = _style(tmp_path, change)
    if line == -1:  # the line appended last
        line = len((style / name).read_text().splitlines())
    root = write_pack(tmp_path / "p", "title: T\n", {"s.md": FRONT + "Body.\n"})
    with pytest.raises(SourceError) as info:
        build_pack(root, tmp_path / "out", formats=("pdf", "docx"), style_dir=style)
    (problem,) = info.value.problems
    assert (problem.path, problem.line) == (style / name, line) and words in problem.message, str(problem)
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_templates_run_in_the_sandbox(tmp_path):
    """A house style could run a shell command and print its output in the pack."""
    marker = tmp_path / "ran"
    trick = f"{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}\n"
    style = _style(tmp_path, _append(Path("templates/cover.html.j2"), trick))
    root = write_pack(tmp_path / "p", "title: T\n", {"s.md": FRONT + "Body.\n"})
    proc = subprocess.run(CLI + ["check", "--sources", str(root), "--style", str(style)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1 and "refused by the template sandbox" in proc.stdout and "cover.html.j2:" in proc.stdout
    assert not marker.exists() and "Traceback" not in proc.stderr


def test_a_reference_docx_without_a_style_the_writer_needs(tmp_path):
    import zipfile

    def rename_style(style: Path):
        source = zipfile.ZipFile(DEFAULT_STYLE_DIR / "reference.docx")
        with zipfile.ZipFile(style / "reference.docx", "w") as out:
            for name in source.namelist():
                data = source.read(name)
                if name == "word/styles.xml":
                    data = data.replace(b'w:val="Footnote Text"', b'w:val="Renamed Text"')
                out.writestr(name, data)

    style = _style(tmp_path, rename_style)
    root = write_pack(tmp_path / "p", "title: T\n", {"s.md": FRONT + "Body.\n"})
    with pytest.raises(SourceError) as info:
        build_pack(root, tmp_path / "out", formats=("docx",), style_dir=style)
    (problem,) = info.value.problems
    assert problem.path == style / "reference.docx" and "no style 'Footnote Text'" in problem.message
    build_pack(root, tmp_path / "out", formats=("pdf",), style_dir=style)  # the PDF does not need it


def test_a_passed_style_check_is_remembered_by_content_only(tmp_path, monkeypatch):
    """A style that passed is not checked again (in the process, and through the output
    folder's manifest), but a changed style file is, and a damaged record only means a check."""
    import json
    import zipfile

    from briefpack import style_check
    from briefpack.sources.files import load_style

    probes = []
    real_probe = style_check._probe_problems
    monkeypatch.setattr(style_check, "_probe_problems", lambda style, formats: probes.append(formats) or real_probe(style, formats))
    monkeypatch.setattr(style_check, "_PASSED", set())
    style = _style(tmp_path, lambda s: None)
    root = write_pack(tmp_path / "p", "title: T\n", {"s.md": FRONT + "Body.\n"})
    out = tmp_path / "out"

    build_pack(root, out, formats=("docx",), style_dir=style, force=True)
    assert probes == [("docx",)]
    manifest = out / ".briefpack-manifest.json"
    assert len(json.loads(manifest.read_text())["style_checks"]) == 1
    build_pack(root, out, formats=("docx",), style_dir=style, force=True)  # remembered in the process
    style_check._PASSED.clear()
    build_pack(root, out, formats=("docx",), style_dir=style, force=True)  # recorded in the folder
    assert probes == [("docx",)]
    build_pack(root, tmp_path / "elsewhere", formats=("docx", "pdf"), style_dir=style)  # another folder records nothing yet
    assert probes == [("docx",), ("docx", "pdf")]
    build_pack(root, tmp_path / "elsewhere", formats=("pdf",), style_dir=style)
    assert probes == [("docx",), ("docx", "pdf")]

    # the same folder, the style changed: checked again, and its problem reported
    with zipfile.ZipFile(DEFAULT_STYLE_DIR / "reference.docx") as source, zipfile.ZipFile(style / "reference.docx", "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, data.replace(b'w:val="Footnote Text"', b'w:val="Renamed Text"') if name == "word/styles.xml" else data)
    with pytest.raises(SourceError) as info:
        build_pack(root, out, formats=("docx",), style_dir=style, force=True)
    assert "no style 'Footnote Text'" in info.value.problems[0].message

    # a record that is not ours is ignored, not trusted: the style is checked
    shutil.copyfile(DEFAULT_STYLE_DIR / "reference.docx", style / "reference.docx")
    for junk in ({"x": 1}, ["../../etc", 7, None], ["0" * 64] * 10_000, "ab" * 32):
        record = json.loads(manifest.read_text())
        record["style_checks"] = junk
        manifest.write_text(json.dumps(record))
        style_check._PASSED.clear()
        probes.clear()
        build_pack(root, out, formats=("docx",), style_dir=style, force=True)
        assert probes == [("docx",)], junk
        assert len(json.loads(manifest.read_text())["style_checks"]) <= 16

    # a digest planted in the record (anyone can compute one) skips the probe render only: a
    # reference.docx that is not a zip is still refused at its file
    (style / "reference.docx").write_bytes(b"PK\x03\x04 not a zip at all")
    record = json.loads(manifest.read_text())
    record["style_checks"] = [style_check.check_digest(load_style(style), "docx")]
    manifest.write_text(json.dumps(record))
    style_check._PASSED.clear()
    with pytest.raises(SourceError) as info:
        build_pack(root, out, formats=("docx",), style_dir=style, force=True)
    assert info.value.problems[0].path == style / "reference.docx", info.value.problems


# ------------------------------------------------------------------------------ the rest


@pytest.mark.parametrize("value", ["7258118400", "99999999999999", "²", "abc", "-1", "1.5", "1e9"])
def test_a_bad_source_date_epoch_is_an_error(monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    with pytest.raises(BuildError) as info:
        build_timestamp()
    assert "SOURCE_DATE_EPOCH" in str(info.value) and "4354819199" in str(info.value)


def test_a_bad_source_date_epoch_stops_the_cli_plainly(tmp_path):
    root = write_pack(tmp_path / "p", "title: T\n", {"s.md": FRONT + "Body.\n"})
    proc = subprocess.run(CLI + ["build", "--sources", str(root), "--out", str(tmp_path / "out"), "--format", "docx"],
                          capture_output=True, text=True, cwd=tmp_path, env={"SOURCE_DATE_EPOCH": "7258118400", "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 1 and "SOURCE_DATE_EPOCH=7258118400" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("topics, words", [
    ("full: {title: Everything}", "'full' is reserved"),
    ("everything: {title: Everything, aliases: [full]}", "alias 'full' is reserved"),
])
def test_the_topic_name_full_is_reserved(tmp_path, topics, words):
    root = write_pack(tmp_path / "p", f"title: T\ntopics:\n  {topics}\n", {"s.md": FRONT + "Body.\n"})
    (problem,) = _problems(root)
    assert "pack.yaml:3:" in problem and words in problem


def test_user_strings_reach_the_terminal_escaped(tmp_path):
    """A file name holding a newline printed a fake 'ok' line; escape sequences in names and
    keys reached the terminal raw."""
    root = write_pack(tmp_path / "p", 'title: T\n"colour\u202ekey": 1\n', {"s.md": FRONT + "Body.\n"})
    evil = root / "sections" / "x\n\x1b[32mok: no errors, 0 warning(s)\x1b[0m.md"
    evil.write_text("no front matter\n")
    proc = subprocess.run(CLI + ["check", "--sources", str(root)], capture_output=True, text=True, cwd=tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "\x1b" not in out and "\u202e" not in out
    assert not any(line.startswith("ok: no errors") for line in out.splitlines())
    assert "x\\n\\x1b[32mok: no errors, 0 warning(s)\\x1b[0m.md:1: missing front matter" in proc.stdout
    assert "unknown key 'colour\\u202ekey'" in proc.stdout
