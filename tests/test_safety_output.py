"""Hostile input, output side (issue 13): layout cost of pathological text, the output folder,
edited work, all-or-nothing writes, and bytes that do not depend on processes or CPUs.

Builds that used to take minutes run in a subprocess with a generous `timeout=` as a guard
against hanging: no timed assertion, but a build that is super-linear again fails the test.
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import write_pack

LONG = 4000  # old briefpack: a 3,200-letter heading took 150 s (minutes more in a cell, a title…)


def _word(n: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))


def run_cli(*args: str, timeout: float = 180, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "briefpack.cli", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout


# ---------------------------------------------------------------------------- long words


@pytest.fixture(scope="module")
def long_word_build(tmp_path_factory):
    """One pack holding an unbreakable word of LONG letters in every place text is laid out: a
    `##` heading (and so the contents), body text, a table cell, a note, the pack title (cover
    and running heads), a section title, inline code, a code block, a word made of emphasis
    pieces, CJK text in a cell, a no-break-space chain, and a bare link."""
    root = tmp_path_factory.mktemp("longword")
    w = _word(LONG)
    pieces = "".join(f"*{c}*" if i % 2 else c for i, c in enumerate(_word(LONG // 4, seed=2)))
    cjk = "".join(random.Random(3).choice("国际电信联盟全权代表大会") for _ in range(LONG // 2))
    nbsp = "\u00a0".join(_word(5, seed=i) for i in range(LONG // 12))
    body = (
        f"Intro {w} end.[^1]\n\n## {w}\n\nText.\n\n| A | B |\n|---|---|\n| {w} | x |\n| {cjk} | y |\n\n"
        f"Code `{w}` and {pieces} and {nbsp}.\n\n```\n{w}\n```\n\nSee <https://example.org/{w[:1500]}>.\n\n"
        f"[^1]: {w}\n"
    )
    write_pack(
        root,
        f"title: {w[:2500]}\nslug: lw\n",
        {"a.md": f"---\ntitle: Section {w[:1500]}\ntopics: all\n---\n{body}", "b.md": "---\ntitle: Two\ntopics: all\n---\nMore.\n"},
    )
    proc = run_cli("build", "--sources", str(root), "--out", str(root / "out"), "--format", "all", timeout=240)
    return root, w, proc


def test_a_long_unbreakable_word_anywhere_builds_promptly(long_word_build):
    root, w, proc = long_word_build
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for suffix in ("pdf", "docx", "html"):
        assert (root / "out" / f"lw-full.{suffix}").stat().st_size > 0


def test_the_long_word_is_printed_whole_with_invisible_breaks(long_word_build):
    root, w, _ = long_word_build
    text = pdf_text(root / "out" / "lw-full.pdf")
    assert "\u200b" not in text  # the break opportunities print nothing and are not in the text layer
    squashed = re.sub(r"[\s\u2010-]+", "", text)  # line ends, and hyphens where lines broke
    # body, heading, contents, cell, note, code…: line-broken, never cut short
    assert squashed.count(w[2600:2700]) >= 6 and squashed.count(w[-100:]) >= 6
    # the running head carries the title shortened, on one line's worth
    page = [p for p in text.split("\f") if "Credits" in p][-1]
    assert "…" in page and w[:20] in re.sub(r"\s+", "", page)
    # the HTML preview is left as written
    assert "<wbr>" not in (root / "out" / "lw-full.html").read_text(encoding="utf-8")


def test_break_opportunities_go_only_into_text_of_long_runs():
    from briefpack.writers.html.breaks import BREAK, LONGEST, PIECE, break_long_text, break_long_words

    short = "<p>ordinary words, even Donaudampfschifffahrtsgesellschaft, stay whole</p>"
    assert break_long_words(short) == short
    word = "x" * (2 * PIECE + 3)
    html = f'<html><head><title>{word}</title><style>.a{{b:{word}}}</style></head><body><p title="{word}">{word}</p><!-- {word} --></body></html>'
    out = break_long_words(html)
    assert out.count(BREAK) == 2  # only the paragraph's text
    assert f"<p title=\"{word}\">{'x' * PIECE}{BREAK}{'x' * PIECE}{BREAK}xxx</p>" in out
    # a run goes on through inline elements, not into the next paragraph or cell
    inline = "<p>" + "a<em>b</em>" * (LONGEST // 2 + 1) + "</p>"
    assert BREAK in break_long_words(inline)
    blocks = "<p>" + "a" * 40 + "</p><p>" + "b" * 40 + "</p>"
    assert break_long_words(blocks) == blocks
    # entities count as one character and are never cut
    entities = "<p>" + "&amp;" * (PIECE + 30) + "</p>"
    assert "&am" + BREAK not in break_long_words(entities) and BREAK in break_long_words(entities)
    assert break_long_text("y" * 60).count("\u200b") == 2
