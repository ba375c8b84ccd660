"""A PDF laid out by sections equals the PDF of one layout of the same edition, and its bytes do
not depend on how many processes or CPUs laid it out.

A generated pack (~50 pages: many sections, footnotes, links within and across sections,
tables, headings, an annex) is rendered once as one document and by sections in 3 chunks —
in 3 processes, in 2 processes at a time, and one after the other in this process (one CPU).
The three by-sections PDFs are byte-identical; read back with pypdf, each is compared with the
one-document PDF page by page: text (so running heads, "Page X of Y" and footnote numbers),
outline, contents numbers, link annotations and where internal links and notes land.

`python tests/test_pdf_parallel.py --pages 400` measures one process against two on a generated
pack of about that many pages (wall time, pages/s, peak memory).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import os
import random
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefpack.writers.pdf import parallel as pdf_parallel
from briefpack.sources.loader import load_pack
from briefpack.options import RenderOptions
from briefpack.writers.pdf.render import render_pdf
from briefpack.sources.files import load_style
from briefpack.model.selection import make_edition

FIXTURE_ANNEX = Path(__file__).resolve().parent / "fixtures" / "pdfpack" / "annexes" / "annex.pdf"
STAMP = dt.datetime(2025, 3, 1, 12, 30, tzinfo=dt.timezone.utc)
WORDS = (
    "member states union policy treaty resolution conference council telecommunication development "
    "sector standard network security delegation proposal amendment article convention secretariat "
    "mandate cooperation capacity spectrum regulation budget"
).split()


# ---------------------------------------------------------------------------- a generated pack


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def write_large_pack(root: Path, sections: int, paragraphs: int, seed: int = 3) -> Path:
    """A pack of `sections` sections of about `paragraphs` paragraphs each (≈ paragraphs / 8
    pages): notes (some long), `##`/`###` headings, links to other sections and to headings of
    other sections, external links, tables, lists; an annex."""
    rng = random.Random(seed)
    (root / "sections").mkdir(parents=True, exist_ok=True)
    (root / "annexes").mkdir(exist_ok=True)
    shutil.copy(FIXTURE_ANNEX, root / "annexes" / "annex.pdf")
    (root / "pack.yaml").write_text(
        "title: Large pack\nslug: large\nsubtitle: Generated for the parallel layout\ndate: 2025-03-01\n"
        "classification: Restricted\nauthors: [Ada Policy, {name: Ben Brief, affiliation: Trade Office}]\n"
        "annexes:\n  - {title: Letter-size annex, file: annexes/annex.pdf}\n",
        encoding="utf-8",
    )
    titles = [f"Topic {i + 1} {rng.choice(WORDS)} {rng.choice(WORDS)}" for i in range(sections)]
    slugs = [re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-") for t in titles]
    for i, title in enumerate(titles):
        body, notes, label = [], [], 0
        for p in range(paragraphs):
            if p and p % 9 == 0:
                body.append(f"## Part {p // 9} of topic {i + 1}")
            elif p % 9 == 5:
                body.append(f"### Detail {p} of topic {i + 1}")
            parts = []
            for _ in range(rng.randint(3, 7)):
                parts.append(_sentence(rng, rng.randint(6, 16)))
                if rng.random() < 0.25:
                    label += 1
                    parts[-1] += f"[^n{label}]"
                    long = rng.random() < 0.15
                    text = " ".join(_sentence(rng, rng.randint(8, 20)) for _ in range(4 if long else 1))
                    if rng.random() < 0.3:
                        text += f" See <https://example.org/note/{i}/{label}>."
                    notes.append(f"[^n{label}]: {text}")
            if p % 4 == 1:
                other = (i + 1 + rng.randrange(sections - 1)) % sections
                parts.append(f"See [{titles[other]}](#{slugs[other]}).")
            if p % 6 == 2:
                parts.append(f"Read [the record](https://example.org/records/{i}/{p}).")
            if p % 11 == 3:
                far = (i + sections // 2) % sections
                parts.append(f"Compare [part 1 there](#part-1-of-topic-{far + 1}).")
            kind = p % 10
            text = " ".join(parts)
            if kind == 7:
                rows = "\n".join(f"| {r} | {_sentence(rng, 6)} | {rng.randint(1, 999)} |" for r in range(rng.randint(3, 12)))
                body.append(text + "\n\n| Row | Text | Amount |\n|---|---|--:|\n" + rows)
            elif kind == 4:
                body.append("- " + text + "\n- " + _sentence(rng, 10))
            else:
                body.append(text)
        front = f"---\ntitle: {title}\ntopics: all\norder: {i + 1}\n"
        if i % 3 == 0:
            front += f"contributors: [Writer {i}]\n"
        (root / "sections" / f"{i + 1:03d}.md").write_text(
            front + "---\n" + "\n\n".join(body) + "\n\n" + "\n\n".join(notes) + "\n", encoding="utf-8"
        )
    return root


# ---------------------------------------------------------------------------- reading PDFs back


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 1)
    return found


def destination_pages(reader: PdfReader) -> dict[str, int]:
    return {name: reader.get_destination_page_number(dest) for name, dest in reader.named_destinations.items()}


def links(reader: PdfReader) -> list[tuple]:
    """(page, 'uri', address, rect) or (page, 'goto', target page, rect) for every link."""
    names = destination_pages(reader)
    found = []
    for number, page in enumerate(reader.pages):
        for annot in page.get("/Annots", []) or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            rect = tuple(round(float(v), 1) for v in annot["/Rect"])
            if "/A" in annot and "/URI" in annot["/A"]:
                found.append((number, "uri", str(annot["/A"]["/URI"]), rect))
            else:
                dest = annot["/Dest"]
                target = names[str(dest)] if isinstance(dest, str) else reader.get_page_number(dest[0].get_object())
                found.append((number, "goto", target, rect))
    return found


def contents_numbers(text: str) -> dict[str, int]:
    numbers = {}
    for line in text.splitlines():
        match = re.match(r"^(.*?)[ .]*?(\d+)$", line.strip())
        if match and match.group(1).strip(" ."):
            numbers[match.group(1).strip(" .")] = int(match.group(2))
    return numbers


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def style():
    return load_style(None)


@pytest.fixture(scope="module")
def edition(tmp_path_factory):
    root = write_large_pack(tmp_path_factory.mktemp("large") / "pack", sections=12, paragraphs=14)
    return make_edition(load_pack(root))


@pytest.fixture(scope="module")
def single(edition, style):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_parallel, "MIN_PAGES", 10**9)  # the reference: one document
        out = render_pdf(edition, style, RenderOptions(timestamp=STAMP))
    return out, PdfReader(io.BytesIO(out.data))


SPLITS = ("processes", "two-at-a-time", "one-process")


def render_split(edition, style, how: str, progress=None) -> "PdfOutput":
    """The edition by sections in 3 chunks (`chunk_count`: the pack alone decides), laid out —
    `how` — by 3 processes at once, by 2 processes at a time, or one after the other in this
    process (one CPU, as with `taskset -c 0`)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pdf_parallel, "MIN_PAGES", 20)
        patch.setattr(pdf_parallel, "PAGES_PER_CHUNK", 18)  # ~54 pages: 3 chunks
        options = RenderOptions(timestamp=STAMP, progress=progress or (lambda s, d: None))
        if how == "one-process":
            patch.setattr(pdf_parallel.os, "sched_getaffinity", lambda pid: {0}, raising=False)
        else:
            options = dataclasses.replace(options, pdf_processes=3 if how == "processes" else 2)
        return render_pdf(edition, style, options)


