"""Map exceptions to uniform JSON error bodies: ``{"error": code, "message": text}``.

Clients never see a stack trace; a 500 names the request id to look for in the log.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sitewarden import errors
from sitewarden.api.ratelimit import RateLimited
from sitewarden.privacy.sealing import SealBroken

log = logging.getLogger(__name__)
DATABASE_RETRY_AFTER_S = 2  # a restarting database server is usually back within seconds

STATUS_BY_ERROR: dict[type[errors.SitewardenError], int] = {
    errors.MalformedRequest: 400,
    errors.UnsupportedMediaType: 415,
    errors.InvalidInput: 422,
    errors.NotFound: 404,
    errors.AlreadyExists: 409,
    errors.Conflict: 409,
    errors.AuthenticationFailed: 401,
    errors.PermissionDenied: 403,
    errors.PayloadTooLarge: 413,
    errors.StoreError: 503,
    SealBroken: 500,
    errors.ConfigError: 500,
}


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": code, "message": message, **extra}


def status_for(exc: errors.SitewardenError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 500


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(code, message, **extra), status_code=status, headers=headers)


def http_error_response(exc: StarletteHTTPException) -> JSONResponse:
    """Starlette's own errors (no route, wrong method) in the API's JSON shape."""
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return error_response(exc.status_code, code, str(exc.detail))


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.SitewardenError)
    async def domain_error(request: Request, exc: errors.SitewardenError) -> JSONResponse:
        if isinstance(exc, RateLimited):
            response = error_response(429, exc.code, exc.message)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        status = status_for(exc)
        if status >= 500:
            cause = f" ({exc.__cause__})" if exc.__cause__ is not None else ""
            log.error("request %s failed: %s%s", request.state.request_id, exc.message, cause)
            response = error_response(
                status, exc.code, f"{exc.message} (request id {request.state.request_id})"
            )
            if isinstance(exc, errors.DatabaseUnavailable):
                response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
            return response
        return error_response(status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = []
        for error in exc.errors()[:5]:
            where = ".".join(str(part) for part in error.get("loc", ()))
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
        return error_response(422, "invalid_input", "; ".join(problems) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return http_error_response(exc)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        request_id = getattr(request.state, "request_id", "-")
        log.exception("request %s failed", request_id)
        return error_response(
            500, "internal_error", f"internal error; the server log has request id {request_id}"
        )
