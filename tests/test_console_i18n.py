"""The console's catalogue: every string the sources mark for translation has a Chinese
one, found the way `pybabel extract -F babel.cfg -k t` finds them; the language a
request gets; and the permission helper the templates use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from hypothesis import given
from hypothesis import strategies as st

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Role
from sitewarden.web import i18n
from sitewarden.web.templating import operator_may

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s|<[^>]+>")


def extracted_messages() -> dict[str, list[str]]:
    """msgid -> where it is used, as pybabel extract with the project's babel.cfg sees it."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found: dict[str, list[str]] = {}
    for path, line, message, _, _ in extract_from_dir(
        ROOT, method_map, options_map, keywords={**DEFAULT_KEYWORDS, "t": None}
    ):
        msgid = message if isinstance(message, str) else message[0]
        found.setdefault(msgid, []).append(f"{path}:{line}")
    return found


def test_extraction_finds_the_templates_the_scripts_and_the_python() -> None:
    found = extracted_messages()

    assert "Sign in" in found  # a template
    assert any(".html:" in place for place in found["Sign in"])
    assert (
        "{offline} offline · {unknown} never seen · {online} online · {shown} of {total} shown"
        in found
    )  # devices.js
    assert "password changed; sign in with the new one" in found  # pages.py
    assert len(found) > 50


def test_every_extracted_string_has_a_chinese_translation_with_the_same_placeholders() -> None:
    catalogue = i18n.CATALOGUES["zh_CN"]
    untranslated = []
    for msgid, places in extracted_messages().items():
        translated = catalogue.gettext(msgid)
        if translated == msgid or not translated.strip():
            untranslated.append(f"{msgid!r} ({places[0]})")
        elif sorted(PLACEHOLDER.findall(translated)) != sorted(PLACEHOLDER.findall(msgid)):
            untranslated.append(f"{msgid!r}: placeholders differ in {translated!r}")
    assert untranslated == [], "run the pybabel commands in docs/console.md, then translate"


def test_the_javascript_gets_exactly_the_strings_of_the_scripts() -> None:
    found = extracted_messages()
    in_scripts = {m for m, places in found.items() if any(".js:" in p for p in places)}

    assert set(i18n.CATALOGUES["zh_CN"].js_strings) == in_scripts
    assert i18n.CATALOGUES["zh_CN"].js_strings["Dismiss"] == "关闭"
    assert i18n.CATALOGUES["en"].js_strings == {}  # English is the source: t() falls back


def test_accept_language_picks_the_best_supported_language() -> None:
    assert i18n.negotiate_locale("zh-CN,zh;q=0.9,en;q=0.8") == "zh_CN"
    assert i18n.negotiate_locale("fr-FR, zh;q=0.5, en;q=0.9") == "en"
    assert i18n.negotiate_locale("fr, de;q=0.7") == "en"
    assert i18n.negotiate_locale("en;q=0, zh-TW") == "zh_CN"
    assert i18n.negotiate_locale("") == "en"


@given(st.text(max_size=200))
def test_any_accept_language_header_gives_a_supported_language(header: str) -> None:
    assert i18n.negotiate_locale(header) in i18n.LOCALES


def test_operator_may_follows_the_role_then_the_keys_scope_and_refuses_misspellings() -> None:
    viewer = Operator("u1", "vera", Role.VIEWER, None, "session")
    guard = Operator("u2", "kim", Role.OPERATOR, None, "session")
    script = Operator("u3", "bot", Role.OPERATOR, None, "api_key", scopes=("events:read",))

    assert not operator_may(viewer, "alerts:handle")
    assert operator_may(guard, "alerts:handle")
    assert operator_may(script, "events:read") and not operator_may(script, "alerts:handle")
    assert not operator_may(None, "events:read")
    with pytest.raises(ValueError):
        operator_may(guard, "alerts:handel")