_SPLIT_CACHE: dict = {}


@pytest.fixture(scope="module", params=SPLITS)
def parallel(edition, style, request):
    messages = []
    out = render_split(edition, style, request.param, progress=lambda s, d: messages.append(d))
    _SPLIT_CACHE[request.param] = out.data
    return out, PdfReader(io.BytesIO(out.data)), messages, request.param


# ---------------------------------------------------------------------------- the comparison


def test_the_pack_is_large_enough_and_split_as_asked(single, parallel):
    out, reader, messages, how = parallel
    assert 35 <= single[1].pages.__len__() <= 80
    assert any("12 sections in 3 chunks" in m for m in messages), messages
    assert sorted(m.split(" done")[0] for m in messages if " done, " in m) == [f"layout: chunk {i}/3" for i in (1, 2, 3)]
    at_once = {"processes": "3 processes at a time", "two-at-a-time": "2 processes at a time", "one-process": "in this process"}[how]
    assert any(at_once in m for m in messages), messages
    assert any(m.startswith("joining") for m in messages), messages


def test_same_pages_and_same_text_on_every_page(single, parallel):
    (a, ra), (b, rb, _, _) = single, parallel
    assert a.pages == b.pages == len(ra.pages) == len(rb.pages)
    for number, (pa, pb) in enumerate(zip(ra.pages, rb.pages), start=1):
        assert squash(pa.extract_text()) == squash(pb.extract_text()), f"page {number}"
        assert (pa.mediabox.width, pa.mediabox.height) == (pb.mediabox.width, pb.mediabox.height)


def test_page_x_of_y_on_every_page_after_the_cover(parallel):
    out, reader, _, _ = parallel
    total = len(reader.pages)
    texts = [page.extract_text() for page in reader.pages]
    assert "Page 1" not in texts[0]
    for number, text in enumerate(texts[1:-2], start=2):  # the annex's two pages carry their own
        assert text.count(f"Page {number} of {total}") == 1, number
        assert "Large pack" in text and "RESTRICTED" in text


