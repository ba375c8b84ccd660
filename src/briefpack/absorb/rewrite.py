"""One section file rewritten from the comparison of its part of the DOCX: changed blocks edited
word by word, deleted blocks (and lists, quotes, notes left empty) taken out, new blocks written
where they stand in the DOCX, the title edited in the front matter, notes kept, edited, dropped
or added under labels in the file's own style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .. import model as m
from ..wordml import picture as pic
from .compare import NotePairs, Op, align, calls
from .markdown_edit import (
    Editor, Unplaceable, heading_line, is_ordered, item_marker, new_paragraph_lines, next_marker,
)
from .markdown_write import Node, hidden_links, map_position, plain, render, safe_line_start, transfer, tree, wrap, wrap_range
from .source import SourceFile
from .units import NoteUnits, Region, Unit
from .yaml_edit import YamlEditProblem, replace_scalar


@dataclass
class Finding:
    """Something the report tells the user, at a line of a source file (or of the DOCX)."""

    path: str
    line: int | None
    message: str
    severity: str = "warning"  # "warning", "error", "comment", "info"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class Labels:
    """The footnote labels of one file: the build's notes by their id in the base DOCX, and the
    review's notes (paired with a build note, or new) by their id in the reviewed DOCX."""

    base: dict[str, str] = field(default_factory=dict)  # base note id → label
    user: dict[str, str] = field(default_factory=dict)  # user note id → label
    taken: set[str] = field(default_factory=set)
    style: str = "number"

    def new(self, user_id: str, text: str) -> str:
        if user_id in self.user:
            return self.user[user_id]
        if self.style == "number":
            numbers = [int(t) for t in self.taken if t.isdigit()]
            label = str(max(numbers, default=0) + 1)
        else:
            words = re.findall(r"[a-z0-9]+", text.lower())
            stem = next((w_ for w_ in words if len(w_) > 3 and not w_.isdigit()), "note")[:12]
            label, n = stem, 2
            while label in self.taken:
                label, n = f"{stem}{n}", n + 1
        self.taken.add(label)
        self.user[user_id] = label
        return label


