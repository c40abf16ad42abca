"""The key verifier end to end: real Anvil, real contracts, real HTTP (verifier and issuer
simulator under uvicorn). Retry waits use an injected clock, deadlines move the chain clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import pytest

from fairkey.chain.types import DisputeReason, OrderStatus, RefundCause, Verdict, order_ref
from fairkey.flows.buyer import open_delivery
from fairkey.issuers.http_json import HttpJsonAdapter
from fairkey.issuers.simulator import FailureModes
from fairkey.verifier.client import VerifierClient, VerifierError, VerifierMismatch
from fairkey.verifier.routes import create_verifier_app
from fairkey.verifier.service import RetryPolicy, VerifierService
from fairkey.verifier.store import DecisionStore
from tests.support.disputes import Deal, delivered_order, dispute, single_event
from tests.support.mempool import Mempool
from tests.verifier import serve


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def sim(issuer):
    sim, _ = issuer
    sim.keys.clear()
    sim.set_failures(FailureModes())
    return sim


@pytest.fixture
def fake_time():
    return FakeTime()


@pytest.fixture
def verifier(market, issuer, sim, fake_time, tmp_path):
    """The verifier service (the listings' verifier role) on a real port; yields a buyer client."""
    _, issuer_url = issuer
    adapter = HttpJsonAdapter(f"{issuer_url}/redeem-check", timeout=2.0)
    store = DecisionStore.at(tmp_path / "verifier.sqlite")
    service = VerifierService(
        market.client("stranger"),
        market.accounts["verifier"],
        adapter,
        store,
        RetryPolicy(attempts=4, budget_seconds=20, base_delay=1, max_delay=4),
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )
    with serve(create_verifier_app(service)) as url, VerifierClient(url) as client:
        yield client
    adapter.close()
    store.close()


def delivered_key(deal: Deal) -> str:
    """What the buyer reads after decrypting the delivery from the chain."""
    opened = open_delivery(deal.client("buyer"), deal.order_id, deal.key)
    assert opened.check.ok
    return opened.key_text


def disputed_deal(
    market, supplier: str = "supplier-a", reason: DisputeReason = DisputeReason.KEY_INVALID
) -> Deal:
    listing = market.make_listing()
    stock = market.make_stock(listing, 3, supplier=supplier)
    order_id, key = market.make_order(listing)
    record, _ = market.deliver(order_id, stock)
    deal = Deal(market, listing, stock, order_id, key, record)
    dispute(deal, reason)
    return deal


def check(verifier: VerifierClient, deal: Deal, key: str | None = None) -> dict:
    return verifier.check_key(
        deal.order_id,
        delivered_key(deal) if key is None else key,
        expect_verifier=deal.market.address("verifier"),
        expect_chain_id=deal.market.w3.eth.chain_id,
        expect_escrow=deal.market.escrow_address,
    )


def test_info_names_the_verifier(market, verifier):
    info = verifier.info()
    assert info.address == market.address("verifier")
    assert info.chain_id == 31337
    assert info.escrow == market.escrow_address


def test_redeemed_key_refunds_after_the_appeal_window(market, verifier, sim):
    deal = disputed_deal(market)
    key = delivered_key(deal)
    sim.set_keys({key: "redeemed"})

    decision = check(verifier, deal, key)

    assert decision["answer"] == "redeemed" and decision["outcome"] == "refund_pending"
    assert decision["tx_hash"] and decision["attempts"] == 1 and decision["delivery_no"] == 0
    assert deal.order().status is OrderStatus.VERIFIER_REFUND_PENDING
    attested = market.client("stranger").events("VerifierAttested", orderId=deal.order_id)
    assert attested[0].args["verdict"] == 2 and attested[0].tx_hash.removeprefix("0x") == decision[
        "tx_hash"
    ].removeprefix("0x")

    market.clock.advance_past(deal.order().deadline)
    result = market.client("stranger").execute_verifier_refund(deal.order_id)
    assert single_event(result, "OrderRefunded").args["cause"] == RefundCause.VERIFIER_ATTESTED
    assert deal.order().status is OrderStatus.REFUNDED


def test_invalid_key_gets_verdict_invalid(market, verifier, sim):
    deal = disputed_deal(market)  # the simulator never issued it: "bad"
    decision = check(verifier, deal)
    assert decision["answer"] == "invalid"
    attested = market.client("stranger").events("VerifierAttested", orderId=deal.order_id)
    assert attested[0].args["verdict"] == 1


@pytest.mark.parametrize(
    "reason", [DisputeReason.KEY_INVALID, DisputeReason.NOT_AS_DESCRIBED, DisputeReason.OTHER]
)
def test_a_valid_key_gets_verdict_valid_and_the_order_is_delivered_again(
    market, verifier, sim, reason
):
    deal = disputed_deal(market, reason=reason)
    sim.set_keys({delivered_key(deal): "valid"})

    decision = check(verifier, deal)

    assert decision["answer"] == "valid" and decision["outcome"] == "no_refund"
    assert decision["tx_hash"] and "delivered again" in decision["message"]
    order = deal.order()
    assert order.status is OrderStatus.DELIVERED and order.verdict_stands
    attested = market.client("stranger").events("VerifierAttested", orderId=deal.order_id)
    assert attested[0].args["verdict"] == Verdict.VALID
    # Asked again, the verifier answers from its record: no second issuer call, no second tx.
    again = check(verifier, deal)
    assert again["repeated"] and again["tx_hash"] == decision["tx_hash"]


def test_a_valid_key_is_settled_to_the_merchant_with_the_dispute_bond(market, verifier, sim):
    deal = disputed_deal(market)
    sim.set_keys({delivered_key(deal): "valid"})
    check(verifier, deal)
    market.clock.advance_past(deal.order().deadline)
    result = market.client("stranger").settle(deal.order_id)
    assert single_event(result, "OrderCompleted").args["cause"] == 1  # ConfirmWindowPassed
    assert deal.order().status is OrderStatus.COMPLETED


def test_region_locked_key_is_no_refund(market, verifier, sim):
    deal = disputed_deal(market)
    sim.set_keys({delivered_key(deal): "region_locked"})
    decision = check(verifier, deal)
    assert decision["outcome"] == "region_locked" and decision["tx_hash"] is None
    assert deal.order().status is OrderStatus.DISPUTED


def test_issuer_down_past_the_budget_goes_to_the_merchant(market, verifier, sim, fake_time):
    deal = disputed_deal(market)
    key = delivered_key(deal)
    sim.set_keys({key: "redeemed"})
    sim.set_failures(FailureModes(fail_first=100))

    decision = check(verifier, deal, key)

    assert decision["answer"] == "unavailable" and decision["outcome"] == "merchant_response"
    assert decision["attempts"] == 4 and fake_time.waits == [1, 2, 4]
    assert "merchant" in decision["message"]
    assert deal.order().status is OrderStatus.DISPUTED
    # Later, the issuer is back: the buyer may ask again, and this time gets a verdict.
    sim.set_failures(FailureModes())
    again = check(verifier, deal, key)
    assert again["answer"] == "redeemed" and again["attempts"] == 5
    assert deal.order().status is OrderStatus.VERIFIER_REFUND_PENDING


def test_flapping_issuer_is_retried(market, verifier, sim, fake_time):
    deal = disputed_deal(market)
    key = delivered_key(deal)
    sim.set_keys({key: "redeemed"})
    sim.set_failures(FailureModes(flapping=True))
    decision = check(verifier, deal, key)
    assert decision["answer"] == "redeemed" and decision["attempts"] == 2
    assert fake_time.waits == [1]


def test_not_the_delivered_key_is_422(market, verifier, sim):
    deal = disputed_deal(market)
    other = deal.stock.units[1].key.decode()  # a key of the same batch, not this order's
    with pytest.raises(VerifierError) as err:
        check(verifier, deal, other)
    assert err.value.status == 422
    problem = err.value.problem
    assert problem["type"].endswith("/wrong-key") and problem["status"] == 422
    assert "not the one delivered" in problem["detail"]
    assert sim.stats()["calls"] == 0


def test_problem_json_media_type(market, verifier):
    deal = disputed_deal(market)
    response = httpx.post(
        f"{verifier.base_url}/orders/{order_ref(deal.order_id)}/key-check",
        json={"envelope": {"nonce": "00"}},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_not_disputed_is_409(market, verifier, sim):
    deal = delivered_order(market)
    sim.set_keys({delivered_key(deal): "redeemed"})
    with pytest.raises(VerifierError) as err:
        check(verifier, deal)
    assert err.value.status == 409
    assert "key-invalid" in err.value.problem["detail"]
    assert sim.stats()["calls"] == 0
    assert deal.order().status is OrderStatus.DELIVERED


def test_the_same_check_twice_asks_the_issuer_once(market, verifier, sim):
    deal = disputed_deal(market)
    key = delivered_key(deal)
    sim.set_keys({key: "redeemed"})
    first = check(verifier, deal, key)
    second = check(verifier, deal, key)
    assert sim.stats()["calls"] == 1
    assert second["repeated"] and not first["repeated"]
    assert {k: v for k, v in second.items() if k != "repeated"} == {
        k: v for k, v in first.items() if k != "repeated"
    }


def test_suppliers_are_scored(market, verifier, sim):
    verdicts = [("acme", "redeemed"), ("acme", "valid"), ("globex", "invalid")]
    for supplier, state in verdicts:
        deal = disputed_deal(market, supplier)
        if state != "invalid":
            sim.set_keys({delivered_key(deal): state})
        check(verifier, deal)
    table = {row["supplier"]: row for row in verifier.suppliers()}
    assert (table["acme"]["checks"], table["acme"]["redeemed"], table["acme"]["valid"]) == (2, 1, 1)
    assert (table["globex"]["checks"], table["globex"]["invalid"]) == (1, 1)


def test_the_client_refuses_another_verifier(market, verifier):
    deal = disputed_deal(market)
    with pytest.raises(VerifierMismatch):
        verifier.check_key(deal.order_id, "X", expect_verifier=market.address("stranger"))


def test_listing_with_another_verifier_is_409(market, verifier, sim):
    listing = market.make_listing(verifier=market.address("stranger"))
    stock = market.make_stock(listing, 2)
    order_id, key = market.make_order(listing)
    record, _ = market.deliver(order_id, stock)
    deal = Deal(market, listing, stock, order_id, key, record)
    dispute(deal)
    with pytest.raises(VerifierError) as err:
        verifier.check_key(order_id, delivered_key(deal))
    assert err.value.status == 409 and err.value.problem["type"].endswith("/not-this-verifier")


# ---------------------------------------------------------------------------- the CLI command


def _cli_app():
    """`fairkey` with this module's commands, as main.py registers them (main.py is not edited
    here): the real global callback, error handling and the `verify` command."""
    import typer

    from fairkey.cli import verifier_cmd
    from fairkey.cli.main import FairkeyGroup, main

    cli = typer.Typer(cls=FairkeyGroup, add_completion=False)
    cli.callback()(main)
    cli.add_typer(verifier_cmd.app, name="verifier")
    cli.add_typer(verifier_cmd.issuer_app, name="issuer-sim")
    cli.command("verify")(verifier_cmd.verify)
    return cli


def test_cli_verify_sends_the_buyers_key(market, verifier, sim, tmp_path):
    from typer.testing import CliRunner

    from fairkey.chain.deploy import Deployment
    from fairkey.crypto.order_keys import derive_order_key, seed_from_account

    home = tmp_path / "home"
    Deployment(
        market.w3.eth.chain_id,
        market.escrow_address,
        market.arbitrator_address,
        market.token_address,
        0,
    ).save(home / "deployment.json")
    # The buyer pays with the wallet's own order key, as `fairkey buy` does.
    seed = seed_from_account(
        market.accounts["buyer"], market.w3.eth.chain_id, market.escrow_address
    )
    key = derive_order_key(seed, 3)
    listing = market.make_listing()
    stock = market.make_stock(listing, 2, supplier="acme")
    order_id = market.client("buyer").pay(listing, key.x, key.y).event("OrderPaid").args["orderId"]
    record, _ = market.deliver(order_id, stock)
    deal = Deal(market, listing, stock, order_id, key, record)
    sim.set_keys({stock.units[0].key.decode(): "redeemed"})
    runner = CliRunner()
    base = ["--home", str(home), "--rpc", market.w3.provider.endpoint_uri, "--dev-account", "3"]
    env = {"FAIRKEY_PRIVATE_KEY": None, "FAIRKEY_DEV_ACCOUNT": None, "COLUMNS": "200"}
    args = [*base, "verify", order_ref(order_id), "--verifier-url", verifier.base_url]

    early = runner.invoke(_cli_app(), args, env=env)
    assert early.exit_code == 1 and "dispute" in early.output
    dispute(deal)
    result = runner.invoke(_cli_app(), args, env=env)

    assert result.exit_code == 0, result.output
    assert "redeemed" in result.output and "refund_pending" in result.output
    assert deal.order().status is OrderStatus.VERIFIER_REFUND_PENDING


def test_concurrent_checks_of_many_orders_all_land_and_each_key_is_asked_once(
    market, verifier, sim
):
    # Buyers check at the same moment (a bad supplier batch): checks of different orders run
    # concurrently, their verdict transactions must not collide on the verifier's nonce, and a
    # buyer who sends the same key twice at once still costs one issuer call.
    deals = [disputed_deal(market) for _ in range(5)]
    keys = [delivered_key(deal) for deal in deals]
    sim.set_keys(dict.fromkeys(keys, "redeemed"))
    jobs = [(deal, key) for deal, key in zip(deals, keys, strict=True)] + [(deals[0], keys[0])]

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        decisions = list(pool.map(lambda job: check(verifier, *job), jobs))

    assert sim.stats()["calls"] == len(deals)
    assert all(d["outcome"] == "refund_pending" for d in decisions)
    assert len({d["tx_hash"] for d in decisions}) == len(deals)  # the duplicate: same verdict
    assert [d["repeated"] for d in decisions].count(True) == 1
    for deal in deals:
        assert deal.order().status is OrderStatus.VERIFIER_REFUND_PENDING


# ------------------------------------------------ front-run: someone lands the signed verdict first


def _race(market, verifier, deal: Deal, front: Callable[[Mempool, dict], bytes]) -> tuple:
    """The buyer's check runs with automine off; once the verifier's submitVerdict waits in the
    mempool, `front` reads its arguments and sends a transaction with a higher tip; one block
    then mines both, the front-runner's first. Returns (the check's future, the front tx hash)."""
    pool = Mempool(market.w3)
    escrow = market.client("stranger")
    with pool.held(), ThreadPoolExecutor(max_workers=1) as run:
        checked: Future = run.submit(check, verifier, deal)
        for _ in range(600):  # the service signs and sends within moments; bounded wait
            pending = [a for name, a in pool.pending_calls(escrow) if name == "submitVerdict"]
            if pending or checked.done():
                break
            time.sleep(0.05)
        assert pending, f"the verifier sent no verdict: {checked.result()}"
        front_tx = front(pool, pending[0])
        pool.mine()
        checked.exception(timeout=60)  # the verifier's transaction is mined now: it answers
    receipt = pool.receipt(front_tx)
    assert receipt["status"] == 1
    return checked, front_tx


def _relay_copy(market) -> Callable[[Mempool, dict], bytes]:
    """A stranger copies the pending verdict, signature and all, and sends it as its own."""
    stranger = market.client("stranger")

    def front(pool: Mempool, args: dict) -> bytes:
        record = tuple(args["record"].values())
        fn = stranger.f.submitVerdict(
            args["orderId"], record, args["verdict"], args["deadline"], args["signature"]
        )
        return pool.send(stranger, fn, tip_gwei=100)

    return front


@pytest.mark.parametrize(
    ("issuer_says", "verdict", "status", "outcome"),
    [
        ("valid", Verdict.VALID, OrderStatus.DELIVERED, "no_refund"),
        ("invalid", Verdict.INVALID, OrderStatus.VERIFIER_REFUND_PENDING, "refund_pending"),
    ],
)
def test_a_verdict_relayed_first_by_a_stranger_is_reported_as_standing(
    market, verifier, sim, issuer_says, verdict, status, outcome
):
    deal = disputed_deal(market)
    if issuer_says != "invalid":  # the simulator never issued it: "invalid"
        sim.set_keys({delivered_key(deal): issuer_says})

    checked, front_tx = _race(market, verifier, deal, _relay_copy(market))

    decision = checked.result()  # no VerdictRejected: the verdict stands
    assert decision["answer"] == issuer_says and decision["outcome"] == outcome
    assert decision["tx_hash"] == "0x" + front_tx.hex().removeprefix("0x")
    assert deal.order().status is status
    [attested] = market.client("stranger").events("VerifierAttested", orderId=deal.order_id)
    assert attested.args["verifier"] == market.address("verifier")
    assert attested.args["verdict"] == verdict
    # The verifier's own transaction was sent, mined and refused in the same block.
    [own] = [
        tx
        for tx in market.w3.eth.get_block(attested.block_number, full_transactions=True)[
            "transactions"
        ]
        if tx["from"] == market.address("verifier")
    ]
    assert market.w3.eth.get_transaction_receipt(own["hash"])["status"] == 0
    # Asked again, the verifier answers from its record: the verdict, no second transaction.
    again = check(verifier, deal)
    assert again["repeated"] and again["tx_hash"] == decision["tx_hash"]
    assert sim.stats()["calls"] == 1


def test_a_verdict_refused_because_the_merchant_refunded_first_is_still_rejected(
    market, verifier, sim
):
    deal = disputed_deal(market)
    merchant = market.client("merchant")

    def refund_first(pool: Mempool, args: dict) -> bytes:
        return pool.send(merchant, merchant.f.refund(args["orderId"]), tip_gwei=100)

    checked, _ = _race(market, verifier, deal, refund_first)

    with pytest.raises(VerifierError) as err:
        checked.result()
    assert err.value.status == 409 and err.value.problem["type"].endswith("/verdict-rejected")
    assert err.value.problem["revert"] == "EscrowUnexpectedStatus"
    assert deal.order().status is OrderStatus.REFUNDED
    assert market.client("stranger").events("VerifierAttested", orderId=deal.order_id) == []