def test_same_outline(single, parallel):
    a, b = outline(single[1]), outline(parallel[1])
    assert a == b
    assert len([item for item in a if item[0] == 2]) >= 12  # the ## headings


def test_same_contents_numbers_and_they_are_the_outline_pages(single, parallel, edition):
    numbers = contents_numbers(parallel[1].pages[1].extract_text())
    assert numbers == contents_numbers(single[1].pages[1].extract_text())
    for depth, title, page in outline(parallel[1]):
        if title != "Contents":
            assert numbers[title] == page + 1, title
    assert all(s.title in numbers for s in edition.sections)


def test_same_links_and_internal_links_land_on_the_same_pages(single, parallel):
    a, b = links(single[1]), links(parallel[1])
    assert a == b
    kinds = {kind for _, kind, _, _ in b}
    assert kinds == {"uri", "goto"}
    # links to sections in other chunks exist and work: some jump far away
    assert any(abs(page - target) > 10 for page, kind, target, _ in b if kind == "goto")


def test_notes_and_headings_are_at_the_same_places(single, parallel, edition):
    a, b = destination_pages(single[1]), destination_pages(parallel[1])
    for call in edition.notes:
        assert a[call.anchor] == b[call.anchor], call.number
    for name in edition.anchors:
        assert a[name] == b[name], name


def test_footnote_numbers_on_the_same_pages(single, parallel, edition):
    def note_pages(reader):
        where = {}
        for number, page in enumerate(reader.pages):
            for n in re.findall(r"(?m)^(\d+)\s?[A-Z]", page.extract_text()):
                where.setdefault(int(n), number)
        return where

    a, b = note_pages(single[1]), note_pages(parallel[1])
    assert a == b
    assert len(b) >= 0.5 * len(edition.notes)


def test_metadata_and_warnings_are_those_of_one_layout(single, parallel):
    (a, ra), (b, rb, _, _) = single, parallel
    assert dict(ra.metadata) == dict(rb.metadata)
    assert ra.trailer["/Root"]["/Lang"] == rb.trailer["/Root"]["/Lang"]
    assert a.warnings == b.warnings


def test_the_bytes_do_not_depend_on_processes_or_cpus(edition, style):
    """One CPU, two processes at a time, three at once: the same PDF, byte for byte (each built
    afresh, so this is also a reproducible build)."""
    for how in SPLITS:
        if how not in _SPLIT_CACHE:
            _SPLIT_CACHE[how] = render_split(edition, style, how).data
    hashes = {how: hashlib.sha256(data).hexdigest() for how, data in _SPLIT_CACHE.items()}
    assert len(set(hashes.values())) == 1, hashes


