"""Hypothesis strategies for generated packs: Markdown bodies and front matter, good and bad.

Shared by the property test (tests/test_properties.py) and the longer fuzz run (tests/fuzz.py).
"""

from __future__ import annotations

from hypothesis import strategies as st

SAFE_WORDS = [
    "ITU", "delegation", "résolution", "Busan", "cyber", "<script>alert(1)</script>", "{{ 7*7 }}",
    "{% include 'x' %}", "&amp;", "<b>", "*", "_", "`", "\\", "|", "[", "]", "(", ")", "#", ">", "-", "1.",
    "日本語", "مرحبا", "emoji🙂", "\t", "a" * 80, "https://www.itu.int/en/Pages/default.aspx?a=1&b=2",
    '<img src="file:///etc/passwd">', "![a small image](x.png)", "<iframe src=x>",
    "<link rel=stylesheet href=x>", "<style>*{}</style>", "\u00a0", "\u200b",
]
# Words that make a pack invalid: notes never defined, images outside the folder, bad links.
HOSTILE_WORDS = ["[^x]", "[^1]", "![](missing.png)", "![a](../../etc/passwd.png)", "[l](../x.md)", "[f](ftp://x)", "[n](#nowhere)"]

WORDS = st.sampled_from(SAFE_WORDS + HOSTILE_WORDS)
SAFE = st.sampled_from(SAFE_WORDS)

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


def blocks_of(words, hostile: bool):
  line = st.lists(inline_of(words), min_size=1, max_size=12).map(" ".join)
  return st.one_of(
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
