"""HTML error pages inside the console: an unknown address (404) or a page the role may
not open (403) answers a page in the console's layout, in the reader's language. API
paths (``/api/…``) and assets keep the API's JSON errors."""

from __future__ import annotations

from fastapi import Request, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from sitewarden.accounts.accounts import Operator, operator_from_session
from sitewarden.api.authentication import SESSION_COOKIE
from sitewarden.api.context import get_context
from sitewarden.api.errors import error_response, http_error_response, status_for
from sitewarden.errors import AuthenticationFailed, NotFound, PermissionDenied
from sitewarden.web.templating import TEMPLATES

# Not console pages: machines read these, and expect JSON (or the file) back.
NOT_CONSOLE_PREFIXES = ("/api/", "/static/", "/healthz")


class PageForbidden(PermissionDenied):
    """A console page the operator's role may not open; answered with the 403 page."""


def is_console_path(path: str) -> bool:
    return not path.startswith(NOT_CONSOLE_PREFIXES)


def _signed_in_operator(request: Request) -> Operator | None:
    """The session's operator, to show the navigation on an error page; None if none."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie is None:
        return None
    try:
        return operator_from_session(get_context(request).store.accounts, cookie)
    except AuthenticationFailed:
        return None


def error_page(request: Request, status: int, detail: str | None = None) -> Response:
    """The console's page for ``status`` (404 or 403; others share the 404 text)."""
    operator = _signed_in_operator(request)
    return TEMPLATES.TemplateResponse(
        request,
        "error.html",
        {
            "operator": operator,
            "csrf": operator.csrf_token if operator else None,
            "status": status,
            "detail": detail,
            "path": request.url.path[:200],
        },
        status_code=status,
    )


async def http_error_page(request: Request, exc: Exception) -> Response:
    """Exception handler for Starlette's errors: HTML on console paths, JSON elsewhere."""
    assert isinstance(exc, StarletteHTTPException)
    if is_console_path(request.url.path) and request.method in ("GET", "HEAD"):
        return error_page(request, exc.status_code)
    return http_error_response(exc)


async def forbidden_page(request: Request, exc: Exception) -> Response:
    """Exception handler for :class:`PageForbidden`: the 403 page, naming what is missing."""
    assert isinstance(exc, PageForbidden)
    return error_page(request, 403, exc.message)


async def not_found_page(request: Request, exc: Exception) -> Response:
    """Exception handler for :class:`NotFound` (an unknown site, device, ... or one outside
    the operator's scope): the 404 page on a console page, the API's JSON elsewhere."""
    assert isinstance(exc, NotFound)
    if is_console_path(request.url.path) and request.method in ("GET", "HEAD"):
        return error_page(request, 404)
    return error_response(status_for(exc), exc.code, exc.message)
