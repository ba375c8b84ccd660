"""The command line, end to end: real processes, real files, exit codes, messages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document
from pypdf import PdfReader

from conftest import REPO, SAMPLE, write_pack


def run(*args, cwd=None, env=None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "briefpack.cli", *args], cwd=cwd or REPO, env=full_env,
        capture_output=True, text=True, timeout=300,
    )


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def docx_text(path: Path) -> str:
    return "\n".join(p.text for p in Document(path).paragraphs)


@pytest.fixture(scope="module")
def cyber_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    proc = run("build", "--topic", "cybersecurity", "--out", str(out), "--sources", str(SAMPLE))
    return proc, out


def test_build_topic_writes_pdf_and_docx_and_prints_paths(cyber_build):
    proc, out = cyber_build
    assert proc.returncode == 0, proc.stderr
    pdf, docx = out / "itu-pp-2014-cybersecurity.pdf", out / "itu-pp-2014-cybersecurity.docx"
    assert pdf.exists() and docx.exists()
    assert str(pdf.name) in proc.stdout and str(docx.name) in proc.stdout
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [docx.name, pdf.name]


def pdf_section_titles(path: Path) -> list[str]:
    return [item.title for item in PdfReader(path).outline if not isinstance(item, list)]


def docx_headings(path: Path, level: int = 1) -> list[str]:
    return [p.text for p in Document(path).paragraphs if p.style.name == f"Heading {level}"]


def test_cyber_pack_holds_common_and_cyber_sections_not_others(cyber_build):
    _, out = cyber_build
    expected = ["About the conference", "Agenda and deadlines", "Elections", "Draft stable constitution",
                "Resolutions at a glance", "Cybersecurity", "Abbreviations"]
    pdf, docx = out / "itu-pp-2014-cybersecurity.pdf", out / "itu-pp-2014-cybersecurity.docx"
    assert [t for t in pdf_section_titles(pdf) if t not in ("Contents", "Credits")] == expected
    assert [t for t in docx_headings(docx) if t not in ("Contents", "Credits")] == expected
    for text in (pdf_text(pdf), docx_text(docx)):
        assert "X.1205" in text  # from the cybersecurity section
        assert "Sergio Alves" in text and "Carolina Rossini" in text and "Public Knowledge" in text  # credits


def test_lebanon_alias_builds_the_palestine_afghanistan_lebanon_pack(tmp_path):
    proc = run("build", "--topic", "lebanon", "--format", "docx", "--out", str(tmp_path), "--sources", str(SAMPLE))
    assert proc.returncode == 0, proc.stderr
    path = tmp_path / "itu-pp-2014-international-security.docx"
    headings = docx_headings(path)
    assert "International security matters" in headings and "Cybersecurity" not in headings
    assert "X.1205" not in docx_text(path)


def test_unknown_topic_is_a_usage_error_listing_topics(tmp_path):
    proc = run("build", "--topic", "cyber", "--out", str(tmp_path), "--sources", str(SAMPLE))
    assert proc.returncode == 2
    assert "unknown topic 'cyber'" in proc.stderr and "lebanon" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not any(tmp_path.iterdir())


def test_check_reports_every_problem_with_file_and_line(tmp_path):
    root = write_pack(tmp_path / "bad", "title: T\ntopics: {a: {title: A}}\n", {
        "one.md": "---\ntitle: One\ntopics: [b]\n---\nText[^x]\n",
        "two.md": "---\ntitle: Two\ntopics: all\n---\n![m](missing.png)\n\n[^u]: unused\n",
    })
    proc = run("check", "--sources", str(root))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any("one.md:3:" in l and "unknown topic 'b'" in l for l in lines), proc.stdout
    assert any("one.md:5:" in l and "[^x] has no definition" in l for l in lines), proc.stdout
    assert any("two.md:5:" in l and "missing.png" in l for l in lines), proc.stdout
    assert any("two.md:7:" in l and "[^u]" in l for l in lines), proc.stdout
    assert "Traceback" not in proc.stderr
    ok = run("check", "--sources", str(SAMPLE))
    assert ok.returncode == 0, ok.stdout + ok.stderr


def test_build_with_bad_sources_writes_nothing(tmp_path):
    root = write_pack(tmp_path / "bad", "title: T\n", {"one.md": "---\ntitle: One\n---\nText[^x]\n"})
    out = tmp_path / "out"
    proc = run("build", "--sources", str(root), "--out", str(out))
    assert proc.returncode == 1
    assert "[^x] has no definition" in proc.stderr and "nothing was written" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists() or not [p for p in out.iterdir() if not p.name.startswith(".")]


def test_another_pack_builds_with_no_code_change(trade_pack, tmp_path):
    out = tmp_path / "out"
    proc = run("build", "--sources", str(trade_pack), "--out", str(out), "--each-topic", "--format", "all")
    assert proc.returncode == 0, proc.stderr
    names = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert names == sorted(f"wto-mc-{t}.{f}" for t in ("fisheries", "ecommerce") for f in ("pdf", "docx", "html"))
    fish = pdf_text(out / "wto-mc-fisheries.pdf")
    assert "Fay Fisher" in fish and "Eve Commerce" not in fish
    ecom = docx_text(out / "wto-mc-ecommerce.docx")
    assert "Eve Commerce" in ecom and "Fay Fisher" not in ecom


def test_topics_lists_aliases_and_sections():
    proc = run("topics", "--sources", str(SAMPLE))
    assert proc.returncode == 0
    assert "cybersecurity" in proc.stdout and "lebanon" in proc.stdout and "08-cybersecurity.md" in proc.stdout


def test_version_and_help_on_every_command():
    assert run("--version").stdout.startswith("briefpack, version")
    for cmd in ("build", "topics", "check"):
        proc = run(cmd, "--help")
        assert proc.returncode == 0 and "Example" in proc.stdout


def test_help_does_not_import_the_renderers():
    code = "import sys; from briefpack.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\nprint('weasyprint' in sys.modules, 'docx' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stdout.strip().endswith("False False")


def test_missing_sources_folder_is_a_clear_error(tmp_path):
    proc = run("build", "--sources", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert proc.returncode == 1 and "sources folder not found" in proc.stderr and "Traceback" not in proc.stderr


def test_every_file_is_listed_in_pack_order_built_or_up_to_date(tmp_path):
    """stdout lists each file of the build once, in the same order whether it was written or
    found up to date; --quiet keeps the bare paths (for scripts), no notes, no progress."""
    out = tmp_path / "out"
    args = ("build", "--each-topic", "--format", "docx", "--out", str(out), "--sources", str(SAMPLE))
    first = run(*args)
    assert first.returncode == 0, first.stderr
    again = run(*args)
    quiet = run(*args, "--quiet")
    names = [line.split()[0] for line in first.stdout.splitlines()]
    assert len(names) == 4 and [line.split()[0] for line in again.stdout.splitlines()] == names
    assert all(line.endswith("(up to date)") for line in again.stdout.splitlines())
    assert "up to date" not in again.stderr  # said once, in the list
    assert quiet.stdout.splitlines() == names and quiet.stderr == ""
