"""Hostile input, output side (issue 13): layout cost of pathological text, the output folder,
edited work, all-or-nothing writes, and bytes that do not depend on processes or CPUs.

Builds that used to take minutes run in a subprocess with a generous `timeout=` as a guard
against hanging: no timed assertion, but a build that is super-linear again fails the test.
"""

from __future__ import annotations

import hashlib
import json
import os
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

    short = "<p>ordinary words, even Donaudampfschifffahrtsgesellschaft, and addresses such as https://www.itu.int/en/ITU-D/Cybersecurity/Pages/global-cybersecurity-index.aspx stay whole</p>"
    assert break_long_words(short) == short
    word = "x" * (LONGEST + 3)
    html = f'<html><head><title>{word}</title><style>.a{{b:{word}}}</style></head><body><p title="{word}">{word}</p><!-- {word} --></body></html>'
    out = break_long_words(html)
    pieces = [word[i:i + PIECE] for i in range(0, len(word), PIECE)]
    assert out.count(BREAK) == len(pieces) - 1  # only the paragraph's text
    assert f"<p title=\"{word}\">{BREAK.join(pieces)}</p>" in out
    # a run goes on through inline elements, not into the next paragraph or cell
    inline = "<p>" + "a<em>b</em>" * (LONGEST // 2 + 1) + "</p>"
    assert BREAK in break_long_words(inline)
    blocks = "<p>" + "a" * (LONGEST - 10) + "</p><p>" + "b" * (LONGEST - 10) + "</p>"
    assert break_long_words(blocks) == blocks
    # entities count as one character and are never cut
    entities = "<p>" + "&amp;" * (PIECE + 30) + "</p>"
    assert "&am" + BREAK not in break_long_words(entities) and BREAK in break_long_words(entities)
    assert break_long_text("y" * (LONGEST + 1)).count("\u200b") == LONGEST // PIECE
    assert break_long_text("y" * LONGEST) == "y" * LONGEST


# ---------------------------------------------------------------------------- many footnotes

NOTES = 110  # ~4 pages of notes


def _notes_pack(root: Path, notes: int) -> Path:
    """One section, a short sentence and a note each, a few notes with two paragraphs, a list
    or a link: pages of 20–35 notes (the tester's 2,000 notes made ~52 pages)."""
    body = []
    defs = []
    for i in range(notes):
        body.append(f"Claim {i} of the delegation.[^{i}]" + ("\n\n" if i % 4 == 3 else " "))
        note = f"Source {i}, p. {i % 97}."
        if i % 17 == 5:
            note += f" See [the record](https://example.org/r/{i}).\n\n    A second paragraph for note {i}."
        elif i % 23 == 7:
            note += "\n\n    - one point\n    - another point"
        defs.append(f"[^{i}]: {note}")
    return write_pack(root, "title: Notes\nslug: notes\n", {"a.md": "---\ntitle: Notes\ntopics: all\n---\n" + "".join(body) + "\n\n" + "\n".join(defs) + "\n"})


def _style_with(css: str):
    import dataclasses as _dc

    from briefpack.sources.files import load_style

    base = load_style(None)
    return _dc.replace(base, files={**base.files, "print.css": base.files["print.css"] + b"\n" + css.encode()})


@pytest.fixture(scope="module")
def notes_edition(tmp_path_factory):
    from briefpack.model.selection import make_edition
    from briefpack.sources.loader import load_pack

    return make_edition(load_pack(_notes_pack(tmp_path_factory.mktemp("notes"), NOTES)))


@pytest.mark.parametrize(
    "css",
    [
        "",  # the house style
        ".note { margin: 1.2mm 0 0.6mm; }",  # margins between notes collapse
        "@footnote { padding-top: 0; border-top: none; } .note { margin-top: 1mm; }",  # collapses with the area: WeasyPrint's way
    ],
    ids=["house", "note-margins", "area-without-top-edge"],
)
def test_notes_laid_out_one_by_one_give_the_bytes_weasyprint_gives(notes_edition, css, monkeypatch):
    """footnote_area replaces WeasyPrint's layout of the whole footnote area at every note by
    each note's own layout: the PDF must not change by a byte, whatever the style's notes."""
    import datetime as dt

    from briefpack.options import RenderOptions
    from briefpack.writers.pdf import footnote_area
    from briefpack.writers.pdf.render import render_pdf

    style = _style_with(css)
    options = RenderOptions(timestamp=dt.datetime(2025, 3, 1, tzinfo=dt.timezone.utc), pdf_processes=1)
    measured = render_pdf(notes_edition, style, options)
    monkeypatch.setattr(footnote_area, "active", lambda: False)
    weasyprints_own = render_pdf(notes_edition, style, options)
    assert measured.pages == weasyprints_own.pages >= 4
    assert measured.data == weasyprints_own.data


def test_each_note_is_laid_out_as_often_as_a_paragraph(notes_edition, monkeypatch):
    """WeasyPrint laid out a page's whole footnote area again at each note (k notes: k²/2 note
    layouts; 2,000 notes took 46 s). Counted, not timed: a note is laid out about as often as a
    paragraph (WeasyPrint lays each page out twice, the second time for "Page X of Y")."""
    import collections

    import weasyprint.layout.block as block

    from briefpack.options import RenderOptions
    from briefpack.writers.pdf.render import render_pdf

    laid: collections.Counter = collections.Counter()
    real = block.block_level_layout_switch

    def counting(context, box, *args, **kwargs):
        element = getattr(box, "element", None)
        if element is not None and not getattr(box, "is_anonymous", False):  # not the wrappers sharing it
            if "note" in (element.get("class") or "").split() and "::" not in (box.element_tag or ""):
                laid["note"] += 1
            elif element.tag == "p" and element.get("data-b"):
                laid["paragraph"] += 1
        return real(context, box, *args, **kwargs)

    monkeypatch.setattr(block, "block_level_layout_switch", counting)
    out = render_pdf(notes_edition, _style_with(""), RenderOptions(pdf_processes=1))
    paragraphs = sum(1 for line in notes_edition.sections[0].children)
    assert out.pages >= 4 and laid["paragraph"] >= paragraphs
    per_paragraph, per_note = laid["paragraph"] / paragraphs, laid["note"] / NOTES
    assert per_note <= 1.3 * per_paragraph, (per_note, per_paragraph)  # WeasyPrint's own way: ~20×


def test_the_list_of_notes_answers_membership_by_identity():
    from briefpack.writers.pdf.footnote_area import _NoteList

    a, b, c = object(), object(), object()
    notes = _NoteList([a, b])
    assert a in notes and b in notes and c not in notes and None not in notes
    notes.append(a)
    notes.remove(a)
    assert a in notes  # still once
    notes.remove(a)
    assert a not in notes and list(notes) == [b]
    copy = notes.copy()
    copy.append(c)
    assert c in copy and c not in notes and isinstance(copy, _NoteList)
    with pytest.raises(NotImplementedError):
        notes.insert(0, c)


# ---------------------------------------------------------------------------- the output folder


def _build(pack: Path, out: Path, **kw):
    from briefpack.build import build_pack

    kw.setdefault("formats", ("docx", "html"))  # two files, no PDF: quick
    kw.setdefault("topics", ["fish"])
    return build_pack(pack, out, **kw)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file() and not p.is_symlink()}


