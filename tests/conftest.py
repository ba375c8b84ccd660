"""Shared fixtures: the sample pack, and small packs written on the fly in a temp folder."""

from __future__ import annotations

import base64
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sources"

# A 2×2 red PNG, so tests need no image files of their own.
PNG_BYTES = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="
)


def write_pack(root: Path, pack_yaml: str, sections: dict[str, str], files: dict[str, bytes] | None = None) -> Path:
    """Write a pack folder: pack.yaml, sections/<name> (dedented), and any extra files."""
    (root / "sections").mkdir(parents=True, exist_ok=True)
    (root / "pack.yaml").write_text(textwrap.dedent(pack_yaml).lstrip(), encoding="utf-8")
    for name, text in sections.items():
        (root / "sections" / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    for name, data in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


TRADE_PACK_YAML = """
    title: WTO Ministerial Conference
    slug: wto-mc
    subtitle: Notes for the delegation
    date: 2025-03-01
    classification: Restricted
    authors:
      - {name: Ada Policy, affiliation: Trade Office}
    contributors: [Pat Wide]
    topics:
      fisheries: {title: Fisheries subsidies, aliases: [fish]}
      ecommerce: {title: E-commerce, aliases: [digital-trade]}
"""

TRADE_SECTIONS = {
    "a-intro.md": """
        ---
        title: Introduction
        topics: all
        order: 1
        ---
        The conference meets every two years.[^why] See [the fisheries part](#fisheries) if included.

        ![A tiny logo](img/logo.png)

        [^why]: Under the Marrakesh Agreement.
    """,
    "b-fish.md": """
        ---
        title: Fisheries
        topics: [fisheries]
        order: 2
        contributors: [{name: Fay Fisher, affiliation: Ocean Desk}]
        ---
        Subsidies to fishing fleets.[^1] More on [the WTO site](https://www.wto.org/fish).

        1. Disciplines
           1. Illegal fishing
              1. Reporting duties
        2. Overfished stocks[^1]

        [^1]: The 2022 agreement.

            A second paragraph with a [link](https://www.wto.org/agreement).
    """,
    "c-ecom.md": """
        ---
        title: E-commerce
        topics: [ecommerce]
        order: 3
        contributors: [Eve Commerce]
        ---
        The moratorium on customs duties.[^1]

        | Year | Decision |
        |------|----------|
        | 1998 | Moratorium adopted |

        [^1]: Renewed at each conference since 1998.
    """,
}


@pytest.fixture
def trade_pack(tmp_path) -> Path:
    """A second pack in the same format, written by someone else."""
    return write_pack(tmp_path / "trade", TRADE_PACK_YAML, TRADE_SECTIONS, {"sections/img/logo.png": PNG_BYTES})
