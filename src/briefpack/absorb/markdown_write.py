"""Markdown from what a DOCX shows, in the style of the file it goes into.

Inlines from the picture become a small tree (emphasis, strong, strikethrough, code, links, note
calls, line breaks, images) whose every node carries its *markup*: `*` or `_`, `**` or `__`, the
backtick run of a code span, the kind of a link (inline, reference with its label, autolink).
Markup is taken from the source where the node already existed (`transfer` matches a new tree
against an old one) and from the file's habits where it is new, so an edited paragraph reads as
if its author had typed the change.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from ..wordml import picture as pic
from .units import normalise


@dataclass
class Node:
    kind: str  # text, em, strong, strike, code, link, note, break, image
    text: str = ""  # text, code; an image's alt
    children: list["Node"] = field(default_factory=list)
    target: str = ""  # link target (URL or "#anchor"); image source path
    title: str | None = None
    label: str = ""  # a note's label; a reference link's label
    markup: str = ""  # see the module docstring; "" = the file's default

    def plain(self) -> str:
        if self.kind in ("text", "code"):
            return self.text
        if self.kind == "image":
            return self.text
        if self.kind == "break":
            return " "
        return "".join(c.plain() for c in self.children)


@dataclass
class Habits:
    """How a file writes things when there is nothing else to go by."""

    em: str = "*"
    strong: str = "**"
    strike: str = "~~"
    bullet: str = "-"
    ordered: str = "."
    hard_break: str = "\\"  # or "  "
    width: int = 0  # wrap paragraphs at this many columns; 0: one line per paragraph
    note_labels: str = "number"  # or "word"
    fence: str = "```"
    rule: str = "---"


# --------------------------------------------------------------------------- picture → tree


def tree(inlines, note_label, image_source, anchor_of) -> list[Node]:
    """Picture inlines → nodes. `note_label(call)` names a note call's label, `image_source(i,
    drawing)` the source path of the i-th picture (None: not from the sources), `anchor_of(target)`
    turns a link target into what Markdown writes ("#bookmark" → "#anchor")."""
    items = list(normalise(inlines))
    out: list[Node] = []
    i = 0
    images = [0]
    while i < len(items):
        link = getattr(items[i], "link", None)
        j = i
        while j < len(items) and getattr(items[j], "link", None) == link:
            j += 1
        group = _nest(items[i:j], frozenset(), note_label, image_source, images)
        if link is None:
            out.extend(group)
        else:
            out.append(Node("link", children=group, target=anchor_of(link.target), title=link.title))
        i = j
    return out


_MARK_KINDS = (("b", "strong"), ("i", "em"), ("strike", "strike"))


def _marks(items, k: int) -> frozenset[str]:
    """Marks of item k; a note call, break or picture takes those its neighbours share, so a
    call inside bold text does not cut the bold in two."""
    item = items[k]
    if isinstance(item, pic.Text):
        return item.marks - {"code"} | ({"code"} if "code" in item.marks else frozenset())
    before = next((x.marks for x in reversed(items[:k]) if isinstance(x, pic.Text)), frozenset())
    after = next((x.marks for x in items[k + 1:] if isinstance(x, pic.Text)), frozenset())
    return (before & after) - {"code"}


def _nest(items, opened: frozenset, note_label, image_source, images) -> list[Node]:
    out: list[Node] = []
    k = 0
    while k < len(items):
        marks = _marks(items, k) - opened - {"code"}
        if not marks:
            out.append(_leaf(items[k], note_label, image_source, images))
            k += 1
            continue
        best, length = None, 0
        for mark, _ in _MARK_KINDS:
            if mark in marks:
                n = 0
                while k + n < len(items) and mark in _marks(items, k + n):
                    n += 1
                if n > length:
                    best, length = mark, n
        kind = dict(_MARK_KINDS)[best]
        out.append(Node(kind, children=_nest(items[k:k + length], opened | {best}, note_label, image_source, images)))
        k += length
    return out


def _leaf(item, note_label, image_source, images) -> Node:
    if isinstance(item, pic.Text):
        if "code" in item.marks:
            return Node("code", text=item.text)
        return Node("text", text=item.text)
    if isinstance(item, pic.NoteCall):
        return Node("note", label=note_label(item))
    if isinstance(item, pic.Break):
        return Node("break")
    index = images[0]
    images[0] += 1
    source = image_source(index, item)
    return Node("image", text=item.alt, target=source or "")


# --------------------------------------------------------------------------- markup


def containers(nodes) -> list[Node]:
    """Every node but text, in document order (what markup is transferred between)."""
    found = []
    for node in nodes:
        if node.kind != "text":
            found.append(node)
        found.extend(containers(node.children))
    return found


def _key(node: Node) -> tuple:
    # a picture from the DOCX has no source path: it is known by its place and its alt text
    return (node.kind, node.plain(), node.target if node.kind == "link" else "", node.label)


def transfer(old: list[Node], new: list[Node]) -> None:
    """Give the nodes of `new` the markup (and a reference link's label) of the nodes of `old`
    they stand for: equal nodes in order, then nodes of the same kind where an edit changed
    their text."""
    a, b = containers(old), containers(new)
    matcher = difflib.SequenceMatcher(None, [_key(n) for n in a], [_key(n) for n in b], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs = zip(a[i1:i2], b[j1:j2])
        elif tag == "replace":
            olds = [n for n in a[i1:i2]]
            pairs = []
            for node in b[j1:j2]:
                same = next((o for o in olds if o.kind == node.kind), None)
                if same is not None:
                    olds.remove(same)
                    pairs.append((same, node))
        else:
            continue
        for o, n in pairs:
            if o.kind != n.kind:
                continue
            if n.kind == "link":
                if o.markup.startswith("reference") and o.target != n.target:
                    n.markup = o.markup + ":retarget"
                    n.label = o.label
                elif o.markup == "autolink" and not _autolinkable(n):
                    n.markup = ""
                else:
                    n.markup = o.markup
                if o.target == n.target and o.label:
                    n.label = o.label
                if o.target == n.target and o.title == n.title and o.label and not n.label:
                    n.label = o.label
            elif n.kind == "image":
                n.markup = o.markup
                if not n.target:
                    n.target, n.title = o.target, o.title
            else:
                n.markup = o.markup


def _autolinkable(node: Node) -> bool:
    text = node.plain()
    return node.title is None and len(node.children) == 1 and node.children[0].kind == "text" and (
        text == node.target or (node.target.startswith("mailto:") and text == node.target[7:])
    ) and re.match(r"^(https?://|mailto:)[^\s<>]*$", node.target) is not None


# --------------------------------------------------------------------------- tree → Markdown

_ESCAPE_ALWAYS = re.compile(r"([\\`*\[\]])")


