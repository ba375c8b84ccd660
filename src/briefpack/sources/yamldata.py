"""YAML with line numbers: pack.yaml and section front matter.

PyYAML's plain `safe_load` forgets where a value came from; we compose the node tree with the
safe loader and convert it ourselves, keeping the line of every mapping key and sequence item,
so validation can say `pack.yaml:12: unknown topic 'cyber'`.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

import yaml

from .files import CONTROL_CHARS, SEPARATORS

#: A value's position in the document: ("topics", "internet", "aliases", 0)
KeyPath = tuple[Any, ...]


@dataclass
class YamlDoc:
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)  # 1-based lines in the file
    first_line: int = 1

    def line(self, *path: Any) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.first_line


# PyYAML's words, and what they usually mean for someone writing front matter by hand.
_HINTS = (
    ("expected <block end>", "check the indentation: keys at the same level must start in the same column"),
    ("found character '\\t'", "indent with spaces; YAML does not allow tabs"),
    ("mapping values are not allowed", "a value that contains ': ' must be put in quotes"),
    ("could not find expected ':'", "a key is missing its ':' (or a value spans lines and needs quotes)"),
    ("found unexpected end of stream", "a quote or bracket is not closed"),
    ("expected ',' or ']'", "a [list] is not closed with ']'"),
    ("expected ',' or '}'", "a {mapping} is not closed with '}'"),
    ("found undefined alias", "'*' starts an alias in YAML: put the value in quotes"),
    ("found character '@'", "a value starting with '@' or '`' must be put in quotes"),
)


def _hint(exc: yaml.MarkedYAMLError) -> str:
    text = f"{exc.context or ''} {exc.problem or ''}"
    for words, hint in _HINTS:
        if words in text:
            return f" — {hint}"
    return ""


class YamlProblem(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


_MAX_NODES = 100_000  # front matter is small; refuse YAML bombs (billion laughs) early
#: Lists and mappings inside each other. PyYAML builds its tree recursively: 10,000 nested
#: '[' would exhaust Python's stack, so the nesting is measured first, on the event stream.
MAX_DEPTH = 50


def parse_yaml(text: str, first_line: int = 1) -> YamlDoc:
    """Parse one YAML document; `first_line` is the file line where `text` starts."""
    try:
        _check_depth(text, first_line)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and (exc.context or "").startswith(("while scanning a simple key", "while parsing a flow")):
            # PyYAML notices a missing ':' or an unclosed [ or { only on the next token, often the
            # next line; the line of the key or of the bracket is the one to fix
            mark = exc.context_mark
        line = first_line + (mark.line if mark else 0)
        what = exc.problem or "invalid YAML"
        raise YamlProblem(line, f"invalid YAML: {what}{_hint(exc)}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(first_line, f"invalid YAML: {exc}") from None
    doc = YamlDoc(None, {}, first_line)
    if node is None:
        return doc
    constructor = yaml.SafeLoader("")  # only to construct scalars with the safe rules
    budget = [_MAX_NODES]
    doc.data = _convert(node, (), doc, constructor, budget, first_line, ())
    return doc


def _check_depth(text: str, first_line: int) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise YamlProblem(
                    first_line + event.start_mark.line,
                    f"lists and mappings are nested more than {MAX_DEPTH} deep: that is not front matter — check the brackets",
                )
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def _convert(node, path, doc, constructor, budget, first_line, active: tuple[int, ...]):
    budget[0] -= 1
    if budget[0] < 0:
        raise YamlProblem(first_line, "YAML too large or too deeply aliased")
    line = first_line + node.start_mark.line
    if id(node) in active:  # `&a [x, *a]`: an alias inside the very node it names
        raise YamlProblem(line, "an alias (*name) refers to the list or mapping it is inside, which would never end: remove it")
    if len(active) > 2 * MAX_DEPTH:  # aliases can nest a tree inside another
        raise YamlProblem(line, f"lists and mappings are nested more than {2 * MAX_DEPTH} deep through aliases (*name): remove some")
    active = (*active, id(node))
    doc.lines.setdefault(path, line)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(first_line + key_node.start_mark.line, "invalid YAML: keys must be plain words")
            key = _scalar(constructor, key_node, first_line)
            if isinstance(key, str):
                key = _text(key, first_line + key_node.start_mark.line, "key")
            if key in out:
                raise YamlProblem(first_line + key_node.start_mark.line, f"the key '{key}' is given twice")
            doc.lines[path + (key,)] = first_line + key_node.start_mark.line
            out[key] = _convert(value_node, path + (key,), doc, constructor, budget, first_line, active)
        return out
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            items.append(_convert(item, path + (i,), doc, constructor, budget, first_line, active))
        return items
    value = _scalar(constructor, node, first_line)
    if isinstance(value, str):
        value = _text(value, line, "value")
    if isinstance(value, _dt.datetime):
        value = value.date()
    return value


def _text(value: str, line: int, what: str) -> str:
    """A string as the loader keeps it: escapes such as \\x0c refused, separators (\\u2029) spaces."""
    if bad := CONTROL_CHARS.search(value):
        raise YamlProblem(line, f"the {what} holds the control character U+{ord(bad.group()):04X} (written as an escape), which no document can hold: delete it")
    return SEPARATORS.sub(" ", value)


def _scalar(constructor, node, first_line):
    try:
        return constructor.construct_object(node)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError):
        # e.g. 2014-13-45 looks like a date to YAML but is none: keep the text, and let
        # validation say what the key expects
        return str(node.value)
