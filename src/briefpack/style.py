"""A house style: the files of a style folder (CSS, HTML templates, reference.docx, fonts).

The folder is read once, by `resources.load_style`; writers take what they need from memory,
so an organisation can swap in its own look (`--style DIR`) without touching code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: The style shipped with briefpack (the repository's `styles/` folder).
DEFAULT_STYLE_DIR = Path(__file__).resolve().parents[2] / "styles"


@dataclass(frozen=True)
class Style:
    root: Path
    files: dict[str, bytes] = field(repr=False)  # relative POSIX path → content

    def has(self, name: str) -> bool:
        return name in self.files

    def data(self, name: str) -> bytes:
        try:
            return self.files[name]
        except KeyError:
            raise KeyError(f"the style folder {self.root} has no file {name!r}") from None

    def text(self, name: str) -> str:
        return self.data(name).decode("utf-8")

    def names(self, prefix: str = "") -> list[str]:
        return sorted(n for n in self.files if n.startswith(prefix))
