"""The console's languages: English (the source strings) and Simplified Chinese.

The catalogue is the ``.po`` file itself, read and compiled in memory at start-up, so a
clean checkout needs no compile step. Strings come from the templates (``_("…")`` and
``{% trans %}``), the pages' JavaScript (``t("…")``) and this package's Python (``_``);
``pybabel extract -F babel.cfg -k t`` finds them all (docs/console.md, "Foundation").
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import Request, Response

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
LANG_COOKIE = "sitewarden_lang"
DEFAULT_LOCALE = "en"
LOCALES = ("en", "zh_CN")
# The value of <html lang> and Intl's locale for each of LOCALES.
LANGUAGE_TAGS = {"en": "en", "zh_CN": "zh-CN"}


@dataclass(frozen=True)
class Catalogue:
    """One locale's translations: for templates and Python, and the JavaScript subset."""

    locale: str
    translations: gettext.NullTranslations
    js_strings: dict[str, str]  # msgid -> msgstr of the strings the pages' JS uses

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)


def load_catalogue(locale: str) -> Catalogue:
    """Read ``locale``'s ``messages.po``; English is the source language and needs none."""
    if locale == DEFAULT_LOCALE:
        return Catalogue(locale, gettext.NullTranslations(), {})
    po_path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    js_strings = {
        str(message.id): str(message.string)
        for message in catalog
        if message.id
        and isinstance(message.id, str)
        and message.string
        and not message.fuzzy
        and any(path.endswith(".js") for path, _ in message.locations)
    }
    return Catalogue(locale, gettext.GNUTranslations(compiled), js_strings)


CATALOGUES: dict[str, Catalogue] = {locale: load_catalogue(locale) for locale in LOCALES}


def supported_locale(value: str | None) -> str | None:
    """``value`` as one of LOCALES ("zh-CN", "zh_cn" and "zh" are Chinese), or None."""
    if not value:
        return None
    tag = value.strip().replace("-", "_").lower()
    if tag == "en" or tag.startswith("en_"):
        return "en"
    if tag == "zh" or tag.startswith("zh_"):
        return "zh_CN"  # the one Chinese we have; better than English for zh-TW readers
    return None


def negotiate_locale(accept_language: str) -> str:
    """The best of LOCALES for an Accept-Language header, else English."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        locale = supported_locale(tag)
        if locale is not None and quality > 0:
            ranked.append((-quality, position, locale))
    return min(ranked)[2] if ranked else DEFAULT_LOCALE


def request_locale(request: Request) -> str:
    """``?lang=``, else the ``sitewarden_lang`` cookie, else Accept-Language, else English."""
    chosen = supported_locale(request.query_params.get("lang"))
    if chosen is None:
        chosen = supported_locale(request.cookies.get(LANG_COOKIE))
    if chosen is None:
        chosen = negotiate_locale(request.headers.get("accept-language", ""))
    return chosen


def catalogue_for(request: Request) -> Catalogue:
    return CATALOGUES[request_locale(request)]


def remember_language(request: Request, response: Response) -> None:
    """Keep a ``?lang=`` choice in the cookie, so the next pages speak it too."""
    chosen = supported_locale(request.query_params.get("lang"))
    if chosen is not None and request.cookies.get(LANG_COOKIE) != chosen:
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax", path="/")
