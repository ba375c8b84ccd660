"""What briefpack promises about hostile sources (README, "Safety"), checked on real outputs."""

from __future__ import annotations

import io

from docx import Document
from pypdf import PdfReader

from briefpack.build import build_pack
from conftest import PNG_BYTES, write_pack

HOSTILE = """
    Template syntax {{ 7*7 }} and {% include 'secret.txt' %} stay text.

    Raw HTML <script>alert("x")</script> <iframe src="https://example.org/"></iframe>
    <link rel="stylesheet" href="file:///etc/passwd"> <img src="file:///etc/passwd"> <style>body{display:none}</style>

    ![A diagram that tries to read files](sneaky.svg)
"""


def sneaky_svg(secret_png: str) -> bytes:
    return f"""<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="100" viewBox="0 0 200 100">
  <rect width="200" height="100" fill="#dde"/>
  <image href="file://{secret_png}" width="100" height="100"/>
  <image xlink:href="https://example.org/tracker.png" x="100" width="100" height="100"/>
</svg>""".encode()


def build_hostile(tmp_path):
    secret = tmp_path / "secret.png"  # outside the sources folder
    secret.write_bytes(PNG_BYTES)
    root = write_pack(
        tmp_path / "p", "title: Hostile\n", {"s.md": "---\ntitle: S\ntopics: all\n---\n" + HOSTILE},
        {"sections/sneaky.svg": sneaky_svg(str(secret))},
    )
    return build_pack(root, tmp_path / "out", formats=("pdf", "docx", "html"))


def test_hostile_text_is_printed_literally_never_evaluated(tmp_path):
    result = build_hostile(tmp_path)
    pdf, docx, html = (next(p for p in result.written if p.suffix == ext) for ext in (".pdf", ".docx", ".html"))
    pdf_text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    docx_text = "\n".join(p.text for p in Document(docx).paragraphs)
    for text in (pdf_text, docx_text):
        assert "{{ 7*7 }}" in text and "49" not in text
        assert "{% include 'secret.txt' %}" in text
        assert '<script>alert("x")</script>' in text and "<img src=\"file:///etc/passwd\">" in text
    page = html.read_text()
    assert "<script>" not in page and "<iframe" not in page and 'href="file:' not in page
    assert "&lt;script&gt;" in page


def test_svg_cannot_pull_in_files_or_reach_the_network(tmp_path):
    result = build_hostile(tmp_path)
    pdf = next(p for p in result.written if p.suffix == ".pdf")
    images = [img for page in PdfReader(pdf).pages for img in page.images]
    assert images == []  # the SVG is drawn as vectors; neither <image> was fetched
    docx = next(p for p in result.written if p.suffix == ".docx")
    import zipfile

    with zipfile.ZipFile(docx) as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        for name in media:
            assert z.read(name) != PNG_BYTES  # the secret PNG never made it into the package


def test_lists_and_quotes_nested_1000_deep_stop_with_a_limit_message(tmp_path):
    import time

    from briefpack.errors import SourceError

    deep = "Intro.\n\n" + "".join("  " * i + "- item\n" for i in range(1000)) + "\n" + "> " * 1000 + "deep quote\n"
    root = write_pack(tmp_path / "p", "title: Deep\n", {"s.md": "---\ntitle: S\ntopics: all\n---\n" + deep})
    start = time.monotonic()
    try:
        build_pack(root, tmp_path / "out", formats=("pdf", "docx"))
    except SourceError as exc:
        (problem,) = exc.problems
        assert "nested too deep" in problem.message and problem.line and problem.line > 6
    else:
        raise AssertionError("text deeper than the nesting limit would have been lost silently")
    assert time.monotonic() - start < 60
    assert not (tmp_path / "out").exists() or not [p for p in (tmp_path / "out").iterdir() if p.suffix in (".pdf", ".docx")]


def test_deep_but_reasonable_nesting_builds_with_every_word(tmp_path):
    nested = "".join("   " * i + f"1. level {i}\n" for i in range(12)) + "\n" + "> " * 15 + "deep quote\n"
    root = write_pack(tmp_path / "p", "title: Deep\n", {"s.md": "---\ntitle: S\ntopics: all\n---\n" + nested})
    result = build_pack(root, tmp_path / "out", formats=("pdf", "docx"))
    pdf = next(p for p in result.written if p.suffix == ".pdf")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "deep quote" in text and "level 11" in text
    docx = next(p for p in result.written if p.suffix == ".docx")
    words = "\n".join(p.text for p in Document(docx).paragraphs)
    assert "deep quote" in words and "level 11" in words