def test_every_page_looks_the_same_as_in_one_layout(single, parallel, tmp_path):
    """Rasterised (poppler's pdftoppm), every page equals the one-layout page pixel for pixel."""
    for name, data in (("single", single[0].data), ("split", parallel[0].data)):
        (tmp_path / f"{name}.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True)
    pages = sorted(tmp_path.glob("single-*.png"))
    assert len(pages) == single[0].pages
    for page in pages:
        other = tmp_path / page.name.replace("single", "split")
        assert same_image(page, other), page.name


def same_image(a: Path, b: Path) -> bool:
    from PIL import Image, ImageChops

    with Image.open(a) as one, Image.open(b) as two:
        return ImageChops.difference(one.convert("RGB"), two.convert("RGB")).getbbox() is None


# ---------------------------------------------------------------------------- when it splits


def test_chunks_are_contiguous_and_of_similar_size(edition):
    for k in (1, 2, 3, 5, 12, 20):
        chunks = pdf_parallel.split_sections(edition.sections, k)
        assert [s for c in chunks for s in c] == list(edition.sections)
        assert len(chunks) == min(k, len(edition.sections))
        if 1 < k <= 3:
            sizes = [sum(pdf_parallel._size(s) for s in c) for c in chunks]
            assert max(sizes) < 1.6 * min(sizes), sizes


def test_what_is_laid_out_as_one_document(edition, style, monkeypatch):
    assert pdf_parallel.cannot_split(edition, style, RenderOptions()) is None
    assert pdf_parallel.cannot_split(edition, style, RenderOptions(pdf_variant="pdf/ua-1"))
    run_on = dataclasses.replace(edition.pack, meta=dataclasses.replace(edition.meta, section_break="none"))
    assert pdf_parallel.cannot_split(dataclasses.replace(edition, pack=run_on), style, RenderOptions())
    assert not pdf_parallel.by_sections(edition)  # ~54 pages: one layout is faster
    monkeypatch.setattr(pdf_parallel, "MIN_PAGES", 20)
    assert pdf_parallel.by_sections(edition)
    small = dataclasses.replace(edition, sections=edition.sections[:2])
    assert not pdf_parallel.by_sections(small)


def test_processes_change_the_schedule_never_the_split(edition, monkeypatch):
    """How many chunks comes from the pack; processes_for (CPUs, --jobs) only says how many are
    laid out at once."""
    chunks = pdf_parallel.chunk_count(edition)
    for cpus in ({0}, {0, 1}, {0, 1, 2, 3}):
        monkeypatch.setattr(pdf_parallel.os, "sched_getaffinity", lambda pid, cpus=cpus: cpus, raising=False)
        assert pdf_parallel.processes_for(edition, RenderOptions()) == len(cpus)
        assert pdf_parallel.chunk_count(edition) == chunks
    assert pdf_parallel.processes_for(edition, RenderOptions(pdf_processes=1)) == 1
    assert pdf_parallel.processes_for(edition, RenderOptions(pdf_processes=4)) == 4
    monkeypatch.setattr(pdf_parallel, "PAGES_PER_CHUNK", 100)
    assert pdf_parallel.chunk_count(edition) == 2  # at least two, whatever the CPUs
    monkeypatch.setattr(pdf_parallel, "PAGES_PER_CHUNK", 1)
    assert pdf_parallel.chunk_count(edition) == len(edition.sections)  # at most one per section


def test_a_failing_worker_fails_the_build_with_its_error(edition, style, monkeypatch):
    """An error inside a forked chunk layout reaches the caller as itself, not as a hang or a
    bare "worker died"."""
    def broken(*args, **kwargs):
        raise ValueError("the layout failed in a worker")

    monkeypatch.setattr(pdf_parallel, "MIN_PAGES", 20)
    monkeypatch.setattr(pdf_parallel, "lay_out_chunk", broken)  # inherited by the forked workers
    with pytest.raises(ValueError, match="failed in a worker"):
        render_pdf(edition, style, RenderOptions(timestamp=STAMP, pdf_processes=2))

    monkeypatch.setattr(pdf_parallel, "lay_out_chunk", lambda *a, **k: os._exit(3))  # a worker killed
    with pytest.raises(RuntimeError, match="stopped"):
        render_pdf(edition, style, RenderOptions(timestamp=STAMP, pdf_processes=2))


def test_a_variant_falls_back_to_one_layout(edition, style):
    small = dataclasses.replace(edition, sections=edition.sections[:2])
    out = render_pdf(small, style, RenderOptions(timestamp=STAMP, pdf_processes=2, pdf_variant="pdf/a-3b"))
    reader = PdfReader(io.BytesIO(out.data))
    assert len(reader.pages) == out.pages
    assert "pdfaid" in reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()


# ---------------------------------------------------------------------------- measuring


def _measure(pages: int, processes: int, keep: Path) -> None:
    import resource
    import time

    import weasyprint  # noqa: F401  (not counted: both ways pay it once)

    root = keep / f"pack-{pages}"
    if not root.exists():
        write_large_pack(root, sections=max(2, pages // 8), paragraphs=30)
    edition = make_edition(load_pack(root))
    style = load_style(None)
    start = time.perf_counter()
    cpu = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = render_pdf(edition, style, RenderOptions(timestamp=STAMP, pdf_processes=processes))
    wall = time.perf_counter() - start
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    used = me.ru_utime + me.ru_stime - cpu[0].ru_utime - cpu[0].ru_stime
    used_kids = max(0.0, kids.ru_utime + kids.ru_stime - cpu[1].ru_utime - cpu[1].ru_stime)
    print(
        f"{processes} process(es): {out.pages} pages in {wall:.1f} s = {out.pages / wall:.1f} pages/s; "
        f"CPU {used:.1f} s here + {used_kids:.1f} s in workers; peak RSS {me.ru_maxrss / 1024:.0f} MB here, "
        f"{kids.ru_maxrss / 1024:.0f} MB largest worker"
    )


if __name__ == "__main__":
    import argparse
    import subprocess
    import sys
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=400)
    parser.add_argument("--processes", type=int, default=0, help="measure only this many (used internally)")
    parser.add_argument("--keep", default=None, help="folder for the generated packs")
    args = parser.parse_args()
    keep = Path(args.keep or tempfile.mkdtemp(prefix="briefpack-parallel-"))
    if args.processes:
        _measure(args.pages, args.processes, keep)
    else:
        for processes in (1, 2):  # each in a fresh process, so peak memory is its own
            subprocess.run(
                [sys.executable, __file__, "--pages", str(args.pages), "--processes", str(processes), "--keep", str(keep)],
                check=True,
            )