def _change_sources(pack: Path) -> None:
    section = pack / "sections" / "b-fish.md"
    section.write_text(section.read_text() + "\nOne more sentence.\n")


def test_a_read_only_output_folder_is_a_clear_error(trade_pack, tmp_path, monkeypatch):
    import errno
    import tempfile

    from briefpack.errors import BuildError

    out = tmp_path / "out"
    _build(trade_pack, out)
    before = _snapshot(out)
    _change_sources(trade_pack)

    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refused)  # what a read-only folder does (root is exempt)
    with pytest.raises(BuildError, match="permission denied") as info:
        _build(trade_pack, out)
    assert "Traceback" not in str(info.value)
    assert _snapshot(out) == before
    monkeypatch.undo()
    if os.geteuid() != 0:  # the real thing, where permissions apply
        os.chmod(out, 0o555)
        try:
            proc = run_cli("build", "--sources", str(trade_pack), "--out", str(out), "--topic", "fish", "--format", "docx")
        finally:
            os.chmod(out, 0o755)
        assert proc.returncode == 1 and "Traceback" not in proc.stderr and "permission denied" in proc.stderr
        assert _snapshot(out) == before


@pytest.mark.parametrize(
    "content",
    [b"null", b"[]", b"[" * 100_000 + b"]" * 100_000, b'{"files": 3}', b"\xff\xfe not json", b'{"files": {"a.docx": 7}}'],
    ids=["null", "list", "nested-100000", "files-not-a-mapping", "not-utf8", "bad-entry"],
)
def test_a_damaged_manifest_is_rewritten_and_said(trade_pack, tmp_path, content):
    from briefpack.output import MANIFEST

    out = tmp_path / "out"
    out.mkdir()
    (out / MANIFEST).write_bytes(content)
    result = _build(trade_pack, out)
    assert len(result.written) == 2
    if content != b'{"files": {"a.docx": 7}}':
        assert any("damaged" in w for w in result.warnings), result.warnings
    record = json.loads((out / MANIFEST).read_text())
    assert set(record["files"]) == {p.name for p in result.written}
    before = (out / MANIFEST).stat()
    assert _build(trade_pack, out).up_to_date == result.written  # and it works again,
    after = (out / MANIFEST).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # writing nothing


