"""The merchant bot delivers a step's paid orders in as few deliverMany transactions as a block
takes; an item the escrow refuses holds back none of the others, and the vault follows the chain
(also across a crash between sending a batch and recording it)."""

from __future__ import annotations

import random

from fairkey.chain.abi_codec import AbiCodec
from fairkey.chain.artifacts import load_artifacts
from fairkey.chain.types import OrderStatus
from fairkey.crypto.keys import fingerprint, normalise_key
from fairkey.services.merchant_bot import MerchantBot
from fairkey.services.merchant_bot.pack import (
    CALL_HEAD,
    GasModel,
    deliver_many_calldata,
    item_bytes,
    plan_transactions,
)
from fairkey.services.merchant_bot.rpc import refusals_in
from fairkey.services.merchant_bot.work import Action, Tx
from fairkey.services.tx_budget import MAX_CALLDATA, Budget
from fairkey.vault import AssignedUnit, UnitState


def bot_for(shop) -> MerchantBot:
    return MerchantBot(shop.client, shop.vault, None, 0, home=shop.home, state_dir=shop.account_dir)


def delivered_events(shop, from_block: int) -> dict[int, object]:
    return {e.args["orderId"]: e for e in shop.client.events("KeyDelivered", from_block)}


def refusals(shop, from_block: int) -> dict[int, str]:
    """BatchItemRefused since `from_block`: order -> the error's name."""
    errors = shop.client.session.errors
    return {
        e.args["orderId"]: errors.decode(e.args["reason"]).name
        for e in shop.client.events("BatchItemRefused", from_block)
    }


def sent_not_settled(bot: MerchantBot, order_ids: list[int]) -> list[Tx]:
    """What one step of `bot` sends for these orders, without reading a receipt or recording
    anything: the bot dies right after sending."""
    w3 = bot.w3
    head = w3.eth.block_number
    bot._scan(head)
    block = w3.eth.get_block(head)
    actions = [bot._plan(order_id, block["timestamp"]) for order_id in order_ids]
    txs = bot._pack(actions, block["gasLimit"])
    for tx in txs:
        bot._send(tx, w3.eth.gas_price)
    return txs


def gas_of(market, tx_hash: str) -> tuple[int, int]:
    """(gas limit, gas used) of a mined transaction."""
    eth = market.w3.eth
    return eth.get_transaction(tx_hash)["gas"], eth.get_transaction_receipt(tx_hash)["gasUsed"]


# ---------------------------------------------------------------------------- packing (pure)


def planned(
    order_id: int,
    *,
    listing_id: int = 1,
    root: bytes = b"\x01" * 32,
    index: int = 0,
    deadline: int = 1_000,
    kind: str = "deliver",
) -> Action:
    """A planned first delivery as the planner makes one (9-step proof, 64-byte ciphertext)."""
    unit = AssignedUnit(
        order_id,
        listing_id,
        1,
        root,
        index,
        b"",
        b"\x02" * 32,
        b"\x03" * 32,
        [],
        UnitState.assigned,
    )
    record = (root, index, b"\x02" * 32, b"\x03" * 32, b"\x04" * 32, 0, b"\x05" * 64)
    call = (kind, (order_id, record, [b"\x06" * 32] * 9))
    return Action(order_id, kind, call, "paid", 400_000, unit=unit, deadline=deadline)


def test_one_delivery_is_a_plain_deliver_and_more_share_one_deliver_many():
    budget = Budget.of_block(30_000_000)
    [single] = plan_transactions([planned(1)], budget)
    assert single.call[0] == "deliver" and not single.batch
    [batch] = plan_transactions([planned(i, index=i) for i in range(1, 51)], budget)
    assert batch.batch and len(batch.actions) == 50
    assert [item[0] for item in batch.call[1][0]] == list(range(1, 51))


def test_deliveries_are_packed_earliest_deadline_first_under_the_gas_budget():
    actions = [planned(i, index=i, deadline=2_000 - i) for i in range(10)]
    one = GasModel().item_gas(9, 64)
    budget = Budget(gas=GasModel().base + 4 * one + 100_000)  # four items (and what is cold)

    txs = plan_transactions(actions, budget)

    assert [len(tx.actions) for tx in txs] == [4, 4, 2]
    assert [a.order_id for tx in txs for a in tx.actions] == list(range(9, -1, -1))
    assert all(tx.gas <= budget.gas for tx in txs)


