"""`briefpack absorb`: edits made to a briefpack DOCX in Word (or LibreOffice) flow back into the
Markdown sources, in the sources' own form.

The pipeline, like pandoc's DOCX reader in two steps: the DOCX's XML → a plain picture of what is
there (`briefpack.wordml.picture`); then a comparison with the base — the same edition rendered
again from the sources the DOCX carries (`briefpack.provenance`) and read through the same
reader — that turns differences into edits of the section files (`compare`, `rewrite`,
`markdown_edit`). The edited sources are checked by building them again and comparing with the
review (a block that would not read back the same is written afresh, and if it still would not,
nothing is written); then merged three-way with the files as they are today (`merge`).

`absorb_docx(...)` is the library call; `write_absorbed(...)` applies its result.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import BriefpackError, display_path
from ..options import Progress, _quiet
from ..provenance import Provenance, ProvenanceError, from_properties
from ..sources.files import ResourceProblem, read_document, read_source_text, write_texts
from ..wordml.picture import read_picture
from ..wordml.read import DocxProblem, Package
from .base import BaseProblem, Rendered, load_base, render_texts
from .document import PACK_FILE, Comparison
from .merge import merge3
from .rewrite import Finding
from .source import SourceFile
from .units import regions, note_units
from .compare import align, calls

MAX_DOCX_BYTES = 100 * 1024 * 1024
CHANGES = ("keep", "accept", "reject")


class AbsorbError(BriefpackError):
    """The DOCX cannot be absorbed safely; `findings` say where and why (nothing was written)."""

    def __init__(self, message: str, findings: list[Finding] | None = None):
        super().__init__(message)
        self.findings = findings or []


@dataclass
class FileChange:
    path: str  # relative to the sources folder
    old: str  # the file as it is today
    new: str  # with the review's edits


@dataclass
class Absorbed:
    docx: Path
    sources: Path
    record: Provenance
    changes: list[FileChange] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    docx_sha256: str = ""
    #: the DOCX's text differs from what it was built from (its edits may already be in the sources)
    edited: bool = False

    @property
    def changed_paths(self) -> list[str]:
        return [c.path for c in self.changes]


def absorb_docx(
    docx: Path | str, sources: Path | str = "sources", *, changes: str = "keep",
    style_dir: Path | str | None = None, allow_remote: bool = False, progress: Progress = _quiet,
) -> Absorbed:
    """Compare a reviewed DOCX with what it was built from and work out the edits to the sources.
    Writes nothing. Raises `AbsorbError` when the edits cannot be absorbed safely."""
    if changes not in CHANGES:
        raise ValueError(changes)
    docx = Path(docx)
    name = display_path(docx)
    root = Path(sources).resolve()
    try:
        data = read_document(docx, MAX_DOCX_BYTES)
    except ResourceProblem as exc:
        raise AbsorbError(f"{name}: {exc.message}") from None
    try:
        package = Package(data, name)
        record = from_properties(package.custom_properties())
    except DocxProblem as exc:
        raise AbsorbError(f"{name}: {exc.message}") from None
    except ProvenanceError as exc:
        raise AbsorbError(f"{name}: {exc}") from None
    today = _today(root, record, name)
    from ..style_check import load_checked_style

    # read through the door and checked like a build's (SourceError: each problem at file:line)
    style = load_checked_style(Path(style_dir) if style_dir else None, ("docx",))

    progress("absorb", "rendering the DOCX as it was built")
    try:
        base = load_base(record, root, style, allow_remote)
    except BaseProblem as exc:
        raise AbsorbError(
            f"{name}: the sources this DOCX was built from do not load any more here "
            "(a missing image?):\n" + "\n".join(f"  {p}" for p in exc.problems)
        ) from None
    progress("absorb", "reading the reviewed DOCX")
    try:
        user = read_picture(package, changes)
    except DocxProblem as exc:
        raise AbsorbError(f"{name}: {exc.message}") from None
    comparison = Comparison(base, user, record.files, name)
    if comparison.errors:
        raise AbsorbError(f"{len(comparison.errors)} edit(s) cannot be absorbed safely; nothing was written",
                          comparison.errors)
    revisions = comparison.revisions()
    if revisions:  # (only when they are kept: --accept-changes/--reject-changes resolve them)
        raise AbsorbError(
            f"{name} holds {len(revisions)} tracked change(s): accept or reject them in Word, or absorb with "
            "--accept-changes or --reject-changes", _relines(revisions, _maps(record, today), today),
        )

    progress("absorb", "comparing")
    texts = _checked_texts(comparison, root, record, style, allow_remote)
    comparison.report()
    findings = comparison.findings + comparison.findings_rewrite
    if record.version != __version__:
        findings.insert(0, Finding(name, None, f"built by briefpack {record.version}, absorbed by {__version__}: where "
                                   "the two write a DOCX differently, that shows as edits here; check the diff", "info"))

    result = Absorbed(docx, root, record, docx_sha256=hashlib.sha256(data).hexdigest())
    maps: dict[str, dict[int, int]] = {}
    conflicts: list[Finding] = []
    for path, new_base in texts.items():
        old_base = record.files[path]
        result.edited = result.edited or new_base != old_base
        if path not in today:
            if new_base != old_base:
                conflicts.append(Finding(path, None, "this file is gone from the sources folder, but the DOCX "
                                         "has edits for it: put it back, or move the edits by hand", "error"))
            continue
        blocks = SourceFile(path, old_base, _section_of(base, path)).blocks()
        merged = merge3(old_base, new_base, today[path], blocks)
        maps[path] = merged.base_to_theirs
        for conflict in merged.conflicts:
            conflicts.append(Finding(path, conflict.line, "changed in the DOCX and in the file since the DOCX was "
                                     f"built:\n    in the DOCX:\n{_indent(conflict.ours)}\n    in the file now:\n"
                                     f"{_indent(conflict.theirs)}", "error"))
        if not merged.conflicts and merged.text != today[path]:
            result.changes.append(FileChange(path, today[path], merged.text))
    if conflicts:
        raise AbsorbError(f"{len(conflicts)} conflict(s) between the DOCX and the sources as they are now; nothing "
                          "was written", conflicts)
    result.findings = _relines(findings, maps, today)
    if result.changes:
        _still_builds(root, result, allow_remote)
    return result


def _still_builds(root: Path, result: Absorbed, allow_remote: bool) -> None:
    """The pack, with the edits, must load as well as it does today: a section title changed in
    Word changes its anchor, and a link to it from a section this DOCX does not hold would break."""
    from ..sources.loader import read_pack

    def key(problem) -> tuple:
        return (str(problem.path), problem.message)

    after = read_pack(root, texts={c.path: c.new.encode("utf-8") for c in result.changes}, overlay=True,
                      allow_remote=allow_remote)
    before = {key(p) for p in read_pack(root, allow_remote=allow_remote).errors} if after.errors else set()
    new = [p for p in after.errors if key(p) not in before]
    if new:
        raise AbsorbError(
            "with these edits the pack would no longer build (a renamed heading breaks a link to it?); "
            "nothing was written", [Finding(display_path(p.path) if p.path else "", p.line, p.message, "error") for p in new],
        )
    if after.errors:  # problems the sources had before: not this DOCX's doing, but say so
        count = len(after.errors)
        result.findings.append(Finding(
            display_path(root), None,
            f"the sources have {count} error{'s' if count != 1 else ''} that the edits did not cause, so the pack "
            "does not build yet: run 'briefpack check' to see them", "info"))


def write_absorbed(result: Absorbed) -> list[Path]:
    """Apply the edits (all files or none) and, when the DOCX lies in an output folder briefpack
    wrote it to, record that its edits are in the sources now, so the next build replaces it."""
    from ..output import OutputFolder

    written = []
    if result.changes:
        try:
            written = write_texts(result.sources, {c.path: c.new for c in result.changes})
        except (ResourceProblem, OSError) as exc:
            message = exc.message if isinstance(exc, ResourceProblem) else (exc.strerror or str(exc))
            raise AbsorbError(f"nothing was written: {message}") from None
    folder = OutputFolder(result.docx.parent)
    if folder.manifest_path.exists():
        with folder.locked():
            folder.mark_absorbed(result.docx.name, result.docx_sha256)
    return written


# --------------------------------------------------------------------------- the steps


def _today(root: Path, record: Provenance, name: str) -> dict[str, str]:
    """The pack's files as they are now, after checking the DOCX was built from this pack."""
    from ..model.naming import slugify
    from ..sources.yamldata import YamlProblem, parse_yaml

    if not root.is_dir():
        raise AbsorbError(f"{display_path(root)}: sources folder not found (give another with --sources DIR)")
    try:
        pack_yaml = read_source_text(root, PACK_FILE)
    except ResourceProblem as exc:
        raise AbsorbError(f"{display_path(root / PACK_FILE)}: {exc.message}") from None
    try:  # our YAML reader: a recursive alias or absurd nesting is a problem, not a RecursionError
        data = parse_yaml(pack_yaml).data
    except YamlProblem:
        data = None
    data = data if isinstance(data, dict) else {}
    title = str(data.get("title") or "").strip()
    slug = str(data.get("slug") or slugify(title, "pack"))
    if slug != record.pack and title != record.title:
        raise AbsorbError(
            f"{name} was built from the pack '{record.title}' ({record.pack}), but {display_path(root)} holds "
            f"'{title}' ({slug}): give its sources folder with --sources"
        )
    today = {}
    for path in record.files:
        try:
            today[path] = read_source_text(root, path)  # a path the DOCX names: inside the folder, or refused
        except ResourceProblem as exc:
            if (root / path).exists():
                raise AbsorbError(f"{display_path(root / path)}: {exc.message}") from None
    return today


