"""The route check: call every route of this build without credentials."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute

from sitewarden.doctor.findings import Finding, Level


def api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every API route, including those of included routers."""
    flat: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            flat.append(route)
        elif hasattr(route, "original_router"):
            flat.extend(api_routes(route.original_router.routes))
    return flat


def _concrete(path: str) -> str:
    return re.sub(r"\{\w+\}", "doctor-probe", path)


def check_routes(app: FastAPI, public: dict[tuple[str, str], str]) -> list[Finding]:
    """Every route but the declared public ones must answer 401 to an anonymous call."""
    calls = [
        (method, route.path)
        for route in api_routes(app.routes)
        for method in sorted(route.methods or ())
        if (method, route.path) not in public
    ]
    statuses = asyncio.run(_call_anonymously(app, calls))
    open_routes = [
        f"{method} {path} answered {status}"
        for (method, path), status in zip(calls, statuses, strict=True)
        if status != 401
    ]
    if open_routes:
        return [
            Finding(
                "routes",
                Level.CRITICAL,
                f"route without authentication: {entry}",
                "every route must require credentials; report this as a bug",
            )
            for entry in open_routes
        ]
    return [Finding("routes", Level.OK, f"{len(calls)} routes refuse anonymous calls")]


async def _call_anonymously(app: FastAPI, calls: list[tuple[str, str]]) -> list[int]:
    # In process, without the lifespan: no writer or background work starts.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://doctor") as client:
        return [
            (await client.request(method, _concrete(path), json={})).status_code
            for method, path in calls
        ]