def test_the_calldata_budget_splits_a_batch_too():
    codec = AbiCodec(load_artifacts()["FairkeyEscrow"].abi)
    per_tx = (MAX_CALLDATA - CALL_HEAD) // item_bytes(9, 64)  # 156 items of 768 bytes
    txs = plan_transactions([planned(i, index=i) for i in range(400)], Budget(gas=10**9))
    assert [len(tx.actions) for tx in txs] == [per_tx, per_tx, 400 - 2 * per_tx]
    for tx in txs:
        assert len(tx.data) == CALL_HEAD + len(tx.actions) * item_bytes(9, 64) <= MAX_CALLDATA
        assert tx.data == codec.fn("deliverMany").encode(*tx.call[1])


def test_the_deliver_many_calldata_is_what_eth_abi_encodes():
    codec = AbiCodec(load_artifacts()["FairkeyEscrow"].abi)
    rng = random.Random(5)
    items = []
    for _ in range(7):  # one item, then two, … each as eth_abi encodes them
        record = (
            rng.randbytes(32),
            rng.randrange(2**32),
            rng.randbytes(32),
            rng.randbytes(32),
            rng.randbytes(32),
            rng.randrange(2),
            rng.randbytes(rng.randrange(33, 289)),
        )
        items.append((rng.randrange(2**160), record, [rng.randbytes(32)] * rng.randrange(15)))
        data = deliver_many_calldata(items)
        assert data == codec.fn("deliverMany").encode(items)
        assert len(data) == CALL_HEAD + sum(
            item_bytes(len(proof), len(record[6])) for _, record, proof in items
        )


def test_cold_listings_batches_and_bitmap_words_cost_more_gas():
    model, budget = GasModel(), Budget.of_block(30_000_000)
    warm = plan_transactions([planned(1, index=0), planned(2, index=1)], budget)[0].gas
    new_word = plan_transactions([planned(1, index=0), planned(2, index=256)], budget)[0].gas
    new_batch = plan_transactions([planned(1), planned(2, root=b"\x09" * 32)], budget)[0].gas
    new_listing = plan_transactions([planned(1), planned(2, index=1, listing_id=2)], budget)[0].gas
    assert new_word - warm == model.new_word
    assert new_batch - warm == model.new_batch + model.new_word
    assert new_listing - warm == model.new_listing


def test_other_actions_and_lone_orders_get_a_transaction_each():
    actions = [planned(1), planned(2, index=1), planned(3, index=2), planned(4, kind="refund")]
    txs = plan_transactions(actions, Budget.of_block(30_000_000), alone={3})
    assert [[a.order_id for a in tx.actions] for tx in txs] == [[1, 2], [3], [4]]
    assert [tx.call[0] for tx in txs] == ["deliverMany", "deliver", "refund"]


# ---------------------------------------------------------------------------- packing on chain


def test_paid_orders_of_two_listings_are_delivered_in_one_deliver_many(make_shop, market):
    shop = make_shop(stock=6)
    other = market.make_listing()
    shop.add_stock(6, "other", listing_id=other)
    orders = shop.pay(4) + shop.pay(4, listing_id=other)
    head = market.w3.eth.block_number

    report = bot_for(shop).step()

    assert report.delivered == 8 and report.transactions == 1 and report.failed == 0
    delivered = delivered_events(shop, head + 1)
    assert set(delivered) == set(orders)
    assert len({e.tx_hash for e in delivered.values()}) == 1
    assert market.w3.eth.block_number == head + 1
    for listing_id in (shop.listing_id, other):
        counts = shop.vault.stock_counts(listing_id)
        assert counts[UnitState.delivered] == 4 and counts[UnitState.assigned] == 0


def test_a_single_paid_order_goes_as_a_plain_deliver(make_shop, market):
    shop = make_shop(stock=2)
    (order_id,) = shop.pay(1)
    head = market.w3.eth.block_number

    assert bot_for(shop).step().delivered == 1

    tx = market.w3.eth.get_transaction(delivered_events(shop, head + 1)[order_id].tx_hash)
    assert bytes(tx["input"][:4]) == shop.client.codec.fn("deliver").selector


