"""Parsed section bodies kept from one load of a pack to the next (`serve`, `build --watch`).

Front matter is kept too, by its text (YAML parsing and its depth check cost more than the
Markdown of a short section). A section body's parse depends only on the file's text, on the images it names (their bytes,
or how loading them failed) and on whether remote images are allowed: heading anchors are local
to the section at parse time, and the loader makes them unique in the pack in a later, cheap
pass. So a parse is reused when the text is the same and every image it tried to load loads
the same way again — checked by loading them again, through `files.py` as always. Sections
with remote images are parsed afresh each time (a fetch is not a cheap check).

The cache keeps only the sections of the latest load, so it never grows beyond one pack.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .. import model as m
from ..errors import Problem
from .markdown import ParsedBody


@dataclass(frozen=True)
class ImageUse:
    """One image a body tried to load, and what came of it."""

    src: str
    resource: m.Resource | None  # None: loading failed with `message`
    message: str | None = None


@dataclass(frozen=True)
class CachedParse:
    body: ParsedBody
    problems: tuple[Problem, ...]  # found while parsing the body (file:line), replayed on reuse
    internal_links: tuple[tuple[str, int], ...]
    images: tuple[ImageUse, ...]


def failure(exc: Exception) -> str:
    return getattr(exc, "message", None) or str(exc)


class ParseCache:
    """`get(path, text, allow_remote, load)` → (a parse still valid, the images as `load` gives
    them now, one per use), or None; `put(...)` after parsing; `end_load()` forgets what the
    load just finished did not use."""

    def __init__(self) -> None:
        self._entries: dict[tuple, CachedParse] = {}
        self._used: dict[tuple, CachedParse] = {}
        self._front: dict[str, object] = {}  # front matter text → its YamlDoc (read-only once made)
        self._front_used: dict[str, object] = {}
        self.hits = 0
        self.misses = 0

    def get(self, path: Path, text: str, allow_remote: bool, load: Callable[[str], m.Resource]):
        key = (path, text, allow_remote)
        entry = self._entries.get(key)
        shown: list[m.Resource | None] = []
        if entry is not None:
            for use in entry.images:
                same, resource = _loads_the_same(use, load)
                if not same:
                    break
                shown.append(resource)
        if entry is None or len(shown) != len(entry.images):
            self.misses += 1
            return None
        self.hits += 1
        self._used[key] = entry
        return entry, shown

    def put(self, path: Path, text: str, allow_remote: bool, entry: CachedParse) -> None:
        if any(use.src.lower().startswith(("http://", "https://")) for use in entry.images):
            return
        self._used[(path, text, allow_remote)] = entry

    def front_matter(self, text: str):
        """The parsed front matter (a `YamlDoc`) of a section whose front matter is `text`, if
        a previous load parsed the same text; None otherwise."""
        doc = self._front.get(text)
        if doc is not None:
            self._front_used[text] = doc
        return doc

    def keep_front_matter(self, text: str, doc) -> None:
        self._front_used[text] = doc

    def end_load(self) -> None:
        self._entries, self._used = self._used, {}
        self._front, self._front_used = self._front_used, {}


def _loads_the_same(use: ImageUse, load: Callable[[str], m.Resource]) -> tuple[bool, m.Resource | None]:
    try:
        resource = load(use.src)
    except Exception as exc:  # ResourceProblem: compared by its message
        return use.resource is None and failure(exc) == use.message, None
    same = use.resource is not None and resource.path == use.resource.path and resource.data == use.resource.data
    return same, resource