def escape_text(text: str, after: str = "", before: str = "") -> str:
    """Text that reads back as itself: markup characters escaped (only where they could start
    something: a lone `_` inside a word, `<` before a space, stay as typed)."""
    out = []
    for k, ch in enumerate(text):
        prev = text[k - 1] if k else after[-1:] if after else ""
        nxt = text[k + 1] if k + 1 < len(text) else before[:1]
        if ch in "\\`*[]":
            if ch == "\\" and nxt and not _is_punct(nxt):
                out.append(ch)  # a backslash before a letter is literal
            else:
                out.append("\\" + ch)
        elif ch == "_":
            out.append("_" if prev.isalnum() and nxt.isalnum() else "\\_")
        elif ch == "<" and nxt and (nxt.isalpha() or nxt in "/!?"):
            out.append("\\<")
        elif ch == "&" and re.match(r"&(#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);", text[k:], re.I):
            out.append("\\&")
        elif ch == "~" and (nxt == "~" or prev == "~"):
            out.append("\\~")
        elif ch == "!" and nxt == "[":
            out.append("\\!")
        elif ch == "\t":
            out.append(" ")
        elif ch == "\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def _is_punct(ch: str) -> bool:
    return ch in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def render(nodes: list[Node], habits: Habits) -> str:
    """Inline Markdown for `nodes` (one line: soft breaks are spaces)."""
    out: list[str] = []
    for k, node in enumerate(nodes):
        before = _first_char(nodes[k + 1:])
        after = "".join(out)[-1:]
        out.append(_render_node(node, habits, after, before))
    return "".join(out)


