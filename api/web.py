"""The dApp (web/, built by Vite into web/dist) served by the API under /app/, so one process
and one origin serve the pages and the routes they call (SIWE cookies and CORS stay simple).
Paths inside /app/ that are not files get index.html: the dApp routes on the client."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

APP_PATH = "/app"


def mount_dapp(app: FastAPI, dist: Path) -> bool:
    """Serves `dist` under /app/ (and / redirects there); False when the dApp is not built."""
    index = dist / "index.html"
    if not index.is_file():
        return False
    app.mount(f"{APP_PATH}/assets", StaticFiles(directory=dist / "assets"), name="dapp-assets")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse(f"{APP_PATH}/")

    @app.get(f"{APP_PATH}/{{path:path}}", include_in_schema=False)
    def page(path: str) -> FileResponse:
        target = (dist / path).resolve()
        if path and target.is_file() and target.is_relative_to(dist.resolve()):
            return FileResponse(target)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return True
