"""Request limits applied before any route runs: body size and JSON depth.

Pure ASGI so that an oversized body is refused while it streams in, not after.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from sitewarden.api.errors import error_response
from sitewarden.intake.validation import json_depth

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class _TooLarge(Exception):
    pass


class RequestLimits:
    """Refuse bodies over the size limit (413) and JSON nested too deep (400).

    ``large_body_paths`` (the ingest route) get ``large_limit``; paths matching a
    ``path_limits`` pattern their own limit; the rest ``limit``.
    Ingest bodies are checked for depth per event by the validator instead.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        large_limit: int,
        large_body_paths: frozenset[str],
        max_json_depth: int,
        path_limits: tuple[tuple[re.Pattern[str], int], ...] = (),
    ) -> None:
        self.app = app
        self.path_limits = path_limits
        self.limit = limit
        self.large_limit = large_limit
        self.large_body_paths = large_body_paths
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        large = scope["path"] in self.large_body_paths
        limit = self.large_limit if large else self.limit
        for pattern, path_limit in self.path_limits:  # binary uploads such as gate frames
            if pattern.match(scope["path"]):
                large, limit = True, path_limit
        headers = {key.decode().lower(): value.decode() for key, value in scope["headers"]}
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, receive, send, limit)
            return
        try:
            body = await _read_body(receive, limit)
        except _TooLarge:
            await self._too_large(scope, receive, send, limit)
            return
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if not large and content_type == "application/json" and body:
            problem = self._json_problem(body)
            if problem is not None:
                response = error_response(400, "bad_request", problem)
                await response(scope, receive, send)
                return
        await self.app(scope, _replay(body, receive), send)

    def _json_problem(self, body: bytes) -> str | None:
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            return f"body is not valid JSON: {exc}"
        if json_depth(parsed, self.max_json_depth) > self.max_json_depth:
            return f"JSON nested deeper than {self.max_json_depth} levels"
        return None

    @staticmethod
    async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(
            413, "payload_too_large", f"request body over the {limit}-byte limit"
        )
        await response(scope, receive, send)


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, original: Receive) -> Receive:
    """Hand the buffered body to the app once, then pass on what the server sends next."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive
