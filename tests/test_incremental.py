"""Incremental work for serve and build --watch: a load reuses the parse of unchanged sections,
and what it gives is exactly what a fresh load gives."""

from __future__ import annotations

import dataclasses

from briefpack.sources.loader import read_pack
from briefpack.sources.parse_cache import ParseCache

from conftest import PNG_BYTES, SAMPLE, TRADE_PACK_YAML, TRADE_SECTIONS, write_pack


def _picture(result):
    """Everything a load gives, as comparable values (sections are compared by content)."""
    pack = result.pack
    def picture(s):
        translations = sorted((lang, picture(t)) for lang, t in s.translations.items())
        return (s.id, s.title, s.path, s.topics, s.order, s.contributors, s.children, s.footnotes, s.language, translations)

    sections = [picture(s) for s in pack.sections] if pack else None
    return pack and pack.digest, sections, [str(p) for p in result.problems]


def test_unchanged_sections_are_not_parsed_again_and_the_pack_is_the_same(tmp_path):
    folder = write_pack(tmp_path / "trade", TRADE_PACK_YAML, TRADE_SECTIONS, {"sections/img/logo.png": PNG_BYTES})
    cache = ParseCache()
    first = read_pack(folder, cache=cache)
    assert (cache.hits, cache.misses) == (0, 3)
    again = read_pack(folder, cache=cache)
    assert (cache.hits, cache.misses) == (3, 3)
    assert _picture(again) == _picture(first)
    assert again.pack.sections[0].children is first.pack.sections[0].children  # reused, not re-parsed

    fish = folder / "sections" / "b-fish.md"
    fish.write_text(fish.read_text().replace("Subsidies to fishing fleets.", "Subsidies to fleets, revised."))
    edited = read_pack(folder, cache=cache)
    assert (cache.hits, cache.misses) == (5, 4)
    assert _picture(edited) == _picture(read_pack(folder))
    assert "revised" in repr(edited.pack.sections[1].children)


def test_a_changed_or_missing_image_is_seen_through_the_cache(tmp_path):
    folder = write_pack(tmp_path / "trade", TRADE_PACK_YAML, TRADE_SECTIONS, {"sections/img/logo.png": PNG_BYTES})
    cache = ParseCache()
    first = read_pack(folder, cache=cache)
    logo = folder / "sections" / "img" / "logo.png"
    logo.unlink()
    missing = read_pack(folder, cache=cache)
    assert missing.pack is None and _picture(missing) == _picture(read_pack(folder))
    assert any("a-intro.md:8: image 'img/logo.png': image file not found" in str(p) for p in missing.problems)
    logo.write_bytes(PNG_BYTES)  # the same bytes back
    back = read_pack(folder, cache=cache)
    assert _picture(back) == _picture(first)
    from PIL import Image

    Image.new("RGB", (3, 1), "blue").save(logo)  # other bytes: the section is parsed again
    other = read_pack(folder, cache=cache)
    assert other.pack.digest != first.pack.digest
    assert _picture(other) == _picture(read_pack(folder))


def test_anchors_are_unique_in_the_pack_whatever_was_cached(tmp_path):
    """Anchors are claimed from heading texts in reading order across the pack; a parse cached
    with section-local anchors still gets `background-2` when another section now comes first."""
    folder = write_pack(tmp_path / "p", "title: Anchors\n", {
        "a.md": "---\ntitle: Background\norder: 1\n---\n## Agenda\n\n- item\n\n  ## Agenda\n",
        "b.md": "---\ntitle: Agenda\norder: 2\n---\n## Background\n\nText.[^1]\n\n[^1]: A note.\n\n    ## Agenda\n",
    })
    cache = ParseCache()
    read_pack(folder, cache=cache)
    a = folder / "sections" / "a.md"
    a.write_text(a.read_text().replace("order: 1", "order: 3"))  # b now first; b's parse is reused
    result = read_pack(folder, cache=cache)
    assert cache.hits == 1
    assert _picture(result) == _picture(read_pack(folder))
    b, a_ = result.pack.sections
    assert b.id == "agenda" and [h.anchor for h in b.headings()] == ["background"]
    assert b.footnotes["1"].children[1].anchor == "agenda-2"
    assert a_.id == "background-2" and [h.anchor for h in a_.headings()] == ["agenda-3", "agenda-4"]


def test_the_sample_pack_loads_the_same_through_the_cache():
    cache = ParseCache()
    read_pack(SAMPLE, cache=cache)
    assert _picture(read_pack(SAMPLE, cache=cache)) == _picture(read_pack(SAMPLE))
    sections = read_pack(SAMPLE).pack.sections
    assert cache.misses == len(sections) + sum(len(s.translations) for s in sections)  # translations too
    assert cache.hits == cache.misses


def test_the_preview_rerenders_only_what_changed_and_gives_the_same_html(tmp_path):
    """serve's page after edits is byte for byte the preview a fresh render gives: a section
    whose notes are renumbered by an edit before it, or whose link target leaves the pack, is
    rendered again; the others are reused."""
    from briefpack.model.selection import make_edition
    from briefpack.options import RenderOptions
    from briefpack.sources.files import load_style
    from briefpack.writers.html.document import PreviewCache, render_html

    folder = write_pack(tmp_path / "trade", TRADE_PACK_YAML, TRADE_SECTIONS, {"sections/img/logo.png": PNG_BYTES})
    style, options = load_style(None), RenderOptions()
    parses, sections_html = ParseCache(), PreviewCache()

    def both(topics=()):
        edition = make_edition(read_pack(folder, cache=parses).pack, list(topics))
        fresh = render_html(make_edition(read_pack(folder).pack, list(topics)), style, options, for_print=False)
        return render_html(edition, style, options, for_print=False, cache=sections_html), fresh

    kept, fresh = both()
    assert kept == fresh
    intro = folder / "sections" / "a-intro.md"
    intro.write_text(intro.read_text().replace("every two years.[^why]", "every two years.[^why] Again.[^new]")
                     + "\n[^new]: A new note before the others.\n")
    kept, fresh = both()
    assert kept == fresh and 'href="#fn-4"' in kept  # the later sections' notes moved up by one
    kept, fresh = both(["ecommerce"])  # the fisheries section (a link target) is left out
    assert kept == fresh and "the fisheries part" in kept and 'href="#fisheries"' not in kept
    assert both(["fisheries"])[0] == both(["fisheries"])[1]
