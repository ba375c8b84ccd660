"""Typed reads of a YAML mapping (pack.yaml, a section's front matter): each value checked for
its type, each failure a problem at the value's own line, unknown keys a warning with a "did you
mean"."""

from __future__ import annotations

import datetime as _dt
import difflib
from pathlib import Path

from .. import model as m
from ..errors import Problems
from .yamldata import YamlDoc


def did_you_mean(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Validator:
    """Typed reads of a YAML mapping, each failure a problem at the value's line."""

    def __init__(self, path: Path, doc: YamlDoc, problems: Problems):
        self.path, self.doc, self.problems = path, doc, problems

    def err(self, where: tuple, message: str) -> None:
        self.problems.error(self.path, self.doc.line(*where), message)

    def warn(self, where: tuple, message: str) -> None:
        self.problems.warning(self.path, self.doc.line(*where), message)

    def unknown_keys(self, data: dict, known: tuple[str, ...], where: tuple) -> None:
        for key in data:
            if key not in known:
                hint = did_you_mean(str(key), known)
                self.warn(where + (key,), f"unknown key '{key}' is ignored{hint}")

    def string(self, data: dict, key: str, *, required: bool = False, path: tuple = ()) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.err(path, f"'{key}' is required: add a line '{key}: …'")
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or (required and not value.strip()):
            self.err(path + (key,), f"'{key}' must be text")
            return None
        return value.strip()

    def string_list(self, data: dict, key: str, *, path: tuple = ()) -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(x, (str, int)) for x in value):
            self.err(path + (key,), f"'{key}' must be a list of words")
            return []
        return [str(x) for x in value]

    def integer(self, data: dict, key: str) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.err((key,), f"'{key}' must be a whole number, not '{value}'")
            return None
        return value

    def date(self, data: dict, key: str) -> _dt.date | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, _dt.date):
            return value
        try:
            return _dt.date.fromisoformat(str(value))
        except ValueError:
            self.err((key,), f"'{key}' must be an ISO date like 2014-10-20, not '{value}'")
            return None

    def people(self, data: dict, key: str) -> tuple[m.Person, ...]:
        value = data.get(key)
        if value is None:
            return ()
        if isinstance(value, (str, dict)):
            value = [value]
        if not isinstance(value, list):
            self.err((key,), f"'{key}' must be a list of names or {{name, affiliation}} entries")
            return ()
        people = []
        for i, entry in enumerate(value):
            if isinstance(entry, str) and entry.strip():
                people.append(m.Person(entry.strip()))
            elif isinstance(entry, dict) and isinstance(entry.get("name"), str) and entry["name"].strip():
                self.unknown_keys(entry, ("name", "affiliation"), (key, i))
                aff = entry.get("affiliation")
                people.append(m.Person(entry["name"].strip(), str(aff).strip() if aff else None))
            else:
                self.err((key, i), f"each entry of '{key}' must be a name or {{name: …, affiliation: …}}")
        return tuple(people)