def test_outputs_with_a_damaged_manifest_are_not_overwritten_silently(trade_pack, tmp_path):
    from briefpack.errors import BuildError
    from briefpack.output import MANIFEST

    out = tmp_path / "out"
    _build(trade_pack, out)
    (out / MANIFEST).write_bytes(b"null")
    before = _snapshot(out)
    with pytest.raises(BuildError, match="not overwriting 2 file"):
        _build(trade_pack, out)
    assert _snapshot(out) == before


@pytest.mark.parametrize("which", ["manifest", "lock", "journal"])
@pytest.mark.parametrize("kind", ["folder", "symlink", "dangling-symlink"])
def test_records_that_are_folders_or_links_stop_the_build_and_nothing_is_written_outside(trade_pack, tmp_path, which, kind):
    from briefpack.errors import BuildError
    from briefpack.output import JOURNAL, LOCK, MANIFEST

    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    victim = outside / "victim.txt"
    path = out / {"manifest": MANIFEST, "lock": LOCK, "journal": JOURNAL}[which]
    if kind == "folder":
        path.mkdir()
    elif kind == "symlink":
        victim.write_text("precious")
        path.symlink_to(victim)
    else:
        path.symlink_to(outside / "created-through-the-link")
    with pytest.raises(BuildError) as info:
        _build(trade_pack, out)
    message = str(info.value)
    assert path.name in message and ("folder" in message or "symbolic link" in message), message
    assert sorted(p.name for p in outside.iterdir()) == (["victim.txt"] if kind == "symlink" else [])
    if kind == "symlink":
        assert victim.read_text() == "precious"
    assert not list(out.glob("*.docx")) and not list(out.glob("*.tmp")) and not list(out.glob(".*.tmp"))


@pytest.mark.parametrize("kind", ["symlink", "folder", "fifo"])
def test_an_output_that_is_not_a_regular_file_is_never_read_or_replaced(trade_pack, tmp_path, kind):
    from briefpack.errors import BuildError

    out = tmp_path / "out"
    out.mkdir()
    target = out / "wto-mc-fisheries.docx"
    victim = tmp_path / "victim.docx"
    victim.write_bytes(b"someone else's file")
    if kind == "symlink":
        target.symlink_to(victim)
    elif kind == "folder":
        target.mkdir()
    else:
        os.mkfifo(target)  # reading it would hang the build
    for force in (False, True):
        with pytest.raises(BuildError, match="briefpack only replaces files it wrote"):
            _build(trade_pack, out, force=force)
    assert victim.read_bytes() == b"someone else's file"
    assert os.path.lexists(target) and not list(out.glob(".*.tmp"))


