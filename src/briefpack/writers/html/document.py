"""One edition as one HTML document, through the style's jinja2 templates.

Owns the template context (what a template can print) and the two flavours of the document:
`for_print=True` is what WeasyPrint lays out (images and style files by URL through the
memory fetcher, notes floated to the page foot); `for_print=False` is a standalone preview file
for a browser (CSS inlined, images as data: URIs, notes after each section).

The look is entirely in the style folder: `templates/pack.html.j2` (and what it includes),
`print.css`, optionally `screen.css` for the preview.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Callable

from markupsafe import Markup

from ... import model as m
from ...i18n import direction, language_name, long_date as localized_date
from ...i18n.labels import page_parts
from ...i18n.languages import script_of
from .body import HtmlBody
from .breaks import break_long_text, break_long_words
from ...options import RenderOptions
from ...style import Style
from .templates import render_template
from .urls import STYLE_BASE, ResourceTable, data_uri, inline_css_urls, media_type

TEMPLATE = "pack.html.j2"
PAGE_SIZES = {"a4": "A4", "letter": "letter"}


@dataclass(frozen=True)
class AnnexPlaceholder:
    """An annex as the print document reserves it: one blank page per annex page, at the
    annex's own page size, so that contents, bookmarks and "Page X of Y" count it; the PDF
    finisher lays the annex pages onto them."""

    number: int  # 1-based
    title: str
    anchor: str
    page_sizes: tuple[tuple[float, float], ...]  # (width, height) in PDF points, per page
    source: int = 0  # index of the annex in PackMeta.annexes

    @property
    def pages(self) -> list[dict]:
        return [annex_page(w, h) for w, h in self.page_sizes]


def annex_page(width: float, height: float) -> dict:
    """An annex page as the templates name it: pages of one size share one page name, so the
    print document holds one @page rule per size — WeasyPrint matches every page against every
    rule, and a rule per page made a 1,000-page annex take a minute to lay out."""
    def ident(value: float) -> str:
        return f"{value:g}".replace(".", "_").replace("-", "m")

    return {"page_name": f"annex-{ident(width)}x{ident(height)}", "width": width, "height": height}


class PreviewCache:
    """The preview HTML of each section, kept from one render to the next (`serve`). A section's
    HTML depends on its parsed body (the same objects while its file is unchanged: the loader's
    ParseCache), the numbers its footnote calls get in the edition, and which anchors the
    edition holds (a link into a left-out section prints as text); all three are checked."""

    def __init__(self) -> None:
        self._entries: dict[tuple, tuple] = {}
        self._calls: dict[str, tuple] = {}
        self._anchors: frozenset[str] = frozenset()

    def begin(self, edition: m.Edition) -> None:
        calls: dict[str, list] = {}
        for (section_id, index), call in edition.calls.items():
            calls.setdefault(section_id, []).append((index, call.number, call.first, call.anchor))
        self._calls = {k: tuple(v) for k, v in calls.items()}
        self._anchors = edition.anchors

    def _key(self, section: m.Section) -> tuple:
        return (section.id, section.path, section.language)

    def get(self, section: m.Section):
        entry = self._entries.get(self._key(section))
        if entry is None:
            return None
        children, footnotes, calls, anchors, html, notes = entry
        if children is section.children and footnotes is section.footnotes and calls == self._calls.get(section.id, ()) \
                and anchors == self._anchors:
            return html, notes
        return None

    def put(self, section: m.Section, html, notes) -> None:
        # the body's objects are kept alive with the entry: compared by identity, never reused
        self._entries[self._key(section)] = (
            section.children, section.footnotes, self._calls.get(section.id, ()), self._anchors, html, notes,
        )


def long_date(value: _dt.date | None, language: str = "en") -> str:
    """'1 October 2014', '1 octobre 2014', '2014年10月1日' (CLDR long form through Babel)."""
    return localized_date(value, language)


def untranslated_note(edition: m.Edition, section: m.Section) -> str:
    """The note above a section printed in its original language, in the edition's language."""
    return edition.labels["not_translated"].format(language=language_name(section.language, edition.language))


#: Characters of a string a running head repeats on every page (see running_head).
RUNNING_HEAD_CHARS = 120