def _first_char(nodes) -> str:
    for node in nodes:
        if node.kind == "text":
            return node.text[:1]
        return "x"
    return ""


def _render_node(node: Node, habits: Habits, after: str, before: str) -> str:
    kind = node.kind
    if kind == "text":
        return escape_text(node.text, after, before)
    if kind == "code":
        ticks = node.markup if node.markup and node.markup not in node.text else "`"
        while ticks in node.text:
            ticks += "`"
        pad = " " if node.text.startswith("`") or node.text.endswith("`") or (
            node.text.startswith(" ") and node.text.endswith(" ") and node.text.strip()) else ""
        return f"{ticks}{pad}{node.text}{pad}{ticks}"
    if kind in ("em", "strong", "strike"):
        inner = render(node.children, habits)
        lead = inner[: len(inner) - len(inner.lstrip(" "))]
        trail = inner[len(inner.rstrip(" ")):]
        inner = inner.strip(" ")
        if not inner:
            return lead + trail
        default = {"em": habits.em, "strong": habits.strong, "strike": habits.strike}[kind]
        marker = node.markup or default
        if marker[0] == "_" and ((after and after.isalnum()) or (before and before.isalnum())):
            marker = "*" * len(marker)  # `_` does not work inside a word
        return f"{lead}{marker}{inner}{marker}{trail}"
    if kind == "note":
        return f"[^{node.label}]"
    if kind == "break":
        return "\\\n" if habits.hard_break == "\\" else "  \n"
    if kind == "image":
        return f"![{escape_text(node.text)}]({_destination(node.target)})"
    if kind == "link":
        text = render(node.children, habits)
        markup = node.markup
        if markup == "autolink" or (not markup and _autolinkable(node)):
            if _autolinkable(node):
                return f"<{node.plain()}>"
        if markup.startswith("reference") and ":retarget" not in markup and node.label:
            form = markup.split(":", 2)[1] if markup.count(":") >= 1 else "full"
            if form == "collapsed":
                return f"[{text}][]"
            if form == "shortcut":
                return f"[{text}]"
            return f"[{text}][{node.label}]"
        title = f' "{_title(node.title)}"' if node.title else ""
        return f"[{text}]({_destination(node.target)}{title})"
    raise ValueError(kind)


def _destination(url: str) -> str:
    if re.search(r"[\s()<>]", url):
        return "<" + url.replace("<", "%3C").replace(">", "%3E") + ">"
    return url


def _title(title: str) -> str:
    return title.replace("\\", "\\\\").replace('"', '\\"')


# --------------------------------------------------------------------------- lines

_LINE_START = re.compile(r"^(#{1,6}(\s|$)|>|[-+*](\s|$)|\d{1,9}[.)](\s|$)|=+\s*$|-+\s*$|`{3,}|~{3,}|\|)")


def safe_line_start(text: str) -> str:
    """`text` with what would start a block if it began a line escaped (a heading mark, a list
    marker, a quote, a fence, a setext underline, a table pipe)."""
    m = _LINE_START.match(text)
    if not m:
        return text
    head = m.group(0)
    if head[0].isdigit():
        number = re.match(r"\d+", head).group(0)
        return number + "\\" + text[len(number):]
    return "\\" + text


def wrap(text: str, width: int, first_prefix: str, prefix: str) -> list[str]:
    """One paragraph's Markdown as lines: `first_prefix` on the first, `prefix` on the others,
    broken at spaces to `width` columns (0: no wrapping), never so that a line would start a
    block, and never inside a link destination or code span."""
    chunks = text.split("\n")  # hard breaks end lines already
    lines: list[str] = []
    for c, chunk in enumerate(chunks):
        words = _words(chunk)
        current = ""
        for word in words:
            start = not current
            candidate = word if start else current + " " + word
            lead = first_prefix if not lines else prefix
            if width and not start and len(lead) + len(candidate) > width and _LINE_START.match(word) is None:
                lines.append(lead + current)
                current = word
            else:
                current = candidate
        lines.append((first_prefix if not lines else prefix) + current)
    return lines