def _checked_texts(comparison: Comparison, root: Path, record: Provenance, style, allow_remote: bool) -> dict[str, str]:
    """The edited texts, checked by building them again: every block must read back as the
    review has it. A block that does not is written afresh; one that still does not stops."""
    fresh: set[int] = set()
    for attempt in range(3):
        texts = comparison.texts(fresh)
        if comparison.errors:
            raise AbsorbError(f"{len(comparison.errors)} edit(s) cannot be placed in the sources; nothing was written",
                              comparison.errors)
        if texts == record.files:
            return {}
        try:
            rebuilt = render_texts(root, texts, record.topics, style, record.language, allow_remote)
        except BaseProblem as exc:
            bad = {str(p.path): p for p in exc.problems}
            if attempt < 2:
                fresh |= _all_changed(comparison)
                continue
            raise AbsorbError("with these edits the sources would not load; nothing was written",
                              [Finding(_relative(p.path, root), p.line, p.message, "error") for p in bad.values()]) from None
        wrong = _mismatches(comparison, rebuilt)
        if not wrong:
            return {path: text for path, text in texts.items() if text != record.files[path]}
        more = {id(b) for _, b, _ in wrong if b is not None} - fresh
        if not more:
            break
        fresh |= more
    raise AbsorbError(
        "these edits could not be written so that they read back exactly as in the DOCX; nothing was written",
        [Finding(path, line, "this block would not read back as in the DOCX: edit it in the sources by hand", "error")
         for path, _, line in wrong],
    )


