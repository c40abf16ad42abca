"""The browser-test harness itself: the injected wallet is found the two ways a dApp looks for one
(EIP-6963, window.ethereum), signs what the account signs, sends transactions that land on the
stack's Anvil, and refuses what a real wallet refuses; the dApp's index loads from 127.0.0.1
alone, without console errors; the chain helpers move the clock and wait for the indexer."""

from __future__ import annotations

import json
import secrets

import httpx
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import keccak

from tests.web.wallet.wallet import NAME, RDNS, Approval

HARNESS_PATH = "/__wallet-harness__"  # not a route of the API: each test serves it to itself
HARNESS_HTML = "<!doctype html><title>wallet harness</title><p>harness</p>"

# What mipd (the dApp's discovery library) does: listen for announcements, then ask.
DISCOVER = """async () => {
  const found = [];
  window.addEventListener("eip6963:announceProvider", (event) => found.push(event.detail));
  window.dispatchEvent(new Event("eip6963:requestProvider"));
  await new Promise((resolve) => setTimeout(resolve, 50));
  return found.map((d) => ({
    info: d.info,
    frozen: Object.isFrozen(d) && Object.isFrozen(d.info),
    isWindowEthereum: d.provider === window.ethereum,
  }));
}"""

# One provider request from the page, returning its result or its error as the page sees it.
REQUEST = """async ([method, params]) => {
  const provider = window.ethereum;
  try {
    return { result: await provider.request({ method, params }) };
  } catch (err) {
    return { error: { code: err.code, message: err.message, data: err.data ?? null } };
  }
}"""


@pytest.fixture
def harness(dapp, stack):
    """A page of the API's origin (served by the test itself) with the buyer's wallet."""

    def open_harness(account="buyer", **options):
        page = dapp(account, goto=False, **options)
        page.context.route(
            stack.api_url + HARNESS_PATH,
            lambda route: route.fulfill(status=200, content_type="text/html", body=HARNESS_HTML),
        )
        page.page.goto(stack.api_url + HARNESS_PATH)
        return page

    return open_harness


def ask(page, method, params=None):
    return page.page.evaluate(REQUEST, [method, params if params is not None else []])


def connect(page) -> str:
    (address,) = ask(page, "eth_requestAccounts")["result"]
    return address


# Discovery.


def test_the_wallet_is_announced_by_eip6963_and_is_window_ethereum(harness, screenshot):
    page = harness()
    (found,) = page.page.evaluate(DISCOVER)  # one answer to the request (the startup one is gone)
    info = found["info"]
    assert (info["name"], info["rdns"]) == (NAME, RDNS)
    assert info["icon"].startswith("data:image/svg+xml;base64,")
    assert len(info["uuid"]) == 36 and info["uuid"][14] == "4"  # a UUIDv4, as EIP-6963 asks
    assert found["frozen"] and found["isWindowEthereum"]
    assert ask(page, "eth_chainId") == {"result": "0x7a69"}
    screenshot(page, "harness")


def test_without_window_ethereum_the_wallet_is_found_by_eip6963_only(harness):
    page = harness(window_ethereum=False)
    assert page.page.evaluate("typeof window.ethereum") == "undefined"
    (found,) = page.page.evaluate(DISCOVER)
    assert found["info"]["name"] == NAME


def test_a_legacy_wallet_is_only_window_ethereum(harness):
    """The dApp's fallback: a wallet that predates EIP-6963 answers no discovery request."""
    page = harness(announce=False)
    assert page.page.evaluate(DISCOVER) == []
    assert page.page.evaluate("window.ethereum.isFairkeyTestWallet") is True


def test_the_wallet_announces_itself_to_a_page_that_listens_before_asking(harness):
    """EIP-6963: the wallet also announces once at start, so a listener that was added by an
    early script (before the wallet's) and never asks still learns of it."""
    page = harness()
    assert (
        page.page.evaluate(
            """() => new Promise((resolve) => {
             const heard = (e) => resolve(e.detail.info.rdns);
             window.addEventListener("eip6963:announceProvider", heard);
             window.dispatchEvent(new Event("eip6963:requestProvider"));
           })"""
        )
        == RDNS
    )


# Accounts.


def test_the_account_is_given_only_when_the_page_asks(harness, stack):
    page = harness()
    page.page.evaluate(
        "() => { window.seen = []; window.ethereum.on('accountsChanged', (a) => seen.push(a)); }"
    )
    assert ask(page, "eth_accounts") == {"result": []}
    assert connect(page) == stack.account("buyer").address
    assert ask(page, "eth_accounts") == {"result": [stack.account("buyer").address]}
    assert page.page.evaluate("window.seen") == [[stack.account("buyer").address]]


