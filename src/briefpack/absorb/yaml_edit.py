"""One YAML value changed in place: the rest of the text — comments, key order, quoting of other
values, blank lines — stays as written (pack.yaml's `title`/`subtitle`, a section's front-matter
`title`)."""

from __future__ import annotations

import json
import re

import yaml


class YamlEditProblem(Exception):
    pass


def scalar_span(text: str, key: str | tuple[str, ...]) -> tuple[int, int, str] | None:
    """(start, end, style) of the scalar value at `key` (a top-level key, or a path of keys
    into nested mappings) in `text`; None if absent."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    keys = (key,) if isinstance(key, str) else tuple(key)
    for k, name in enumerate(keys):
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((v for kn, v in node.value if isinstance(kn, yaml.ScalarNode) and kn.value == name), None)
        if node is None:
            return None
    if not isinstance(node, yaml.ScalarNode):
        return None
    return node.start_mark.index, node.end_mark.index, node.style or ""


def represent(value: str, style: str) -> str:
    """`value` as a one-line YAML scalar, in `style` ("" plain, "'" or '"') when that can hold it."""
    if style == "" and _plain_ok(value):
        return value
    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    return json.dumps(value, ensure_ascii=False)


def _plain_ok(value: str) -> bool:
    if not value or value != value.strip() or "\n" in value or ": " in value or " #" in value:
        return False
    if re.match(r"^[-?:,\[\]{}#&*!|>'\"%@`]", value):
        return False
    try:
        return yaml.safe_load(f"k: {value}") == {"k": value}
    except yaml.YAMLError:
        return False


def replace_scalar(text: str, key: str | tuple[str, ...], value: str, offset: int = 0, stop: int | None = None) -> str:
    """`text` with the top-level `key` set to `value`; the YAML is `text[offset:stop]` (front
    matter inside a section file). Raises YamlEditProblem when the key is missing or its value
    is not a scalar."""
    yaml_text = text[offset:stop]
    span = scalar_span(yaml_text, key)
    if span is None:
        name = key if isinstance(key, str) else ": ".join(key)
        raise YamlEditProblem(f"pack.yaml has no '{name}:' value to change")
    start, end, style = span
    if style in ("|", ">"):
        # a block scalar ends after its line break: keep that break
        body = yaml_text[start:end]
        end = start + len(body.rstrip("\n"))
        style = '"'
    new = represent(value, style)
    return text[: offset + start] + new + text[offset + end:]


def yaml_value(text: str, key: str) -> str | None:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    value = data.get(key) if isinstance(data, dict) else None
    return str(value).strip() if value is not None else None
