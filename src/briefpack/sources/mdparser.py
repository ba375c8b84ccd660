"""The markdown-it parser briefpack reads sections with, and its guards against text that would
make it hang, crash or hand the writers characters no document can hold.

- Nesting: `maxNesting` bounds lists and quotes (markdown.py reports text that would be lost
  below it); emphasis is nested by a later pass that knows no limit, so inline nesting deeper
  than `MAX_INLINE_NESTING` is refused here, before anything recurses through it.
- Work: markdown-it looks for the end of a link label by skipping tokens; unclosed or nested
  `[` make it skip the rest of the paragraph again and again. Each parse gets a budget of token
  skips proportional to its length (far above what any real text uses), and stops with a
  message at the paragraph's line instead of running for minutes.
- Footnote calls: the plugin's rule scanned to the next `]` from every `[^`, quadratic on
  `[^[^[^…`; ours remembers where the last scan stopped.
- Characters: character references are decoded after the raw text was checked, so `&#12;`
  arrives as a form feed: such characters are refused at their line; `&#8232;`, `&#8233;` and
  `&#133;` (line and paragraph separators) are read as spaces, like their raw forms.
"""

from __future__ import annotations

import re
import types

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from .files import CONTROL_CHARS, SEPARATORS

#: markdown-it's nesting limit (block level): 18 levels of lists, 37 of quotes.
MAX_NESTING = 40
#: Emphasis, links and strikethrough inside each other.
MAX_INLINE_NESTING = 20
#: Token skips allowed per character of a section body (real text uses about 0.15), and a floor.
SKIPS_PER_CHAR = 2
SKIPS_FLOOR = 100_000

_BUDGET = "briefpack_skip_budget"


class TooCostly(Exception):
    """A paragraph made the parser do far more work than its length warrants."""

    def __init__(self, src: str):
        super().__init__("too costly")
        self.src = src


def make_parser() -> MarkdownIt:
    """CommonMark + GFM tables and strikethrough + footnotes (`[^label]` only; the inline
    `^[…]` notes are not part of briefpack's format), raw HTML off, with the guards above."""
    md = MarkdownIt("commonmark", {"html": False, "maxNesting": MAX_NESTING})
    md.enable("table").enable("strikethrough").use(footnote_plugin, inline=False)
    md.inline.ruler.at("footnote_ref", _footnote_ref)
    # markdown-it leaves `[x](javascript:…)`, `file:`, `vbscript:` and most `data:` links as
    # literal text; briefpack's reader refuses every link and image it cannot print (with the
    # file and line), so it must see them all
    md.validateLink = lambda url: True
    plain_skip = md.inline.skipToken

    def skip_token(self, state) -> None:
        budget = state.env.get(_BUDGET)
        if budget is not None:
            budget[0] -= 1
            if budget[0] < 0:
                raise TooCostly(state.src)
        plain_skip(state)

    md.inline.skipToken = types.MethodType(skip_token, md.inline)
    return md


def parse(md: MarkdownIt, text: str) -> tuple[list[Token], dict]:
    """Tokens and env of `text`; raises `TooCostly`."""
    env: dict = {_BUDGET: [SKIPS_FLOOR + SKIPS_PER_CHAR * len(text)]}
    tokens = md.parse(text, env)
    env.pop(_BUDGET, None)
    return tokens, env


def line_of_paragraph(text: str, src: str) -> int:
    """0-based line in `text` where paragraph content `src` starts (best effort)."""
    first = src.split("\n", 1)[0].strip()[:200]
    pos = text.find(first) if first else -1
    return text.count("\n", 0, pos) if pos > 0 else 0


def too_deep_inlines(tokens: list[Token]) -> list[Token]:
    """Inline tokens nested deeper than `MAX_INLINE_NESTING`; their children are replaced by
    their plain source text, so nothing recurses through them."""
    found = []
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        depth = deepest = 0
        for child in token.children:
            depth += child.nesting
            deepest = max(deepest, depth)
        if deepest > MAX_INLINE_NESTING:
            found.append(token)
            token.children = [Token("text", "", 0, content=token.content)]
    return found


#: either kind at once: most values hold neither, and are then left as they are after one search
_SEPARATOR_OR_CONTROL = re.compile(f"{SEPARATORS.pattern}|{CONTROL_CHARS.pattern}")


def bad_characters(tokens: list[Token]) -> list[tuple[Token, str]]:
    """(block token, character) for each decoded control character; every decoded separator
    is made a space and every control character removed, in place."""
    found: list[tuple[Token, str]] = []
    suspect = _SEPARATOR_OR_CONTROL.search
    for block in tokens:
        for token in _with_descendants(block):
            for name in ("content", "info"):
                value = getattr(token, name)
                if not value or not suspect(value):
                    continue
                if SEPARATORS.search(value):
                    value = SEPARATORS.sub(" ", value)
                bad = CONTROL_CHARS.search(value)
                if bad:
                    found.append((block, bad.group()))
                    value = CONTROL_CHARS.sub("", value)
                setattr(token, name, value)
            if token.attrs:
                for key, value in list(token.attrs.items()):
                    if isinstance(value, str) and suspect(value):
                        bad = CONTROL_CHARS.search(value)
                        if bad:
                            found.append((block, bad.group()))
                        token.attrs[key] = CONTROL_CHARS.sub("", SEPARATORS.sub(" ", value))
    return found


def _with_descendants(token: Token):
    """`token` and every token inside it (an image's alt text is two levels down)."""
    stack = [token]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children or ())


def _footnote_ref(state, silent: bool) -> bool:
    """`[^label]`: mdit_py_plugins' rule, with the scan for the closing `]` remembered, so that
    `[^[^[^…` costs linear time, not quadratic."""
    maximum = state.posMax
    start = state.pos
    if start + 3 > maximum:
        return False
    src = state.src
    if src[start] != "[" or src[start + 1] != "^":
        return False
    footnotes = state.env.setdefault("footnotes", {})
    refs = footnotes.setdefault("refs", {})
    notes = footnotes.setdefault("list", {})
    if not refs:
        return False
    pos = _label_end(state, start + 2, maximum)
    if pos is None or pos == start + 2:
        return False
    label = src[start + 2 : pos]
    if (":" + label) not in refs:
        return False
    if not silent:
        note_id = refs[":" + label]
        if note_id < 0:
            note_id = len(notes)
            notes[note_id] = {"label": label, "count": 0}
            refs[":" + label] = note_id
        sub_id = notes[note_id]["count"]
        notes[note_id]["count"] += 1
        token = state.push("footnote_ref", "", 0)
        token.meta = {"id": note_id, "subId": sub_id, "label": label}
    state.pos = pos + 1
    state.posMax = maximum
    return True


def _label_end(state, begin: int, maximum: int) -> int | None:
    """Position of the `]` closing a label that starts at `begin`, or None if a space, a newline
    or the end comes first. Every position between a scan's start and where it stopped has the
    same answer, so the last scan is remembered per paragraph."""
    memo = state.env.setdefault("briefpack_label_scan", {})
    last = memo.get(id(state.src))
    if last is not None and last[0] is state.src and last[1] <= begin <= last[2] and last[3] == maximum:
        stop = last[2]
    else:
        stop = begin
        src = state.src
        while stop < maximum and src[stop] not in " \n]":
            stop += 1
        memo.clear()
        memo[id(state.src)] = (state.src, begin, stop, maximum)
    if stop >= maximum or state.src[stop] != "]":
        return None
    return stop
