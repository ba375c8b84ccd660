"""Hypothesis strategies for generated packs: Markdown bodies and front matter, good and bad.

Shared by the property test (tests/test_properties.py) and the longer fuzz run (tests/fuzz.py).
"""

from __future__ import annotations

from hypothesis import strategies as st

WORDS = st.sampled_from([
    "ITU", "delegation", "résolution", "Busan", "cyber", "<script>alert(1)</script>", "{{ 7*7 }}",
    "{% include 'x' %}", "&amp;", "<b>", "*", "_", "`", "\\", "|", "[", "]", "(", ")", "#", ">", "-", "1.",
    "日本語", "مرحبا", "emoji🙂", "\t", "a" * 80, "https://www.itu.int/en/Pages/default.aspx?a=1&b=2",
    '<img src="file:///etc/passwd">', "[^x]", "[^1]", "![](x.png)", "![a](../../etc/passwd.png)",
    "<iframe src=x>", "<link rel=stylesheet href=x>", "<style>*{}</style>", "\u00a0", "\u200b",
])

inline = st.one_of(
    WORDS,
    WORDS.map(lambda w: f"*{w}*"),
    WORDS.map(lambda w: f"**{w}**"),
    WORDS.map(lambda w: f"`{w}`"),
    WORDS.map(lambda w: f"~~{w}~~"),
    st.tuples(WORDS, st.sampled_from(["https://www.itu.int/", "mailto:a@b.org", "#nowhere", "#s", "ftp://x", "../x.md"])).map(
        lambda t: f"[{t[0]}]({t[1]})"
    ),
    st.sampled_from(["<https://www.itu.int/md/S14-PP-C/en>", "[^a]", "[^b]", "[^a]", "  \n", "\\\n"]),
)

line = st.lists(inline, min_size=1, max_size=12).map(" ".join)


def _nested_list(depth: int, ordered: bool, items: list[str]) -> str:
    out = []
    for i, item in enumerate(items):
        indent = "   " * depth
        out.append(f"{indent}{'1.' if ordered else '-'} {item}")
    return "\n".join(out)


block = st.one_of(
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
    line.map(lambda l: f"[^a]: {l}"),
    st.tuples(line, line).map(lambda t: f"[^b]: {t[0]}\n\n    {t[1]}"),
)

body = st.lists(block, min_size=0, max_size=10).map("\n\n".join)

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
