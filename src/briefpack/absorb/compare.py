"""The comparison: which units of the reviewed DOCX are the built ones unchanged, which changed,
which are gone and which are new — per section, and for the footnotes, which note of the review
is which note of the build.

Units are aligned on their signatures (difflib); where a stretch differs, units of the same role
are paired by how alike their words are, so a retyped paragraph is a change, not a deletion and
an insertion. Notes are paired through their calls: the calls of paired units, in order; a note
whose call moved with its paragraph is recognised by its text.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from ..wordml import picture as pic
from .units import NoteUnits, Unit

MIN_LIKENESS = 0.45  # below this, a changed stretch is deletions and insertions
MAX_PAIRING = 250 * 250  # beyond this many comparisons a stretch is paired in order


@dataclass
class Op:
    kind: str  # "keep", "change", "delete", "insert"
    base: Unit | None = None
    user: Unit | None = None
    after: Unit | None = None  # insert: the base unit it follows (None: the region's start)


def align(base: list[Unit], user: list[Unit]) -> list[Op]:
    """Ops in reading order: base units kept, changed or deleted, user units inserted after the
    last base unit before them."""
    ops: list[Op] = []
    matcher = difflib.SequenceMatcher(None, [u.signature for u in base], [u.signature for u in user], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops += [Op("keep", b, u) for b, u in zip(base[i1:i2], user[j1:j2])]
            continue
        pairs = _pair(base[i1:i2], user[j1:j2])
        bi = uj = 0
        for pb, pu in pairs + [(i2 - i1, j2 - j1)]:
            while bi < pb:
                ops.append(Op("delete", base[i1 + bi]))
                bi += 1
            while uj < pu:
                ops.append(Op("insert", user=user[j1 + uj]))
                uj += 1
            if pb < i2 - i1:
                ops.append(Op("change", base[i1 + pb], user[j1 + pu]))
                bi, uj = pb + 1, pu + 1
    last = None
    for op in ops:
        if op.kind == "insert":
            op.after = last  # the last base unit that stays: a new unit never goes into deleted lines
        elif op.kind != "delete":
            last = op.base
    return ops


def compatible(b: Unit, u: Unit) -> bool:
    if b.role != u.role:
        return False
    if b.role in ("heading", "item", "continue"):
        return b.level == u.level and b.kind == u.kind
    if b.role == "row":
        return b.kind == u.kind
    return True


def likeness(b: Unit, u: Unit) -> float:
    """How alike two units' words are, 0 to 1 (by characters for paragraphs of ordinary length)."""
    a, c = " ".join(b.text.split()), " ".join(u.text.split())
    if not a and not c:
        return 1.0
    if len(a) + len(c) > 4000:
        return difflib.SequenceMatcher(None, a.split(), c.split(), autojunk=False).ratio()
    return difflib.SequenceMatcher(None, a, c, autojunk=False).ratio()


