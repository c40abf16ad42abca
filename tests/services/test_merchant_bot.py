"""The merchant bot's step on a real Anvil: bursts, disputes by policy, verdicts, alerts."""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from web3 import Web3

from fairkey.chain.types import DisputeReason, OrderStatus
from fairkey.flows.buyer import open_delivery
from fairkey.merchant.policy import (
    AlertPolicy,
    DisputeAnswer,
    MerchantPolicy,
    PolicyError,
    VerdictAnswer,
)
from fairkey.services.alerts import AlertSink, DisputeRate, check_dispute_rate, read_alerts
from fairkey.services.merchant_bot import MerchantBot
from fairkey.services.merchant_bot.work import Tx
from fairkey.vault import UnitState
from tests.services.conftest import PASSPHRASE
from tests.support.disputes import verdict_message

EVIDENCE = Web3.keccak(text="screenshot")


def bot_for(shop, policy: MerchantPolicy | None = None) -> MerchantBot:
    return MerchantBot(
        shop.client, shop.vault, policy, 0, home=shop.home, state_dir=shop.account_dir
    )


def fingerprints(shop, order_ids) -> list[bytes]:
    return [shop.client.current_delivery(o)[0].fingerprint for o in order_ids]


def test_burst_of_20_is_delivered_in_one_step_and_one_transaction(make_shop, market):
    shop = make_shop(stock=25)
    orders = shop.pay(20)
    head = market.w3.eth.block_number
    bot = bot_for(shop)

    report = bot.step()

    assert report.delivered == 20 and report.failed == 0 and report.transactions == 1
    for order_id in orders:
        order = shop.client.order(order_id)
        assert order.status is OrderStatus.DELIVERED and order.deliveries == 1
    assert len(set(fingerprints(shop, orders))) == 20
    counts = shop.counts()
    assert counts[UnitState.delivered] == 20 and counts[UnitState.unsold] == 5
    assert counts[UnitState.assigned] == 0
    assert shop.client.listing(shop.listing_id).stock_available == 5
    # Packed into one deliverMany: one transaction, one block.
    assert market.w3.eth.block_number == head + 1
    delivered = shop.client.events("KeyDelivered", head + 1)
    assert sorted(e.args["orderId"] for e in delivered) == sorted(orders)
    # The buyer decrypts a key that matches the merchant's commitment.
    opened = open_delivery(market.client("buyer"), orders[3], shop.keys[orders[3]])
    assert opened.check.commitment_ok and opened.check.fingerprint_ok and opened.key_text
    # Nothing left to do; the next step sends nothing.
    again = bot.step()
    assert again.delivered == again.failed == again.caught_up == 0
    state = json.loads((shop.account_dir / "bot.json").read_text())
    assert state["listings"] == [shop.listing_id] and state["orders"] == 20


def test_restarted_bot_catches_up_instead_of_delivering_again(make_shop, market):
    shop = make_shop(stock=5)
    (first, second) = shop.pay(2)
    # A "crashed" run: the first order's unit was assigned and delivered, but never marked.
    from fairkey.flows.merchant import deliver_assigned

    unit = shop.vault.assign_unit(shop.listing_id, first)
    deliver_assigned(shop.client, unit)
    # The second order's unit was assigned, the transaction never sent.
    reserved = shop.vault.assign_unit(shop.listing_id, second)

    report = bot_for(shop).step()

    assert report.delivered == 1 and report.caught_up == 1
    assert shop.client.order(first).deliveries == 1
    assert fingerprints(shop, [second]) == [reserved.fingerprint]  # the same unit, re-used
    assert shop.counts()[UnitState.delivered] == 2 and shop.counts()[UnitState.unsold] == 3


def test_a_delivery_sent_before_a_crash_that_lands_later_counts_as_done(make_shop, market):
    shop = make_shop(stock=5)
    (order_id,) = shop.pay(1)
    w3 = market.w3
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        crashed = bot_for(shop)
        crashed._scan(w3.eth.block_number)
        action = crashed._plan(order_id, market.clock.now())
        crashed._send(Tx.of(action), w3.eth.gas_price)  # sent, not mined: then the bot "dies"
        restarted = bot_for(shop)
        restarted._scan(w3.eth.block_number)
        again = Tx.of(restarted._plan(order_id, market.clock.now()))
        assert again.actions[0].unit.fingerprint == action.unit.fingerprint  # same unit
        restarted._send(again, w3.eth.gas_price)
        w3.provider.make_request("evm_mine", [])
    finally:
        w3.provider.make_request("evm_setAutomine", [True])
    restarted._settle(again)  # the second one reverted: the order is delivered anyway

    order = shop.client.order(order_id)
    assert order.status is OrderStatus.DELIVERED and order.deliveries == 1
    assert restarted._report.caught_up == 1 and restarted._report.failed == 0
    assert shop.counts()[UnitState.delivered] == 1


