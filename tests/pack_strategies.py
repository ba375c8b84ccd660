"""Hypothesis strategies for generated packs: Markdown bodies and front matter, good and bad.

Shared by the property test (tests/test_properties.py) and the longer fuzz run (tests/fuzz.py).
"""

from __future__ import annotations

from hypothesis import strategies as st

# Characters that are not text, as character references or raw: each is refused at its line
# (control characters) or read as a space (separators); none may crash a writer.
CHARACTER_WORDS = ["&#8232;", "&#8233;", "&#133;", "\u2028", "\u2029", " \u2029", "\u0085", "\u202e", "\u200f",
                   "&#0;", "&#xFFFE;", "&#55296;", "&#x110000;", "&NewLine;", "&Tab;", "&#x9f;"]
HOSTILE_CHARACTERS = ["&#12;", "&#x0C;", "&#x1b;[31m", "&#11;", "\x0c", "\x1b[2J", "\x7f"]
SAFE_WORDS = CHARACTER_WORDS + [
    "ITU", "delegation", "résolution", "Busan", "cyber", "<script>alert(1)</script>", "{{ 7*7 }}",
    "{% include 'x' %}", "&amp;", "<b>", "*", "_", "`", "\\", "|", "[", "]", "(", ")", "#", ">", "-", "1.",
    "日本語", "مرحبا", "emoji🙂", "\t", "a" * 80, "https://www.itu.int/en/Pages/default.aspx?a=1&b=2",
    '<img src="file:///etc/passwd">', "![a small image](x.png)", "<iframe src=x>",
    "<link rel=stylesheet href=x>", "<style>*{}</style>", "\u00a0", "\u200b",
]
# Words that make a pack invalid: notes never defined, images outside the folder, bad links.
HOSTILE_WORDS = ["[^x]", "[^1]", "![](missing.png)", "![a](../../etc/passwd.png)", "[l](../x.md)", "[f](ftp://x)", "[n](#nowhere)",
                 *HOSTILE_CHARACTERS, "![a &#12; b](x.png)", '[t](https://x.org "t&#12;")', "^[an inline note]", "![svg](g.svg)"]

WORDS = st.sampled_from(SAFE_WORDS + HOSTILE_WORDS)
SAFE = st.sampled_from(SAFE_WORDS)

#: runs that made Markdown quadratic or deep: unclosed brackets, note calls, emphasis, ticks
PATHOLOGICAL = st.tuples(
    st.sampled_from(["[^", "![", "[", "]", "*", "_", "**_", "~~", "`", "<", "](", "\\", "&#", "^[", "[^a"]),
    st.integers(1, 3000),
).map(lambda t: t[0] * t[1])


def _deep_inline(words, deepest: int):
    """Emphasis, strikethrough, links or brackets nested up to `deepest` (the limit is 20)."""
    pairs = [("*", "*"), ("_", "_"), ("**", "**"), ("~~", "~~"), ("[", "](https://www.itu.int/)"), ("[", "]"), ("*[", "]*")]
    return st.tuples(st.sampled_from(pairs), st.integers(1, deepest), words).map(lambda t: t[0][0] * t[1] + t[2] + t[0][1] * t[1])


def inline_of(WORDS):
  return st.one_of(
    WORDS,
    WORDS.map(lambda w: f"*{w}*"),
    WORDS.map(lambda w: f"**{w}**"),
    WORDS.map(lambda w: f"`{w}`"),
    WORDS.map(lambda w: f"~~{w}~~"),
    st.tuples(WORDS, st.sampled_from(["https://www.itu.int/", "mailto:a@b.org", "#section-0"])).map(
        lambda t: f"[{t[0]}]({t[1]})"
    ),
    st.sampled_from(["<https://www.itu.int/md/S14-PP-C/en>", "[^a]", "[^b]", "[^a]", "  \n", "\\\n"]),
  )


def _nested_list(depth: int, ordered: bool, items: list[str]) -> str:
    out = []
    for i, item in enumerate(items):
        indent = "   " * depth
        out.append(f"{indent}{'1.' if ordered else '-'} {item}")
    return "\n".join(out)


def _deep_blocks(line, lists: int, quotes: int):
    """Lists and quotes nested up to `lists` and `quotes` deep (the limits are 18 and 37)."""
    return st.one_of(
        st.tuples(st.integers(1, lists), st.booleans(), line).map(
            lambda t: "".join("   " * i + ("1. " if t[1] else "- ") + t[2] + "\n" for i in range(t[0]))
        ),
        st.tuples(st.integers(1, quotes), line).map(lambda t: "> " * t[0] + t[1]),
    )


