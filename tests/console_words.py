"""The console's words in one of its languages, for tests that drive a page in Chinese
by the same English names they use in English.

``words("zh_CN")("Record payment")`` is the catalogue's Chinese for that button, read
from the catalogue the server itself reads (``sitewarden.web.i18n``). A string with no
Chinese is an error here, not a silent English fallback, so a test cannot pass by
finding an untranslated button."""

from __future__ import annotations

from collections.abc import Callable

from sitewarden.web.i18n import CATALOGUES, DEFAULT_LOCALE

LANGUAGES = ("en", "zh_CN")


def words(locale: str) -> Callable[[str], str]:
    """A function giving each English UI string in ``locale``."""
    catalogue = CATALOGUES[locale]

    def say(english: str) -> str:
        if locale == DEFAULT_LOCALE:
            return english
        translated = catalogue.gettext(english)
        if translated == english:
            raise KeyError(f"the {locale} catalogue has no translation of {english!r}")
        return translated

    return say