def delivered_orders(shop, count: int) -> list[int]:
    orders = shop.pay(count)
    assert bot_for(shop).step().delivered == count
    return orders


def test_disputes_are_answered_by_policy(make_shop, market):
    shop = make_shop(stock=6)
    refund_me, replace_me, contest_me, wait_me = delivered_orders(shop, 4)
    buyer = market.client("buyer")
    buyer.dispute(refund_me, DisputeReason.WRONG_CONTENT, EVIDENCE)
    buyer.dispute(replace_me, DisputeReason.KEY_INVALID, EVIDENCE)
    buyer.dispute(contest_me, DisputeReason.NOT_AS_DESCRIBED, EVIDENCE)
    buyer.dispute(wait_me, DisputeReason.OTHER, EVIDENCE)
    old_key = fingerprints(shop, [replace_me])[0]
    # The per-reason answers (this listing has a verifier: they apply with wait-for-verdict off).
    policy = MerchantPolicy.from_toml(
        '[disputes]\nother = "wait"\n[verifier]\nwait-for-verdict = false\n'
    )

    report = bot_for(shop, policy).step()

    assert (report.refunded, report.replaced, report.contested) == (1, 1, 1)
    assert shop.status(refund_me) is OrderStatus.REFUNDED
    replaced = shop.client.order(replace_me)
    assert replaced.status is OrderStatus.DELIVERED and replaced.deliveries == 2
    assert fingerprints(shop, [replace_me])[0] != old_key
    assert shop.status(contest_me) is OrderStatus.ARBITRATING
    assert shop.status(wait_me) is OrderStatus.DISPUTED
    counts = shop.counts()
    assert counts[UnitState.delivered] == 5 and counts[UnitState.unsold] == 1
    assert counts[UnitState.assigned] == 0


def sign_and_submit_verdict(shop, market, order_id: int) -> None:
    record, delivery_no = shop.client.current_delivery(order_id)
    message = verdict_message(
        market.w3.eth.chain_id,
        market.escrow_address,
        order_id,
        delivery_no,
        record.fingerprint,
        1,
        market.clock.now() + 3600,
    )
    signed = Account.sign_typed_data(market.accounts["verifier"].key, full_message=message)
    market.client("stranger").submit_verdict(
        order_id, record, 1, message["message"]["deadline"], bytes(signed.signature)
    )


def test_a_verifier_verdict_triggers_a_replacement(make_shop, market):
    shop = make_shop(stock=3)
    (order_id,) = delivered_orders(shop, 1)
    market.client("buyer").dispute(order_id, DisputeReason.KEY_INVALID, EVIDENCE)
    policy = MerchantPolicy.from_toml('[disputes]\nkey-invalid = "wait"\n')
    bot = bot_for(shop, policy)
    assert bot.step().replaced == 0  # waits for the verifier
    assert shop.status(order_id) is OrderStatus.DISPUTED

    sign_and_submit_verdict(shop, market, order_id)
    assert shop.status(order_id) is OrderStatus.VERIFIER_REFUND_PENDING
    report = bot.step()

    assert report.replaced == 1
    order = shop.client.order(order_id)
    assert order.status is OrderStatus.DELIVERED and order.deliveries == 2
    assert shop.counts()[UnitState.delivered] == 2


@pytest.mark.parametrize("short_of", ["chain", "vault"])
def test_a_replacement_without_stock_is_a_refund(make_shop, market, short_of):
    shop = make_shop(stock=1)
    (order_id,) = delivered_orders(shop, 1)
    if short_of == "vault":
        market.make_stock(shop.listing_id, 2)  # on chain, but not in this vault
    market.client("buyer").dispute(order_id, DisputeReason.KEY_INVALID, EVIDENCE)
    replacing = MerchantPolicy.from_toml("[verifier]\nwait-for-verdict = false\n")

    report = bot_for(shop, replacing).step()

    assert report.refunded == 1 and report.replaced == 0
    order = shop.client.order(order_id)
    assert order.status is OrderStatus.REFUNDED and order.deliveries == 1
    assert shop.counts()[UnitState.assigned] == 0


def test_orders_past_their_delivery_deadline_are_refunded(make_shop, market):
    shop = make_shop(stock=3)
    (order_id,) = shop.pay(1)
    market.clock.advance_past(shop.client.order(order_id).deadline)
    report = bot_for(shop).step()
    assert report.refunded == 1 and report.delivered == 0
    assert shop.status(order_id) is OrderStatus.REFUNDED
    assert shop.counts()[UnitState.unsold] == 3  # nothing reserved stays reserved


