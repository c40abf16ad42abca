"""Puts the test wallet into a browser context: the Playwright binding the page's provider calls,
and the provider itself (provider.js) as an init script, so it exists before the dApp's first
script runs, in every page and frame the context opens."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from playwright.sync_api import BrowserContext, Error

from tests.web.wallet.wallet import TestWallet

BINDING = "__fairkeyWalletRequest"  # window function the provider's request() calls
EMITTER = "__fairkeyWalletEmit"  # window function Python calls to emit an event in the page
_PROVIDER = (Path(__file__).with_name("provider.js")).read_text().strip()


def install(
    context: BrowserContext,
    wallet: TestWallet,
    *,
    announce: bool = True,
    window_ethereum: bool = True,
) -> None:
    """`announce`: answer EIP-6963 discovery; `window_ethereum`: also set window.ethereum (False
    tests a dApp's discovery without the legacy global, or its fallback when nothing answers)."""

    def request(_source: dict, payload: dict) -> dict:
        return wallet.answer(payload["method"], payload.get("params"))

    def emit(event: str, payload: Any) -> None:
        for page in context.pages:
            with contextlib.suppress(Error):  # a page closing or navigating: it asks on load
                page.evaluate(f"([e, p]) => window.{EMITTER}?.(e, p)", [event, payload])

    context.expose_binding(BINDING, request)
    config = {
        "binding": BINDING,
        "emitter": EMITTER,
        "info": wallet.info,
        "announce": announce,
        "windowEthereum": window_ethereum,
    }
    context.add_init_script(script=f"({_PROVIDER})({json.dumps(config)});")
    wallet.emit = emit
