"""The console's Jinja environment: every page is rendered in the request's language and
theme, and can ask what the signed-in operator may do.

Templates get, besides what a route passes:
- ``_("…")``, ``gettext``, ``ngettext`` and ``{% trans %}`` in the request's language;
- ``locale`` ("en", "zh_CN"), ``lang_tag`` (for ``<html lang>``), ``js_strings`` (the
  JavaScript's translations, rendered by base.html as a JSON data block);
- ``theme`` ("light", "dark" or "" to follow the system), from the theme cookie;
- ``operator_may("alerts:handle")``: whether the page's ``operator`` may use a permission,
  to show only the buttons the role may use; ``operator_permissions`` lists them for JS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.web.health import HealthFinding, critical_findings
from sitewarden.web.i18n import CATALOGUES, DEFAULT_LOCALE, LANGUAGE_TAGS, request_locale

THEME_COOKIE = "sitewarden_theme"  # written by common.js; read here so the page never flashes
THEMES = ("light", "dark")


def operator_may(operator: Operator | None, permission: str) -> bool:
    """Whether ``operator`` may use ``permission`` (a role's grant, narrowed by an API
    key's scopes). A misspelt permission fails loudly rather than hiding a button."""
    granted = Permission(permission)
    if operator is None or not operator.may(granted):
        return False
    return operator.scopes is None or granted.value in operator.scopes


def operator_permissions(operator: Operator | None) -> list[str]:
    return [p.value for p in Permission if operator_may(operator, p.value)]


def _locale_of(context: Context) -> str:
    locale = context.get("locale", DEFAULT_LOCALE)
    return locale if locale in CATALOGUES else DEFAULT_LOCALE


@pass_context
def _gettext(context: Context, message: str) -> str:
    return CATALOGUES[_locale_of(context)].gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return CATALOGUES[_locale_of(context)].ngettext(singular, plural, n)


def _operator_of(context: Context) -> Operator | None:
    operator = context.get("operator")
    return operator if isinstance(operator, Operator) else None


@pass_context
def _may(context: Context, permission: str) -> bool:
    return operator_may(_operator_of(context), permission)


@pass_context
def _permissions(context: Context) -> list[str]:
    return operator_permissions(_operator_of(context))


@pass_context
def _doctor_alerts(context: Context) -> list[HealthFinding]:
    """The doctor's critical findings, for the banner admins see on every page."""
    request = context.get("request")
    if not isinstance(request, Request) or not operator_may(_operator_of(context), "doctor:read"):
        return []
    return critical_findings(request)


def console_context(request: Request) -> dict[str, Any]:
    """What every console page knows about the request: its language and theme."""
    locale = request_locale(request)
    theme = request.cookies.get(THEME_COOKIE, "")
    other = "en" if locale == "zh_CN" else "zh_CN"
    # Relative, keeping the other parameters (the sign-in form's ?next= among them).
    switch = urlencode([*((k, v) for k, v in request.query_params.multi_items() if k != "lang"),
                        ("lang", other)])  # fmt: skip
    return {
        "locale": locale,
        "language_switch_href": "?" + switch,
        "lang_tag": LANGUAGE_TAGS[locale],
        "js_strings": CATALOGUES[locale].js_strings,
        "theme": theme if theme in THEMES else "",
    }


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(
        directory=Path(__file__).parent / "templates", context_processors=[console_context]
    )
    environment = templates.env
    environment.add_extension("jinja2.ext.i18n")
    # Each call looks up the language of the page being rendered, so one environment
    # serves every request (the extension's usual install_gettext_translations is global).
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True
    )
    environment.globals["operator_may"] = _may
    environment.globals["operator_permissions"] = _permissions
    environment.globals["doctor_alerts"] = _doctor_alerts
    return templates


TEMPLATES = build_templates()
