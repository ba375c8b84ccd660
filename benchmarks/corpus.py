"""Generated benchmark packs: seeded, policy-brief-like English prose in briefpack's source format.

`write_pack(folder, pages, seed)` writes `pack.yaml` and `sections/*.md` sized to come out near
`pages` A4 pages in the house style; `pandoc_markdown(folder)` turns the same sections into the one
document pandoc reads (section titles as `#` headings, footnote labels made unique per section
because pandoc's labels are document-wide). No network, no model: sentences are assembled from a
fixed vocabulary by a `random.Random(seed)`, so every run compares the same text.

Each section (~4 pages, `topics: all`) holds `##`/`###` headings, paragraphs with emphasis, inline
links and several footnote calls per page (some notes two paragraphs long, with links), GFM
tables, nested ordered and bullet lists and block quotes. `footnote_heavy=True` writes the same
kind of text with a note on every sentence of every paragraph (a legal brief's density: 15–20
notes a page), to compare the cost of a page of notes with a plain one.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

# Calibrated against the house style (A4, 10 pt): words of body text and notes per printed page.
# Each section starts a new page, so its last page is on average half empty.
WORDS_PER_PAGE = 455
PAGES_PER_SECTION = 4
FRONT_AND_BACK_PAGES = 3  # cover, contents, credits (contents grows with the number of sections)

ACTORS = [
    "Member States", "the Secretariat", "the Council", "delegations", "regional groups",
    "the Working Group", "developing countries", "Sector Members", "the Plenipotentiary Conference",
    "the Standardization Bureau", "civil society organizations", "the private sector",
    "the Radiocommunication Sector", "the Development Sector", "national regulators",
]
MODALS = ["should", "may wish to", "will be expected to", "will be invited to", "could", "must"]
VERBS = [
    "consider", "support", "resist changes to", "review", "strengthen", "clarify", "monitor",
    "oppose any extension of", "coordinate positions on", "propose amendments to", "welcome",
    "reaffirm", "seek clarification on", "negotiate", "defend the current wording of",
]
OBJECTS = [
    "the definition of cybersecurity", "Resolution 130", "Resolution 101", "Resolution 102",
    "the role of the Union in Internet governance", "capacity-building programmes",
    "the financial plan for 2016–2019", "spectrum allocation procedures",
    "the International Telecommunication Regulations", "the Strategic Plan",
    "the mandate of the Council Working Group", "access to documents",
    "the participation of non-governmental stakeholders", "measures against the misuse of numbering",
    "confidence and security in the use of ICTs", "the work programme of Study Group 17",
    "the budget for regional presence", "the protection of children online",
    "cooperation with other intergovernmental organizations", "the elected officials' terms",
]
QUALIFIERS = [
    "before the Conference opens", "in line with the Strategic Plan",
    "without expanding the mandate of the Union", "in close consultation with regional organizations",
    "within existing budgetary resources", "as agreed at the last Conference",
    "while respecting the sovereign rights of Member States", "on the basis of consensus",
    "so that the text remains technology-neutral", "in the plenary and in the committees",
    "during the preparatory meetings", "taking into account the views of all stakeholders",
]
OPENERS = [
    "However,", "In practice,", "As a result,", "At the last Conference,", "In this context,",
    "For this reason,", "By contrast,", "In recent years,", "At the same time,", "In particular,",
]
CLAUSES = [
    "the text in force leaves this question to national law",
    "several proposals have already been tabled by regional groups",
    "the outcome will shape the work of the Union for the next four years",
    "a compromise may emerge late in the negotiations",
    "the Secretariat has published a report on implementation",
    "the debate is likely to be technical rather than political",
    "many delegations regard the current balance as fragile",
    "the language agreed in 2010 was the result of long negotiations",
    "any change would have consequences for the other Sectors",
]
TOPICS = [
    "Cybersecurity", "Internet governance", "Spectrum management", "Financial plan",
    "Strategic plan", "Elections", "Constitution and Convention", "Development assistance",
    "Standardization", "Conformance and interoperability", "Child online protection",
    "Accessibility", "Emergency telecommunications", "Numbering resources", "Satellite orbits",
    "Regional presence", "Gender equality", "Climate change and ICTs", "Membership fees",
    "Working methods",
]
ASPECTS = [
    "background", "proposals on the table", "positions of regional groups", "options for delegations",
    "history of the text", "implementation report", "budgetary implications", "legal questions",
    "links with other resolutions", "recommended position",
]
LINK_TARGETS = [
    "https://www.itu.int/en/plenipotentiary/2014/Pages/default.aspx",
    "https://www.itu.int/pub/S-CONF-PLEN-2011",
    "https://www.itu.int/en/council/Pages/default.aspx",
    "https://www.itu.int/rec/T-REC-X.1205-200804-I",
    "https://www.publicknowledge.org/issues/internet-governance/",
    "https://www.intgovforum.org/multilingual/",
    "https://www.itu.int/en/ITU-D/Cybersecurity/Pages/default.aspx",
]
PEOPLE = ["Ana Ribeiro", "Jonas Berg", "Mariam Haddad", "Tomás Ortega", "Li Wen", "Grace Mwangi"]
CITIES = ["Guadalajara", "Antalya", "Marrakesh", "Minneapolis", "Busan", "Kyoto"]


class Writer:
    """Builds one section's Markdown block by block, counting words against a budget."""

    def __init__(self, rng: random.Random, footnote_heavy: bool = False):
        self.rng = rng
        self.footnote_heavy = footnote_heavy
        self.words = 0
        self.notes: list[str] = []

    # -- inline text -------------------------------------------------------------------------

    def sentence(self, *, links: bool = True) -> str:
        r = self.rng
        obj = r.choice(OBJECTS)
        if r.random() < 0.15:
            obj = f"*{obj}*"
        elif links and r.random() < 0.08:
            obj = f"[{obj}]({r.choice(LINK_TARGETS)})"
        main = f"{r.choice(ACTORS)} {r.choice(MODALS)} {r.choice(VERBS)} {obj} {r.choice(QUALIFIERS)}"
        if r.random() < 0.4:
            main = f"{r.choice(OPENERS)} {main}"
        if r.random() < 0.35:
            main += f", since {r.choice(CLAUSES)}"
        if r.random() < 0.05:
            main += f" (see **Resolution {r.randint(1, 200)}**)"
        return main[0].upper() + main[1:] + "."

    def text(self, sentences: int, *, links: bool = True) -> str:
        return " ".join(self.sentence(links=links) for _ in range(sentences))

    def note_call(self) -> str:
        """A call to a new note; the note body is written at the end of the section."""
        r = self.rng
        label = f"n{len(self.notes) + 1}"
        year = r.choice([2002, 2006, 2010, 2014])
        body = (
            f"See Resolution {r.randint(1, 200)} (Rev. {r.choice(CITIES)}, {year}), "
            f"[available online]({r.choice(LINK_TARGETS)}). {self.text(r.randint(1, 2), links=False)}"
        )
        if r.random() < 0.3:  # a second paragraph, indented four spaces
            body += f"\n\n    {self.text(r.randint(1, 2), links=False)} Background: <{r.choice(LINK_TARGETS)}>."
        self.notes.append(f"[^{label}]: {body}")
        self.count(body)
        return f"[^{label}]"

    def count(self, markdown: str) -> None:
        self.words += len(markdown.split())

    # -- blocks ------------------------------------------------------------------------------

    def paragraph(self) -> str:
        r = self.rng
        sentences = [self.sentence() for _ in range(r.randint(3, 7))]
        if self.footnote_heavy:
            sentences = [s[:-1] + self.note_call() + "." for s in sentences]
        for _ in range(0 if self.footnote_heavy else r.choices([0, 1, 2], weights=[3, 5, 2])[0]):
            i = r.randrange(len(sentences))
            sentences[i] = sentences[i][:-1] + self.note_call() + "."
        text = " ".join(sentences)
        self.count(text)
        return text

    def bullet_list(self, depth: int = 0) -> str:
        return self._list(ordered=False, depth=depth)

    def ordered_list(self, depth: int = 0) -> str:
        return self._list(ordered=True, depth=depth)

    def _list(self, *, ordered: bool, depth: int) -> str:
        r = self.rng
        lines = []
        for i in range(r.randint(3, 5)):
            marker = f"{i + 1}." if ordered else "-"
            item = self.text(r.randint(1, 2))
            self.count(item)
            lines.append(f"{marker} {item}")
            if depth < 2 and r.random() < 0.3:  # nested list, the other kind, under this item
                nested = self._list(ordered=not ordered, depth=depth + 1)
                indent = " " * (len(marker) + 1)
                lines.append("\n".join(indent + line if line else line for line in nested.split("\n")))
        return "\n".join(lines)

    def table(self) -> str:
        r = self.rng
        rows = [
            f"| Resolution {r.randint(1, 200)} | {r.choice(OBJECTS)} | {r.choice(VERBS).capitalize()} | "
            f"{r.choice(ACTORS).capitalize()} |"
            for _ in range(r.randint(4, 8))
        ]
        table = "\n".join(["| Text | Subject | Proposed action | Proposed by |", "| --- | --- | --- | --- |", *rows])
        self.count(table)
        return table

    def quote(self) -> str:
        r = self.rng
        text = self.text(r.randint(2, 4), links=False)
        self.count(text)
        return f"> {text}\n>\n> — Resolution {r.randint(1, 200)} (Rev. {r.choice(CITIES)}, {r.choice([2006, 2010])})"

    def heading(self, level: int) -> str:
        r = self.rng
        return f"{'#' * level} {r.choice(ASPECTS).capitalize()}: {r.choice(OBJECTS)}"

    def body(self, budget: int) -> str:
        """Paragraphs with a `##` every ~400 words and the odd `###`, list, table or quote."""
        r = self.rng
        blocks = [self.paragraph()]
        since_heading = 0
        while self.words < budget:
            if since_heading > 400:
                blocks.append(self.heading(2))
                since_heading = 0
            elif since_heading > 150 and r.random() < 0.1:
                blocks.append(self.heading(3))
            before = self.words
            kind = r.choices(["p", "ul", "ol", "table", "quote"], weights=[70, 8, 8, 7, 7])[0]
            blocks.append({"p": self.paragraph, "ul": self.bullet_list, "ol": self.ordered_list,
                           "table": self.table, "quote": self.quote}[kind]())
            since_heading += self.words - before
        return "\n\n".join(blocks + self.notes) + "\n"


