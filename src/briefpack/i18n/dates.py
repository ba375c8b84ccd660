"""Dates in a language's long form, from CLDR through Babel: '20 novembre 2015',
'20 de noviembre de 2015', '20 ноября 2015 г.', '2015年11月20日', '20 نوفمبر 2015'."""

from __future__ import annotations

import datetime as _dt

from .languages import babel_locale


#: CLDR's en_GB long date ("d MMMM y"), which briefpack's English is: written here, because
#: Babel's import and locale data cost ~45 ms, a quarter of a small DOCX build (a test holds
#: it to Babel's output)
_ENGLISH_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December")


def long_date(value: _dt.date | None, language: str = "en") -> str:
    if value is None:
        return ""
    if language.lower() in ("en", "en-gb"):
        return f"{value.day} {_ENGLISH_MONTHS[value.month - 1]} {value.year}"
    from babel.dates import format_date

    return format_date(value, format="long", locale=babel_locale(language))
