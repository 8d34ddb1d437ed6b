"""The messages a person meets on the sign-in and account forms (the domain's and the
pages'), marked here so the catalogue holds them: the forms show them in the reader's
language. A message not listed (a new one, or one with a value in it) is shown as it
is, in English."""

from __future__ import annotations

from fastapi import Request

from sitewarden.web.i18n import catalogue_for


def _(message: str) -> str:
    """Marks a message for `pybabel extract`; translated where it is shown."""
    return message


KNOWN_MESSAGES = (
    _("the sign-in form expired or came from another site; sign in again"),  # pages.py
    _("password changed; sign in with the new one"),  # pages.py
    _("wrong username or password"),
    _("wrong username, password or code"),
    _("session unknown or signed out; sign in again"),
    _("session expired; sign in again"),
    _("account disabled; ask an administrator"),
    _("current password is wrong"),
    _("the new password must differ from the current one"),
    _("password too short: use at least 12 characters"),  # MIN_PASSWORD_LENGTH
    _("password too long: use at most 1024 characters"),
    _("that code was used already; wait for the next one"),
    _("that code does not match; check the device clock and try the next one"),
    _("the form is stale; reload the page"),
    _("enter the 6-digit code from your authenticator app"),  # second_factor.py
)


def form_message(request: Request, message: str | None) -> str | None:
    """``message`` in the request's language where the catalogue has it."""
    return None if message is None else catalogue_for(request).gettext(message)
