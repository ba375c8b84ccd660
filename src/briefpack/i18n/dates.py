"""Dates in a language's long form, from CLDR through Babel: '20 novembre 2015',
'20 de noviembre de 2015', '20 ноября 2015 г.', '2015年11月20日', '20 نوفمبر 2015'."""

from __future__ import annotations

import datetime as _dt

from .languages import babel_locale


def long_date(value: _dt.date | None, language: str = "en") -> str:
    if value is None:
        return ""
    from babel.dates import format_date

    return format_date(value, format="long", locale=babel_locale(language))
