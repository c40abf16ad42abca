"""The keeper fires every permissionless deadline rule once the deadline passed (real Anvil)."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import typer
from typer.testing import CliRunner

from fairkey.chain.deploy import Deployment
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.types import OrderStatus, Verdict
from fairkey.cli.context import AppState
from fairkey.cli.keeper_cmd import app as keeper_app
from fairkey.services import keeper as keeper_module
from fairkey.services.keeper import KeeperService
from fairkey.services.runner import run_loop
from fairkey.services.tx_budget import SHARE
from fairkey.settings import Settings
from tests.support.disputes import (
    ARBITRATION_TIMEOUT,
    MERCHANT_EVIDENCE,
    credited_since,
    credits,
    delivered_order,
    disputed_order,
    sign_verdict,
    submit,
)
from tests.support.market import BOND, DISPUTE_BOND, PRICE, fresh_account

FEE = PRICE // 100


def keeper(market, role: str = "stranger") -> KeeperService:
    return KeeperService(market.client(role), from_block=0)


def status(market, order_id: int) -> OrderStatus:
    return market.client("stranger").order(order_id).status


def paid_order(market) -> tuple[int, int]:
    listing = market.make_listing()
    market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    return order_id, market.client("stranger").order(order_id).deadline


def test_an_undelivered_order_past_its_deadline_is_refunded_with_the_bond(market):
    order_id, deadline = paid_order(market)
    k = keeper(market)
    k.step()
    market.clock.advance_past(deadline)
    before = credits(market)

    actions = k.step()

    assert [(a.order_id, a.rule, a.outcome) for a in actions] == [
        (order_id, "refund_undelivered", "done")
    ]
    assert status(market, order_id) == OrderStatus.REFUNDED
    assert credited_since(market, before) == {"buyer": PRICE + BOND}
    assert order_id not in k.open


def test_a_delivered_order_past_its_confirm_window_is_settled(market):
    deal = delivered_order(market)
    k = keeper(market)
    market.clock.advance_past(deal.order().deadline)
    before = credits(market)

    k.step()

    assert deal.order().status == OrderStatus.COMPLETED
    assert credited_since(market, before) == {"merchant": PRICE - FEE + BOND, "treasury": FEE}


def test_an_unanswered_dispute_is_refunded_with_the_dispute_bond_and_the_unit_bond(market):
    deal = disputed_order(market)
    k = keeper(market)
    market.clock.advance_past(deal.order().deadline)
    before = credits(market)

    k.step()

    assert deal.order().status == OrderStatus.REFUNDED
    assert credited_since(market, before) == {"buyer": PRICE + DISPUTE_BOND + BOND}


def test_a_verifier_verdict_past_its_appeal_window_is_executed(market):
    deal = disputed_order(market)
    submit(deal, sign_verdict(deal))
    assert deal.order().status == OrderStatus.VERIFIER_REFUND_PENDING
    k = keeper(market)
    market.clock.advance_past(deal.order().deadline)
    before = credits(market)

    actions = k.step()

    assert [a.rule for a in actions] == ["execute_verifier_refund"]
    assert deal.order().status == OrderStatus.REFUNDED
    # a verdict refunds without compensation: the unit's bond returns to the merchant
    assert credited_since(market, before) == {"buyer": PRICE + DISPUTE_BOND, "merchant": BOND}


def test_a_valid_verdict_past_its_appeal_window_is_settled_with_the_dispute_bond(market):
    deal = disputed_order(market)
    k = keeper(market)
    k.step()  # the keeper knows the order as disputed
    submit(deal, sign_verdict(deal, Verdict.VALID))
    assert deal.order().status == OrderStatus.DELIVERED
    assert k.step() == []  # inside the buyer's window to contest the verdict: nothing due
    market.clock.advance_past(deal.order().deadline)
    before = credits(market)

    actions = k.step()

    assert [(a.rule, a.outcome) for a in actions] == [("settle", "done")]
    assert deal.order().status == OrderStatus.COMPLETED
    assert credited_since(market, before) == {
        "merchant": PRICE - FEE + BOND + DISPUTE_BOND,
        "treasury": FEE,
    }


def test_an_arbitration_without_ruling_for_30_days_is_split(market):
    deal = disputed_order(market)
    deal.client("merchant").contest(deal.order_id, MERCHANT_EVIDENCE)
    k = keeper(market)
    market.clock.advance(ARBITRATION_TIMEOUT - 60)
    assert k.step() == []
    market.clock.advance_past(deal.order().deadline)

    actions = k.step()

    assert [(a.rule, a.outcome) for a in actions] == [("resolve_stalled_arbitration", "done")]
    assert deal.order().status == OrderStatus.SPLIT


def test_orders_that_come_due_together_are_settled_together_in_one_block(market):
    # A burst of orders comes due at the same moment: firing one rule after another, each
    # waiting for its receipt, would leave the last one N blocks past its deadline.
    listing = market.make_listing()
    stock = market.make_stock(listing, 6)
    orders = [market.make_order(listing)[0] for _ in range(5)]
    for order_id in orders:
        market.deliver(order_id, stock)
    k = keeper(market)
    k.step()
    market.clock.advance_past(max(status_deadline(market, o) for o in orders))
    with market.clock.block_time(1):  # 1 s blocks while it works
        actions = k.step()

    assert sorted(a.order_id for a in actions if a.outcome == "done") == sorted(orders)
    settled = market.client("stranger").events("OrderCompleted")
    assert len({e.block_number for e in settled if e.args["orderId"] in orders}) == 1


def status_deadline(market, order_id: int) -> int:
    return market.client("stranger").order(order_id).deadline


def delivered_orders(market, count: int) -> list[int]:
    listing = market.make_listing()
    stock = market.make_stock(listing, count)
    orders = [market.make_order(listing)[0] for _ in range(count)]
    for order_id in orders:
        market.deliver(order_id, stock)
    return orders


def test_due_settlements_go_in_one_settle_many_and_a_front_run_one_is_already_handled(market):
    orders = delivered_orders(market, 5)
    k = keeper(market)
    market.clock.advance_past(max(status_deadline(market, o) for o in orders))
    k.sync()
    front_run = orders[2]
    market.client("buyer2").settle(front_run)  # another keeper was faster for this one
    before = credits(market)

    actions = k.act()

    assert {a.order_id: (a.rule, a.outcome) for a in actions} == {
        o: ("settle", "already handled" if o == front_run else "done") for o in orders
    }
    [tx] = {a.tx_hash for a in actions}  # one transaction, the refused item included
    refused = market.client("stranger").events("BatchItemRefused")
    assert [(e.args["orderId"], e.tx_hash) for e in refused] == [(front_run, tx)]
    assert all(status(market, o) == OrderStatus.COMPLETED for o in orders)
    assert credited_since(market, before) == {
        "merchant": 4 * (PRICE - FEE + BOND),
        "treasury": 4 * FEE,
    }  # settled exactly once each
    assert k.open == {} and k.step() == []


def test_settlements_beyond_one_transactions_budget_go_in_several(market):
    orders = delivered_orders(market, 5)
    k = keeper(market)
    market.clock.advance_past(max(status_deadline(market, o) for o in orders))
    k.sync()
    # A block that takes two settlements per transaction.
    k.head_gas_limit = int(
        (keeper_module.SETTLE_BASE_GAS + 2 * keeper_module.SETTLE_ITEM_GAS) / SHARE
    )

    actions = k.act()

    assert sorted(a.order_id for a in actions if a.outcome == "done") == sorted(orders)
    assert len({a.tx_hash for a in actions}) == 3


def test_orders_before_their_deadline_are_left_alone(market):
    paid, deadline = paid_order(market)
    delivered = delivered_order(market)
    disputed = disputed_order(market)
    k = keeper(market)
    market.clock.advance(deadline - market.clock.now() - 5)  # the earliest deadline is 5 s away

    assert k.step() == []

    assert status(market, paid) == OrderStatus.PAID
    assert delivered.order().status == OrderStatus.DELIVERED
    assert disputed.order().status == OrderStatus.DISPUTED
    assert set(k.open) == {paid, delivered.order_id, disputed.order_id}


def test_two_keepers_on_the_same_block_one_fires_the_other_logs_the_lost_race(market, caplog):
    order_id, deadline = paid_order(market)
    first, second = keeper(market, "stranger"), keeper(market, "buyer2")
    market.clock.advance_past(deadline)
    before = credits(market)
    first.sync()
    second.sync()  # both saw the same block: both think the refund is theirs to send

    with caplog.at_level(logging.INFO, logger="fairkey.keeper"):
        won = first.act()
        lost = second.act()
        again = second.step()

    assert [a.outcome for a in won] == ["done"]
    assert [a.outcome for a in lost] == ["already handled"]
    assert again == []
    assert "already handled" in caplog.text
    assert status(market, order_id) == OrderStatus.REFUNDED
    assert credited_since(market, before) == {"buyer": PRICE + BOND}  # refunded exactly once
    assert first.open == second.open == {}


def test_a_keeper_started_after_the_fact_catches_up_from_the_events(market):
    paid, _ = paid_order(market)
    delivered = delivered_order(market)
    disputed = disputed_order(market)
    already_done = delivered_order(market)
    already_done.client("buyer").confirm(already_done.order_id)
    market.clock.advance(40 * 24 * 3600)

    fresh = keeper(market)
    actions = fresh.step()

    assert {a.order_id: (a.rule, a.outcome) for a in actions} == {
        paid: ("refund_undelivered", "done"),
        delivered.order_id: ("settle", "done"),
        disputed.order_id: ("refund_unanswered", "done"),
    }
    assert status(market, paid) == OrderStatus.REFUNDED
    assert delivered.order().status == OrderStatus.COMPLETED
    assert disputed.order().status == OrderStatus.REFUNDED
    assert fresh.open == {}


def test_a_failed_transaction_is_reported_and_retried_on_the_next_step(market, caplog):
    order_id, deadline = paid_order(market)
    broke = fresh_account()  # no ETH: cannot pay gas
    k = KeeperService(EscrowClient(market.session.with_account(broke), market.escrow_address))
    market.clock.advance_past(deadline)

    with caplog.at_level(logging.INFO, logger="fairkey.keeper"):
        failed = k.step()
    market.w3.provider.make_request("anvil_setBalance", [broke.address, hex(10**18)])
    retried = k.step()

    assert [a.outcome for a in failed] == ["failed"]
    assert "retrying next step" in caplog.text
    assert [a.outcome for a in retried] == ["done"]
    assert status(market, order_id) == OrderStatus.REFUNDED


def test_the_run_loop_logs_a_failing_step_and_stops_cleanly_on_sigterm(caplog):
    calls = []

    def step():
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("node down")
        if len(calls) == 3:
            os.kill(os.getpid(), signal.SIGTERM)

    previous = signal.getsignal(signal.SIGTERM)
    with caplog.at_level(logging.INFO):
        code = run_loop(step, interval=0.01, log=logging.getLogger("fairkey.test"))

    assert code == 0
    assert len(calls) == 3  # the failure did not stop the loop; the signal did
    assert "step failed: ConnectionError: node down" in caplog.text
    assert "SIGTERM received" in caplog.text
    assert signal.getsignal(signal.SIGTERM) is previous  # handlers restored


def test_the_run_loop_once_reports_a_failing_step_as_exit_code_1():
    def step():
        raise RuntimeError("boom")

    assert run_loop(step, once=True) == 1
    assert run_loop(lambda: None, once=True) == 0


# ---------------------------------------------------------------------------- the real command


def write_deployment(market, home: Path) -> None:
    Deployment(
        chain_id=market.w3.eth.chain_id,
        escrow=market.escrow_address,
        arbitrator=market.arbitrator_address,
        token=market.token_address,
        block=0,
    ).save(home / "deployment.json")


def test_keeper_run_once_fires_the_due_rules_and_exits_0(market, tmp_path):
    """`keeper run --once` on a throwaway app carrying the same app state as `fairkey`."""
    home = tmp_path / "home"
    write_deployment(market, home)
    order_id, deadline = paid_order(market)
    market.clock.advance_past(deadline)
    root = typer.Typer()

    @root.callback()
    def _root(ctx: typer.Context) -> None:
        settings = Settings(home=home, rpc_url=market.w3.provider.endpoint_uri, dev_account=4)
        ctx.obj = AppState(settings)

    root.add_typer(keeper_app, name="keeper")

    result = CliRunner().invoke(root, ["keeper", "run", "--once"])

    assert result.exit_code == 0, result.output
    assert status(market, order_id) == OrderStatus.REFUNDED


RUN_CLI = """
import sys
from fairkey.cli.main import app
from fairkey.cli.keeper_cmd import app as keeper
if not any(g.name == "keeper" for g in app.registered_groups):
    app.add_typer(keeper, name="keeper")
app(prog_name="fairkey")
"""


def _wait_for(predicate, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; keeper log:\n{log.read_text()}")


def test_fairkey_keeper_run_refunds_a_late_order_and_stops_cleanly_on_sigterm(market, tmp_path):
    home = tmp_path / "home"
    write_deployment(market, home)
    order_id, deadline = paid_order(market)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FAIRKEY_")}
    log = tmp_path / "keeper.log"
    argv = [
        sys.executable,
        "-c",
        RUN_CLI,
        "--home",
        str(home),
        "--rpc",
        market.w3.provider.endpoint_uri,
        "--dev-account",
        "4",
        "keeper",
        "run",
        "--interval",
        "0.1",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_for(lambda: "keeper for escrow" in log.read_text(), 30, "the keeper to start", log)
        assert status(market, order_id) == OrderStatus.PAID
        market.clock.advance_past(deadline)
        _wait_for(lambda: status(market, order_id) == OrderStatus.REFUNDED, 30, "the refund", log)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = log.read_text()
    assert "refund_undelivered" in text and "done" in text
    assert "Traceback" not in text