def test_the_gas_limit_covers_a_batch_of_first_units_and_is_close_for_a_plain_one(
    make_shop, market
):
    # Worst case the model prices: every item the first of its listing's batch and bitmap word,
    # two listings, long keys (the event's data, the ciphertext's calldata).
    shop = make_shop(stock=0)
    other = market.make_listing()
    for n in range(4):
        for listing_id, tag in ((shop.listing_id, "A"), (other, "B")):
            key = f"LONG-{tag}{n}-" + "X" * 240
            shop.add_keys([key], f"one-{tag}{n}", listing_id=listing_id)
    cold = shop.pay(4) + shop.pay(4, listing_id=other)
    head = market.w3.eth.block_number
    assert bot_for(shop).step().delivered == 8
    [cold_tx] = {e.tx_hash for e in delivered_events(shop, head + 1).values()}
    limit, used = gas_of(market, cold_tx)
    assert used <= limit, (used, limit)
    assert set(delivered_events(shop, head + 1)) == set(cold)

    # The plain case: units in a row of one batch (as a bot mostly sends them).
    shop.add_stock(60, "plain")
    shop.pay(40)
    head = market.w3.eth.block_number
    assert bot_for(shop).step().delivered == 40
    [plain_tx] = {e.tx_hash for e in delivered_events(shop, head + 1).values()}
    limit, used = gas_of(market, plain_tx)
    assert used <= limit <= 1.3 * used, (used, limit)


# ---------------------------------------------------------------------------- refusals


def test_an_order_refunded_by_a_stranger_just_before_does_not_stop_the_others(
    make_shop, market, monkeypatch
):
    shop = make_shop(stock=6)
    (late,) = shop.pay(1)
    deadline = shop.client.order(late).deadline
    market.clock.advance(deadline - market.clock.now() - 30)  # 30 s left to deliver it
    others = shop.pay(4)
    bot = bot_for(shop)
    send = bot._send

    def refunded_first(tx: Tx, gas_price: int) -> None:
        # Between the bot's read (in time) and its batch: the deadline passes and a stranger
        # takes the late order's refund, in the block before the batch.
        market.clock.advance_past(deadline)
        market.client("stranger").refund_undelivered(late)
        send(tx, gas_price)

    monkeypatch.setattr(bot, "_send", refunded_first)
    head = market.w3.eth.block_number

    report = bot.step()

    assert report.transactions == 1 and report.delivered == 4
    assert refusals(shop, head) == {late: "EscrowUnexpectedStatus"}
    delivered = delivered_events(shop, head)
    assert set(delivered) == set(others)
    # The bot reads the refusal from the receipt, raw (JSON) or as web3 formats it.
    receipt = market.w3.eth.get_transaction_receipt(delivered[others[0]].tx_hash)
    assert {o: e.name for o, e in refusals_in(shop.client, receipt["logs"]).items()} == {
        late: "EscrowUnexpectedStatus"
    }
    assert shop.status(late) is OrderStatus.REFUNDED
    assert all(shop.status(o) is OrderStatus.DELIVERED for o in others)
    # The late order's reserved key is back on sale; nothing stays reserved.
    counts = shop.counts()
    assert counts[UnitState.delivered] == 4 and counts[UnitState.unsold] == 2
    assert counts[UnitState.assigned] == 0
    again = bot.step()
    assert again.transactions == 0 and again.failed == 0


SHARED_KEY = "SOLD-TWICE-BY-THE-SUPPLIER-77"


def shared_key_delivered_elsewhere(market) -> None:
    """Another merchant committed SHARED_KEY first (an older batch) and delivered it."""
    listing_id = market.make_listing(merchant="merchant2")
    stock = market.make_stock(listing_id, merchant="merchant2", keys=[SHARED_KEY])
    order_id, _ = market.make_order(listing_id, buyer="buyer2")
    market.deliver(order_id, stock, merchant="merchant2")


def shop_selling_the_shared_key(make_shop, market):
    shop = make_shop(stock=0)
    shared_key_delivered_elsewhere(market)
    keys = [SHARED_KEY, "KEY-OWN-0001-ABCDEFGH", "KEY-OWN-0002-ABCDEFGH", "KEY-OWN-0003-ABCDEFGH"]
    shop.add_keys(keys, "shared")
    return shop