def _all_changed(comparison: Comparison) -> set[int]:
    out = set()
    for ops in comparison.ops.values():
        out |= {id(op.base) for op in ops if op.kind == "change"}
    return out


def _mismatches(comparison: Comparison, rebuilt: Rendered) -> list[tuple[str, object, int | None]]:
    """(file, base unit to write afresh or None, line) for each unit of the review that the
    rebuilt sources do not reproduce."""
    wrong = []
    _follow_renames(rebuilt, comparison)
    rebuilt_regions = {r.bookmark: r for r in regions(rebuilt.picture, rebuilt.body_trace) if r.name == "section"}
    rebuilt_notes = {nid: note_units(note) for nid, note in rebuilt.picture.notes.items()}
    user_notes = comparison.user_notes
    for section, base, user in comparison.sections:
        path = comparison.path_of(section)
        rewrite = comparison.rewrites.get(path)
        skipped = rewrite.skipped if rewrite else set()
        mine = rebuilt_regions.get(base.bookmark)
        if mine is None:  # the title changed, and so its anchor: find the region by position
            index = [r for r in comparison.base_regions if r.name == "section"].index(base)
            candidates = [r for r in regions(rebuilt.picture, rebuilt.body_trace) if r.name == "section"]
            mine = candidates[index] if index < len(candidates) else None
        if mine is None:
            wrong.append((path, None, 2))
            continue
        ops = comparison.ops[id(section)]
        base_of = {id(op.user): op.base for op in ops if op.user is not None}
        theirs = [u for u in user.units[1:] if id(u) not in skipped]
        rebuilt_units = [u for u in mine.units[1:] if not (u.origin and u.origin[2] == "generated")]
        for op in align(rebuilt_units, theirs):
            if op.kind == "keep":
                continue
            unit = op.user
            if unit is None:
                wrong.append((path, None, rewrite.line(op.base) if rewrite and op.base and op.base.origin else None))
                continue
            b = base_of.get(id(unit))
            wrong.append((path, b, rewrite.line(b) if rewrite and b is not None else None))
        if " ".join(mine.units[0].text.split()) != " ".join(user.units[0].text.split()):
            wrong.append((path, None, 2))
        # notes, in the order of their first calls
        mine_calls = [c.note for u in mine.units for c in calls(u) if not c.repeat]
        user_calls = [c.note for u in theirs for c in calls(u) if not c.repeat]
        for mine_id, user_id in zip(mine_calls, user_calls):
            a = [u.signature for u in rebuilt_notes[mine_id].units] if mine_id in rebuilt_notes else []
            b = [u.signature for u in user_notes[user_id].units] if user_id in user_notes else []
            if a != b:
                base_id = comparison.pairs.user_to_base.get(user_id)
                units = comparison.base_notes.get(base_id)
                line = units.origin[1].line if units and units.origin else None
                for op in (rewrite.note_ops.get(base_id, []) if rewrite else []):
                    if op.kind == "change":
                        wrong.append((path, op.base, line))
                wrong.append((path, None, line))
        if len(mine_calls) != len(user_calls):
            wrong.append((path, None, None))
    return wrong