def test_switching_accounts_in_the_wallet_tells_the_page(harness, stack):
    page = harness(connected=True)
    page.page.evaluate(
        "() => { window.seen = []; window.ethereum.on('accountsChanged', (a) => seen.push(a)); }"
    )
    page.wallet.use(stack.account("merchant"))
    assert page.page.evaluate("window.seen") == [[stack.account("merchant").address]]
    assert ask(page, "eth_accounts") == {"result": [stack.account("merchant").address]}


def test_signing_before_connecting_is_refused(harness, stack):
    page = harness()
    answer = ask(page, "personal_sign", ["0x68656c6c6f", stack.account("buyer").address])
    assert answer["error"]["code"] == 4100


# Signatures.


def test_personal_sign_recovers_to_the_account(harness, stack):
    page = harness()
    address = connect(page)
    text = "Sign in to fairkey\nNonce: " + secrets.token_hex(8)
    answer = ask(page, "personal_sign", ["0x" + text.encode().hex(), address])
    recovered = Account.recover_message(encode_defunct(text=text), signature=answer["result"])
    assert recovered == stack.account("buyer").address
    assert page.wallet.calls("personal_sign")[0].params[1] == address


def test_typed_data_v4_recovers_to_the_account(harness, stack):
    page = harness("merchant")
    address = connect(page)
    typed = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "Vote": [
                {"name": "caseId", "type": "uint256"},
                {"name": "choice", "type": "uint8"},
                {"name": "salt", "type": "bytes32"},
            ],
        },
        "primaryType": "Vote",
        "domain": {
            "name": "fairkey court",
            "version": "1",
            "chainId": stack.chain_id,
            "verifyingContract": stack.deployment["arbitrator"],
        },  # fmt: skip
        "message": {"caseId": 1, "choice": 2, "salt": "0x" + "ab" * 32},
    }
    answer = ask(page, "eth_signTypedData_v4", [address, json.dumps(typed)])
    recovered = Account.recover_message(
        encode_typed_data(full_message=typed), signature=answer["result"]
    )
    assert recovered == stack.account("merchant").address


def test_a_rejected_prompt_reaches_the_page_as_4001(harness):
    page = harness()
    address = connect(page)
    page.wallet.reject("personal_sign")
    assert ask(page, "personal_sign", ["0x00", address])["error"]["code"] == 4001
    assert "result" in ask(page, "personal_sign", ["0x00", address])  # only the next prompt


# Transactions.


def test_a_sent_transaction_lands_on_anvil_and_is_indexed_after(harness, stack):
    page = harness(stack.fresh_account(eth=1))  # nothing else signs as it: exact balances
    address = connect(page)
    to = Account.create().address
    assert stack.chain.balance(address) == 10**18
    tx_hash = ask(page, "eth_sendTransaction", [{"from": address, "to": to, "value": hex(12345)}])[
        "result"
    ]
    receipt = stack.chain.receipt(tx_hash)
    assert receipt["status"] == "0x1"
    assert stack.chain.balance(to) == 12345
    (sent,) = page.wallet.transactions
    assert sent.hash == tx_hash and sent.to == to and sent.value == 12345
    assert sent.fields["type"] == 2 and sent.fields["gas"] >= 21_000  # filled from the node
    paid_gas = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
    assert stack.chain.balance(address) == 10**18 - 12345 - paid_gas
    # The page reads the receipt through the wallet too (forwarded to Anvil).
    assert ask(page, "eth_getTransactionReceipt", [tx_hash])["result"]["status"] == "0x1"
    assert stack.wait_indexed(int(receipt["blockNumber"], 16)) >= int(receipt["blockNumber"], 16)


def test_a_revert_reaches_the_page_with_its_error_data(harness, stack):
    """The dApp names the escrow's custom error from the revert data: the wallet passes the
    node's error through untouched (and sends nothing)."""
    page = harness()
    address = connect(page)
    selector = "0x" + keccak(text="EscrowZeroAddress()")[:4].hex()
    data = "0x" + keccak(text="withdrawTo(address,address)")[:4].hex() + "00" * 64
    call = {"from": address, "to": stack.deployment["escrow"], "data": data}
    answer = ask(page, "eth_sendTransaction", [call])
    assert answer["error"]["code"] == 3
    assert answer["error"]["data"].startswith(selector)
    assert page.wallet.transactions == []