# ---------------------------------------------------------------------------- edited work


def test_a_docx_saved_while_the_build_renders_is_not_overwritten(trade_pack, tmp_path, monkeypatch):
    import briefpack.build as build_module
    from briefpack.errors import BuildError

    out = tmp_path / "out"
    first = _build(trade_pack, out)
    docx = next(p for p in first.written if p.suffix == ".docx")
    _change_sources(trade_pack)
    real = build_module._render_all

    def user_saves_meanwhile(*args, **kwargs):
        rendered = real(*args, **kwargs)  # the edit check before rendering has passed
        docx.write_bytes(docx.read_bytes() + b"the user's edit")  # saved in Word while we rendered
        return rendered

    monkeypatch.setattr(build_module, "_render_all", user_saves_meanwhile)
    before = _snapshot(out)
    with pytest.raises(BuildError, match="changed while briefpack was building") as info:
        _build(trade_pack, out)
    assert "Nothing was written" in str(info.value) and str(docx.name) in str(info.value)
    after = _snapshot(out)
    original = before.pop(docx.name)
    assert after.pop(docx.name) == original + b"the user's edit"
    assert after == before  # the HTML and the manifest too: all or nothing
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]

    # --force: the version saved meanwhile (the user saves again) is kept beside the new one
    forced = _build(trade_pack, out, force=True)
    (backup,) = forced.backups
    assert backup.read_bytes() == original + b"the user's edit" * 2
    assert backup.parent == out
    assert docx in forced.written and not docx.read_bytes().endswith(b"the user's edit")


def test_disk_full_on_the_second_file_changes_nothing_and_says_so(trade_pack, tmp_path, monkeypatch):
    import errno

    from briefpack.errors import BuildError
    from briefpack.output import OutputFolder

    out = tmp_path / "out"
    _build(trade_pack, out)
    before = _snapshot(out)
    _change_sources(trade_pack)
    real = OutputFolder._write_temporary
    calls = []

    def full(self, name, data):
        calls.append(name)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, name, data)

    monkeypatch.setattr(OutputFolder, "_write_temporary", full)
    with pytest.raises(BuildError) as info:
        _build(trade_pack, out)
    message = str(info.value)
    assert message.startswith("disk full") and str(out.name) in message and "Traceback" not in message
    assert _snapshot(out) == before  # the old DOCX and HTML and the manifest, byte for byte
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]


