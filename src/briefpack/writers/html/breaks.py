"""Break opportunities in over-long words of the print HTML, so their layout costs linear time.

WeasyPrint 70 lays out a word it cannot break in time that grows with the square (or worse) of
its length: hyphenation tries every hyphenation point of the word, each time laying out a line
that holds all of it; a table cell's minimum width lays out the rest of the text once per
break opportunity; a line of many inline boxes with no break between them (`a*b*a*b*…`) is
scanned again for each box. A 3,200-letter word took minutes. No word of any language is that
long; a string that is (a hash, a pasted blob, a hostile test) gets an invisible break
opportunity every `PIECE` characters, written twice:
- a zero-width space (U+200B) in the text itself, so the breaks travel with the text wherever
  the style copies it (`string-set: … content()`, bookmarks);
- a `<wbr>` element after it, which ends WeasyPrint's text box there (its `::before` is another
  zero-width space), so each text box WeasyPrint measures stays short.
Neither prints nor reaches the PDF's text layer (Pango draws no glyph for U+200B). Runs of up to
`LONGEST` characters are left alone: hyphenation keeps working on real words, and the usual long
web address costs nothing extra (each break is two more boxes to lay out and draw).

A run is text with no white space, across inline elements (`<em>`, `<a>`, `<span>`…) but not
across others (a new paragraph, cell or line starts a new run). Applied to the finished
document, never inside tags, attribute values, comments, <style>, <script>, <title> or
<textarea>, so it covers what the templates print as well as section bodies.
"""

from __future__ import annotations

import re

#: Longer runs of characters with no break opportunity get some.
LONGEST = 96
#: Characters between two added break opportunities.
PIECE = 32
#: What marks a break opportunity inside a long run of the HTML.
BREAK = "\u200b<wbr>"

# A tag (or a whole element whose content is not markup, or a comment), or text.
_SEGMENT = re.compile(
    r"(<(style|script|title|textarea)\b[^>]*>.*?</\2\s*>|<!--.*?-->|<[^>]*>)|([^<]+)",
    re.IGNORECASE | re.DOTALL,
)
# One character of text as written in HTML: an entity or a character. Runs end at the white
# space HTML collapses (and at a zero-width space already there): anything else may be
# unbreakable, a no-break space included.
_UNIT = r"(?:&#?\w{1,32};|[^ \t\n\r\f\u200b<&])"
_UNITS = re.compile(_UNIT)
_SPACES = " \t\n\r\f\u200b"
_SPACE = re.compile(f"[{_SPACES}]")
# (a plain character class, much quicker to scan than _UNIT; an entity counts as several
# characters here, so its run gets breaks a little sooner)
_LONG_RUN = re.compile(f"[^{_SPACES}]{{{LONGEST + 1},}}")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][\w-]*)")
#: Elements a word may run through (phrasing elements that do not break a line).
_INLINE = frozenset(
    "a abbr b bdi bdo cite code data del dfn em i ins kbd mark q s samp small span strong sub sup time u var".split()
)


def break_long_words(html: str) -> str:
    """`html` with a break opportunity every `PIECE` characters inside each run of more than
    `LONGEST` characters of text that has none."""
    parts: list[str] = []
    run: list[tuple[int, int, int]] = []  # pieces of the run still open: (part index, start, end)
    run_length = 0
    inserts: dict[int, list[int]] = {}  # part index → offsets where a break goes

    def close() -> None:
        nonlocal run_length
        if run_length > LONGEST:
            _plan_breaks(parts, run, inserts)
        run.clear()
        run_length = 0

    # Per text segment, only its first and last words can belong to a run that goes on through
    # inline elements; the words between are found long or not by one regular expression.
    for segment in _SEGMENT.finditer(html):
        tag = segment.group(1)
        if tag is not None:
            parts.append(tag)
            name = _TAG_NAME.match(tag)
            if name is None or name.group(1).lower() not in _INLINE:
                close()
            continue
        text = segment.group(3)
        index = len(parts)
        parts.append(text)
        space = _SPACE.search(text)
        if space is None:  # one word, all of it part of the open run
            run.append((index, 0, len(text)))
            run_length += len(text)  # an entity counts as several characters: breaks come sooner
            continue
        if space.start():
            run.append((index, 0, space.start()))
            run_length += space.start()
        close()
        last_space = max(text.rfind(c) for c in _SPACES)
        for match in _LONG_RUN.finditer(text, space.end(), last_space + 1):
            _plan_breaks(parts, [(index, match.start(), match.end())], inserts)
        if last_space + 1 < len(text):
            run.append((index, last_space + 1, len(text)))
            run_length = len(text) - last_space - 1
    close()
    if not inserts:
        return html
    for index, offsets in inserts.items():
        text = parts[index]
        pieces, last = [], 0
        for offset in sorted(offsets):
            pieces += [text[last:offset], BREAK]
            last = offset
        pieces.append(text[last:])
        parts[index] = "".join(pieces)
    return "".join(parts)


def _plan_breaks(parts: list[str], run: list[tuple[int, int, int]], inserts: dict[int, list[int]]) -> None:
    """Offsets for a break after every PIECE characters (entities count one) of `run`."""
    count = 0
    for index, start, end in run:
        for unit in _UNITS.finditer(parts[index], start, end):
            count += 1
            if count % PIECE == 0:
                inserts.setdefault(index, []).append(unit.end())
    # no break after the last character of the run: white space or a tag follows it anyway
    for index, start, end in run[-1:]:
        offsets = inserts.get(index)
        if offsets and offsets[-1] == end:
            offsets.pop()


_PLAIN_RUN = _LONG_RUN


def break_long_text(text: str) -> str:
    """Plain `text` (not HTML: an attribute value, say) with a zero-width space every `PIECE`
    characters of each run of more than `LONGEST` characters that has no break opportunity."""
    return _PLAIN_RUN.sub(
        lambda m: "\u200b".join(m.group(0)[i:i + PIECE] for i in range(0, len(m.group(0)), PIECE)), text
    )
