"""Keeping each footnote on the page of its call, after WeasyPrint has laid the pack out.

WeasyPrint 70 separates a few notes from their calls. Two causes, measured on stress packs:
1. floating-point noise when it checks whether the footnote area overflows (print.css gives
   the area a bottom padding, which removes this cause);
2. when the second line of a paragraph will not fit at the foot of a page and breaking before
   it would leave an orphan, WeasyPrint makes room by pushing the page's last note to the next
   page — and the notes called in that line are then lost altogether.

So after each layout we look: for every note, the page of its call and the page of the note
(read from the laid-out boxes: footnote-call boxes and the footnote area carry the note's
element). For a separated note we move one block to the next page in the next layout: the
paragraph broken across the page end (the cause-2 case), else the block holding the call.
Sections start on new pages, so fixes in different sections do not disturb each other; within
a section only the first separation is fixed per round, since moving a block reflows all that
follows. Notes that cannot be kept with their call (a note taller than a page) are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Bound on extra layouts; the typical pack needs none or one.
MAX_ROUNDS = 4


@dataclass(frozen=True)
class Separation:
    anchor: str  # the note's id (NoteCall.anchor)
    number: str  # the printed note number
    call_page: int  # 0-based page index of the call
    note_page: int | None  # None: WeasyPrint dropped the note
    chain: str | None  # pages of different chains paginate independently (section id)
    call_block: int | None  # data-b of the block holding the call
    straddling_block: int | None  # data-b of the block broken across call_page → call_page + 1
    note_too_tall: bool  # the note alone fills more than a page: no layout can help

    def describe(self) -> str:
        where = f"page {self.note_page + 1}" if self.note_page is not None else "no page (WeasyPrint dropped it)"
        reason = " (the note is taller than a page)" if self.note_too_tall else ""
        return f"footnote {self.number} is called on page {self.call_page + 1} but printed on {where}{reason}"


def _children(box):
    return getattr(box, "children", None) or ()


def find_separations(document) -> list[Separation]:
    """Every note of `document` (a laid-out WeasyPrint Document) not on the page of its call."""
    call_page: dict[str, int] = {}
    call_info: dict[str, tuple[str | None, int | None]] = {}
    numbers: dict[str, str] = {}
    note_page: dict[str, int] = {}
    note_height: dict[str, float] = {}
    last_line_block: dict[int, int | None] = {}
    blocks_on: dict[int, set[int]] = {}
    page_heights: dict[int, float] = {}
    block_tags: dict[int, str] = {}

    for index, page in enumerate(document.pages):
        page_box = page._page_box
        page_heights[index] = page_box.height
        blocks: set[int] = set()
        blocks_on[index] = blocks
        stack = [(child, None, None, False) for child in reversed(_children(page_box))]
        while stack:
            box, block, chain, in_margin = stack.pop()
            kind = type(box).__name__
            if kind == "FootnoteAreaBox":
                for note in _children(box):
                    element = getattr(note, "element", None)
                    if element is not None and element.get("id"):
                        note_page.setdefault(element.get("id"), index)
                        note_height[element.get("id")] = note.margin_height()
                continue
            if kind == "MarginBox":
                continue
            element = getattr(box, "element", None)
            tag = getattr(box, "element_tag", "") or ""
            if element is not None and "::" not in tag:
                b = element.get("data-b")
                if b is not None:
                    block = int(b)
                    blocks.add(block)
                    block_tags[block] = tag
                if tag == "section" and "section" in (element.get("class") or "").split():
                    chain = element.get("id")
            if tag.endswith("::footnote-call") and element is not None:
                anchor = element.get("id")
                if anchor and anchor not in call_page:
                    call_page[anchor] = index
                    call_info[anchor] = (chain, block)
                    numbers[anchor] = element.get("data-n") or "?"
            if kind == "LineBox":
                last_line_block[index] = block
            for child in reversed(_children(box)):
                stack.append((child, block, chain, in_margin))

    separations = []
    for anchor, page in call_page.items():
        found = note_page.get(anchor)
        if found == page:
            continue
        chain, block = call_info[anchor]
        last = last_line_block.get(page)
        straddling = last if last is not None and last in blocks_on.get(page + 1, ()) else None
        too_tall = anchor in note_height and note_height[anchor] > 0.9 * page_heights.get(page, 0)
        separations.append(
            Separation(
                anchor,
                numbers[anchor],
                page,
                found,
                chain,
                _with_heading(block, block_tags),
                _with_heading(straddling, block_tags),
                too_tall,
            )
        )
    separations.sort(key=lambda s: (s.call_page, s.anchor))
    return separations


def _with_heading(block: int | None, tags: dict[int, str]) -> int | None:
    """The block to break before so that `block` moves with the headings right above it (a break
    before the paragraph alone would strand its heading at the foot of the page). Blocks are
    numbered in reading order, so the block before `block` is `block - 1`."""
    if block is None:
        return None
    while tags.get(block - 1, "") in ("h2", "h3", "h4", "h5", "h6"):
        block -= 1
    return block


def plan_page_breaks(separations: list[Separation], breaks: frozenset[int]) -> tuple[frozenset[int], list[Separation]]:
    """The blocks to start on a new page in the next layout (`breaks` plus at most one new one per
    chain), and the separations no new break can help."""
    new = set(breaks)
    hopeless: list[Separation] = []
    fixed_chains: set[str | None] = set()
    for sep in separations:
        if sep.note_too_tall:
            hopeless.append(sep)
            continue
        if sep.chain in fixed_chains:
            continue  # its layout will change anyway once the earlier fix reflows the section
        target = next(
            (b for b in (sep.straddling_block, sep.call_block) if b is not None and b not in new),
            None,
        )
        if target is None:
            hopeless.append(sep)
            continue
        new.add(target)
        fixed_chains.add(sep.chain)
    return frozenset(new), hopeless