def test_an_erc20_approval_is_decoded_for_assertions(harness, stack):
    page = harness()
    address = connect(page)
    spender, amount = stack.deployment["escrow"], 10**16
    data = "0x095ea7b3" + spender[2:].lower().rjust(64, "0") + hex(amount)[2:].rjust(64, "0")
    token = stack.deployment["token"]
    tx_hash = ask(page, "eth_sendTransaction", [{"from": address, "to": token, "data": data}])[
        "result"
    ]
    assert stack.chain.receipt(tx_hash)["status"] == "0x1"
    assert page.wallet.approvals() == [Approval(token, spender, amount)]


# Chains and methods a real wallet does not offer.


def test_switching_to_the_stacks_chain_succeeds_and_to_another_is_unknown(harness):
    page = harness()
    assert ask(page, "wallet_switchEthereumChain", [{"chainId": "0x7a69"}]) == {"result": None}
    assert ask(page, "wallet_switchEthereumChain", [{"chainId": "0x1"}])["error"]["code"] == 4902


def test_development_node_methods_are_refused(harness, stack):
    page = harness()
    before = stack.chain.now()
    assert ask(page, "evm_increaseTime", [3600])["error"]["code"] == 4200
    assert ask(page, "eth_sign", [stack.account("buyer").address, "0x00"])["error"]["code"] == 4200
    assert stack.chain.now() < before + 3600


# The dApp's index.


def test_the_dapp_index_loads_from_127_0_0_1_alone_without_console_errors(dapp, stack, screenshot):
    page = dapp("buyer")
    page.settle()
    assert page.page.evaluate("document.body.innerText.trim().length") > 0  # it rendered
    assert page.console_errors == [] and page.http_errors == []
    assert page.external_requests() == []
    assert any(url.startswith(stack.dapp_url + "assets/") for url in page.requests), page.requests
    screenshot(page, "index")


def test_a_request_leaving_the_machine_is_blocked_and_recorded(harness):
    """What makes the test above meaningful: a CDN request would be seen (and fail fast)."""
    page = harness()
    outcome = page.page.evaluate(
        "() => fetch('https://cdn.jsdelivr.net/npm/viem').then(() => 'loaded', () => 'blocked')"
    )
    assert outcome == "blocked"
    assert page.external_requests() == ["https://cdn.jsdelivr.net/npm/viem"]
    (failed,) = page.http_errors
    assert failed.startswith(
        "failed GET https://cdn.jsdelivr.net/npm/viem (net::ERR_BLOCKED_BY_CLIENT"
    )


def test_an_http_error_is_recorded_apart_from_the_pages_own_errors(harness, stack):
    page = harness()
    missing = stack.api_url + "/no-such-route"
    with page.page.expect_response(missing):
        assert page.page.evaluate("(url) => fetch(url).then((r) => r.status)", missing) == 404
    with page.page.expect_console_message():
        page.page.evaluate("() => console.error('the page says so')")
    assert page.http_errors == [f"404 GET {missing}"]
    assert [e.split(" (")[0] for e in page.console_errors] == ["the page says so"]


@pytest.mark.parametrize(("lang", "locale"), [("zh", "zh-CN"), ("en", "en-US")])
def test_the_language_is_the_browsers(harness, lang, locale):
    page = harness(lang=lang)
    assert page.page.evaluate("navigator.language") == locale
    sent = []
    page.page.on("request", lambda request: sent.append(request.headers.get("accept-language")))
    page.page.reload()
    assert sent and sent[0].startswith(locale)


# The chain helpers.


def test_advance_moves_the_chain_clock_and_mines(chain, stack):
    before_block, before_time = chain.head(), chain.now()
    assert chain.advance(10) >= before_time + 10  # small: the stack's other tests share the clock
    # The mined block is the next one (the keeper may add its own after it, reacting).
    mined = stack.rpc.call("eth_getBlockByNumber", [hex(before_block + 1), False])
    assert int(mined["timestamp"], 16) >= before_time + 10


def test_the_stack_serves_the_dapp_and_the_api_on_127_0_0_1(stack):
    health = httpx.get(stack.api_url + "/health", timeout=5).json()
    assert health["chain_id"] == stack.chain_id == 31337
    assert health["court"].lower() == stack.deployment["arbitrator"].lower()
    assert httpx.get(stack.dapp_url, timeout=5).status_code == 200
    assert stack.roles["buyer"] == 3
    assert stack.account("buyer").address == "0x90F79bf6EB2c4f870365E785982E1f101E93b906"
