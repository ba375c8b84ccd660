"""Slugs: the ids of sections, heading anchors and output file names."""

from __future__ import annotations

import re
import unicodedata

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str, fallback: str = "section") -> str:
    """'Strategic plan 2016–2019' → 'strategic-plan-2016-2019'."""
    spaced = re.sub(r"[^\w]+", " ", text)  # dashes of every kind separate words
    ascii_text = unicodedata.normalize("NFKD", spaced).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].rstrip("-") or fallback


def is_slug(value: str) -> bool:
    return bool(_SLUG_RE.match(value))


class AnchorRegistry:
    """Hands out anchors unique within one pack: 'agenda', 'agenda-2', …"""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        # base → the number to try next: every number below it is taken (anchors are never
        # given back), so 20,000 headings of one title cost linear time, not quadratic
        self._next: dict[str, int] = {}

    def claim(self, text: str, fallback: str = "heading") -> str:
        base = slugify(text, fallback)
        anchor = base
        if anchor in self.taken:
            n = self._next.get(base, 2)
            anchor = f"{base}-{n}"
            while anchor in self.taken:
                n += 1
                anchor = f"{base}-{n}"
            self._next[base] = n + 1
        self.taken.add(anchor)
        return anchor
