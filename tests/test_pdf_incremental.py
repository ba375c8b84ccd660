"""PDF rebuilds in a long-running process (build --watch, serve's build process): a BuildCache
keeps each section's layout, a rebuild lays out only the sections an edit changed — and writes
exactly the bytes a build that reuses nothing writes from the same sources."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from briefpack.build import BuildCache, build_pack
from briefpack.writers.pdf import parallel as pdf_parallel

from test_pdf_parallel import write_large_pack

PARAGRAPH = " ".join(
    f"Sentence {i} of the paragraph added while writing, long enough to fill lines of the page." for i in range(40)
)


def _reused(messages: list[str]) -> list[tuple[int, int, bool]]:
    """(sections reused, sections, PDF reused) for each chunk, from the progress messages."""
    out = []
    for message in messages:
        match = re.search(r"(\d+) of (\d+) sections reused( and its PDF)?", message)
        if match:
            out.append((int(match.group(1)), int(match.group(2)), bool(match.group(3))))
    return out


def _png(path, colour: str) -> None:
    from PIL import Image

    Image.new("RGB", (60, 40), colour).save(path)


def _image_colours(data: bytes) -> list[tuple[int, int, int]]:
    """The colour of each image the PDF's pages hold (a body page's images are those of its chunk)."""
    colours = []
    for page in PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            colours.append(image.image.convert("RGB").getpixel((5, 5)))
    return colours


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    """One writing session on a ~54-page pack laid out in 3 chunks: a first build that keeps the
    layouts, a paragraph added to the middle section (a page more: the pages after it change
    sides), then a note added to the first section (every later note number changes); after
    each edit a rebuild through the cache and a fresh build of the same sources."""
    root = tmp_path_factory.mktemp("incremental")
    pack = write_large_pack(root / "pack", sections=12, paragraphs=14)
    sections = sorted((pack / "sections").glob("*.md"))
    # two images in neighbouring sections of one chunk: when the edited one is laid out alone,
    # the pages of both are written as one PDF, and each must keep its own image
    (pack / "sections" / "img").mkdir()
    for section, colour in ((sections[5], "red"), (sections[6], "blue")):
        _png(pack / "sections" / "img" / f"{colour}.png", colour)
        section.write_text(section.read_text(encoding="utf-8") + f"\n\n![A {colour} square](img/{colour}.png)\n", encoding="utf-8")
    steps = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", "1740787200")
        patch.setattr(pdf_parallel, "MIN_PAGES", 20)
        patch.setattr(pdf_parallel, "PAGES_PER_CHUNK", 18)
        cache = BuildCache()

        def build(name, **kwargs):
            messages = []
            result = build_pack(pack, root / name, formats=("pdf",), progress=lambda s, d: messages.append(d), **kwargs)
            return result.written[0].read_bytes(), sum(result.pages.values()), messages

        steps["first"] = build("warm", cache=cache)
        middle = sections[6]
        middle.write_text(middle.read_text(encoding="utf-8") + f"\n\nMIDDLE-EDIT {PARAGRAPH}\n\n{PARAGRAPH}\n", encoding="utf-8")
        steps["paragraph"] = build("warm", cache=cache)
        steps["paragraph fresh"] = build("fresh-1")
        # a word of the last section's last plain paragraph spelled backwards: no anchor or
        # bookmark moves, so the frame is the one of the last build
        last = sections[-1]
        lines = last.read_text(encoding="utf-8").split("\n")
        at = max(i for i, line in enumerate(lines) if re.fullmatch(r"[A-Z][^\[\]#]*\.", line) and len(line.split()) > 4)
        words = lines[at].split(" ")
        words[1] = "Qz" + words[1][::-1]
        lines[at] = " ".join(words)
        last.write_text("\n".join(lines), encoding="utf-8")
        steps["word"] = build("warm", cache=cache)
        steps["word fresh"] = build("fresh-w")
        first = sections[0]
        first.write_text(first.read_text(encoding="utf-8") + "\n\nAn added call.[^added]\n\n[^added]: FIRST-NOTE added.\n", encoding="utf-8")
        steps["note"] = build("warm", cache=cache)
        steps["note fresh"] = build("fresh-2")
    return steps


def test_the_first_build_keeps_layouts_and_an_edit_lays_out_only_its_section(loop):
    assert _reused(loop["first"][2]) == [(0, 4, False), (0, 4, False), (0, 4, False)]
    reused = _reused(loop["paragraph"][2])
    assert len(reused) == 3
    # the chunk holding the edited section lays out that section alone; the others are reused whole
    assert sorted(reused) == [(3, 4, False), (4, 4, True), (4, 4, True)], reused
    assert loop["paragraph"][1] > loop["first"][1]  # the paragraph added pages: later pages changed sides


def test_a_rebuild_writes_the_bytes_of_a_fresh_build(loop):
    data, pages, _ = loop["paragraph"]
    fresh, fresh_pages, messages = loop["paragraph fresh"]
    assert _reused(messages) == []  # the fresh build kept nothing
    assert pages == fresh_pages
    assert data == fresh
    assert "MIDDLE-EDIT" in _text(data)
    assert set(_image_colours(data)) == {(255, 0, 0), (0, 0, 255)}  # both images, neither lost to the other


def test_a_changed_word_keeps_the_frame_and_the_bytes_match(loop):
    data, _, messages = loop["word"]
    assert any(m.endswith("body pages: as in the last build") for m in messages), messages
    assert not any(m.startswith("writing ") for m in messages)  # no frame laid out or written
    assert sorted(_reused(messages)) == [(3, 4, False), (4, 4, True), (4, 4, True)]
    assert data == loop["word fresh"][0]
    assert "Qz" in _text(data)


def test_new_note_numbers_lay_out_the_sections_they_change_and_the_bytes_still_match(loop):
    data, _, messages = loop["note"]
    reused = _reused(messages)
    assert reused[0][0] == 0  # the first chunk: its sections' note numbers all moved
    assert data == loop["note fresh"][0]
    text = _text(data)
    assert "FIRST-NOTE" in text and "MIDDLE-EDIT" in text


def test_a_style_that_breaks_to_a_side_is_laid_out_as_one_document():
    for css in (".section { break-before: right; }", "h1 { page-break-before: left }", "x { break-after: recto }"):
        assert pdf_parallel._SIDE_BREAK.search(css), css
    for css in (".section { break-before: page; }", "h2 + * { break-before: avoid; }", "p { text-align: left }"):
        assert not pdf_parallel._SIDE_BREAK.search(css), css