def _pair(base: list[Unit], user: list[Unit]) -> list[tuple[int, int]]:
    """Order-keeping pairs (i, j) of compatible units, most alike first (a small LCS)."""
    n, k = len(base), len(user)
    if not n or not k:
        return []
    if n == k and all(compatible(b, u) for b, u in zip(base, user)):
        return [(i, i) for i in range(n)]  # rewritten in place, however much (a retyped cell)
    if n * k > MAX_PAIRING:
        return [(i, i) for i in range(min(n, k)) if compatible(base[i], user[i])]
    score = [[0.0] * (k + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(k - 1, -1, -1):
            best = max(score[i + 1][j], score[i][j + 1])
            if compatible(base[i], user[j]):
                like = likeness(base[i], user[j])
                if like >= MIN_LIKENESS:
                    best = max(best, like + score[i + 1][j + 1])
            score[i][j] = best
    pairs = []
    i = j = 0
    while i < n and j < k:
        if compatible(base[i], user[j]):
            like = likeness(base[i], user[j])
            if like >= MIN_LIKENESS and abs(score[i][j] - (like + score[i + 1][j + 1])) < 1e-9:
                pairs.append((i, j))
                i, j = i + 1, j + 1
                continue
        if score[i + 1][j] >= score[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


# --------------------------------------------------------------------------- notes


def calls(unit: Unit) -> list[pic.NoteCall]:
    inlines = unit.inlines if unit.role != "row" else tuple(i for c in unit.cells for i in c)
    return [i for i in inlines if isinstance(i, pic.NoteCall)]


@dataclass
class NotePairs:
    base_to_user: dict[str, str] = field(default_factory=dict)
    user_to_base: dict[str, str] = field(default_factory=dict)

    def add(self, base_id: str, user_id: str) -> None:
        if base_id in self.base_to_user or user_id in self.user_to_base or not base_id or not user_id:
            return
        self.base_to_user[base_id] = user_id
        self.user_to_base[user_id] = base_id


def pair_notes(ops: list[Op], base_notes: dict[str, NoteUnits], user_notes: dict[str, NoteUnits], pairs: NotePairs) -> None:
    """Pair the notes called from these ops. A kept unit's calls pair in order. In a changed
    unit: first calls to notes whose text is unchanged, then calls with the same words before
    them, then what is left in order (when as many are left on both sides)."""
    def text(units: NoteUnits | None) -> str | None:
        return None if units is None else "\n".join(u.signature for u in units.units)

    for op in ops:
        if op.kind not in ("keep", "change"):
            continue
        b_calls = [c for c in calls(op.base) if not c.repeat]
        u_calls = [c for c in calls(op.user) if not c.repeat]
        if op.kind == "keep":
            for b, u in zip(b_calls, u_calls):
                pairs.add(b.note, u.note)
            continue
        b_free = [c for c in b_calls if c.note not in pairs.base_to_user]
        u_free = [c for c in u_calls if c.note not in pairs.user_to_base]
        for b in list(b_free):
            same = next((u for u in u_free if text(user_notes.get(u.note)) == text(base_notes.get(b.note))), None)
            if same is not None:
                pairs.add(b.note, same.note)
                b_free.remove(b)
                u_free.remove(same)
        b_ctx = dict(zip((c.note for c in b_calls), _call_context_plain(op.base)))
        u_ctx = dict(zip((c.note for c in u_calls), _call_context_plain(op.user)))
        matcher = difflib.SequenceMatcher(None, [b_ctx[c.note] for c in b_free], [u_ctx[c.note] for c in u_free], autojunk=False)
        paired_b, paired_u = set(), set()
        for block in matcher.get_matching_blocks():
            for k in range(block.size):
                b, u = b_free[block.a + k], u_free[block.b + k]
                pairs.add(b.note, u.note)
                paired_b.add(id(b))
                paired_u.add(id(u))
        b_left = [c for c in b_free if id(c) not in paired_b]
        u_left = [c for c in u_free if id(c) not in paired_u]
        if len(b_left) == len(u_left):
            for b, u in zip(b_left, u_left):
                pairs.add(b.note, u.note)


def _call_context_plain(unit: Unit) -> list[str]:
    """For each first call of a unit: the last words between it and the call before it (a call
    added next to another has no words of its own)."""
    out, before = [], ""
    inlines = unit.inlines if unit.role != "row" else tuple(i for c in unit.cells for i in c)
    for node in inlines:
        if isinstance(node, pic.NoteCall):
            if not node.repeat:
                out.append(" ".join(before.split()[-3:]))
            before = ""
        elif isinstance(node, pic.Text):
            before += node.text
    return out


def pair_notes_by_text(base_ids: list[str], user_ids: list[str], base_notes, user_notes, pairs: NotePairs) -> None:
    """A note whose call moved (its paragraph cut and pasted elsewhere) keeps its text."""
    def text(units: NoteUnits) -> str:
        return "\n".join(u.signature for u in units.units)

    free_base = {text(base_notes[b]): b for b in base_ids if b not in pairs.base_to_user and b in base_notes}
    for u in user_ids:
        if u in pairs.user_to_base or u not in user_notes:
            continue
        b = free_base.pop(text(user_notes[u]), None)
        if b is not None:
            pairs.add(b, u)
