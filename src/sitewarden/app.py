"""The HTTP application: the API's and the console's routes over one node's runtime."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from sitewarden import __version__
from sitewarden.accounts.accounts import Operator
from sitewarden.accounts.roles import Permission
from sitewarden.accounts.second_factor import totp_key
from sitewarden.alerts.batch_transaction import BatchSignal
from sitewarden.alerts.model import AlertChange
from sitewarden.api import (
    access_person_extras,
    access_routes,
    account_resets,
    alert_routes,
    alert_rule_routes,
    attendance_corrections,
    audit_routes,
    cameras,
    consent_register,
    door_routes,
    event_routes,
    garage,
    overview_routes,
    own_sessions,
    plan_image_routes,
    privacy_records,
    privacy_routes,
    registry_routes,
    session,
    subject_requests,
    user_keys,
    users,
    webhooks,
)
from sitewarden.api.authentication import requires
from sitewarden.api.context import AppContext
from sitewarden.api.errors import error_response, install_error_handlers
from sitewarden.api.limits import RequestLimits
from sitewarden.api.ratelimit import RateLimiter
from sitewarden.api.signin_delays import SignInDelays
from sitewarden.config import Settings
from sitewarden.errors import NotFound
from sitewarden.intake.writer import EventSink
from sitewarden.privacy.keyring import KeyRing
from sitewarden.privacy.vault import KeyWriter
from sitewarden.runtime.storage import Storage
from sitewarden.runtime.system import build_runtime
from sitewarden.vision.images import MAX_IMAGE_BYTES
from sitewarden.web import (
    account_pages,
    attendance_page,
    audit_page,
    device_page,
    doctor_page,
    doors_page,
    error_pages,
    explorer_page,
    garage_config_pages,
    garage_page,
    i18n,
    overview_page,
    pages,
    people_pages,
    plan_page,
    privacy_pages,
    review_page,
    vendor,
)

log = logging.getLogger(__name__)

# The only routes reachable without credentials, and why. Tested: every other
# route answers 401 without credentials.
PUBLIC_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/healthz"): "load balancer probe; reveals nothing",
    ("POST", "/api/v1/auth/login"): "signing in",
    ("GET", "/login"): "the sign-in form",
    ("POST", "/login"): "the sign-in form",
    ("POST", "/logout"): "signing out (checks the session's CSRF token itself)",
    ("POST", "/account/second-factor"): "a form post that checks the session and CSRF itself",
    ("POST", "/account/password"): "a form post that checks the session and CSRF itself",
    ("GET", "/static"): "our own CSS and JavaScript for the sign-in page",
    ("GET", "/static/vendor/{name}"): "front-end libraries installed from npm (web/vendor.py)",
    ("GET", "/favicon.ico"): "the console's icon, which browsers ask for on every page",
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


def _meta_router() -> APIRouter:
    router = APIRouter()

    @router.get("/healthz", tags=["meta"], summary="Liveness probe")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/api/v1/openapi.json", tags=["meta"], summary="This API's OpenAPI schema")
    async def openapi(
        request: Request, operator: Operator = requires(Permission.SELF)
    ) -> dict[str, Any]:
        return request.app.openapi()  # type: ignore[no-any-return]

    return router


def _no_trailing_slash(request: Request, path: str) -> Response:
    """No route ends in '/' (but the live page): say so rather than redirect."""
    if error_pages.is_console_path(path) and request.method in ("GET", "HEAD"):
        return error_pages.error_page(request, 404)
    return error_response(
        404, "not_found", f"no such address {path[:200]!r}: drop the trailing '/'"
    )


def create_app(
    settings: Settings,
    store: Storage,
    keys: KeyRing | None = None,
    event_sink: EventSink[BatchSignal, AlertChange] | None = None,
    key_writer: KeyWriter | None = None,
) -> FastAPI:
    """Build the app; the event writer starts and stops with it.

    The node itself is built by :func:`sitewarden.runtime.build_runtime` (see there for
    ``keys``, ``event_sink`` and ``key_writer``); the app adds what only HTTP needs.
    """
    runtime = build_runtime(settings, store, keys, event_sink=event_sink, key_writer=key_writer)
    context = AppContext(
        runtime=runtime,
        totp_key=totp_key(runtime.keys.kek),
        device_limiter=RateLimiter(
            settings.rate_limit_device_per_s, settings.rate_limit_device_per_s * 2, "device"
        ),
        user_limiter=RateLimiter(
            settings.rate_limit_user_per_s, settings.rate_limit_user_per_s * 2, "user"
        ),
        login_limiter=RateLimiter(
            settings.rate_limit_login_per_min / 60,
            settings.rate_limit_login_per_min / 2,
            "client address's sign-ins",
        ),
        signin_delays=SignInDelays(
            settings.login_max_failures, settings.login_delay_s, settings.lockout_minutes * 60
        ),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            runtime.stop()

    app = FastAPI(
        title="sitewarden",
        version=__version__,
        description="Security and operations for smart sites, private by design.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        debug=False,
        # Starlette's redirect to the other spelling builds an absolute URL from the Host
        # header, which the client chooses; a clear 404 instead (see _no_trailing_slash).
        redirect_slashes=False,
    )
    app.state.context = context
    app.state.parking = garage.build_gates(context)
    app.state.access = runtime.access
    app.state.snapshots = cameras.build_snapshot_desk(context)
    install_error_handlers(app)
    app.add_exception_handler(pages.SignInRequired, pages.sign_in_required)
    app.add_exception_handler(pages.SecondFactorPage, pages.second_factor_page_required)
    app.add_exception_handler(pages.PasswordPage, pages.password_page_required)
    app.add_exception_handler(error_pages.PageForbidden, error_pages.forbidden_page)
    app.add_exception_handler(StarletteHTTPException, error_pages.http_error_page)
    app.add_exception_handler(NotFound, error_pages.not_found_page)
    for router in (
        _meta_router(),
        event_routes.router,
        registry_routes.router,
        plan_image_routes.router,
        users.router,
        user_keys.router,
        session.router,
        privacy_routes.router,
        alert_routes.router,
        alert_rule_routes.router,
        overview_routes.router,
        webhooks.router,
        garage.router,
        access_routes.router,
        cameras.router,
        pages.router,
        explorer_page.router,
        overview_page.router,
        device_page.router,
        plan_page.router,
        vendor.router,
        attendance_corrections.router,
        door_routes.router,
        attendance_page.router,
        doors_page.router,
        garage_config_pages.router,
        garage_page.router,
        review_page.router,
        account_resets.router,
        own_sessions.router,
        account_pages.router,
        access_person_extras.router,
        people_pages.router,
        subject_requests.router,
        consent_register.router,
        privacy_records.router,
        privacy_pages.router,
        audit_routes.router,
        audit_page.router,
        doctor_page.router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=pages.STATIC_DIR), name="static")

    app.add_middleware(
        RequestLimits,
        limit=settings.max_api_body_bytes,
        large_limit=settings.max_ingest_body_bytes,
        large_body_paths=frozenset({event_routes.INGEST_PATH}),
        max_json_depth=settings.max_json_depth,
        path_limits=(
            (garage.FRAMES_PATH, MAX_IMAGE_BYTES),
            (access_routes.DECIDE_PATH, MAX_IMAGE_BYTES),
            (access_routes.ENROL_PATH, access_routes.ENROL_LIMIT),
            (cameras.SNAPSHOTS_PATH, MAX_IMAGE_BYTES),
            (plan_image_routes.PLAN_IMAGE_PATH, plan_image_routes.PLAN_IMAGE_MAX_BYTES),
        ),
    )

    @app.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        # Always ours: a client's X-Request-ID would otherwise be written into the audit log.
        request.state.request_id = secrets.token_hex(8)
        path = request.url.path
        if len(path) > 1 and path.endswith("/") and not path.startswith("/static/"):
            response: Response = _no_trailing_slash(request, path)
        else:
            response = await call_next(request)
        response.headers["X-Request-ID"] = request.state.request_id
        i18n.remember_language(request, response)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        if not request.url.path.startswith("/static"):
            response.headers["Cache-Control"] = "no-store"
        if settings.tls_enabled:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    return app