def _maps(record: Provenance, today: dict[str, str]) -> dict[str, dict[int, int]]:
    from .merge import _line_map

    return {path: _line_map(record.files[path].split("\n"), today[path].split("\n")) for path in today}


def _follow_renames(rebuilt: Rendered, comparison: Comparison) -> None:
    """Internal links of the rebuilt DOCX named as in the reviewed one: a renamed heading keeps
    its old bookmark in the review, and gets a new one when built again."""
    from ..wordml import picture as pic

    back = {new: old for old, new in comparison.renamed.items()}
    base_bookmark = {anchor: name for name, anchor in comparison.base.bookmarks.items()}

    def name(target: str) -> str:
        anchor = rebuilt.bookmarks.get(target[1:], target[1:])
        anchor = back.get(anchor, anchor)
        return "#" + base_bookmark.get(anchor, target[1:])

    def fix(paragraph) -> None:
        if any(getattr(i, "link", None) is not None and i.link.target.startswith("#") for i in paragraph.inlines):
            paragraph.inlines = tuple(
                type(i)(**{**i.__dict__, "link": pic.Link(name(i.link.target), i.link.title)})
                if getattr(i, "link", None) is not None and i.link.target.startswith("#") else i
                for i in paragraph.inlines
            )

    for block in pic.walk(rebuilt.picture.body):
        fix(block)
    for note in rebuilt.picture.notes.values():
        for block in pic.walk(note.blocks):
            fix(block)
    if comparison.renamed:  # a region is named by its Heading 1's bookmark
        for block in rebuilt.picture.body:
            if isinstance(block, pic.Paragraph) and block.bookmarks:
                block.bookmarks = tuple(name("#" + b)[1:] for b in block.bookmarks)


def _section_of(base: Rendered, path: str):
    for section in base.edition.sections:
        if section.path.relative_to(base.pack.root).as_posix() == path:
            return section
    return None


def _relines(findings: list[Finding], maps: dict[str, dict[int, int]], today: dict[str, str]) -> list[Finding]:
    """Findings with lines of the files as they are today (they were counted in the base)."""
    out = []
    for f in findings:
        line = f.line
        if line and f.path in maps:
            line = maps[f.path].get(line - 1, line - 1) + 1
        out.append(Finding(f.path, line, f.message, f.severity))
    return out


def _relative(path, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _indent(text: str) -> str:
    return "\n".join("      " + line for line in text.split("\n"))
