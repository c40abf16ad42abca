"""A person at the dApp: one browser context (its own cookies, language and wallet) with the test
wallet injected, one page in it, and a record of what the page did: every request it made
(to prove nothing leaves 127.0.0.1), every error its code logged or threw, and every request
that failed or was answered with an HTTP error."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request, Response

from tests.web.wallet import TestWallet, install

LOCAL_HOST = "127.0.0.1"
# Requests that go nowhere: inline data, blobs, the page's own about: and Chromium's internals.
_NOWHERE = ("data", "blob", "about", "chrome", "chrome-extension", "devtools")
_NETWORK_ERROR = "Failed to load resource:"  # Chromium's console line for a failed request
_STREAMS = ("eventsource", "websocket")  # requests that stay open while the page lives
LANGS = {"en": "en-US", "zh": "zh-CN"}  # short names the tests use -> browser locales
# Anything that would leave the machine is answered "blocked" at once (and still recorded):
# a test never waits on a CDN or the internet, and cannot pass because one answered.
_NOT_LOCAL = re.compile(r"^(?!https?://127\.0\.0\.1[:/])(https?|wss?)://")


@dataclass
class DappPage:
    page: Page
    context: BrowserContext
    wallet: TestWallet
    base_url: str  # the dApp's root, e.g. http://127.0.0.1:PORT/app/
    requests: list[str] = field(default_factory=list)  # every URL the context requested
    # What the page's code reported: console.error calls and uncaught exceptions.
    console_errors: list[str] = field(default_factory=list)
    # Requests answered 4xx/5xx or not at all ("404 GET http://…"): Chromium also logs these to
    # the console as "Failed to load resource", which console_errors leaves to this list.
    http_errors: list[str] = field(default_factory=list)
    in_flight: set[Request] = field(default_factory=set)  # requests not answered yet

    def goto(self, path: str = "") -> Page:
        """Open a dApp path ("" is its index, "orders/0x…" a route) and wait for it to load."""
        self.page.goto(self.base_url + path.lstrip("/"))
        return self.page

    def settle(self, quiet_ms: int = 300, timeout_ms: int = 15_000) -> None:
        """Wait until no request is pending for `quiet_ms` (streams, such as the notifications'
        EventSource, never end and do not count). Playwright's "networkidle" would wait forever
        for a page that listens to a stream."""
        waited = quiet = 0
        while quiet < quiet_ms:
            if waited > timeout_ms:
                pending = ", ".join(sorted(r.url for r in self.in_flight))
                raise AssertionError(f"the page never settled; still pending: {pending}")
            self.page.wait_for_timeout(50)  # lets Playwright deliver the page's events
            waited += 50
            quiet = quiet + 50 if not self.in_flight else 0

    def external_requests(self) -> list[str]:
        """Requests to anywhere but 127.0.0.1 (a CDN, a font service, a wallet's RPC)."""
        return [url for url in self.requests if _leaves_machine(url)]

    def close(self) -> None:
        self.context.close()


def open_dapp(
    browser: Browser,
    wallet: TestWallet,
    base_url: str,
    *,
    lang: str | None = None,
    announce: bool = True,
    window_ethereum: bool = True,
) -> DappPage:
    """A new context and page with the wallet installed, not yet navigated (call goto)."""
    locale = LANGS.get(lang, lang) if lang else "en-US"
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    install(context, wallet, announce=announce, window_ethereum=window_ethereum)
    context.route(_NOT_LOCAL, lambda route: route.abort("blockedbyclient"))
    page = context.new_page()
    opened = DappPage(page, context, wallet, base_url)
    context.on("request", lambda request: _started(opened, request))
    context.on("requestfinished", lambda request: opened.in_flight.discard(request))
    context.on("requestfailed", lambda request: _failed(opened, request))
    context.on("response", lambda response: _answered(opened, response))
    page.on("console", lambda message: _console(opened, message))
    page.on("pageerror", lambda error: opened.console_errors.append(f"uncaught: {error}"))
    return opened


def _started(opened: DappPage, request: Request) -> None:
    opened.requests.append(request.url)
    if request.resource_type not in _STREAMS:
        opened.in_flight.add(request)


def _failed(opened: DappPage, request: Request) -> None:
    opened.in_flight.discard(request)
    opened.http_errors.append(f"failed {request.method} {request.url} ({request.failure})")


def _answered(opened: DappPage, response: Response) -> None:
    if response.status >= 400:
        opened.http_errors.append(f"{response.status} {response.request.method} {response.url}")


def _console(opened: DappPage, message: ConsoleMessage) -> None:
    if message.type == "error" and not message.text.startswith(_NETWORK_ERROR):
        where = message.location.get("url", "") if message.location else ""
        opened.console_errors.append(f"{message.text} ({where})" if where else message.text)


def _leaves_machine(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme not in _NOWHERE and parts.hostname != LOCAL_HOST


def save_screenshot(page: Page, folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{re.sub(r'[^A-Za-z0-9._-]+', '-', name).strip('-') or 'page'}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
