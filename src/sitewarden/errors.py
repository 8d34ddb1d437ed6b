"""The domain's exceptions.

Each one carries a message written for an operator: what is wrong and what to do.
The API edge maps them to HTTP status codes in one place (``api/errors.py``).
"""

from __future__ import annotations


class SitewardenError(Exception):
    """Base of every error sitewarden raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(SitewardenError):
    """The configuration is missing, contradictory or unsafe."""

    code = "config_error"


class NotFound(SitewardenError):
    """The thing asked for does not exist (or the caller may not know it exists)."""

    code = "not_found"


class AlreadyExists(SitewardenError):
    """A thing with the same identity exists already."""

    code = "already_exists"


class InvalidInput(SitewardenError):
    """Input that is well-formed but not acceptable."""

    code = "invalid_input"


class Conflict(SitewardenError):
    """The request contradicts the current state (for example deleting a site in use)."""

    code = "conflict"


class AuthenticationFailed(SitewardenError):
    """Credentials are missing, unknown, revoked or expired."""

    code = "unauthenticated"


class PermissionDenied(SitewardenError):
    """The caller is known but may not do this."""

    code = "forbidden"


class PayloadTooLarge(SitewardenError):
    """A request body or batch is over its limit."""

    code = "payload_too_large"


class UnsealedPersonalData(RuntimeError):
    """Code tried to store an event whose personal part was never sealed: a bug in
    sitewarden, not a passing database problem, so it is not a StoreError (which
    answers 503 and tells clients to retry); the request fails with 500."""


class StoreError(SitewardenError):
    """The database could not do what was asked (not the caller's fault)."""

    code = "store_error"


class DatabaseUnavailable(StoreError):
    """The database server cannot be reached or cut the connection (a restart, a
    fail-over, an outage): the same work can be tried again once it is back."""

    code = "database_unavailable"


class MalformedRequest(InvalidInput):
    """The request cannot be read at all (not JSON, wrong framing)."""

    code = "bad_request"


class UnsupportedMediaType(InvalidInput):
    """The body is in a format sitewarden does not take here."""

    code = "unsupported_media_type"
