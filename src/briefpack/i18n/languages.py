"""Language tags (BCP 47, as written in pack.yaml) → built-in tables, Babel locales, direction.

A tag is matched case-insensitively; Chinese follows its script: `zh`, `zh-CN`, `zh-SG` and
`zh-Hans` are Simplified, `zh-TW`, `zh-HK`, `zh-MO` and `zh-Hant` Traditional. Any other tag
uses its primary language (`fr-CA` → `fr`).
"""

from __future__ import annotations

import re
from functools import lru_cache

#: languages whose fixed words are built in
BUILT_IN = ("ar", "en", "es", "fr", "ru", "zh-Hans", "zh-Hant")
#: written right to left (the primary subtag), whatever Babel knows
RTL_LANGUAGES = frozenset({"ar", "he", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb"})

_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")
_TRADITIONAL = ("hant", "tw", "hk", "mo")


def is_language_tag(tag: str) -> bool:
    """'fr', 'zh-Hans', 'pt-BR' — the shape of a BCP 47 tag (not a registry check)."""
    return bool(_TAG.match(tag))


def primary(tag: str) -> str:
    return tag.split("-")[0].lower()


def table_key(tag: str) -> str | None:
    """The built-in table a tag uses, or None when briefpack has no fixed words for it."""
    base = primary(tag)
    if base == "zh":
        rest = [p.lower() for p in tag.split("-")[1:]]
        return "zh-Hant" if any(p in _TRADITIONAL for p in rest) else "zh-Hans"
    return base if base in BUILT_IN else None


def same_language(a: str, b: str) -> bool:
    return a.lower() == b.lower()


@lru_cache(maxsize=64)
def babel_locale(tag: str):
    """The Babel locale for a tag; English is en_GB (day month year, no serial comma), as
    briefpack printed before it spoke other languages."""
    from babel import Locale, UnknownLocaleError

    key = table_key(tag)
    candidates = []
    if key and key.startswith("zh"):
        candidates.append(key.replace("-", "_"))
    elif tag.lower() == "en":
        candidates.append("en_GB")
    candidates += [tag.replace("-", "_"), primary(tag), "en_GB"]
    for name in candidates:
        try:
            return Locale.parse(name)
        except (ValueError, UnknownLocaleError):
            continue
    return Locale.parse("en_GB")


def direction(tag: str) -> str:
    """'rtl' or 'ltr'."""
    if primary(tag) in RTL_LANGUAGES:
        return "rtl"
    if table_key(tag) in BUILT_IN:  # the other built-in languages: Latin, Cyrillic, Chinese
        return "ltr"
    return babel_locale(tag).text_direction


def script_of(tag: str) -> str:
    """The script family that decides fonts and Word's run properties: 'arabic' (and other
    right-to-left scripts), 'cjk', or 'latin' (Latin, Cyrillic, Greek…)."""
    base = primary(tag)
    if direction(tag) == "rtl":
        return "arabic"
    if base in ("zh", "ja", "ko"):
        return "cjk"
    return "latin"


def language_name(tag: str, in_language: str) -> str:
    """'anglais' for ('en', 'fr'): the name of one language in another, from CLDR."""
    locale = babel_locale(in_language)
    own = babel_locale(tag)
    name = locale.languages.get(own.language) or locale.languages.get(primary(tag)) or tag
    return name