class SectionRewrite:
    def __init__(self, source: SourceFile, base: Region, user: Region, base_notes: dict[str, NoteUnits],
                 user_notes: dict[str, NoteUnits], pairs: NotePairs, labels: Labels, bookmarks: dict[str, str],
                 fresh: set[int], findings: list[Finding], anchors: frozenset[str] = frozenset()):
        self.source = source
        self.base, self.user = base, user
        self.base_notes, self.user_notes = base_notes, user_notes
        self.pairs, self.labels = pairs, labels
        self.bookmarks = bookmarks
        self.anchors = anchors  # the edition's anchors: links to others are printed as plain text
        self.fresh = fresh  # ids of base units to write afresh (word-by-word editing failed the check)
        self.findings = findings
        self.editor = Editor(source)
        self.ops: list[Op] = []
        self.note_ops: dict[str, list[Op]] = {}
        self.line_of: dict[int, int] = {}  # id(user unit) → 1-based source line it went to
        self.skipped: set[int] = set()  # ids of user units not (wholly) absorbed, and reported
        self.moved: dict[str, list[Unit]] = {}  # deleted base units by signature: a new unit equal to one was moved
        self.retargeted: set[int] = set()  # reference definitions given a new address

    # ------------------------------------------------------------------ helpers

    @property
    def habits(self):
        return self.source.habits

    def anchor_of(self, target: str) -> str:
        if target.startswith("#"):
            return "#" + self.bookmarks.get(target[1:], target[1:])
        return target

    def base_label(self, call: pic.NoteCall) -> str:
        return self.labels.base.get(call.note, "?")

    def user_label(self, call: pic.NoteCall) -> str:
        if not call.note:
            raise Unplaceable(self.source.body_start + 1, "a cross-reference to a footnote points to a note whose "
                              "first call was deleted: delete the cross-reference, or keep the first call")
        base_id = self.pairs.user_to_base.get(call.note)
        if base_id is not None and base_id in self.labels.base:
            return self.labels.base[base_id]
        if call.note in self.labels.user:
            return self.labels.user[call.note]
        units = self.user_notes.get(call.note)
        return self.labels.new(call.note, " ".join(u.text for u in units.units) if units else "")

    def hidden(self, target: str) -> bool:
        """A link the edition prints as plain text: into a section the pack leaves out."""
        return target.startswith("#") and target[1:] not in self.anchors

    def base_tree(self, inlines, source_nodes: list[Node] | None) -> list[Node]:
        nodes = tree(inlines, self.base_label, lambda i, d: None, self.anchor_of)
        if source_nodes is not None:
            nodes = self._graft(source_nodes, nodes)
            transfer(source_nodes, nodes)
        return nodes

    def user_tree(self, inlines, base_nodes: list[Node] | None, where: int | None, unit: Unit | None = None) -> list[Node]:
        nodes = tree(inlines, self.user_label, lambda i, d: None, self.anchor_of)
        if base_nodes is not None:
            nodes = self._graft(base_nodes, nodes, where)
            transfer(base_nodes, nodes)
        self._drop_new_pictures(nodes, where, unit)
        return nodes

    def _graft(self, old: list[Node], new: list[Node], where: int | None = None) -> list[Node]:
        """Put back around the same words the links `old` has that the DOCX does not show (into
        sections this edition leaves out), so that editing near them does not lose them."""
        links = hidden_links(old, self.hidden)
        if not links:
            return new
        old_text, new_text = plain(old), plain(new)
        for start, end, link in reversed(links):
            a = map_position(old_text, new_text, start, end=False)
            b = map_position(old_text, new_text, end, end=True)
            wrapped = wrap_range(new, a, b, lambda children, link=link: Node(
                "link", children=children, target=link.target, title=link.title, label=link.label,
                markup=link.markup)) if a is not None and b is not None and a < b else None
            if wrapped is None:
                self.findings.append(Finding(self.source.path, where, f"the link to {link.target} (a section this "
                                             "pack leaves out) was in words that were rewritten: it is dropped; "
                                             "put it back by hand if it should stay"))
                continue
            new = wrapped
        return new

    def _drop_new_pictures(self, nodes: list[Node], where: int | None, unit: Unit | None) -> None:
        for node in list(nodes):
            if node.kind == "image" and not node.target:
                nodes.remove(node)
                if unit is not None:
                    self.skipped.add(id(unit))
                self.findings.append(Finding(self.source.path, where, "a picture was inserted in the DOCX: "
                                             "pictures are not taken out of a DOCX; save it into the sources folder and "
                                             "add it as ![description](images/file.png)"))
            elif node.children:
                self._drop_new_pictures(node.children, where, unit)

    def line(self, unit: Unit | None) -> int:
        return unit_line(unit, self.source.body_start)

    # ------------------------------------------------------------------ the whole file

    def run(self) -> str:
        self.title()
        self.ops = align(self.base.units[1:], self.user.units[1:])
        self.apply(self.ops)
        self.notes()
        return self.editor.result()

    def title(self) -> None:
        base_title = " ".join(self.base.units[0].text.split()) if self.base.units else ""
        user_title = " ".join(self.user.units[0].text.split()) if self.user.units else ""
        if base_title == user_title or not user_title:
            return
        lines = self.source.lines
        end = self.source.body_start - 1
        offset = len(lines[0]) + 1
        stop = sum(len(l) + 1 for l in lines[:end])
        try:
            text = replace_scalar(self.source.text, "title", user_title, offset, stop)
        except YamlEditProblem as exc:
            raise Unplaceable(2, f"the section title changed to '{user_title}' but {exc}") from None
        new_lines = text.split("\n")
        changed = [i for i in range(min(len(lines), len(new_lines))) if lines[i] != new_lines[i]]
        if changed:
            first, last = changed[0], changed[-1]
            self.editor.replace(first, last + 1, new_lines[first:last + 1 + len(new_lines) - len(lines)])

    def apply(self, ops: list[Op], note: m.Footnote | None = None) -> None:
        generated = [op for op in ops if op.base is not None and op.base.origin and op.base.origin[2] == "generated"]
        for op in generated:  # the note that a section is not translated: the build writes it
            if op.user is not None:
                self.skipped.add(id(op.user))
            if op.kind != "keep":
                self.findings.append(Finding(self.source.path, self.line(op.base), "the note that this section is "
                                             "not translated yet is written by briefpack: the edit is not absorbed"))
        ops = [op for op in ops if op not in generated]
        deleted = [op.base for op in ops if op.kind == "delete"]
        if note is None:
            for unit in deleted:
                self.moved.setdefault(unit.signature, []).append(unit)
        for op in ops:
            if op.kind == "change":
                self.change(op.base, op.user)
        self.delete(deleted, note)
        self.insert([op for op in ops if op.kind == "insert"], note)

    # ------------------------------------------------------------------ changes

    def change(self, b: Unit, u: Unit) -> None:
        section, node, role = b.origin
        fresh = id(b) in self.fresh
        where = self.line(b)
        if role == "row":
            table, r = node
            leaf = self.source.leaf(table, "row", r)
            if leaf is None:
                raise Unplaceable(where, "this table row cannot be found in the file as written")
            old_cells, new_cells = [], []
            for k, cell in enumerate(b.cells):
                source_nodes = self.source.nodes(leaf.cell_contents[k]) if k < len(leaf.cell_contents) else None
                old = self.base_tree(cell, source_nodes)
                old_cells.append(old)
                new_cells.append(self.user_tree(u.cells[k], old, where, u) if k < len(u.cells) else [])
            if len(u.cells) > len(b.cells):
                raise Unplaceable(where, "a table row gained cells: columns cannot be added to a Markdown table from Word")
            for k in range(len(u.cells), len(b.cells)):
                new_cells[k] = []
            self.editor.change_row(leaf, old_cells, new_cells)
            return
        if isinstance(node, m.CodeBlock):
            self.change_code(node, u)
            return
        if isinstance(node, m.ThematicBreak) or role == "marker":
            return
        leaf = self.source.leaf(node, role)
        if leaf is None:
            raise Unplaceable(where, "this block cannot be found in the file as written (unusual indentation?)")
        source_nodes = self.source.nodes(leaf.content)
        if isinstance(node, m.Figure):
            old = source_nodes
            image = next((n for n in source_nodes if n.kind == "image"), None)
            caption = " ".join(pic.plain(i for i in u.inlines if not isinstance(i, pic.Drawing)).split())
            has_picture = any(isinstance(i, pic.Drawing) for i in u.inlines)
            if image is None:
                raise Unplaceable(where, "this figure cannot be found in the file as written")
            if not has_picture:
                self.findings.append(Finding(self.source.path, where, "the picture was deleted but its caption kept: "
                                             "the figure stays; delete its caption too to delete it"))
            new = [Node("image", text=caption, target=image.target, title=image.title, markup=image.markup)]
            if new[0].text == image.text:
                return
            self.editor.change_inline(leaf, old, new, fresh)
            return
        old = self.base_tree(b.inlines, source_nodes)
        new = self.user_tree(u.inlines, old, where, u)
        self.retarget_references(new)
        if not new:
            self.delete([b], None)
            return
        self.editor.change_inline(leaf, old, new, fresh)

    def retarget_references(self, nodes: list[Node]) -> None:
        """A reference link whose target changed keeps its form when its definition serves it
        alone: the definition gets the new address. (Shared definitions stay; the link becomes
        an inline link.)"""
        for node in nodes:
            if node.kind == "link" and node.markup.endswith(":retarget") and node.label:
                line = self.source.definition_line(node.label)
                uses = sum(len(re.findall(r"\[" + re.escape(node.label) + r"\]", text, re.I))
                           for k, text in enumerate(self.source.lines[self.source.body_start:], self.source.body_start)
                           if k != line)
                match = re.match(r"^( {0,3}\[[^\]]+\]:\s*)(<[^>]*>|\S+)(.*)$", self.source.lines[line]) \
                    if line is not None else None
                if uses == 1 and match and line not in self.retargeted:
                    self.retargeted.add(line)
                    rest = match.group(3) if (node.title or None) == self._definition_title(node.label) else \
                        (f' "{node.title}"' if node.title else "")
                    destination = f"<{node.target}>" if re.search(r"[\s<>]", node.target) else node.target
                    self.editor.replace(line, line + 1, [match.group(1) + destination + rest])
                    node.markup = node.markup[: -len(":retarget")]
            if node.children:
                self.retarget_references(node.children)

    def _definition_title(self, label: str) -> str | None:
        ref = self.source.env.get("references", {}).get(re.sub(r"\s+", " ", label.strip()).upper())
        return (ref or {}).get("title") or None

    def change_code(self, node: m.CodeBlock, u: Unit) -> None:
        first, end = self.source.lines_of(node)
        lines = self.source.lines[first:end]
        text = pic.plain(u.inlines)
        new_lines = text.split("\n")
        fence = re.match(r"^(\s*)(`{3,}|~{3,})", lines[0]) if lines else None
        if fence:
            indent = fence.group(1)
            closing = end - 1 if len(lines) > 1 and re.match(r"^\s*(`{3,}|~{3,})\s*$", lines[-1]) else end
            body = [indent + line if line else line for line in new_lines]
            self.editor.replace(first + 1, closing, body)
        else:
            self.editor.replace(first, end, ["    " + line if line else "" for line in new_lines])

    # ------------------------------------------------------------------ deletions

    def delete(self, units: list[Unit], note: m.Footnote | None) -> None:
        if not units:
            return
        gone = {id(u) for u in units}
        # the units of each container (lists, items, quotes, tables), to delete a container whole
        members: dict[int, list[Unit]] = {}
        nodes: dict[int, object] = {}
        for unit in self._all_base_units(note):
            if unit.origin is None:
                continue
            section, node, role = unit.origin
            holders = list(self.source.chain(node if role != "row" else node[0]))
            if role == "row":
                holders.append(node[0])
            for holder in holders:
                if isinstance(holder, m.Footnote):
                    continue
                members.setdefault(id(holder), []).append(unit)
                nodes[id(holder)] = holder
        whole = {h for h, us in members.items() if all(id(x) in gone for x in us)}
        done: set[int] = set()
        for unit in units:
            section, node, role = unit.origin
            holders = list(self.source.chain(node if role != "row" else node[0]))
            if role == "row":
                holders.append(node[0])
            outer = next((h for h in holders if id(h) in whole), None)
            if outer is not None:
                if id(outer) in done:
                    continue
                done.add(id(outer))
                first, end = self.source.lines_of(outer)
                self.editor.delete_lines(first, end)
                continue
            if role == "row":
                table, r = node
                if r == 0:
                    raise Unplaceable(self.line(unit), "a table's header row cannot be deleted on its own")
                index = table.row_lines[r] - 1
                self.editor.delete_lines(index, index + 1, blank_around=False)
                continue
            if role == "marker" or isinstance(node, m.ThematicBreak) or isinstance(node, m.CodeBlock) or \
                    isinstance(node, (m.Paragraph, m.Heading, m.Figure)):
                item = next((h for h in reversed(holders) if isinstance(h, m.ListItem)), None)
                if item is not None and item.children and item.children[0] is node:
                    raise Unplaceable(self.line(unit), "the first paragraph of a list item was deleted but "
                                      "not what is nested under it: delete or keep the item whole")
                first, end = self.source.lines_of(node) if role != "marker" else (node.span[0] - 1, node.span[0])
                self.editor.delete_lines(first, end)

    def _all_base_units(self, note: m.Footnote | None) -> list[Unit]:
        if note is None:
            return self.base.units[1:]
        for units in self.base_notes.values():
            if units.origin is not None and units.origin[1] is note:
                return units.units
        return []

    # ------------------------------------------------------------------ insertions

    def insert(self, ops: list[Op], note: m.Footnote | None) -> None:
        groups: list[tuple[Unit | None, list[Unit]]] = []
        for op in ops:
            if groups and groups[-1][0] is op.after:
                groups[-1][1].append(op.user)
            else:
                groups.append((op.after, [op.user]))
        for after, units in groups:
            self.insert_after(after, units, note)

    def insert_after(self, after: Unit | None, units: list[Unit], note: m.Footnote | None) -> None:
        src = self.source
        if after is None:
            if note is not None:
                raise Unplaceable(note.line, "a paragraph was added before a note's first paragraph: "
                                  "add it to the note's text in the sources by hand")
            at, context = src.body_start, []
            while at < len(src.lines) and not src.lines[at].strip():
                at += 1
            anchor_node, anchor_role = None, "block"
        else:
            section, anchor_node, anchor_role = after.origin
            at, context = self._after(after)
        blocks: list[tuple[list[str], bool]] = []  # (lines, joins the line before without a blank)
        state = {"context": context, "prev": after, "last_item": None}
        for unit in units:
            lines, joins = self.new_block(unit, state, note)
            self.line_of[id(unit)] = at + 1
            if lines:
                blocks.append((lines, joins))
        if not blocks:
            return
        out: list[str] = []
        for k, (lines, joins) in enumerate(blocks):
            if k == 0:
                if not joins and at > src.body_start and src.lines[at - 1].strip():
                    out.append("")
            elif not joins:
                out.append("")
            out.extend(lines)
        last_joins_next = blocks[-1][1] and at < len(src.lines) and self._continues(at, blocks[-1][0])
        if at < len(src.lines) and src.lines[at].strip() and not last_joins_next:
            out.append("")
        src_edit_at = at
        self.editor.replace(src_edit_at, src_edit_at, out)

    def _continues(self, at: int, lines: list[str]) -> bool:
        """Whether the line at `at` carries on the structure the new lines end with (the next
        item of the same list, the next row of a table)."""
        following = self.source.lines[at]
        if lines and lines[-1].lstrip().startswith("|"):
            return following.lstrip().startswith("|")
        mine, theirs = item_marker(lines[0]), item_marker(following)
        return mine is not None and theirs is not None and len(theirs[0]) >= len(mine[0])

    def _after(self, unit: Unit) -> tuple[int, list]:
        """The line after a base unit's own lines, and its containers."""
        section, node, role = unit.origin
        if role == "row":
            table, r = node
            index = table.row_lines[r] - 1
            return (index + 2 if r == 0 else index + 1), list(self.source.chain(table)) + [table]
        if role == "marker":
            return node.span[0], list(self.source.chain(node)) + [node]
        first, end = self.source.lines_of(node)
        return end, list(self.source.chain(node))

    def new_block(self, unit: Unit, state: dict, note: m.Footnote | None) -> tuple[list[str], bool]:
        """The lines of a new unit and whether it joins the line before without a blank line."""
        where = self.line(state["prev"]) if state["prev"] is not None else self.source.body_start + 1
        context = state["context"]
        role = unit.role
        nodes = self.user_tree(unit.inlines, None, where, unit) if role != "row" else None
        if role in ("body", "quote", "continue", "heading", "item") and not nodes:
            return [], False
        quote = next((c for c in context if isinstance(c, m.BlockQuote)), None)
        if note is not None and role in ("body", "quote", "continue"):
            indent = _note_indent(self.source, note)
            return new_paragraph_lines(nodes, self.habits, indent, indent), False
        if role in ("heading", "body") and note is None:
            moved = self.moved_lines(unit)
            if moved is not None:
                state["context"] = []
                return moved, False
        if role == "heading":
            return [heading_line(unit.level, render(nodes, self.habits))], False
        if role == "body" or (role == "continue" and not any(isinstance(c, m.ListItem) for c in context)):
            state["context"] = []
            return new_paragraph_lines(nodes, self.habits, "", ""), False
        if role == "quote":
            if quote is not None and context and context[-1] is quote:
                prefix = _quote_prefix(self.source, quote)
                lines = new_paragraph_lines(nodes, self.habits, prefix, prefix)
                return [prefix.rstrip()] + lines, True
            return new_paragraph_lines(nodes, self.habits, "> ", "> "), False
        if role == "continue":
            item = next(c for c in reversed(context) if isinstance(c, m.ListItem))
            marker = item_marker(self.source.lines[item.span[0] - 1])
            indent = " " * (marker[2] if marker else 4)
            return new_paragraph_lines(nodes, self.habits, indent, indent), False
        if role == "item":
            return self.new_item(unit, nodes, state)
        if role == "code":
            fence = self.habits.fence
            return [fence] + pic.plain(unit.inlines).split("\n") + [fence], False
        if role == "hr":
            return [self.habits.rule], False
        if role == "row":
            table = next((c for c in reversed(context) if isinstance(c, m.Table)), None)
            cells = [render(self.user_tree(cell, None, where, unit), self.habits).replace("|", "\\|") for cell in unit.cells]
            if table is None:
                raise Unplaceable(where, "a new table was added: write it in the sources by hand "
                                  "(absorb adds rows to existing tables only)")
            columns = max(len(table.header), 1)
            if len(cells) > columns:
                raise Unplaceable(where, "a new table row has more cells than the table has columns")
            cells += [""] * (columns - len(cells))
            return ["| " + " | ".join(cells) + " |"], True
        if role == "figure":
            self.skipped.add(id(unit))
            self.findings.append(Finding(self.source.path, where, "a figure was added in the DOCX: pictures are not "
                                         "taken out of a DOCX; add it to the sources as ![caption](images/file.png)"))
            return [], False
        self.skipped.add(id(unit))
        self.findings.append(Finding(self.source.path, where, f"a new '{role}' paragraph cannot be written as Markdown: left out"))
        return [], False

    def moved_lines(self, unit: Unit) -> list[str] | None:
        """The lines of a top-level paragraph or heading the review moved here, as they stood."""
        for base in self.moved.get(unit.signature, []):
            section, node, role = base.origin
            if self.source.chain(node) or not isinstance(node, (m.Paragraph, m.Heading)):
                continue
            if [self.base_label(c) for c in calls(base)] != [self.user_label(c) for c in calls(unit)]:
                continue
            self.moved[unit.signature].remove(base)
            first, end = self.source.lines_of(node)
            return self.source.lines[first:end]
        return None

    def new_item(self, unit: Unit, nodes: list[Node], state: dict) -> tuple[list[str], bool]:
        """A new list item: a sibling of the item at its level around the anchor, or the first
        item of a new list nested one level deeper, or of a new list."""
        context = state["context"]
        items = [c for c in context if isinstance(c, m.ListItem)]
        level = min(unit.level, len(items))
        text = render(nodes, self.habits)
        if level < len(items):
            sibling = items[level]
            lists = [c for c in context if isinstance(c, (m.BulletList, m.OrderedList))]
            kind_ok = isinstance(lists[level], m.OrderedList) == (unit.kind == "ordered")
            marker = state["last_item"] if state["last_item"] and state["last_item"][0] == level else None
            found = item_marker(self.source.lines[sibling.span[0] - 1])
            if found is None:
                raise Unplaceable(sibling.span[0], "this list item's marker cannot be read")
            indent, old_marker, column = found
            lazy = is_ordered(old_marker) and len({item_marker(self.source.lines[i.span[0] - 1])[1]
                                                   for i in lists[level].items if item_marker(self.source.lines[i.span[0] - 1])}) == 1 \
                and len(lists[level].items) > 1
            if marker is not None:
                new_marker = marker[1] if lazy else next_marker(marker[1])
            elif kind_ok:
                new_marker = old_marker if lazy else next_marker(old_marker)
            else:
                new_marker = "1." if unit.kind == "ordered" else self.habits.bullet
            loose = not lists[level].tight
            state["last_item"] = (level, new_marker)
            state["context"] = context[: context.index(sibling)] + [sibling]
            first = indent + new_marker + " "
            lines = wrap(safe_line_start(text), self.habits.width, first, " " * len(first))
            return lines, not loose and kind_ok
        # one level deeper than the anchor's item (or a new list)
        if items:
            parent = items[-1]
            found = item_marker(self.source.lines[parent.span[0] - 1])
            indent = " " * (found[2] if found else 4)
        else:
            indent = ""
        new_marker = "1." if unit.kind == "ordered" else self.habits.bullet
        if unit.kind == "ordered" and self.habits.ordered == ")":
            new_marker = "1)"
        state["last_item"] = (level, new_marker)
        first = indent + new_marker + " "
        lines = wrap(safe_line_start(text), self.habits.width, first, " " * len(first))
        return lines, bool(items)

    # ------------------------------------------------------------------ notes

    def notes(self) -> None:
        """Notes of this file: paired ones compared paragraph by paragraph, unpaired build notes
        dropped (their calls are gone), new notes of the review added with new labels."""
        section = self.source.section
        deleted_spans = []
        for base_id, units in self.base_notes.items():
            note = units.origin[1] if units.origin else None
            if note is None:
                continue
            user_id = self.pairs.base_to_user.get(base_id)
            if user_id is None:
                first, end = self.source.lines_of(note)
                deleted_spans.append((first, end))
                continue
            user_units = self.user_notes.get(user_id)
            if user_units is None:
                continue
            ops = align(units.units, user_units.units)
            self.note_ops[base_id] = ops
            if any(op.kind != "keep" for op in ops):
                if any(op.kind == "delete" and op.base is units.units[0] for op in ops):
                    self.rewrite_note(note, user_units)
                else:
                    self.apply(ops, note)
        for first, end in deleted_spans:
            self.editor.delete_lines(first, end)
        new = []
        for unit in self.user.units[1:]:
            for call in calls(unit):
                if not call.repeat and call.note not in self.pairs.user_to_base and call.note in self.user_notes \
                        and call.note not in [n for n, _ in new]:
                    new.append((call.note, self.user_label(call)))
        if not new:
            return
        lines = []
        for user_id, label in new:
            lines.append("")
            lines.extend(self.note_lines(label, self.user_notes[user_id]))
        notes = [n for n in section.footnotes.values() if n.span] if section else []
        if notes:
            at = max(self.source.lines_of(n)[1] for n in notes)
        else:
            at = len(self.source.lines)
            while at > 0 and not self.source.lines[at - 1].strip():
                at -= 1
        if at < len(self.source.lines) and self.source.lines[at].strip():
            lines.append("")
        self.editor.replace(at, at, lines)

    def note_lines(self, label: str, units: NoteUnits) -> list[str]:
        out: list[str] = []
        indent = "    "
        for k, unit in enumerate(units.units):
            nodes = self.user_tree(unit.inlines, None, None)
            if k:
                out.append("")
            first = f"[^{label}]: " if k == 0 else indent
            out.extend(new_paragraph_lines(nodes, self.habits, first, indent))
        if not out:
            out.append(f"[^{label}]: ")
        return out

    def rewrite_note(self, note: m.Footnote, units: NoteUnits) -> None:
        first, end = self.source.lines_of(note)
        self.editor.replace(first, end, self.note_lines(note.label, units))


def unit_line(unit: Unit | None, body_start: int) -> int:
    """1-based line in the base text where a base unit's block starts (the body's first line
    for none)."""
    if unit is None or unit.origin is None:
        return body_start + 1
    section, node, role = unit.origin
    if role == "row":
        table, r = node
        return table.row_lines[r] if r < len(table.row_lines) else table.span[0]
    if role == "title":
        return 2
    if role == "note":
        return node.span[0] if node.span else node.line
    if getattr(node, "span", None):
        return node.span[0]
    return body_start + 1


def _note_indent(source: SourceFile, note: m.Footnote) -> str:
    first, end = source.lines_of(note)
    for line in source.lines[first + 1:end]:
        if line.strip():
            return line[: len(line) - len(line.lstrip())]
    return "    "


def _quote_prefix(source: SourceFile, quote: m.BlockQuote) -> str:
    first, end = source.lines_of(quote)
    line = source.lines[first]
    match = re.match(r"^(\s*>\s?)", line)
    return match.group(1) if match else "> "
