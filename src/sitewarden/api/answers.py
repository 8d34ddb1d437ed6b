"""Answers many routes give the same way."""

from __future__ import annotations

from fastapi import Response

from sitewarden.errors import NotFound


def deleted_or_404(removed: int, missing: str) -> Response:
    """204 (no body) when a delete removed something (a row count, or a bool); otherwise
    ``NotFound`` (404) saying ``missing``."""
    if not removed:
        raise NotFound(missing)
    return Response(status_code=204)