def section_titles(count: int, rng: random.Random) -> list[str]:
    """Unique titles: a topic alone first, then topic: aspect pairs."""
    pairs = [f"{t}: {a}" for t in TOPICS for a in ASPECTS]
    rng.shuffle(pairs)
    titles = TOPICS + pairs
    if count > len(titles):
        raise ValueError(f"at most {len(titles)} sections")
    return titles[:count]


def sections_for(pages: int) -> tuple[int, int]:
    """(number of sections, words per section) for a pack of about `pages` pages."""
    body_pages = max(1, pages - FRONT_AND_BACK_PAGES)
    count = max(1, round(body_pages / PAGES_PER_SECTION))
    # a section's last page is half empty on average
    words = round((body_pages / count - 0.5) * WORDS_PER_PAGE)
    return count, max(words, 100)


def write_pack(folder: Path, pages: int, seed: int = 1, footnote_heavy: bool = False) -> int:
    """Write a pack of about `pages` A4 pages into `folder` (`footnote_heavy`: a note on every
    sentence, so somewhat fewer pages); returns the number of sections."""
    rng = random.Random(f"{seed}-{pages}")
    count, words = sections_for(pages)
    sections = folder / "sections"
    sections.mkdir(parents=True, exist_ok=True)
    (folder / "pack.yaml").write_text(
        f"title: Benchmark briefing pack ({pages} pages)\n"
        f"slug: bench-{pages}\n"
        "subtitle: Generated text for timing briefpack\n"
        "date: 2014-10-01\n"
        "classification: For delegation use only\n"
        "authors: [Benchmark Author, {name: Public Knowledge}]\n",
        encoding="utf-8",
    )
    for n, title in enumerate(section_titles(count, rng), start=1):
        front = f"---\ntitle: \"{title}\"\ntopics: all\norder: {n * 10}\n"
        if rng.random() < 0.2:
            front += f"contributors: [{rng.choice(PEOPLE)}]\n"
        body = Writer(rng, footnote_heavy).body(words)
        (sections / f"{n:03d}-section.md").write_text(front + "---\n" + body, encoding="utf-8")
    return count


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_TITLE = re.compile(r'^title: "(.*)"$', re.M)
_NOTE_LABEL = re.compile(r"\[\^([^\]\s]+)\]")


def pandoc_markdown(folder: Path) -> str:
    """The pack's sections as one Markdown document for pandoc: `# Title` per section, footnote
    labels prefixed with the section number (briefpack's are per file, pandoc's per document)."""
    parts = []
    for n, path in enumerate(sorted((folder / "sections").glob("*.md")), start=1):
        text = path.read_text(encoding="utf-8")
        front = _FRONT_MATTER.match(text)
        title = _TITLE.search(front.group(1)).group(1)
        body = _NOTE_LABEL.sub(lambda m, n=n: f"[^s{n}-{m.group(1)}]", text[front.end():])
        parts.append(f"# {title}\n\n{body}")
    return "\n\n".join(parts)