def running_head(value) -> str:
    """`value` shortened for a running head: at most RUNNING_HEAD_CHARS characters, cut at a
    word and ended with "…". A running head has a line at most; and WeasyPrint sizes a page's
    margin boxes from the width of their text, laid out again on every page, in time that grows
    with the square of a long unbreakable text (a 3,200-letter title: a second per page)."""
    text = " ".join(str(value).split())
    if len(text) <= RUNNING_HEAD_CHARS:
        return break_long_text(text)
    cut = text[: RUNNING_HEAD_CHARS - 1]
    if " " in cut[RUNNING_HEAD_CHARS // 2:]:
        cut = cut[: cut.rindex(" ")]
    return break_long_text(cut.rstrip(" ,;:.-") + "…")


def render_html(
    edition: m.Edition,
    style: Style,
    options: RenderOptions,
    *,
    for_print: bool,
    page_breaks: frozenset[int] = frozenset(),
    annexes: tuple[AnnexPlaceholder, ...] = (),
    resources: ResourceTable | None = None,
    cache: "PreviewCache | None" = None,
) -> str:
    """The HTML of `edition`. `page_breaks`, `annexes` and `resources` are for the PDF writer:
    blocks its footnote fixer moved to a new page, annex placeholder pages, and the table
    that gives images their URLs (it must be the one its URL fetcher serves). `cache`: kept by
    the preview server, so that only the sections that changed are rendered again."""
    if for_print:
        table = resources if resources is not None else ResourceTable()
        resource_url: Callable[[m.Resource], str] = table.url
    else:
        resource_url = lambda r: data_uri(r.data, r.media_type)  # noqa: E731

    body = HtmlBody(edition, for_print=for_print, resource_url=resource_url, page_breaks=page_breaks)
    language = edition.language or "en"
    doc_dir = direction(language)
    sections = []
    reuse = cache is not None and not for_print
    if reuse:
        cache.begin(edition)
    for section in edition.sections:
        done = cache.get(section) if reuse else None
        if done is None:
            html = body.section_body(section)
            notes = [
                {"number": c.number, "anchor": c.anchor, "body": body.note_body(c.note)} for c in body.endnotes
            ]
            if reuse:
                cache.put(section, html, notes)
        else:
            html, notes = done
        untranslated = edition.untranslated(section)
        section_dir = direction(section.language) if untranslated else doc_dir
        sections.append(
            {
                "id": section.id,
                "title": section.title,
                "lang": section.language if untranslated else None,
                "dir": section_dir if section_dir != doc_dir else None,
                "untranslated_note": untranslated_note(edition, section) if untranslated else "",
                "body": html,
                "endnotes": notes,
                "headings": [
                    {"anchor": h.anchor, "text": m.plain_text(h.children)} for h in section.headings(max_level=2)
                ],
                "contributors": [str(p) for p in section.contributors],
            }
        )

    meta = edition.meta
    credits = edition.credits

    def asset(name: str) -> str:
        """URL of a style file (a logo in a template, say)."""
        if for_print:
            return STYLE_BASE + name
        return data_uri(style.data(name), media_type(name))

    css = style.text("print.css")
    if not for_print:
        css = inline_css_urls(css, style)
        if style.has("screen.css"):
            css += "\n" + inline_css_urls(style.text("screen.css"), style)

    date_text = long_date(meta.date, language)
    if date_text and doc_dir == "rtl":
        # isolated (FSI…PDI), so "briefpack · 20 نوفمبر 2015" keeps the date whole
        date_text = f"\u2068{date_text}\u2069"
    context = {
        "for_print": for_print,
        "meta": meta,
        "title": meta.title,
        "subtitle": meta.subtitle or "",
        "topic_label": edition.topic_label,
        "is_full": edition.is_full,
        "topic_count": len(edition.topics),
        "date": date_text,
        "iso_date": meta.date.isoformat() if meta.date else "",
        "classification": meta.classification or "",
        "language": language,
        "page_size": PAGE_SIZES.get((meta.page_size or "A4").lower(), "A4"),
        "section_break": meta.section_break,
        "keywords": ", ".join(meta.keywords),
        "authors": [p.name for p in meta.authors],
        "prepared_by": [{"name": p.name, "affiliation": p.affiliation or ""} for p in credits.prepared_by],
        "contributors": [{"name": p.name, "affiliation": p.affiliation or ""} for p in credits.contributors],
        "by_section": [
            {
                "id": c.section.id, "title": c.section.title, "people": [str(p) for p in c.people],
                "lang": c.section.language if edition.untranslated(c.section) else None,
            }
            for c in credits.by_section
        ],
        "translated_by": [{"name": p.name, "affiliation": p.affiliation or ""} for p in credits.translated_by],
        "sections": sections,
        "annexes": [
            {
                "title": a.title, "anchor": a.anchor, "pages": a.pages, "number": a.number,
                "label": edition.labels["annex"].format(number=a.number, title=a.title),
            }
            for a in annexes
        ],
        # each annex page size once, for the @page rules
        "annex_page_sizes": [annex_page(w, h) for w, h in dict.fromkeys(size for a in annexes for size in a.page_sizes)],
        # the pack's language: fixed words, direction ('ltr'/'rtl'), script family for fonts
        "labels": edition.labels,
        "dir": doc_dir,
        "script": script_of(language),
        "page_words": page_parts(edition.labels["page_of"]),
        # The PDF's creation date: options.timestamp, so SOURCE_DATE_EPOCH makes builds reproducible.
        "created": options.timestamp.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "css": Markup(css),
        "asset": asset,
        "base_url": STYLE_BASE if for_print else "",
    }
    html = render_template(style, TEMPLATE, context)  # sandboxed (see templates)
    # WeasyPrint's layout of a word it cannot break is super-linear in its length (see breaks)
    return break_long_words(html) if for_print else html
