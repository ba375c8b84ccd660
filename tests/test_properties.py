"""Property test: any generated pack either builds valid files or fails with clear problems.

Never a crash: the loader returns `Problem`s, and whatever it accepts, both writers render into
a PDF that pypdf opens and a DOCX that python-docx opens.
"""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from briefpack.errors import Problem
from briefpack.sources.loader import read_pack
from briefpack.options import RenderOptions
from briefpack.sources.files import load_style
from briefpack.model.selection import make_edition
from pack_strategies import body, front_matter, svg_document, valid_body
from conftest import PNG_BYTES, write_pack

PACK_YAML = "title: Fuzz\ntopics:\n  alpha: {title: Alpha, aliases: [first]}\n  beta: {title: Beta}\n"
STYLE = load_style(None)


def write_generated(root: Path, sections: list[tuple[dict, str]], svg: bytes | None = None) -> Path:
    texts = {}
    for i, (front, text) in enumerate(sections):
        texts[f"s{i}.md"] = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + text + "\n"
    files = {"sections/x.png": PNG_BYTES}
    if svg is not None:
        files["sections/g.svg"] = svg
    write_pack(root, PACK_YAML, {}, files)
    for name, text in texts.items():
        (root / "sections" / name).write_text(text, encoding="utf-8")
    return root


def check_pack_builds_or_fails_clearly(root: Path, formats=("docx", "html", "pdf")) -> None:
    from docx import Document
    from pypdf import PdfReader

    from briefpack.build import render

    result = read_pack(root)
    assert all(isinstance(p, Problem) and p.message for p in result.problems)
    if result.errors:
        assert result.pack is None
        return
    edition = make_edition(result.pack, [])
    options = RenderOptions()
    for fmt in formats:
        out = render(edition, fmt, STYLE, options)
        if fmt == "docx":
            Document(io.BytesIO(out.data))
        elif fmt == "pdf":
            assert len(PdfReader(io.BytesIO(out.data)).pages) >= 1
        else:
            assert out.data.startswith(b"<!DOCTYPE html") or b"<html" in out.data[:500]


section = st.tuples(front_matter, body)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(sections=st.lists(section, min_size=1, max_size=3))
def test_generated_packs_load_and_render_docx_html_or_fail_clearly(tmp_path_factory, sections):
    root = write_generated(tmp_path_factory.mktemp("fuzz"), sections)
    check_pack_builds_or_fails_clearly(root, formats=("docx", "html"))


def titled(bodies: list[str]) -> list[tuple[dict, str]]:
    return [({"title": f"Section {i}", "topics": "all"}, text) for i, text in enumerate(bodies)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(valid_body, min_size=1, max_size=3))
def test_generated_valid_packs_render_docx_and_html(tmp_path_factory, bodies):
    root = write_generated(tmp_path_factory.mktemp("valid"), titled(bodies))
    assume(not read_pack(root).errors)  # rare generator artefacts (an unclosed ``` swallowing the notes)
    check_pack_builds_or_fails_clearly(root, formats=("docx", "html"))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(valid_body, min_size=1, max_size=2))
def test_generated_valid_packs_render_pdf(tmp_path_factory, bodies):
    root = write_generated(tmp_path_factory.mktemp("validpdf"), titled(bodies))
    assume(not read_pack(root).errors)
    check_pack_builds_or_fails_clearly(root, formats=("pdf",))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(svg=svg_document)
def test_generated_svgs_are_refused_with_a_message_or_drawn(tmp_path_factory, svg):
    """SVGs whose elements refer to each other, to themselves, to files and to the network:
    the loader refuses them with a problem naming the file, or both SVG renderers draw them
    (cairosvg here, for the DOCX; WeasyPrint in tests/fuzz.py)."""
    root = write_generated(tmp_path_factory.mktemp("svg"), titled(["Intro.\n\n![A generated figure](g.svg)"]), svg=svg)
    result = read_pack(root)
    if result.errors:
        assert any("g.svg" in p.message for p in result.errors)
        return
    check_pack_builds_or_fails_clearly(root, formats=("docx",))
