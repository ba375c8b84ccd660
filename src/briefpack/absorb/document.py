"""The reviewed document against the base, as a whole: sections matched by the bookmark on
their Heading 1, notes paired across the document, each section file rewritten, the cover's
title and subtitle put into pack.yaml, and everything that is not absorbed — edits to generated
parts, direct formatting, comments, tracked changes — turned into findings at a line of a
source file.
"""

from __future__ import annotations

import re

from .. import model as m
from ..model.selection import make_edition
from ..wordml import picture as pic
from .base import Rendered
from .compare import NotePairs, Op, align, calls, likeness, pair_notes, pair_notes_by_text
from .markdown_edit import Unplaceable, numbers_in_order, renumber
from .rewrite import Finding, Labels, SectionRewrite, unit_line
from .source import SourceFile, front_matter_end
from .units import Region, Unit, inline_signature, note_units, regions
from .yaml_edit import YamlEditProblem, replace_scalar

PACK_FILE = "pack.yaml"


class Comparison:
    def __init__(self, base: Rendered, user: pic.Picture, files: dict[str, str], docx_name: str):
        self.base, self.user = base, user
        self.files = files  # the texts the DOCX was built from
        self.docx_name = docx_name
        self.findings: list[Finding] = []
        self.errors: list[Finding] = []
        self.base_regions = regions(base.picture, base.body_trace)
        self.user_regions = regions(user)
        self.base_notes = {nid: note_units(note, base.note_trace) for nid, note in base.picture.notes.items()}
        self.user_notes = {nid: note_units(note) for nid, note in user.notes.items()}
        self.sections: list[tuple[m.Section, Region, Region]] = []
        self.ops: dict[int, list[Op]] = {}  # id(section) → body ops
        self.pairs = NotePairs()
        self.rewrites: dict[str, SectionRewrite] = {}
        self.renamed: dict[str, str] = {}  # anchors a renamed title or heading changed: old → new
        self._match_sections()
        self._pair_notes()
        self._dangling_note_references()

    # ------------------------------------------------------------------ structure

    def path_of(self, section: m.Section) -> str:
        return section.path.relative_to(self.base.pack.root).as_posix()

    def _match_sections(self) -> None:
        base_sections = [r for r in self.base_regions if r.name == "section"]
        by_bookmark = {r.bookmark: r for r in base_sections}
        seen = set()
        order = []
        for region in self.user_regions:
            if region.name != "section":
                continue
            base = by_bookmark.get(region.bookmark)
            if base is None:
                title = region.units[0].text if region.units else ""
                self.errors.append(Finding(self.docx_name, None, f"a new Heading 1 '{title}' was added: a new section "
                                           "cannot be absorbed; write it as a new file in sections/ (or make it a Heading 2)",
                                           "error"))
                continue
            if region.bookmark in seen:
                self.errors.append(Finding(self.docx_name, None, f"the heading '{base.units[0].text}' appears twice", "error"))
                continue
            seen.add(region.bookmark)
            section = base.units[0].origin[0]
            self.sections.append((section, base, region))
            order.append(base_sections.index(base))
        for region in base_sections:
            if region.bookmark not in seen:
                section = region.units[0].origin[0]
                self.errors.append(Finding(self.path_of(section), 2, f"the section '{section.title}' was deleted in the "
                                           "DOCX (or its Heading 1 was): absorb does not delete section files; keep its "
                                           "heading in the DOCX, or delete the file yourself", "error"))
        if order != sorted(order):
            self.findings.append(Finding(self.docx_name, None, "sections were moved about in the DOCX: their order "
                                         "comes from each file's 'order:' and is not absorbed"))

    def _pair_notes(self) -> None:
        for section, base, user in self.sections:
            ops = align(base.units[1:], user.units[1:])
            self.ops[id(section)] = ops
            pair_notes(ops, self.base_notes, self.user_notes, self.pairs)
        for section, base, user in self.sections:
            base_ids = [c.note for u in base.units for c in calls(u) if not c.repeat]
            user_ids = [c.note for u in user.units for c in calls(u) if not c.repeat]
            pair_notes_by_text(base_ids, user_ids, self.base_notes, self.user_notes, self.pairs)

    def _dangling_note_references(self) -> None:
        """A later call of a note (a NOTEREF field) whose first call was deleted points nowhere:
        Word shows a stale number, then an error. What was meant cannot be told."""
        for section, base, user in self.sections:
            for unit, line in self._user_units_with_lines(section, base, user, None):
                if any(c.repeat and not c.note for c in calls(unit)):
                    self.errors.append(Finding(self.path_of(section), line, "a later call of a footnote whose first "
                                               "call was deleted (a cross-reference that now points nowhere): delete "
                                               "it too, or keep the first call", "error"))

    # ------------------------------------------------------------------ rewriting

    def texts(self, fresh: set[int]) -> dict[str, str]:
        """The sources the DOCX was built from with the review's edits in them."""
        self.findings_rewrite: list[Finding] = []
        texts = dict(self.files)
        self.rewrites = {}
        for section, base, user in self.sections:
            path = self.path_of(section)
            source = SourceFile(path, self.files[path], section)
            notes = {nid: units for nid, units in self.base_notes.items()
                     if units.origin is not None and units.origin[0] is section}
            labels = Labels(
                base={nid: units.origin[1].label for nid, units in notes.items()},
                taken=source.note_labels(), style=source.habits.note_labels,
            )
            rewrite = SectionRewrite(source, base, user, notes, self.user_notes, self.pairs, labels,
                                     self.base.bookmarks, fresh, self.findings_rewrite, self.base.edition.anchors)
            try:
                rewrite.title()
                rewrite.apply(self.ops[id(section)])
                rewrite.ops = self.ops[id(section)]
                rewrite.notes()
                text = rewrite.editor.result()
                lines = text.split("\n")
                if source.lines[source.body_start:] and not "".join(lines[front_matter_end(lines):]).strip():
                    raise Unplaceable(source.body_start + 1, "all of the section's text was deleted in the DOCX: "
                                      "absorb does not delete section files; delete the file yourself")
                if text != source.text and numbers_in_order(source.lines, source.body_start):
                    text = renumber(text, front_matter_end(text.split("\n")))
                texts[path] = text
            except Unplaceable as exc:
                self.errors.append(Finding(path, exc.line, exc.message, "error"))
            self.rewrites[path] = rewrite
        texts[PACK_FILE] = self.pack_yaml(texts[PACK_FILE])
        self._retarget(texts)
        return texts

    def _retarget(self, texts: dict[str, str]) -> None:
        """A title or heading renamed in Word gets a new anchor: links to it in these files follow."""
        from ..sources.loader import read_pack

        self.renamed = {}
        changed = {path for path, text in texts.items() if text != self.files[path]}
        if not changed:
            return
        loaded = read_pack(self.base.pack.root, texts={k: v.encode("utf-8") for k, v in texts.items()})
        if loaded.pack is None:
            return
        try:
            edition = make_edition(loaded.pack, [t.id for t in self.base.edition.topics], language=self.base.edition.language)
        except Exception:  # the edited pack.yaml lost a topic: the check that rebuilds will say so
            return
        new_sections = {s.path: s for s in edition.sections}
        for old in self.base.edition.sections:
            new = new_sections.get(old.path)
            if new is None:
                continue
            pairs = [(old.id, new.id)]
            old_h, new_h = old.headings(), new.headings()
            if len(old_h) == len(new_h):
                pairs += [(a.anchor, b.anchor) for a, b in zip(old_h, new_h)]
            self.renamed.update({a: b for a, b in pairs if a != b})
        if not self.renamed:
            return
        for path, text in texts.items():
            if path != PACK_FILE:
                texts[path] = retarget_links(text, self.renamed)

    def pack_yaml(self, text: str) -> str:
        """The cover's title and subtitle, where the review changed them."""
        base_cover = {u.role: u for r in self.base_regions if r.name == "cover" for u in r.units}
        user_cover = {u.role: u for r in self.user_regions if r.name == "cover" for u in r.units}
        for role, key in (("cover-title", "title"), ("cover-subtitle", "subtitle")):
            b, u = base_cover.get(role), user_cover.get(role)
            if b is None or u is None:
                if (b is None) != (u is None):
                    what = "added" if b is None else "deleted"
                    self.findings.append(Finding(PACK_FILE, None, f"the cover's {key} was {what} in the DOCX: not absorbed; "
                                                 f"edit '{key}:' in pack.yaml"))
                continue
            old, new = " ".join(b.text.split()), " ".join(u.text.split())
            if old != new and new:
                edition = self.base.edition
                path = key
                if not edition.in_source_language:
                    # a translated edition's cover shows pack.yaml's words for its language
                    translation = edition.pack.translations.get(edition.language)
                    if translation is None or not getattr(translation, key, None):
                        self.findings.append(Finding(PACK_FILE, None, f"the cover's {key} changed, but in this "
                                                     f"{edition.language} edition it is the sources' own {key}: not "
                                                     f"absorbed; add '{key}:' under 'translations: {edition.language}:'"))
                        continue
                    path = ("translations", edition.language, key)
                try:
                    text = replace_scalar(text, path, new)
                except YamlEditProblem as exc:
                    self.errors.append(Finding(PACK_FILE, None, f"the cover's {key} changed to '{new}' but {exc}", "error"))
        return text

    # ------------------------------------------------------------------ what is not absorbed

    def report(self) -> None:
        """Findings for generated parts, formatting, comments and tracked changes."""
        self._generated()
        for section, base, user in self.sections:
            path = self.path_of(section)
            rewrite = self.rewrites.get(path)
            for unit, line in self._user_units_with_lines(section, base, user, rewrite):
                self._unit_findings(unit, path, line)
            for base_id, ops in (rewrite.note_ops.items() if rewrite else []):
                note = self.base_notes[base_id].origin[1]
                for op in ops:
                    if op.user is not None:
                        line = rewrite.line(op.base) if op.base is not None else note.line
                        self._unit_findings(op.user, path, line)
        for region in self.user_regions:
            if region.name in ("cover", "contents", "credits", "front"):
                for unit in region.units:
                    self._unit_findings(unit, self.docx_name, None, generated=True)

    def _user_units_with_lines(self, section, base: Region, user: Region, rewrite):
        """Each unit of the review with the line of the base file it stands at (a new unit: the
        line of the block it follows)."""
        body_start = front_matter_end(self.files[self.path_of(section)].split("\n"))
        if user.units:
            yield user.units[0], 2
        for op in self.ops.get(id(section), []):
            if op.user is None:
                continue
            if op.base is not None:
                line = unit_line(op.base, body_start)
            elif rewrite is not None and id(op.user) in rewrite.line_of:
                line = rewrite.line_of[id(op.user)]
            else:
                # a unit the alignment left unpaired (moves confuse it): the line of the block
                # whose words it has, else of the block it follows
                alike = max(base.units[1:], key=lambda b: likeness(b, op.user) if b.role == op.user.role else 0, default=None)
                if alike is not None and alike.role == op.user.role and likeness(alike, op.user) >= 0.6:
                    line = unit_line(alike, body_start)
                else:
                    line = unit_line(op.after, body_start)
            yield op.user, line

    def revisions(self) -> list[Finding]:
        """Tracked changes, at their lines (before anything is rewritten)."""
        found = []
        for section, base, user in self.sections:
            path = self.path_of(section)
            for unit, line in self._user_units_with_lines(section, base, user, None):
                for rev in unit.revisions:
                    text = f" “{_short(rev.text)}”" if rev.text.strip() else ""
                    found.append(Finding(path, line, f"{rev.kind} by {rev.author}{text}", "revision"))
        for region in self.user_regions:
            if region.name != "section":
                for unit in region.units:
                    for rev in unit.revisions:
                        found.append(Finding(self.docx_name, None, f"{rev.kind} by {rev.author} “{_short(rev.text)}”", "revision"))
        for note in self.user_notes.values():
            for unit in note.units:
                for rev in unit.revisions:
                    found.append(Finding(self.docx_name, None, f"{rev.kind} by {rev.author} in a footnote “{_short(rev.text)}”", "revision"))
        return found

    def _unit_findings(self, unit: Unit, path: str, line: int | None, generated: bool = False) -> None:
        for issue in unit.issues:
            words = f" on “{_short(issue.text)}”" if issue.text.strip() else ""
            self.findings.append(Finding(path, line, f"{issue.kind}{words}: direct formatting a Markdown source "
                                         "cannot hold"))
        for cid in unit.comments:
            comment = self.user.comments.get(cid)
            if comment is not None:
                self.findings.append(Finding(path, line, f"{comment.author}: {comment.text}", "comment"))
        for rev in unit.revisions:
            text = f" “{_short(rev.text)}”" if rev.text.strip() else ""
            self.findings.append(Finding(path, line, f"tracked {rev.kind} by {rev.author}{text}", "revision"))

    def _generated(self) -> None:
        def texts(regs, name, strip_numbers=False):
            out = []
            for r in regs:
                if r.name == name:
                    for u in r.units:
                        if u.role in ("cover-title", "cover-subtitle"):
                            continue
                        sig = inline_signature(u.inlines) if u.role != "row" else u.signature
                        out.append(re.sub(r"[\d\t]+", "", sig) if strip_numbers else sig)
            return out

        for name, what in (("cover", "the cover"), ("contents", "the contents"), ("credits", "the credits"),
                           ("front", "the pages before the first section")):
            numbers = name == "contents"
            if texts(self.base_regions, name, numbers) != texts(self.user_regions, name, numbers):
                self.findings.append(Finding(self.docx_name, None, f"{what} was edited: it is generated "
                                             f"({_SOURCE_OF[name]}), so the edit is not absorbed"))
        strip = lambda ts: [re.sub(r"\d+", "", t) for t in sorted(ts)]
        if strip(self.base.picture.margins) != strip(self.user.margins):
            self.findings.append(Finding(self.docx_name, None, "a header or footer was edited: they are generated "
                                         "(title, topic, classification, page numbers), so the edit is not absorbed"))


_SOURCE_OF = {
    "cover": "from pack.yaml: title, subtitle, date, authors, classification",
    "contents": "from the headings",
    "credits": "from pack.yaml's authors and contributors and each section's contributors",
    "front": "nothing there comes from the sources",
}


def retarget_links(text: str, renamed: dict[str, str]) -> str:
    """`text` with links to `#old` anchors pointing at the new ones (inline links and reference
    definitions)."""
    def inline(match: re.Match) -> str:
        anchor = match.group(2)
        return match.group(1) + "#" + renamed.get(anchor, anchor) + match.group(3)

    text = re.sub(r"(\]\(\s*<?)#([A-Za-z0-9_-]+)(>?[\s)])", inline, text)
    return re.sub(r"(?m)^( {0,3}\[[^\]]+\]:\s*<?)#([A-Za-z0-9_-]+)(>?(?:\s|$))", inline, text)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
