"""Tracked changes in WordprocessingML: accepting or rejecting them in a part's XML tree.

Word records an insertion as `w:ins` around runs, a deletion as `w:del` (its text in
`w:delText`), a move as `w:moveFrom` at the old place and `w:moveTo` at the new one, a new or
removed paragraph break as `w:ins`/`w:del` in the paragraph mark's `w:rPr`, formatting changes as
`w:rPrChange`/`w:pPrChange` holding the old properties, and table rows added or removed as
`w:ins`/`w:del` in `w:trPr`. Accepting keeps the new text; rejecting keeps the old; a move
either way leaves the text in one place only.
"""

from __future__ import annotations

from .read import w

INSERTED = (w("ins"), w("moveTo"))
DELETED = (w("del"), w("moveFrom"))
RANGE_MARKS = tuple(w(t) for t in (
    "moveFromRangeStart", "moveFromRangeEnd", "moveToRangeStart", "moveToRangeEnd",
    "customXmlInsRangeStart", "customXmlInsRangeEnd", "customXmlDelRangeStart", "customXmlDelRangeEnd",
    "customXmlMoveFromRangeStart", "customXmlMoveFromRangeEnd", "customXmlMoveToRangeStart", "customXmlMoveToRangeEnd",
))
PROPERTY_CHANGES = tuple(w(t) for t in (
    "rPrChange", "pPrChange", "sectPrChange", "tblPrChange", "trPrChange", "tcPrChange", "tblGridChange",
    "tblPrExChange", "numberingChange",
))


def resolve(root, accept: bool) -> None:
    """Accept (`accept=True`) or reject every tracked change under `root`, in place."""
    # paragraph marks first: they decide which paragraphs merge, before their runs move about
    for p in list(root.iter(w("p"))):
        rpr = p.find(f"{w('pPr')}/{w('rPr')}")
        if rpr is None:
            continue
        marks = [el for el in rpr if el.tag in INSERTED + DELETED]
        for el in marks:
            rpr.remove(el)
        joined = any(el.tag in (DELETED if accept else INSERTED) for el in marks)
        if joined:
            _join_with_next(p)
    for row in list(root.iter(w("tr"))):
        trpr = row.find(w("trPr"))
        if trpr is None:
            continue
        marks = [el for el in trpr if el.tag in (w("ins"), w("del"))]
        for el in marks:
            trpr.remove(el)
        if any(el.tag == (w("del") if accept else w("ins")) for el in marks) and row.getparent() is not None:
            row.getparent().remove(row)
    for cell_mark in list(root.iter(w("cellIns"), w("cellDel"), w("cellMerge"))):
        cell_mark.getparent().remove(cell_mark)
    for change in list(root.iter(*PROPERTY_CHANGES)):
        holder = change.getparent()
        if holder is None:
            continue
        holder.remove(change)
        if not accept:
            _restore_properties(holder, change)
    for mark in list(root.iter(*RANGE_MARKS)):
        mark.getparent().remove(mark)
    for el in list(root.iter(*INSERTED, *DELETED)):
        parent = el.getparent()
        if parent is None:
            continue
        keep = (el.tag in INSERTED) == accept
        if keep:
            _unwrap(el)
        else:
            parent.remove(el)
    if not accept:
        for tag, new in (("delText", "t"), ("delInstrText", "instrText")):
            for el in root.iter(w(tag)):
                el.tag = w(new)


def _unwrap(el) -> None:
    parent = el.getparent()
    index = parent.index(el)
    for child in reversed(list(el)):
        parent.insert(index, child)
    parent.remove(el)


def _join_with_next(p) -> None:
    """The paragraph's break is gone: its content runs on into the next paragraph (whose
    properties the joined paragraph keeps, as in Word)."""
    following = p.getnext()
    while following is not None and following.tag != w("p"):
        if following.tag in (w("tbl"), w("sectPr")):
            return  # a break before a table cannot be removed: keep the paragraph
        following = following.getnext()
    if following is None:
        return
    content = [child for child in p if child.tag != w("pPr")]
    anchor = following.find(w("pPr"))
    index = 0 if anchor is None else following.index(anchor) + 1
    for child in reversed(content):
        following.insert(index, child)
    p.getparent().remove(p)


def _restore_properties(holder, change) -> None:
    """Rejecting a formatting change: the properties it recorded replace the current ones."""
    old = next(iter(change), None)
    keep = {w("rPr"), w("sectPr"), w("pPrChange"), w("rPrChange")}
    for child in list(holder):
        if child.tag not in keep:
            holder.remove(child)
    if old is not None:
        for child in list(old):
            holder.append(child)
