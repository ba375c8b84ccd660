"""The loader: sources → model, and every problem reported with its file and line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from briefpack import model as m
from briefpack.errors import SourceError, display_path
from briefpack.sources.loader import load_pack, read_pack
from conftest import PNG_BYTES, SAMPLE, TRADE_PACK_YAML, write_pack

MINI_YAML = """
    title: Mini pack
    topics:
      alpha: {title: Alpha, aliases: [first]}
      beta: {title: Beta}
"""


def problems_of(root: Path) -> list[str]:
    return [str(p) for p in read_pack(root).problems]


def one_section(tmp_path, body: str, front: str = "title: S\ntopics: all", files=None, pack_yaml=MINI_YAML) -> Path:
    text = f"---\n{front}\n---\n{body}"
    root = write_pack(tmp_path / "p", pack_yaml, {}, files)
    (root / "sections" / "s.md").write_text(text, encoding="utf-8")
    return root


# ------------------------------------------------------------------------------ the sample


def test_sample_pack_loads_into_the_model():
    pack = load_pack(SAMPLE)
    assert pack.meta.title == "ITU Plenipotentiary Conference 2014"
    assert pack.meta.slug == "itu-pp-2014"
    assert [p.name for p in pack.meta.authors] == ["Carolina Rossini", "Public Knowledge"]
    assert [p.name for p in pack.meta.contributors] == ["Sergio Alves"]
    assert {t.id for t in pack.topics} >= {"internet", "cybersecurity", "strategic-plan"}
    by_alias = {a: t.id for t in pack.topics for a in t.aliases}
    assert by_alias["palestine"] == by_alias["afghanistan"] == by_alias["lebanon"]
    orders = [s.order for s in pack.sections]
    assert orders == sorted(orders)
    assert len({s.id for s in pack.sections}) == len(pack.sections)
    assert read_pack(SAMPLE).problems == []


def test_sample_keeps_the_notes_links_and_quotations():
    pack = load_pack(SAMPLE)
    links = set()

    def walk(nodes):
        for n in nodes:
            if isinstance(n, m.Link):
                links.add(n.target)
            for attr in ("children", "items"):
                if hasattr(n, attr):
                    walk(getattr(n, attr))
            if isinstance(n, m.Table):
                for row in (n.header, *n.rows):
                    walk(row)
            if isinstance(n, m.TableCell):
                walk(n.children)

    for s in pack.sections:
        walk(s.children)
        for note in s.footnotes.values():
            walk(note.children)
    for url in (
        "http://www.itu.int/md/S14-PP-C/en",
        "http://wcitleaks.org/",
        "http://www.itu.int/en/plenipotentiary/2014/Pages/candidates.aspx",
        "http://www.itu.int/council/groups/cwg-stb-cs/",
    ):
        assert url in links
    texts = " ".join(str(s.children) for s in pack.sections)
    assert "X.1205" in texts and "Resolution 130" in texts or "Res. 130" in texts


def test_model_structures_from_markdown(trade_pack):
    pack = load_pack(trade_pack)
    intro, fish, ecom = pack.sections
    assert isinstance(intro.children[1], m.Figure)
    assert intro.children[1].caption == "A tiny logo"
    assert intro.children[1].image.resource.media_type == "image/png"
    outer = next(b for b in fish.children if isinstance(b, m.OrderedList))
    inner = next(b for b in outer.items[0].children if isinstance(b, m.OrderedList))
    assert any(isinstance(b, m.OrderedList) for b in inner.items[0].children)  # three levels
    assert isinstance(ecom.children[1], m.Table)
    assert len(fish.footnotes["1"].children) == 2  # a note of two paragraphs
    assert fish.contributors == (m.Person("Fay Fisher", "Ocean Desk"),)


# ------------------------------------------------------------------------------ problems, with lines


def test_bad_yaml_in_pack_yaml(tmp_path):
    root = write_pack(tmp_path / "p", "title: X\ntopics: [unclosed\n", {"s.md": "---\ntitle: S\n---\nText\n"})
    (msg,) = [p for p in problems_of(root) if "pack.yaml" in p]
    assert "pack.yaml:2:" in msg and "invalid YAML" in msg  # the line of the unclosed [


def test_a_missing_colon_is_reported_on_its_own_line_not_the_next(tmp_path):
    """PyYAML notices the missing ':' on the next line; the user must fix the line before."""
    root = write_pack(
        tmp_path / "p", "title: X\ntopics:\n  alpha:\n    title: Alpha\n  beta\n  gamma:\n    title: G\n",
        {"s.md": "---\ntitle: S\n---\nText\n"},
    )
    (msg,) = [p for p in problems_of(root) if "pack.yaml" in p]
    assert "pack.yaml:5:" in msg and "could not find expected ':'" in msg, msg


def test_bad_yaml_in_front_matter_has_its_line(tmp_path):
    root = one_section(tmp_path, "Body\n", front="title: S\ntopics: [alpha\norder: 1")
    (msg,) = problems_of(root)
    assert msg.startswith(display_path(root / "sections" / "s.md") + ":")
    assert "invalid YAML" in msg


def test_missing_title(tmp_path):
    root = one_section(tmp_path, "Body\n", front="topics: all")
    assert any("'title' is required" in p and "s.md:2" in p for p in problems_of(root))


def test_unknown_topic_in_section_with_line_and_suggestion(tmp_path):
    root = one_section(tmp_path, "Body\n", front="title: S\norder: 1\ntopics: [alpha, alpah]")
    (msg,) = problems_of(root)
    assert "s.md:4:" in msg and "unknown topic 'alpah'" in msg and "did you mean 'alpha'" in msg


def test_footnote_without_definition_and_unused_definition(tmp_path):
    body = "Intro line.\n\nCalls a missing note[^gone] here.\n\n[^spare]: Never called.\n"
    root = one_section(tmp_path, body)
    msgs = problems_of(root)
    assert any("s.md:7:" in p and "[^gone] has no definition" in p for p in msgs), msgs
    assert any("s.md:9:" in p and "[^spare] is defined but never called" in p for p in msgs), msgs


def test_duplicate_footnote_definition(tmp_path):
    root = one_section(tmp_path, "A[^a]\n\n[^a]: one\n\n[^a]: two\n")
    assert any("s.md:9:" in p and "defined twice" in p for p in problems_of(root))


def test_missing_image(tmp_path):
    root = one_section(tmp_path, "Text\n\n![Map](img/map.png)\n")
    msgs = problems_of(root)
    assert any("s.md:7:" in p and "img/map.png" in p and "not found" in p for p in msgs), msgs


def test_a_misspelt_image_name_suggests_the_file_next_to_it(tmp_path):
    root = one_section(tmp_path, "Text\n\n![Map](img/mapp.png)\n", files={"sections/img/map.png": PNG_BYTES})
    (msg,) = problems_of(root)
    assert "img/mapp.png" in msg and "did you mean 'map.png', in the same folder?" in msg, msg


def test_image_that_is_not_what_it_claims(tmp_path):
    root = one_section(tmp_path, "![Map](map.png)\n", files={"sections/map.png": b"GIF89a not a png"})
    assert any("not a readable PNG or JPEG image" in p or "claims to be" in p for p in problems_of(root))


@pytest.mark.parametrize("src", ["../../outside.png", "/etc/passwd.png", "link.png"])
def test_images_outside_the_sources_folder_are_refused(tmp_path, src):
    (tmp_path / "outside.png").write_bytes(PNG_BYTES)
    root = one_section(tmp_path, f"![x]({src})\n")
    os.symlink(tmp_path / "outside.png", root / "sections" / "link.png")
    msgs = problems_of(root)
    assert any("outside the sources folder" in p or "absolute paths are not allowed" in p for p in msgs), msgs


def test_remote_image_refused_without_allow_remote(tmp_path):
    root = one_section(tmp_path, "![x](https://example.org/a.png)\n")
    assert any("--allow-remote" in p for p in problems_of(root))


def test_every_problem_is_reported_not_only_the_first(tmp_path):
    root = write_pack(tmp_path / "p", MINI_YAML, {
        "a.md": "---\ntitle: A\ntopics: [gamma]\n---\nA[^x]\n",
        "b.md": "---\ntopics: all\n---\nB\n",
        "c.md": "---\ntitle: C\ntopics: all\n---\n![m](nope.png)\n",
    })
    msgs = problems_of(root)
    assert len([p for p in read_pack(root).problems if p.is_error]) >= 4, msgs
    with pytest.raises(SourceError) as info:
        load_pack(root)
    assert len(info.value.problems) == len(msgs)


def test_wrong_types_and_unknown_keys(tmp_path):
    root = one_section(
        tmp_path, "Body\n", front="title: S\ntopics: 5\norder: first\ncontributers: [X]",
    )
    msgs = problems_of(root)
    assert any("s.md:3:" in p and "topics must be" in p for p in msgs), msgs
    assert any("s.md:4:" in p and "'order' must be a whole number" in p for p in msgs), msgs
    assert any("s.md:5:" in p and "warning: unknown key 'contributers'" in p and "did you mean 'contributors'" in p for p in msgs), msgs


def test_missing_required_pack_title_and_bad_date(tmp_path):
    root = write_pack(tmp_path / "p", "subtitle: x\ndate: 2014-13-45\n", {"s.md": "---\ntitle: S\ntopics: all\n---\nB\n"})
    msgs = problems_of(root)
    assert any("pack.yaml" in p and "'title' is required" in p for p in msgs), msgs
    assert any("pack.yaml:2:" in p and "ISO date" in p and "2014-13-45" in p for p in msgs), msgs


def test_two_sections_with_the_same_title(tmp_path):
    root = write_pack(tmp_path / "p", MINI_YAML, {
        "a.md": "---\ntitle: Same\ntopics: all\n---\nA\n",
        "b.md": "---\ntitle: same\ntopics: all\n---\nB\n",
    })
    assert any("two sections have the title" in p for p in problems_of(root))


def test_empty_section_invalid_utf8_and_binary_file(tmp_path):
    root = write_pack(tmp_path / "p", MINI_YAML, {"a.md": "---\ntitle: A\ntopics: all\n---\n\n"})
    (root / "sections" / "latin1.md").write_bytes(b"---\ntitle: L\n---\ncaf\xe9\n")
    (root / "sections" / "blob.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    msgs = problems_of(root)
    assert any("a.md:5:" in p and "the section is empty" in p for p in msgs), msgs
    assert any("latin1.md:4:" in p and "not valid UTF-8" in p for p in msgs), msgs
    assert any("blob.md" in p and "binary file" in p for p in msgs), msgs


def test_raw_html_is_kept_as_text_not_markup(tmp_path):
    root = one_section(tmp_path, 'Hi <script>alert(1)</script> <img src="file:///etc/passwd">\n')
    (section,) = load_pack(root).sections
    text = m.plain_text(section.children[0].children)
    assert "<script>alert(1)</script>" in text and 'src="file:///etc/passwd"' in text


def test_links_to_local_files_and_odd_schemes_are_refused(tmp_path):
    root = one_section(tmp_path, "[a](../secret.txt) [b](ftp://example.org/x)\n")
    msgs = problems_of(root)
    assert any("points to a local file" in p for p in msgs), msgs
    assert any("only http, https, mailto" in p for p in msgs), msgs
    # the schemes markdown-it itself leaves as text are refused too, not printed as raw Markdown
    root = one_section(tmp_path / "2", "[b](file:///etc/passwd) [c](javascript:alert(1))\n\n<vbscript:x> [d](data:text/html,x)\n")
    msgs = problems_of(root)
    for href, line in (("file:///etc/passwd", 5), ("javascript:alert(1)", 5), ("vbscript:x", 7), ("data:text/html,x", 7)):
        assert any(f":{line}: link '{href}': only http, https, mailto" in p for p in msgs), (href, msgs)


def test_internal_link_to_unknown_anchor(tmp_path):
    root = one_section(tmp_path, "See [there](#nowhere).\n")
    assert any("'#nowhere'" in p for p in problems_of(root))


def test_deep_nesting_is_bounded(tmp_path):
    body = "".join("  " * i + "- item\n" for i in range(1000)) + "\n" + ">" * 1000 + " deep\n"
    root = one_section(tmp_path, body)
    msgs = problems_of(root)  # neither hangs nor overflows the stack
    assert len(msgs) == 1 and "nested too deep" in msgs[0], msgs


def test_a_50_mb_section_stops_quickly_with_a_limit_message(tmp_path):
    import time

    root = one_section(tmp_path, "Body\n")
    with open(root / "sections" / "huge.md", "wb") as fh:
        fh.write(b"---\ntitle: Huge\ntopics: all\n---\n")
        line = b"All work and no play makes a very long section indeed. " * 20 + b"\n\n"
        while fh.tell() < 50 * 1024 * 1024:
            fh.write(line)
    start = time.monotonic()
    msgs = problems_of(root)
    assert time.monotonic() - start < 60
    assert any("huge.md" in p and "limit" in p and "split it" in p for p in msgs), msgs


def test_one_mistake_in_pack_yaml_is_not_reported_again_in_every_section(tmp_path):
    bad_yaml = "title: T\ntopics:\n  alpha:\n    title: A\n   aliases: [x]\n"  # aliases indented wrongly
    root = write_pack(tmp_path / "p", bad_yaml, {
        "a.md": "---\ntitle: A\ntopics: [alpha]\n---\nSee [B](#b).\n",
        "b.md": "---\ntitle: B\ntopics: [alpha]\n---\nText\n",
    })
    msgs = problems_of(root)
    assert len(msgs) == 1 and "pack.yaml:5:" in msgs[0], msgs