def our_fingerprints(shop, order_ids) -> set[bytes]:
    return {shop.client.current_delivery(o)[0].fingerprint for o in order_ids}


def test_a_unit_whose_key_an_older_batch_delivered_is_marked_dead_and_the_order_served(
    make_shop, market
):
    shop = shop_selling_the_shared_key(make_shop, market)
    orders = shop.pay(3)
    bot = bot_for(shop)
    head = market.w3.eth.block_number

    first = bot.step()

    assert first.transactions == 1 and first.delivered == 2 and first.dead_units == 1
    [refused] = refusals(shop, head).values()
    assert refused == "EscrowKeyAlreadyDelivered"
    [alert] = [a for a in first.alerts if a["kind"] == "dead-unit"]
    assert "EscrowKeyAlreadyDelivered" in alert["reason"] and alert["index"] == 0
    counts = shop.counts()
    assert counts[UnitState.dead] == 1 and counts[UnitState.assigned] == 0
    assert counts[UnitState.delivered] == 2

    second = bot.step()  # the order gets another key

    assert second.delivered == 1 and second.dead_units == 0
    assert all(shop.status(o) is OrderStatus.DELIVERED for o in orders)
    assert fingerprint(normalise_key(SHARED_KEY)) not in our_fingerprints(shop, orders)
    counts = shop.counts()
    assert counts[UnitState.delivered] == 3 and counts[UnitState.dead] == 1
    assert counts[UnitState.unsold] == 0 and counts[UnitState.assigned] == 0


# ---------------------------------------------------------------------------- crashes


def send_then_mine(send, w3):
    def sent(tx: Tx, gas_price: int) -> None:
        send(tx, gas_price)
        w3.provider.make_request("evm_mine", [])

    return sent


def test_a_batch_sent_before_a_crash_that_lands_first_makes_the_resent_items_caught_up(
    make_shop, market, monkeypatch
):
    shop = make_shop(stock=8)
    first = shop.pay(3)
    later = shop.pay(2)
    w3 = market.w3
    head = w3.eth.block_number
    w3.provider.make_request("evm_setAutomine", [False])
    try:
        # The crashed run saw the first three payments, sent their batch and died before it was
        # mined; the restarted run sends all five (the same units for the first three).
        [crashed] = sent_not_settled(bot_for(shop), first)
        assert crashed.batch and len(crashed.actions) == 3
        restarted = bot_for(shop)
        monkeypatch.setattr(restarted, "_send", send_then_mine(restarted._send, w3))
        report = restarted.step()  # both batches land in one block, the crashed one first
    finally:
        w3.provider.make_request("evm_setAutomine", [True])

    assert report.transactions == 1 and report.delivered == 2
    assert report.caught_up == 3 and report.failed == 0
    assert set(refusals(shop, head)) == set(first)
    delivered = delivered_events(shop, head)
    assert set(delivered) == set(first + later)  # one KeyDelivered each
    assert {delivered[o].tx_hash for o in first} == {crashed.tx_hash.hex()}
    sent = {a.order_id: a.unit.fingerprint for a in crashed.actions}
    assert {o: delivered[o].args["fingerprint"] for o in first} == sent
    counts = shop.counts()
    assert counts[UnitState.delivered] == 5 and counts[UnitState.assigned] == 0
    assert counts[UnitState.unsold] == 3


def test_a_refusal_mined_before_a_crash_is_learned_again_after_the_restart(make_shop, market):
    shop = shop_selling_the_shared_key(make_shop, market)
    orders = shop.pay(3)
    [crashed] = sent_not_settled(bot_for(shop), orders)  # mined; its receipt never read
    assert crashed.batch

    restarted = bot_for(shop)
    report = restarted.step()

    # Two deliveries are on chain: caught up. The third order still holds the dead unit: sent
    # again (alone), refused again, and now marked dead.
    assert report.caught_up == 2 and report.dead_units == 1 and report.delivered == 0
    assert restarted.step().delivered == 1
    assert all(shop.status(o) is OrderStatus.DELIVERED for o in orders)
    counts = shop.counts()
    assert counts[UnitState.delivered] == 3 and counts[UnitState.dead] == 1
    assert counts[UnitState.assigned] == 0
