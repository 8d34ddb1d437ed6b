"""Front-end libraries from npm, served from the package's own ``frontend/node_modules``.

``scripts/setup-env`` installs them with ``npm ci`` from the committed lockfile
(``frontend/package-lock.json``); nothing third-party is committed and nothing comes from a
CDN. Only the files named here are served, so the rest of ``node_modules`` stays private.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse, Response

FRONTEND_DIR = Path(__file__).parent / "frontend"
NODE_MODULES = FRONTEND_DIR / "node_modules"

# Address under /static/vendor/ → file inside node_modules.
VENDOR_FILES: dict[str, str] = {
    "chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
}

router = APIRouter(include_in_schema=False)


def missing_vendor_files(node_modules: Path = NODE_MODULES) -> list[str]:
    """The vendored files that are not installed (empty when ``npm ci`` has run)."""
    return [name for name, path in VENDOR_FILES.items() if not (node_modules / path).is_file()]


@router.get("/static/vendor/{name}")
def vendor_file(name: str) -> Response:
    relative = VENDOR_FILES.get(name)
    if relative is None:
        return PlainTextResponse("no such front-end library file", status_code=404)
    path = NODE_MODULES / relative
    if not path.is_file():
        return PlainTextResponse(
            f"front-end library {name} is not installed: run scripts/setup-env "
            "(it runs npm ci in src/sitewarden/web/frontend)",
            status_code=503,
        )
    return FileResponse(
        path, media_type="text/javascript", headers={"Cache-Control": "max-age=3600"}
    )