def _words(text: str) -> list[str]:
    """Words to wrap at, keeping link destinations, code spans and autolinks whole."""
    words: list[str] = []
    depth = 0
    current = ""
    ticks = ""
    k = 0
    while k < len(text):
        ch = text[k]
        if ticks:
            current += ch
            if text.startswith(ticks, k):
                current += text[k + 1:k + len(ticks)]
                k += len(ticks)
                ticks = ""
                continue
            k += 1
            continue
        if ch == "\\" and k + 1 < len(text):
            current += text[k:k + 2]
            k += 2
            continue
        if ch == "`":
            run = re.match(r"`+", text[k:]).group(0)
            ticks = run
            current += run
            k += len(run)
            continue
        if ch in "(<":
            if ch == "<" or (k and text[k - 1] == "]"):
                depth += 1
        elif ch in ")>" and depth:
            depth -= 1
        if ch == " " and not depth:
            if current:
                words.append(current)
            current = ""
        else:
            current += ch
        k += 1
    if current:
        words.append(current)
    return words


# --------------------------------------------------------------------------- links a pack leaves out


def plain_length(node: Node) -> int:
    return len(node.plain())


def wrap_range(nodes: list[Node], start: int, end: int, make) -> list[Node] | None:
    """`nodes` with the plain-text range [start, end) wrapped in `make(children)`; None when the
    range cuts into emphasis or a link partly (it cannot be wrapped as it stands)."""
    if start >= end:
        return None
    offsets = []
    pos = 0
    for node in nodes:
        offsets.append((pos, pos + plain_length(node)))
        pos += plain_length(node)
    first = next((i for i, (s, e) in enumerate(offsets) if s <= start < e), None)
    last = next((i for i, (s, e) in enumerate(offsets) if s < end <= e), None)
    if first is None or last is None:
        return None
    if first == last and nodes[first].kind not in ("text",) and (offsets[first] != (start, end)):
        inner = wrap_range(nodes[first].children, start - offsets[first][0], end - offsets[first][0], make) \
            if nodes[first].children else None
        if inner is None:
            return None
        copy = Node(nodes[first].kind, nodes[first].text, inner, nodes[first].target, nodes[first].title,
                    nodes[first].label, nodes[first].markup)
        return nodes[:first] + [copy] + nodes[first + 1:]
    before, after = [], []
    middle = list(nodes[first:last + 1])
    head, tail = middle[0], middle[-1]
    cut_start = start - offsets[first][0]
    cut_end = end - offsets[last][0]
    if cut_start:
        if head.kind != "text":
            return None
        before = [Node("text", head.text[:cut_start])]
        middle[0] = Node("text", head.text[cut_start:])
        if first == last:
            cut_end -= cut_start
        tail = middle[-1]
    if cut_end < plain_length(tail):
        if tail.kind != "text":
            return None
        after = [Node("text", tail.text[cut_end:])]
        middle[-1] = Node("text", tail.text[:cut_end])
    return nodes[:first] + before + [make(middle)] + after + nodes[last + 1:]


def hidden_links(nodes: list[Node], hidden) -> list[tuple[int, int, Node]]:
    """(start, end, link) of each link of `nodes` whose target `hidden(target)` says the
    document does not show as a link (a section the pack leaves out)."""
    found = []
    pos = 0

    def walk(items) -> None:
        nonlocal pos
        for node in items:
            if node.kind == "link" and hidden(node.target):
                found.append((pos, pos + plain_length(node), node))
                pos += plain_length(node)
            elif node.children:
                walk(node.children)
            else:
                pos += plain_length(node)

    walk(nodes)
    return found


def plain(nodes: list[Node]) -> str:
    return "".join(n.plain() for n in nodes)


def map_position(old: str, new: str, pos: int, end: bool) -> int | None:
    """Where a position of `old` lands in `new` (range ends lean left, starts right)."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i1 <= pos < i2 or (end and i1 < pos <= i2):
            if tag == "equal":
                return j1 + (pos - i1)
            return j2 if end else j1
    return len(new) if pos >= len(old) else None
