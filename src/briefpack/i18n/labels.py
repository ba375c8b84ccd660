"""The fixed words briefpack prints itself, built in for ar, en, es, fr, ru, zh-Hans and zh-Hant.

Every table has every key (a test holds them to it). A pack may override any word with
`labels:` in pack.yaml (for its source language) or under `translations: <lang>: labels:`;
a key briefpack does not know is a warning. Patterns hold `{page}`/`{pages}`, `{number}`/
`{title}` or `{language}`, filled in by the writers.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from .languages import table_key

#: what each key is for (the README and `briefpack check` show these)
LABEL_KEYS: Mapping[str, str] = MappingProxyType({
    "briefing_pack": "the kicker above the title on the cover",
    "topic": "cover label before one topic",
    "topics": "cover label before several topics",
    "edition": "cover label before the full pack's name",
    "full_pack": "the name of the edition holding every section",
    "prepared_by": "cover and credits: the authors",
    "contents": "the contents title",
    "credits": "the credits title",
    "with_contributions_from": "credits: pack-wide contributors",
    "contributors_by_section": "credits: people of each section",
    "translated_by": "credits: the translators of this language",
    "compiled_with": "the colophon at the end of the credits",
    "page_of": "running footer, a pattern with {page} and {pages}",
    "annex": "an annex in the contents, a pattern with {number} and {title}",
    "figure": "the word for a figure (for templates and captions)",
    "table": "the word for a table (for templates and captions)",
    "notes": "the notes after a section in the HTML preview",
    "not_translated": "the note above a section printed in its original language, a pattern with {language}",
})

_TABLES: dict[str, dict[str, str]] = {
    "en": {
        "briefing_pack": "Briefing pack",
        "topic": "Topic",
        "topics": "Topics",
        "edition": "Edition",
        "full_pack": "Full pack",
        "prepared_by": "Prepared by",
        "contents": "Contents",
        "credits": "Credits",
        "with_contributions_from": "With contributions from",
        "contributors_by_section": "Contributors by section",
        "translated_by": "Translated by",
        "compiled_with": "Compiled with briefpack",
        "page_of": "Page {page} of {pages}",
        "annex": "Annex {number}: {title}",
        "figure": "Figure",
        "table": "Table",
        "notes": "Notes",
        "not_translated": "Not yet translated: this section is printed in its original language ({language}).",
    },
    "fr": {
        "briefing_pack": "Dossier d'information",
        "topic": "Thème",
        "topics": "Thèmes",
        "edition": "Édition",
        "full_pack": "Dossier complet",
        "prepared_by": "Préparé par",
        "contents": "Table des matières",
        "credits": "Crédits",
        "with_contributions_from": "Avec les contributions de",
        "contributors_by_section": "Contributions par section",
        "translated_by": "Traduit par",
        "compiled_with": "Compilé avec briefpack",
        "page_of": "Page {page} sur {pages}",
        "annex": "Annexe {number}\u00a0: {title}",
        "figure": "Figure",
        "table": "Tableau",
        "notes": "Notes",
        "not_translated": "Pas encore traduit\u00a0: cette section est reproduite dans sa langue d'origine ({language}).",
    },
    "es": {
        "briefing_pack": "Carpeta informativa",
        "topic": "Tema",
        "topics": "Temas",
        "edition": "Edición",
        "full_pack": "Carpeta completa",
        "prepared_by": "Preparado por",
        "contents": "Índice",
        "credits": "Créditos",
        "with_contributions_from": "Con contribuciones de",
        "contributors_by_section": "Contribuciones por sección",
        "translated_by": "Traducido por",
        "compiled_with": "Compilado con briefpack",
        "page_of": "Página {page} de {pages}",
        "annex": "Anexo {number}: {title}",
        "figure": "Figura",
        "table": "Cuadro",
        "notes": "Notas",
        "not_translated": "Aún sin traducir: esta sección se reproduce en su idioma original ({language}).",
    },
    "ru": {
        "briefing_pack": "Справочные материалы",
        "topic": "Тема",
        "topics": "Темы",
        "edition": "Выпуск",
        "full_pack": "Полный комплект",
        "prepared_by": "Подготовлено",
        "contents": "Содержание",
        "credits": "Участники подготовки",
        "with_contributions_from": "При участии",
        "contributors_by_section": "Участники по разделам",
        "translated_by": "Перевод",
        "compiled_with": "Составлено с помощью briefpack",
        "page_of": "Страница {page} из {pages}",
        "annex": "Приложение {number}: {title}",
        "figure": "Рисунок",
        "table": "Таблица",
        "notes": "Примечания",
        "not_translated": "Перевод пока не подготовлен: раздел приводится на языке оригинала ({language}).",
    },
    "zh-Hans": {
        "briefing_pack": "简报材料",
        "topic": "专题",
        "topics": "专题",
        "edition": "版本",
        "full_pack": "完整版",
        "prepared_by": "编写",
        "contents": "目录",
        "credits": "鸣谢",
        "with_contributions_from": "参与撰稿",
        "contributors_by_section": "各节撰稿人",
        "translated_by": "翻译",
        "compiled_with": "由 briefpack 编排",
        "page_of": "第 {page} 页，共 {pages} 页",
        "annex": "附件{number}：{title}",
        "figure": "图",
        "table": "表",
        "notes": "注释",
        "not_translated": "尚未翻译：本节以原文语言（{language}）印出。",
    },
    "zh-Hant": {
        "briefing_pack": "簡報資料",
        "topic": "專題",
        "topics": "專題",
        "edition": "版本",
        "full_pack": "完整版",
        "prepared_by": "編寫",
        "contents": "目錄",
        "credits": "鳴謝",
        "with_contributions_from": "參與撰稿",
        "contributors_by_section": "各節撰稿人",
        "translated_by": "翻譯",
        "compiled_with": "由 briefpack 編排",
        "page_of": "第 {page} 頁，共 {pages} 頁",
        "annex": "附件{number}：{title}",
        "figure": "圖",
        "table": "表",
        "notes": "註釋",
        "not_translated": "尚未翻譯：本節以原文語言（{language}）印出。",
    },
    "ar": {
        "briefing_pack": "ملف إحاطة",
        "topic": "الموضوع",
        "topics": "المواضيع",
        "edition": "النسخة",
        "full_pack": "الملف الكامل",
        "prepared_by": "إعداد",
        "contents": "المحتويات",
        "credits": "المساهمون",
        "with_contributions_from": "بمساهمة من",
        "contributors_by_section": "المساهمون حسب القسم",
        "translated_by": "ترجمة",
        "compiled_with": "أُعدّ باستخدام briefpack",
        "page_of": "الصفحة {page} من {pages}",
        "annex": "الملحق {number}: {title}",
        "figure": "الشكل",
        "table": "الجدول",
        "notes": "الحواشي",
        "not_translated": "لم يُترجم بعد: يرد هذا القسم بلغته الأصلية ({language}).",
    },
}

BUILT_IN_TABLES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {lang: MappingProxyType(table) for lang, table in _TABLES.items()}
)


def has_built_in(language: str) -> bool:
    return table_key(language) is not None


def labels_for(language: str, overrides: Mapping[str, str] | None = None) -> Mapping[str, str]:
    """The fixed words of `language`: its built-in table (English where briefpack has none),
    with the pack's overrides on top (unknown keys were reported by the loader and are dropped)."""
    table = dict(_TABLES[table_key(language) or "en"])
    for key, value in (overrides or {}).items():
        if key in LABEL_KEYS:
            table[key] = value
    return MappingProxyType(table)


def page_parts(pattern: str) -> tuple[str, str, str]:
    """'Page {page} of {pages}' → ('Page ', ' of ', ''): the words around the two numbers, for
    CSS counters and Word fields. A pattern with the numbers the other way round, or without
    them, prints the words around whichever it has."""
    before, _, rest = pattern.partition("{page}")
    if not _:
        return pattern + " ", "/", ""
    between, _, after = rest.partition("{pages}")
    if not _:
        return before, rest, ""
    return before, between, after
