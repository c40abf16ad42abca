"""The dApp served by the API under /app/: its files, index.html for the client's own routes,
nothing outside the build folder, and no dApp routes at all when it is not built."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from api.web import mount_dapp
from tests.support.serve import serve_in_thread

INDEX = b"<!doctype html><title>fairkey</title>"


@pytest.fixture
def dist(tmp_path):
    folder = tmp_path / "dist"
    (folder / "assets").mkdir(parents=True)
    (folder / "index.html").write_bytes(INDEX)
    (folder / "assets" / "main-abc.js").write_text("console.log('fairkey')")
    (folder / "favicon.svg").write_text("<svg/>")
    (tmp_path / "secret.txt").write_text("not for the web")
    return folder


def test_the_dapp_is_served_under_app_and_routes_on_the_client(dist):
    app = FastAPI()
    assert mount_dapp(app, dist)
    with serve_in_thread(app) as url, httpx.Client(base_url=url) as http:
        root = http.get("/", follow_redirects=False)
        assert root.status_code == 307 and root.headers["location"] == "/app/"
        assert http.get("/app/").content == INDEX
        assert http.get("/app/orders/0xabc").content == INDEX  # a client-side route
        script = http.get("/app/assets/main-abc.js")
        assert script.status_code == 200 and "javascript" in script.headers["content-type"]
        assert http.get("/app/favicon.svg").text == "<svg/>"
        assert b"not for the web" not in http.get("/app/..%2Fsecret.txt").content
        assert http.get("/app/assets/missing.js").status_code == 404


def test_no_dapp_routes_without_a_build(tmp_path):
    app = FastAPI()
    assert not mount_dapp(app, tmp_path / "dist")
    with serve_in_thread(app) as url:
        assert httpx.get(f"{url}/app/").status_code == 404