def test_low_stock_alert_is_written_once(make_shop, market):
    shop = make_shop(stock=7)
    policy = MerchantPolicy.from_toml("[alerts]\nlow-stock = 5\n")
    bot = bot_for(shop, policy)
    shop.pay(2)
    assert bot.step().alerts == []  # 5 left: not under 5
    shop.pay(1)
    report = bot.step()
    assert [a["kind"] for a in report.alerts] == ["low-stock"]
    shop.pay(1)
    assert bot.step().alerts == []  # still low: not repeated
    alerts = read_alerts(shop.home / "alerts.jsonl")
    assert len(alerts) == 1
    assert alerts[0]["listing"] == shop.listing_id
    assert alerts[0]["on_chain"] == 4 and alerts[0]["vault_unsold"] == 4


def test_dispute_rate_jump(tmp_path):
    policy = AlertPolicy(dispute_window=20, dispute_rate_jump=3.0, dispute_rate_min=0.10)
    sink = AlertSink(tmp_path / "alerts.jsonl")
    rate = DisputeRate(orders=list(range(100)), disputed={10, 60})  # 2 %
    assert check_dispute_rate(sink, 1, rate, policy) is None
    rate.orders += list(range(100, 120))
    rate.disputed |= {101, 105, 117}  # 3 of the last 20: 15 %
    alert = check_dispute_rate(sink, 1, rate, policy)
    assert alert is not None and alert["recent_rate"] == 0.15
    assert "jumped to 15% (was 2%)" in alert["message"]
    assert read_alerts(tmp_path / "alerts.jsonl")[0]["kind"] == "dispute-rate"


def test_policy_defaults_and_errors_name_the_key(tmp_path):
    policy = MerchantPolicy.load(None)
    assert policy.answer(DisputeReason.KEY_INVALID) is DisputeAnswer.replace
    assert policy.answer(DisputeReason.NOT_AS_DESCRIBED) is DisputeAnswer.contest
    assert policy.on_verdict is VerdictAnswer.replace and policy.alerts.low_stock == 5
    path = tmp_path / "policy.toml"
    path.write_text('[disputes]\nduplicate = "contest"\n[verifier]\non-verdict = "refund"\n')
    loaded = MerchantPolicy.load(path)
    assert loaded.answer(DisputeReason.DUPLICATE) is DisputeAnswer.contest
    assert loaded.on_verdict is VerdictAnswer.refund
    bad = {
        '[disputes]\nkey-invalid = "maybe"\n': "disputes.key-invalid: 'maybe' is not one of",
        '[disputes]\nlost = "refund"\n': "disputes.lost: unknown key",
        "[verifier]\non-verdict = 3\n": "verifier.on-verdict: 3 is not one of",
        '[alerts]\nlow-stock = "five"\n': "alerts.low-stock: 'five' is not a whole number",
        "[alerts]\ndispute-rate-min = 2\n": "alerts.dispute-rate-min",
        "[bot]\ninterval = 0\n": "bot.interval",
        "[surprise]\n": "surprise: unknown key",
        "disputes = 1\n": "disputes: must be a table",
        "[disputes\n": "not valid TOML",
    }
    for text, message in bad.items():
        with pytest.raises(PolicyError, match=message.replace("(", r"\(")):
            MerchantPolicy.from_toml(text)
    with pytest.raises(PolicyError, match="cannot read"):
        MerchantPolicy.load(tmp_path / "missing.toml")


def test_cli_merchant_run_once(make_shop, market, tmp_path):
    import typer
    from typer.testing import CliRunner

    from fairkey.cli import merchant_cmd
    from fairkey.cli.main import FairkeyGroup
    from fairkey.cli.main import main as root_options

    cli = typer.Typer(cls=FairkeyGroup)
    cli.callback()(root_options)
    cli.add_typer(merchant_cmd.app, name="merchant")
    shop = make_shop(stock=3)
    (order_id,) = shop.pay(1)
    argv = ["--home", str(shop.home), "--rpc", market.w3.provider.endpoint_uri]
    argv += ["--dev-account", "2", "merchant", "run"]
    env = {"FAIRKEY_VAULT_PASSPHRASE": PASSPHRASE, "FAIRKEY_PRIVATE_KEY": None}
    bad = tmp_path / "bad.toml"
    bad.write_text('[disputes]\nkey-invalid = "shrug"\n')

    result = CliRunner().invoke(cli, [*argv, "--policy", str(bad)], env=env)
    assert result.exit_code == 1 and "disputes.key-invalid: 'shrug'" in result.output
    assert shop.status(order_id) is OrderStatus.PAID

    result = CliRunner().invoke(cli, [*argv, "--once"], env=env)
    assert result.exit_code == 0, result.output
    assert shop.status(order_id) is OrderStatus.DELIVERED
