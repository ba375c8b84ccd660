"""Scripted edits of a DOCX's XML, as a reviewer makes them in Word: for the absorb tests.

Each edit works on the parts of a `Docx` (lxml trees of document.xml, footnotes.xml, their
relationships, [Content_Types].xml) and `Docx.save()` zips them back with every other part
untouched. The edits mimic what Word writes: a retyped word in its own run, a new paragraph
copying its neighbour's properties, a footnote with its reference mark, `w:ins`/`w:del` with an
author and a date, a comment in comments.xml anchored by a range and a reference run.
"""

from __future__ import annotations

import copy
import io
import zipfile

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
NS = {"w": W_NS, "r": R_NS}
RT_COMMENTS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"
RT_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
DATE = "2025-03-02T10:00:00Z"


def w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


class Docx:
    def __init__(self, data: bytes):
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.parts: dict[str, etree._Element] = {}

    def xml(self, name: str):
        if name not in self.parts:
            self.parts[name] = etree.fromstring(self.zip.read(name))
        return self.parts[name]

    @property
    def doc(self):
        return self.xml("word/document.xml")

    @property
    def notes(self):
        return self.xml("word/footnotes.xml")

    def save(self) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            names = self.zip.namelist()
            for name in names:
                if name in self.parts:
                    z.writestr(name, etree.tostring(self.parts[name], xml_declaration=True, encoding="UTF-8", standalone=True))
                else:
                    z.writestr(name, self.zip.read(name))
            for name, root in self.parts.items():
                if name not in names:
                    z.writestr(name, etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))
        return out.getvalue()

    # ------------------------------------------------------------------ finding

    def paragraph(self, contains: str, root=None):
        root = self.doc if root is None else root
        found = [p for p in root.iter(w("p")) if contains in text(p)]
        assert found, f"no paragraph contains {contains!r}"
        return found[0]

    def note_paragraph(self, contains: str):
        return self.paragraph(contains, self.notes)

    def style_id(self, name: str) -> str:
        styles = self.xml("word/styles.xml")
        for style in styles.iter(w("style")):
            n = style.find(w("name"))
            if n is not None and n.get(w("val")).lower() == name.lower():
                return style.get(w("styleId"))
        raise KeyError(name)

    # ------------------------------------------------------------------ edits

    def retype(self, p, old: str, new: str) -> None:
        """Word puts a retyped word in a run of its own (a new editing session)."""
        for t in p.iter(w("t")):
            if t.text and old in t.text:
                run = t.getparent()
                before, after = t.text.split(old, 1)
                t.text = before
                t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                new_run = copy.deepcopy(run)
                new_run.find(w("t")).text = new
                tail_run = copy.deepcopy(run)
                tail_run.find(w("t")).text = after
                run.addnext(new_run)
                new_run.addnext(tail_run)
                return
        raise AssertionError(f"{old!r} not found in one run")

    def add_paragraph_after(self, p, words: str, style: str | None = None):
        new = etree.Element(w("p"))
        ppr = p.find(w("pPr"))
        if ppr is not None:
            new.append(copy.deepcopy(ppr))
        if style is not None:
            new_ppr = new.find(w("pPr"))
            if new_ppr is None:
                new_ppr = etree.SubElement(new, w("pPr"))
                new.insert(0, new_ppr)
            for old in new_ppr.findall(w("numPr")):
                new_ppr.remove(old)
            pstyle = new_ppr.find(w("pStyle"))
            if pstyle is None:
                pstyle = etree.Element(w("pStyle"))
                new_ppr.insert(0, pstyle)
            pstyle.set(w("val"), self.style_id(style))
        new.append(run(words))
        p.addnext(new)
        return new

    def delete(self, element) -> None:
        element.getparent().remove(element)

    def relink(self, p, new_url: str, part: str = "word/document.xml") -> None:
        link = p.find(f".//{w('hyperlink')}")
        rid = link.get(f"{{{R_NS}}}id")
        folder, base = part.rsplit("/", 1)
        rels = self.xml(f"{folder}/_rels/{base}.rels")
        for rel in rels:
            if rel.get("Id") == rid:
                rel.set("Target", new_url)
                return
        raise AssertionError(rid)

    def add_footnote(self, p, after: str, note_text: str) -> None:
        """A new footnote whose mark follows `after` in `p`, as Word inserts one."""
        ids = [int(n.get(w("id"))) for n in self.notes.iter(w("footnote"))]
        new_id = str(max(ids) + 1)
        self.retype(p, after, after)
        # the run holding `after` is now on its own: the mark goes right after it
        target = next(r for r in p.iter(w("r")) if "".join(t.text or "" for t in r.iter(w("t"))) == after)
        mark = etree.Element(w("r"))
        rpr = etree.SubElement(mark, w("rPr"))
        etree.SubElement(rpr, w("rStyle")).set(w("val"), self.note_style_id("call"))
        etree.SubElement(mark, w("footnoteReference")).set(w("id"), new_id)
        target.addnext(mark)
        note = etree.SubElement(self.notes, w("footnote"))
        note.set(w("id"), new_id)
        np_ = etree.SubElement(note, w("p"))
        ppr = etree.SubElement(np_, w("pPr"))
        etree.SubElement(ppr, w("pStyle")).set(w("val"), self.style_id("footnote text"))
        ref = etree.SubElement(np_, w("r"))
        rpr = etree.SubElement(ref, w("rPr"))
        etree.SubElement(rpr, w("rStyle")).set(w("val"), self.note_style_id("call"))
        etree.SubElement(ref, w("footnoteRef"))
        np_.append(run(" " + note_text))

    def note_style_id(self, _kind: str) -> str:
        return self.style_id("footnote reference")

    def cell(self, table_index: int, row: int, col: int):
        table = list(self.doc.iter(w("tbl")))[table_index]
        rows = table.findall(w("tr"))
        return rows[row].findall(w("tc"))[col].find(w("p"))

    def set_text(self, p, words: str) -> None:
        for r in p.findall(w("r")):
            p.remove(r)
        p.append(run(words))

    # tracked changes and comments

    def track_insert(self, p, after: str, words: str, author: str = "Reviewer") -> None:
        self.retype(p, after, after)
        target = next(r for r in p.iter(w("r")) if "".join(t.text or "" for t in r.iter(w("t"))) == after)
        ins = etree.Element(w("ins"), {w("id"): "901", w("author"): author, w("date"): DATE})
        ins.append(run(words))
        target.addnext(ins)

    def track_delete(self, p, words: str, author: str = "Reviewer") -> None:
        self.retype(p, words, words)
        target = next(r for r in p.iter(w("r")) if "".join(t.text or "" for t in r.iter(w("t"))) == words)
        dele = etree.Element(w("del"), {w("id"): "902", w("author"): author, w("date"): DATE})
        target.addprevious(dele)
        dele.append(target)
        for t in target.iter(w("t")):
            t.tag = w("delText")

    def track_move(self, p_from, p_to_after, author: str = "Reviewer") -> None:
        """Move a whole paragraph after another one, as Word records it."""
        moved = copy.deepcopy(p_from)
        for r in list(p_from.findall(w("r"))):
            wrap = etree.Element(w("moveFrom"), {w("id"): "903", w("author"): author, w("date"): DATE})
            r.addprevious(wrap)
            wrap.append(r)
            for t in r.iter(w("t")):
                t.tag = w("delText")
        _mark_paragraph(p_from, "moveFrom", author)
        for r in list(moved.findall(w("r"))):
            wrap = etree.Element(w("moveTo"), {w("id"): "904", w("author"): author, w("date"): DATE})
            r.addprevious(wrap)
            wrap.append(r)
        _mark_paragraph(moved, "moveTo", author)
        p_to_after.addnext(moved)

    def comment(self, p, words: str, author: str = "Reviewer") -> None:
        name = "word/comments.xml"
        if name not in self.parts:
            root = etree.Element(w("comments"), nsmap={"w": W_NS})
            self.parts[name] = root
            rels = self.xml("word/_rels/document.xml.rels")
            etree.SubElement(rels, f"{{{PKG_NS}}}Relationship", Id="rId900", Type=RT_COMMENTS, Target="comments.xml")
            types = self.xml("[Content_Types].xml")
            etree.SubElement(types, f"{{{CT_NS}}}Override", PartName="/word/comments.xml",
                             ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml")
        root = self.parts[name]
        cid = str(len(root))
        comment = etree.SubElement(root, w("comment"), {w("id"): cid, w("author"): author, w("date"): DATE})
        cp = etree.SubElement(comment, w("p"))
        cp.append(run(words))
        ppr = p.find(w("pPr"))
        start = etree.Element(w("commentRangeStart"), {w("id"): cid})
        if ppr is not None:
            ppr.addnext(start)
        else:
            p.insert(0, start)
        p.append(etree.Element(w("commentRangeEnd"), {w("id"): cid}))
        ref = etree.SubElement(p, w("r"))
        etree.SubElement(ref, w("commentReference")).set(w("id"), cid)

    def colour(self, p, words: str, colour: str = "FF0000") -> None:
        self.retype(p, words, words)
        target = next(r for r in p.iter(w("r")) if "".join(t.text or "" for t in r.iter(w("t"))) == words)
        rpr = target.find(w("rPr"))
        if rpr is None:
            rpr = etree.Element(w("rPr"))
            target.insert(0, rpr)
        etree.SubElement(rpr, w("color")).set(w("val"), colour)


def _mark_paragraph(p, kind: str, author: str) -> None:
    ppr = p.find(w("pPr"))
    if ppr is None:
        ppr = etree.Element(w("pPr"))
        p.insert(0, ppr)
    rpr = ppr.find(w("rPr"))
    if rpr is None:
        rpr = etree.SubElement(ppr, w("rPr"))
    etree.SubElement(rpr, w(kind), {w("id"): "905", w("author"): author, w("date"): DATE})


def run(words: str):
    r = etree.Element(w("r"))
    t = etree.SubElement(r, w("t"))
    t.text = words
    t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    return r


def text(p) -> str:
    return "".join(t.text or "" for t in p.iter(w("t")))
