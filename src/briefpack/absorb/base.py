"""The base: the DOCX as it was built, made again from the sources it carries.

The sources embedded in the DOCX are loaded through the ordinary loader (images from the sources
folder), the same edition is rendered in memory with the writer's trace on, and the result is
read back with the same reader as the reviewed file — so both pictures come through one reader,
and every unit of the base knows the model node, and so the source lines, it came from.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

from .. import model as m
from ..errors import Problem, SourceError
from ..model.selection import make_edition
from ..options import RenderOptions
from ..provenance import Provenance
from ..sources.loader import read_pack
from ..style import Style
from ..wordml.picture import Picture, block_ordinals, read_picture
from ..wordml.read import Package

_STAMP = _dt.datetime(2000, 1, 1, tzinfo=_dt.timezone.utc)


@dataclass
class Rendered:
    pack: m.Pack
    edition: m.Edition
    picture: Picture
    body_trace: dict[int, tuple]  # ordinal in document.xml → (section, node, role)
    note_trace: dict[int, tuple]  # ordinal in footnotes.xml → (section, node, role)
    bookmarks: dict[str, str]  # bookmark name → the anchor it stands for


class BaseProblem(Exception):
    """The sources the DOCX carries do not load (problems listed)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("the sources do not load")
        self.problems = problems


def render_texts(root: Path, texts: dict[str, str], topics: tuple[str, ...], style: Style,
                 language: str | None = None, allow_remote: bool = False) -> Rendered:
    """Load a pack from `texts` (paths relative to `root`) and render the edition of `topics`
    in `language` as a DOCX in memory, traced, then read it back."""
    from ..writers.docx.writer import DocxWriter

    loaded = read_pack(root, texts={name: text.encode("utf-8") for name, text in texts.items()}, allow_remote=allow_remote)
    if loaded.errors or loaded.pack is None:
        raise BaseProblem(loaded.errors or loaded.problems)
    pack = loaded.pack
    try:
        edition = make_edition(pack, list(topics), language=language)
    except Exception as exc:  # UsageError: a topic the embedded pack.yaml does not have
        raise BaseProblem([Problem(root / "pack.yaml", None, str(exc))]) from None
    traced: dict[int, tuple] = {}

    def trace(element, section, node, role) -> None:
        # the element is kept with its entry: lxml reuses a proxy's id once nothing holds it
        traced[id(element)] = (section, node, role, element)

    writer = DocxWriter(edition, style.data("reference.docx"), RenderOptions(timestamp=_STAMP), trace=trace, rasterize=False)
    writer.build()
    body = writer.doc.element.body
    body_trace = {n: traced[i][:3] for i, n in block_ordinals(body).items() if i in traced}
    note_trace = {n: traced[i][:3] for i, n in block_ordinals(writer.notes.element).items() if i in traced}
    bookmarks = {name: anchor for anchor, name in writer._bookmark_names.items()}
    data = writer.save()
    picture = read_picture(Package(data, "base.docx"))
    return Rendered(pack, edition, picture, body_trace, note_trace, bookmarks)


def load_base(record: Provenance, root: Path, style: Style, allow_remote: bool = False) -> Rendered:
    return render_texts(root, record.files, record.topics, style, record.language, allow_remote)


__all__ = ["BaseProblem", "Rendered", "load_base", "render_texts", "SourceError"]