def blocks_of(words, hostile: bool):
  line = st.lists(inline_of(words), min_size=1, max_size=12).map(" ".join)
  return st.one_of(
    _deep_inline(words, 40 if hostile else 9),
    _deep_blocks(line, 45 if hostile else 17, 60 if hostile else 36),
    *([PATHOLOGICAL] if hostile else []),
    line,
    st.tuples(st.integers(1, 6), line).map(lambda t: "#" * t[0] + " " + t[1]),
    st.tuples(st.integers(0, 8), st.booleans(), st.lists(line, min_size=1, max_size=4)).map(lambda t: _nested_list(*t)),
    st.tuples(st.integers(1, 12), line).map(lambda t: ">" * t[0] + " " + t[1]),
    st.tuples(st.integers(1, 4), st.lists(line, min_size=1, max_size=3)).map(
        lambda t: "| " + " | ".join(["h"] * t[0]) + " |\n|" + "---|" * t[0] + "\n" + "\n".join(
            "| " + " | ".join([cell.replace("|", "/")] * t[0]) + " |" for cell in t[1]
        )
    ),
    line.map(lambda l: f"```\n{l}\n```"),
    st.just("---"),
    *([line.map(lambda l: f"[^a]: {l}"), st.tuples(line, line).map(lambda t: f"[^b]: {t[0]}\n\n    {t[1]}")] if hostile else []),
  )


def _define_called_notes(text: str) -> str:
    """Valid bodies: define exactly the notes called (a, b), one with two paragraphs and a link."""
    defs = {"a": "[^a]: A note with *emphasis* and a [link](https://www.itu.int/).",
            "b": "[^b]: First paragraph of a note.\n\n    Second paragraph, <https://www.itu.int/md/>."}
    from briefpack.sources.markdown import _MD

    env: dict = {}
    _MD.parse("\n\n".join([text, *defs.values()]), env)  # which calls does Markdown really see?
    called = {entry["label"] for entry in env.get("footnotes", {}).get("list", {}).values()}
    return "\n\n".join([text, *(defs[label] for label in sorted(called))])


#: any body: may be invalid (notes never defined, bad links, images outside the folder)
body = st.lists(blocks_of(WORDS, True), min_size=0, max_size=10).map("\n\n".join)
#: bodies that should build: every construct, hostile text included, but all references resolve
valid_body = st.lists(blocks_of(SAFE, False), min_size=1, max_size=10).map("\n\n".join).map(_define_called_notes)

scalar = st.one_of(
    st.text(max_size=20), st.integers(-10**20, 10**20), st.booleans(), st.none(), st.just("all"),
    st.just([]), st.just({}), st.just("2014-13-45"), st.just("!!python/object:os.system"),
)

front_matter = st.fixed_dictionaries(
    {},
    optional={
        "title": st.one_of(st.text(min_size=1, max_size=30), scalar),
        "topics": st.one_of(st.just("all"), st.lists(st.sampled_from(["alpha", "beta", "first", "gamma", "all"]), max_size=3), scalar),
        "order": st.one_of(st.integers(-5, 5), scalar),
        "contributors": st.one_of(st.lists(st.one_of(st.text(max_size=10), st.fixed_dictionaries({"name": st.text(max_size=10)})), max_size=2), scalar),
        "tpoics": scalar,
    },
)


# ------------------------------------------------------------------------------ SVG images

SVG_IDS = ["a", "b", "c", "d"]
_DATA_PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="
_HREFS = ["#a", "#b", "#c", "#d", "#nowhere", "0", "g.svg", "file:///etc/passwd", "https://example.org/x.png", _DATA_PNG,
          "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=", "data:text/html,<b>x</b>",
          "javascript:alert(1)"]
_PAINTS = ["#c33", "none", "url(#a)", "url(#b)", "url(#nowhere)", "url(https://example.org/p#g)", "url(g.svg#a)"]

_svg_leaf = st.one_of(
    st.tuples(st.integers(0, 90), st.sampled_from(_PAINTS)).map(lambda t: f'<rect x="{t[0]}" width="10" height="10" fill="{t[1]}"/>'),
    st.tuples(st.sampled_from(_HREFS), st.integers(1, 12)).map(lambda t: f'<use href="{t[0]}"/>' * t[1]),
    st.sampled_from(_HREFS).map(lambda h: f'<image href="{h}" width="5" height="5"/>'),
    st.sampled_from(_HREFS).map(lambda h: f'<a href="{h}"><text y="9">link</text></a>'),
    st.tuples(st.sampled_from(SVG_IDS), st.sampled_from(_PAINTS)).map(
        lambda t: f'<linearGradient id="{t[0]}" href="#{t[0]}"><stop offset="0" stop-color="red"/></linearGradient>'
        if t[1] == "none" else f'<path d="M0 0 L10 10 L20 0" marker-mid="{t[1]}" stroke="black"/>'),
    st.sampled_from(["<style>rect { fill: url(#a) }</style>", "<style>@import url(x.css);</style>", "<text>&amp;</text>"]),
)

#: SVG documents whose elements refer to one another (and to themselves, to files, to the
#: network): each must be refused with a message, or drawn in bounded time.
svg_document = st.recursive(
    _svg_leaf,
    lambda children: st.tuples(st.sampled_from(SVG_IDS + [None]), st.sampled_from(["g", "symbol", "pattern", "marker", "clipPath"]),
                               st.lists(children, max_size=4)).map(
        lambda t: f'<{t[1]}{f" id={chr(34)}{t[0]}{chr(34)}" if t[0] else ""}>{"".join(t[2])}</{t[1]}>'),
    max_leaves=24,
).map(lambda body: (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 100 50">'
    f"{body}</svg>"
).encode())
