"""Slugs: the ids of sections, heading anchors and output file names."""

from __future__ import annotations

import re
import unicodedata

_SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(text: str, fallback: str = "section") -> str:
    """'Strategic plan 2016–2019' → 'strategic-plan-2016-2019'; 'Sécurité' → 'securite';
    'الأمن السيبراني' → 'الأمن-السيبراني'; '网络安全' → '网络安全'.

    Latin letters lose their accents (the anchors of existing packs stay as they were); letters
    of every other script are kept, lower-cased and NFC-normalised, so a title in any script
    gets a real anchor."""
    words = []
    for char in unicodedata.normalize("NFC", text):
        if char.isascii():
            words.append(char.lower() if char.isalnum() else " ")
            continue
        decomposed = unicodedata.normalize("NFKD", char)
        base = decomposed.encode("ascii", "ignore").decode("ascii")
        if base and base.isalnum() and _is_latin(char):
            words.append(base.lower())  # é → e, ﬁ → fi, ² → 2
        elif char.isalnum() or unicodedata.category(char).startswith("M"):
            words.append(char.lower())  # a letter or a mark of another script (Arabic hamza, vowel signs…)
        else:
            words.append(" ")  # punctuation and dashes of every kind separate words
    slug = re.sub(r"[\s_]+", "-", "".join(words).strip()).strip("-")
    slug = unicodedata.normalize("NFC", slug)
    return slug[:60].rstrip("-") or fallback


def _is_latin(char: str) -> bool:
    name = unicodedata.name(char, "")
    return "LATIN" in name or unicodedata.category(char) in ("No", "Nd") or name.startswith(("SUPERSCRIPT", "SUBSCRIPT", "VULGAR"))


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