def _killed_build(pack: Path, out: Path, kill_when: str) -> subprocess.CompletedProcess:
    """A build in a child process killed (SIGKILL) at a point of the commit: 'first-rename'
    (one output renamed into place, the others and the manifest not) or 'second-temporary'
    (one temporary file written, nothing renamed)."""
    code = (
        "import os, signal, sys\n"
        "import briefpack.output as o\n"
        f"when = {kill_when!r}\n"
        "real_replace, real_temporary = os.replace, o.OutputFolder._write_temporary\n"
        "count = {'temporary': 0}\n"
        "def replace(src, dst):\n"
        "    real_replace(src, dst)\n"
        "    if when == 'first-rename' and not str(dst).endswith(('.json', '.tmp')):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "def temporary(self, name, data):\n"
        "    count['temporary'] += 1\n"
        "    if when == 'second-temporary' and count['temporary'] == 2:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real_temporary(self, name, data)\n"
        "o.os.replace = replace\n"
        "o.OutputFolder._write_temporary = temporary\n"
        "from briefpack.build import build_pack\n"
        f"build_pack({str(pack)!r}, {str(out)!r}, topics=['fish'], formats=('docx', 'html'))\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_a_build_killed_between_renames_is_finished_by_the_next(trade_pack, tmp_path):
    from briefpack.output import JOURNAL, MANIFEST

    out = tmp_path / "out"
    _build(trade_pack, out)
    _change_sources(trade_pack)
    proc = _killed_build(trade_pack, out, "first-rename")
    assert proc.returncode == -9, proc.stderr
    assert (out / JOURNAL).exists()  # one file new, one old, the manifest old: mid-commit
    journal = json.loads((out / JOURNAL).read_text())
    again = _build(trade_pack, out)  # not refused as "edited"
    assert any("interrupted build" in w for w in again.warnings), again.warnings
    assert not (out / JOURNAL).exists() and not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    record = json.loads((out / MANIFEST).read_text())["files"]
    for entry in journal["files"]:  # every file of the killed build is in place and recorded
        assert hashlib.sha256((out / entry["name"]).read_bytes()).hexdigest() == entry["sha256"] == record[entry["name"]]["sha256"]
    assert again.written == [] and len(again.up_to_date) == 2  # it was the same build: nothing left to do


def test_a_build_killed_before_any_rename_leaves_nothing_behind(trade_pack, tmp_path):
    out = tmp_path / "out"
    _build(trade_pack, out)
    before = _snapshot(out)
    _change_sources(trade_pack)
    proc = _killed_build(trade_pack, out, "second-temporary")
    assert proc.returncode == -9, proc.stderr
    assert [p for p in out.iterdir() if p.name.endswith(".tmp")]  # the killed build's temporary file
    assert {k: v for k, v in _snapshot(out).items() if not k.endswith(".tmp")} == before
    again = _build(trade_pack, out)
    assert any("temporary file" in w for w in again.warnings), again.warnings
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")] and len(again.written) == 2


def test_a_hostile_journal_is_ignored_without_touching_anything(trade_pack, tmp_path):
    from briefpack.output import JOURNAL

    out, outside = tmp_path / "out", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (outside / "victim.docx").write_bytes(b"precious")
    (out / ".x.docx.abcdefgh.tmp").write_bytes(b"planted")
    (out / JOURNAL).write_text(json.dumps({"files": [
        {"name": "../outside/victim.docx", "temporary": ".x.docx.abcdefgh.tmp", "sha256": "0" * 64, "previous": None},
    ]}))
    result = _build(trade_pack, out)
    assert (outside / "victim.docx").read_bytes() == b"precious"
    assert any("ignored" in w for w in result.warnings) and not (out / JOURNAL).exists()


# ---------------------------------------------------------------------------- reproducible everywhere


def _build_pinned(sources: Path, out: Path, how: str) -> str:
    """The sha256 of the full pack's PDF built by the CLI in a child process: `--jobs 1`,
    `--jobs 2`, or with the child pinned to one CPU (as `taskset -c 0` does)."""
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1412121600"}
    args = ["build", "--sources", str(sources), "--out", str(out), "--format", "pdf", "--quiet"]
    if how == "one-cpu":
        code = (
            "import os, sys\n"
            "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
            "from briefpack.cli import main\n"
            f"sys.argv = ['briefpack', *{args!r}]\n"
            "main()\n"
        )
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    else:
        proc = run_cli(*args, "--jobs", how.split("-")[1], timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    (pdf,) = [Path(line) for line in proc.stdout.splitlines() if line.endswith(".pdf")]
    return hashlib.sha256(pdf.read_bytes()).hexdigest()


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs sched_setaffinity (Linux)")
@pytest.mark.parametrize("pack", ["sample", "generated-85-pages"])
def test_the_pdf_is_the_same_for_any_jobs_and_cpus(pack, tmp_path):
    """SOURCE_DATE_EPOCH set: --jobs 1, --jobs 2 and one CPU give the same bytes (the sample
    full pack: 113 KB against 219 KB before; a 105-page pack: three different hashes)."""
    from conftest import SAMPLE
    from test_pdf_parallel import write_large_pack

    sources = SAMPLE if pack == "sample" else write_large_pack(tmp_path / "pack", sections=12, paragraphs=24)
    hashes = {how: _build_pinned(sources, tmp_path / how, how) for how in ("jobs-1", "jobs-2", "one-cpu")}
    assert len(set(hashes.values())) == 1, hashes
