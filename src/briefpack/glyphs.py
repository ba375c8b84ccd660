"""Characters of an edition that no font can draw: a warning instead of silent tofu boxes.

The PDF is drawn with the faces the style's CSS names (in the order it names them) and, for a
character none of them has, any installed font fontconfig finds (Pango falls back to it). A
character that no installed font covers would print as an empty box; `missing_glyphs` finds
them before a build and says where they are. Font files are found with fontconfig's `fc-list`
and their character maps read with fontTools (WeasyPrint's own dependency); both are looked
at once per process. Without `fc-list` the check is skipped.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from functools import lru_cache
from pathlib import Path

from . import model as m

_FAMILY = re.compile(r"""["']([^"']+)["']""")
_FONT_DECLARATION = re.compile(r"font(?:-family)?\s*:([^;}]*)", re.I)
#: characters that are never drawn (spaces, joiners, bidi controls)
_INVISIBLE = ("Cc", "Cf", "Zs", "Zl", "Zp")


def style_families(css: str) -> list[str]:
    """The font families a style sheet names, in the order it first names them."""
    names: dict[str, None] = {}
    for declaration in _FONT_DECLARATION.findall(css):
        for name in _FAMILY.findall(declaration):
            names.setdefault(name, None)
    return list(names)


def edition_text(edition: m.Edition) -> dict[Path | None, list[tuple[int | None, str]]]:
    """The text an edition prints, by the file it comes from (None: pack.yaml and fixed words),
    as (file line or None, text) pieces in file order where lines are known."""
    meta = edition.meta
    pack_text = [meta.title, meta.subtitle or "", meta.classification or "", edition.topic_label,
                 *edition.labels.values(), *(str(p) for p in edition.credits.everyone)]
    out: dict[Path | None, list[tuple[int | None, str]]] = {None: [(None, t) for t in pack_text]}
    for section in edition.sections:
        parts = out.setdefault(section.path, [])
        parts.append((None, section.title))
        _collect_blocks(section.children, parts)
        for note in section.footnotes.values():
            _collect_blocks(note.children, parts, note.line)
    return out


def _collect_blocks(blocks, out: list[tuple[int | None, str]], line: int | None = None) -> None:
    for block in blocks:
        here = block.span[0] if getattr(block, "span", None) else line
        if isinstance(block, (m.Paragraph, m.Heading)):
            out.append((here, m.plain_text(block.children)))
        elif isinstance(block, (m.BlockQuote, m.ListItem)):
            _collect_blocks(block.children, out, here)
        elif isinstance(block, (m.BulletList, m.OrderedList)):
            _collect_blocks(block.items, out, here)
        elif isinstance(block, m.CodeBlock):
            out.append((here, block.text))
        elif isinstance(block, m.Table):
            rows = (block.header, *block.rows)
            lines = block.row_lines if len(block.row_lines) == len(rows) else (here,) * len(rows)
            for row, row_line in zip(rows, lines):
                out.extend((row_line, m.plain_text(cell.children)) for cell in row)
        elif isinstance(block, m.Figure):
            out.append((here, block.caption))


def missing_glyphs(edition: m.Edition, css: str) -> list[str]:
    """One warning per file holding characters that no installed font has, at the first line
    that shows one (empty if fontconfig's tools are not installed)."""
    if shutil.which("fc-list") is None:
        return []
    texts = edition_text(edition)
    wanted = {c for pieces in texts.values() for _, text in pieces for c in text
              if not c.isascii() and unicodedata.category(c) not in _INVISIBLE}
    if not wanted:
        return []
    left = set(wanted)
    for family in style_families(css):
        left -= _family_cmap(family)
        if not left:
            return []
    nowhere = {c for c in left if not _any_font_has(c)}
    warnings = []
    for path, pieces in texts.items():
        chars = sorted({c for _, text in pieces for c in text if c in nowhere})
        if not chars:
            continue
        lines = sorted(line for line, text in pieces if line is not None and any(c in nowhere for c in text))
        shown = ", ".join(f"U+{ord(c):04X} {c!r} ({unicodedata.name(c, 'unnamed').lower()})" for c in chars[:5])
        more = f" and {len(chars) - 5} more" if len(chars) > 5 else ""
        if path is None:
            where = "pack.yaml (or a fixed word)"
        elif lines:
            where = f"{path}:{lines[0]}"
            more += f" (also on {len(lines) - 1} more line{'s' if len(lines) > 2 else ''})" if len(lines) > 1 else ""
        else:
            where = f"{path}"  # only in the title
        warnings.append(
            f"{where}: no installed font has a glyph for {shown}{more}: it would print as an empty box — "
            "install a font that covers it (e.g. a fonts-noto package) or remove the character"
        )
    return warnings


@lru_cache(maxsize=32)
def _family_cmap(family: str) -> frozenset[str]:
    """The characters of a family's regular face (empty if it is not installed)."""
    try:
        listing = subprocess.run(
            ["fc-list", "--format", "%{file}|%{index}|%{style}\\n", family],
            capture_output=True, text=True, timeout=20, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    faces = [line.split("|", 2) for line in listing.splitlines() if line.count("|") >= 2]
    if not faces:
        return frozenset()
    faces.sort(key=lambda f: (0 if "Regular" in f[2] or "Book" in f[2] else 1, f[0]))
    path, index, _ = faces[0]
    try:
        from fontTools.ttLib import TTFont

        with TTFont(path, fontNumber=int(index.split(",")[0] or 0), lazy=True) as font:
            return frozenset(chr(code) for code in font.getBestCmap())
    except Exception:  # an unreadable font file: treat the family as absent
        return frozenset()


@lru_cache(maxsize=4096)
def _any_font_has(char: str) -> bool:
    try:
        found = subprocess.run(
            ["fc-list", "--format", "%{family}\\n", f":charset={ord(char):x}"],
            capture_output=True, text=True, timeout=20, check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return True  # cannot tell: do not cry wolf
    return bool(found.strip())
