"""Fixtures of the browser tests (tests/web/README.md): Debian's Chromium driven by Playwright,
the running product (`make up` on free ports, tests/web/stack.py) and the dApp opened with the
test wallet injected (tests/web/wallet/), signing with Anvil's dev accounts.

    def test_buyer_pays(stack, dapp, screenshot):
        shop = dapp("buyer")                 # the dApp's index, wallet of dev account 3
        shop.page.get_by_role("button", name="Connect").click()
        ...
        screenshot(shop, "paid")             # tests/artifacts/web/<test>/paid.png
        assert shop.wallet.approvals() == [...]

One stack per test process (each xdist worker), shared by its tests: a test creates what it
needs (its own order, listing, account) rather than counting on a pristine chain, and moves the
chain's clock only by what its deadlines need.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from eth_account.signers.local import LocalAccount
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.web.chain import Chain
from tests.web.dapp import DappPage, open_dapp, save_screenshot
from tests.web.stack import ROOT, Stack, start_stack
from tests.web.wallet import TestWallet

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright cannot download its own browsers here
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update"]  # fmt: skip
ARTIFACTS = ROOT / "tests" / "artifacts" / "web"  # git-ignored
# FAIRKEY_WEB_TRACE=1: each dApp page also records a Playwright trace (trace-N.zip beside its
# screenshots; `.venv/bin/playwright show-trace <file>` replays it, DOM and network included).
TRACE = os.environ.get("FAIRKEY_WEB_TRACE", "") not in ("", "0")

# The page changes when a service acts (the bot delivers in the next block, the indexer follows):
# assertions wait for that, up to a bound that holds on a loaded 2-core machine.
expect.set_options(timeout=15_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)  # read by `dapp`'s teardown
    return report


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Iterator[Stack]:
    """The running product: `.rpc_url`, `.api_url`, `.dapp_url`, `.roles`, `.account(role)`,
    `.fairkey(role, *args)` (the real CLI), `.chain`, `.wait_indexed()`, `.log(service)`."""
    running = start_stack(tmp_path_factory.mktemp("web-stack") / "fairkey")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    started = {"started_in_s": round(running.started_in, 2), "resumed": running.resumed}
    (ARTIFACTS / f"stack-{worker}.json").write_text(json.dumps(started) + "\n")
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def chain(stack) -> Chain:
    """Move the chain's clock (`advance(seconds)`, `advance_past(deadline)`), mine, read."""
    return stack.chain


@pytest.fixture
def artifacts(request) -> Path:
    """This test's folder under tests/artifacts/web/ (emptied at its start)."""
    module = Path(request.node.path).stem
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", request.node.name).strip("-")
    folder = ARTIFACTS / module / name
    shutil.rmtree(folder, ignore_errors=True)
    return folder


@pytest.fixture
def screenshot(artifacts) -> Callable[[Page | DappPage, str], Path]:
    """screenshot(page, name): a full-page PNG at tests/artifacts/web/<module>/<test>/<name>.png."""

    def take(page: Page | DappPage, name: str) -> Path:
        return save_screenshot(page.page if isinstance(page, DappPage) else page, artifacts, name)

    return take


@pytest.fixture
def dapp(request, browser, stack, artifacts) -> Iterator[Callable[..., DappPage]]:
    """dapp(account="buyer", lang=None, path="", connected=False, announce=True,
    window_ethereum=True, goto=True) -> DappPage: a new browser context (own cookies, locale:
    "en", "zh" or any browser locale) whose wallet holds `account` (a role, a dev account
    index, or an account such as `stack.fresh_account()`), opened on the dApp at `path`.
    `connected=True`: the wallet already gave the page its account (eth_accounts answers it
    without a prompt). Several calls = several people. At the end each page's last state is
    saved as a screenshot; on failure also its console errors, the wallet's requests and the
    services' logs."""
    opened: list[DappPage] = []

    def open_one(
        account: str | int | LocalAccount = "buyer",
        lang: str | None = None,
        path: str = "",
        *,
        connected: bool = False,
        announce: bool = True,
        window_ethereum: bool = True,
        goto: bool = True,
    ) -> DappPage:
        wallet = TestWallet(stack.rpc, stack.account(account), stack.chain_id, connected)
        page = open_dapp(browser, wallet, stack.dapp_url, lang=lang, announce=announce,
                         window_ethereum=window_ethereum)  # fmt: skip
        opened.append(page)
        if TRACE:
            page.context.tracing.start(screenshots=True, snapshots=True)
        if goto:
            page.goto(path)
        return page

    yield open_one
    reports = (getattr(request.node, f"report_{when}", None) for when in ("setup", "call"))
    failed = any(report is not None and report.failed for report in reports)
    for n, page in enumerate(opened, 1):
        _keep_last_state(page, artifacts, f"end-{n}", failed)
        if TRACE:
            page.context.tracing.stop(path=str(artifacts / f"trace-{n}.zip"))
        page.close()
    if failed:  # what the services did meanwhile, for the post-mortem
        shutil.copytree(stack.home / "logs", artifacts / "logs", dirs_exist_ok=True)


def _keep_last_state(page: DappPage, folder: Path, name: str, failed: bool) -> None:
    if page.page.is_closed():
        return
    # A page that cannot be captured must not hide the test's own result.
    with contextlib.suppress(Exception):
        save_screenshot(page.page, folder, name)
    if failed:
        folder.mkdir(parents=True, exist_ok=True)
        requests = [{"method": r.method, "params": r.params, "result": r.result, "error": r.error}
                    for r in page.wallet.requests]  # fmt: skip
        (folder / f"{name}.json").write_text(json.dumps({
            "url": page.page.url,
            "console_errors": page.console_errors,
            "http_errors": page.http_errors,
            "external_requests": page.external_requests(),
            "wallet_requests": requests,
        }, indent=2, default=str) + "\n")  # fmt: skip
