"""Rules of payment (pay), delivery (deliver) and the buyer's confirmation (confirm)."""

from __future__ import annotations

from dataclasses import replace

from fairkey.chain.types import CompletionCause, Order, OrderStatus
from fairkey.crypto.delivery_crypto import check_delivery, open_sealed
from fairkey.crypto.secp256k1 import P, is_on_curve
from tests.support.market import BOND, PRICE
from tests.support.rules import fee_of, reverts

ZERO32 = b"\0" * 32


# ------------------------------------------------------------------ pay


def test_pay_reserves_a_unit_and_records_the_order(market):
    listing = market.make_listing()
    market.make_stock(listing, 3)
    key = market.new_order_key()
    result = market.client("buyer").pay(listing, key.x, key.y)
    order_id = result.event("OrderPaid").args["orderId"]
    paid_at = market.w3.eth.get_block(result.receipt["blockNumber"])["timestamp"]
    assert order_id == int(key.address, 16)
    assert market.client("stranger").order(order_id) == Order(
        buyer=market.address("buyer"),
        listing_id=listing,
        status=OrderStatus.PAID,
        deadline=paid_at + 3600,
        deliveries=0,
        reason=0,
        price_version=0,
    )
    assert market.client("stranger").listing(listing).stock_available == 2
    assert market.w3.eth.get_balance(market.escrow_address) == 3 * BOND + PRICE


def test_order_paid_event_carries_the_buyer_key_point_price_and_delivery_deadline(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    key = market.new_order_key()
    result = market.client("buyer").pay(listing, key.x, key.y)
    paid_at = market.w3.eth.get_block(result.receipt["blockNumber"])["timestamp"]
    assert result.event("OrderPaid").args == {
        "orderId": int(key.address, 16),
        "listingId": listing,
        "buyer": market.address("buyer"),
        "price": PRICE,
        "buyerKeyX": key.x,
        "buyerKeyY": key.y,
        "deliveryDeadline": paid_at + 3600,
    }


def test_paying_a_listing_without_stock_is_refused(market):
    listing = market.make_listing()
    key = market.new_order_key()
    with reverts("EscrowOutOfStock", listingId=listing):
        market.client("buyer").pay(listing, key.x, key.y)


def test_paying_once_the_last_unit_is_reserved_is_refused(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    market.make_order(listing)
    key = market.new_order_key()
    with reverts("EscrowOutOfStock", listingId=listing):
        market.client("buyer2").pay(listing, key.x, key.y)


def test_a_buyer_key_off_the_curve_is_refused(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    key = market.new_order_key()
    with reverts("EscrowInvalidBuyerKey", x=key.x, y=key.y + 1):
        market.client("buyer").pay(listing, key.x, key.y + 1)


def test_a_buyer_key_with_x_not_reduced_modulo_p_is_refused(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    # (1, y) is on the curve; (1 + p, y) is the same point written out of range.
    y = pow(1 + 7, (P + 1) // 4, P)
    assert is_on_curve(1, y)
    with reverts("EscrowInvalidBuyerKey", x=1 + P, y=y):
        market.client("buyer").pay(listing, 1 + P, y)


def test_a_wrong_eth_amount_is_refused(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    key = market.new_order_key()
    with reverts("EscrowWrongPayment", expected=PRICE, received=PRICE + 1):
        market.client("buyer").pay(listing, key.x, key.y, price=PRICE + 1)


def test_the_same_order_key_cannot_pay_twice(market):
    listing = market.make_listing()
    market.make_stock(listing, 2)
    key = market.new_order_key()
    market.client("buyer").pay(listing, key.x, key.y)
    with reverts("EscrowOrderExists", orderId=int(key.address, 16)):
        market.client("buyer2").pay(listing, key.x, key.y)
    assert market.client("stranger").listing(listing).stock_available == 1


# ------------------------------------------------------------------ deliver


def test_deliver_records_the_delivery_and_opens_the_confirm_window(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    order_id, key = market.make_order(listing)
    unit = stock.units[1]
    record, result = market.deliver(order_id, stock, unit)
    at = market.w3.eth.get_block(result.receipt["blockNumber"])["timestamp"]
    client = market.client("stranger")
    order = client.order(order_id)
    assert (order.status, order.deadline, order.deliveries) == (
        OrderStatus.DELIVERED,
        at + 86_400,
        1,
    )
    assert client.is_unit_used(stock.root, 1) is True
    assert client.is_unit_used(stock.root, 0) is False
    assert client.batch(stock.root).used == 1
    assert client.delivery_of(unit.fingerprint) == record.record_hash(order_id, 0)
    assert open_sealed(record.sealed, order_id, key.secret) == unit.plaintext
    assert check_delivery(unit.plaintext, record.commitment, record.fingerprint).ok


def test_key_delivered_event_carries_the_record(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    unit = stock.units[0]
    record, result = market.deliver(order_id, stock, unit)
    at = market.w3.eth.get_block(result.receipt["blockNumber"])["timestamp"]
    assert result.event("KeyDelivered").args == {
        "orderId": order_id,
        "root": stock.root,
        "fingerprint": unit.fingerprint,
        "unitIndex": 0,
        "deliveryNo": 0,
        "commitment": unit.commitment,
        "ephemeralX": record.eph_x.to_bytes(32, "big"),
        "ephemeralParity": record.eph_parity,
        "ciphertext": record.ciphertext,
        "confirmDeadline": at + 86_400,
    }


def test_a_stranger_cannot_deliver(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    with reverts("EscrowNotMerchant", listingId=listing, caller=market.address("stranger")):
        market.deliver(order_id, stock, merchant="stranger")


def test_the_buyer_cannot_deliver_to_their_own_order(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    with reverts("EscrowNotMerchant", listingId=listing, caller=market.address("buyer")):
        market.deliver(order_id, stock, merchant="buyer")


def test_delivering_to_an_unknown_order_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    unit = stock.units[0]
    record = market.sealed_record(market.make_order(listing)[0], stock, unit)
    with reverts("EscrowUnknownOrder", orderId=12345):
        market.client("merchant").deliver(12345, record, stock.tree.proof(0))


def test_delivering_after_the_delivery_deadline_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    deadline = market.client("stranger").order(order_id).deadline
    market.clock.advance_past(deadline)
    with reverts("EscrowDeadlinePassed", orderId=order_id, deadline=deadline):
        market.deliver(order_id, stock)


def test_a_proof_for_a_different_unit_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 4)
    order_id, _ = market.make_order(listing)
    record = market.sealed_record(order_id, stock, stock.units[0])
    with reverts("EscrowInvalidProof", root=stock.root, unitIndex=0):
        market.client("merchant").deliver(order_id, record, stock.tree.proof(1))


def test_a_unit_claimed_at_another_index_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 4)
    order_id, _ = market.make_order(listing)
    record = replace(market.sealed_record(order_id, stock, stock.units[0]), unit_index=2)
    with reverts("EscrowInvalidProof", root=stock.root, unitIndex=2):
        market.client("merchant").deliver(order_id, record, stock.tree.proof(0))


def test_a_unit_index_beyond_the_batch_count_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 5)
    order_id, _ = market.make_order(listing)
    record = replace(market.sealed_record(order_id, stock, stock.units[0]), unit_index=5)
    with reverts("EscrowUnitOutOfRange", root=stock.root, unitIndex=5, count=5):
        market.client("merchant").deliver(order_id, record, stock.tree.proof(0))


def test_a_unit_from_an_unknown_batch_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    record = replace(market.sealed_record(order_id, stock, stock.units[0]), root=b"\x11" * 32)
    with reverts("EscrowUnknownBatch", root=b"\x11" * 32):
        market.client("merchant").deliver(order_id, record, stock.tree.proof(0))


def test_a_unit_from_a_batch_of_another_listing_is_refused(market):
    listing = market.make_listing()
    other = market.make_listing()
    market.make_stock(listing, 1)
    other_stock = market.make_stock(other, 2)
    order_id, _ = market.make_order(listing)
    with reverts(
        "EscrowBatchOfOtherListing", root=other_stock.root, batchListing=other, orderListing=listing
    ):
        market.deliver(order_id, other_stock)


def test_a_used_unit_cannot_be_delivered_to_a_second_order(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    first, _ = market.make_order(listing)
    second, _ = market.make_order(listing, buyer="buyer2")
    unit = stock.units[0]
    market.deliver(first, stock, unit)
    with reverts("EscrowUnitAlreadyUsed", root=stock.root, unitIndex=0):
        market.deliver(second, stock, unit)


def test_the_same_key_committed_in_another_batch_cannot_be_delivered_again(market):
    listing = market.make_listing()
    keys = ["DUPLICATE-KEY-0001-ABCDEFGH", "UNIQUE-KEY-0002-ABCDEFGH"]
    first_batch = market.make_stock(listing, keys=keys)
    second_batch = market.make_stock(listing, keys=list(reversed(keys)))
    first, _ = market.make_order(listing)
    second, _ = market.make_order(listing, buyer="buyer2")
    market.deliver(first, first_batch, first_batch.units[0])
    duplicate = second_batch.units[1]
    with reverts("EscrowKeyAlreadyDelivered", fingerprint=duplicate.fingerprint):
        market.deliver(second, second_batch, duplicate)


def test_a_key_delivered_by_one_merchant_cannot_be_delivered_by_another(market):
    listing = market.make_listing()
    other = market.make_listing(merchant="merchant2")
    stock = market.make_stock(listing, keys=["SHARED-KEY-0001-ABCDEFGH"])
    other_stock = market.make_stock(other, merchant="merchant2", keys=["SHARED-KEY-0001-ABCDEFGH"])
    first, _ = market.make_order(listing)
    second, _ = market.make_order(other, buyer="buyer2")
    record, _ = market.deliver(first, stock)
    with reverts("EscrowKeyAlreadyDelivered", fingerprint=record.fingerprint):
        market.deliver(second, other_stock, merchant="merchant2")
    assert market.client("stranger").delivery_of(record.fingerprint) == record.record_hash(first, 0)


def test_a_ciphertext_shorter_than_33_bytes_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    record = market.sealed_record(order_id, stock, stock.units[0])
    short = replace(record, ciphertext=record.ciphertext[:32])
    with reverts("EscrowCiphertextLength", length=32):
        market.client("merchant").deliver(order_id, short, stock.tree.proof(0))


def test_a_ciphertext_longer_than_288_bytes_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    record = market.sealed_record(order_id, stock, stock.units[0])
    long = replace(record, ciphertext=record.ciphertext + bytes(289 - len(record.ciphertext)))
    with reverts("EscrowCiphertextLength", length=289):
        market.client("merchant").deliver(order_id, long, stock.tree.proof(0))


def test_ciphertexts_of_33_and_288_bytes_are_accepted(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, keys=["A", "B" * 256])
    shortest, _ = market.make_order(listing)
    longest, _ = market.make_order(listing, buyer="buyer2")
    short_record, _ = market.deliver(shortest, stock, stock.units[0])
    long_record, _ = market.deliver(longest, stock, stock.units[1])
    assert (len(short_record.ciphertext), len(long_record.ciphertext)) == (33, 288)
    client = market.client("stranger")
    assert client.order(shortest).status == client.order(longest).status == OrderStatus.DELIVERED


def test_delivering_twice_to_one_order_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    with reverts("EscrowUnexpectedStatus", orderId=order_id, current=OrderStatus.DELIVERED):
        market.deliver(order_id, stock)


def test_a_failed_delivery_leaves_unit_and_registry_untouched(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    record = market.sealed_record(order_id, stock, stock.units[0])
    with reverts("EscrowInvalidProof"):
        market.client("merchant").deliver(order_id, record, stock.tree.proof(1))
    client = market.client("stranger")
    assert client.is_unit_used(stock.root, 0) is False
    assert client.delivery_of(stock.units[0].fingerprint) == ZERO32
    assert client.order(order_id).status == OrderStatus.PAID


# ------------------------------------------------------------------ confirm


def test_confirm_pays_the_merchant_price_minus_fee_plus_bond_and_the_treasury_the_fee(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    result = market.client("buyer").confirm(order_id)
    assert result.event("OrderCompleted").args == {
        "orderId": order_id,
        "cause": CompletionCause.BUYER_CONFIRMED,
        "merchantAmount": PRICE - fee_of(PRICE),
        "fee": fee_of(PRICE),
    }
    assert market.credit("merchant") == PRICE - PRICE // 100 + BOND == 14_900_000_000_000_000
    assert market.credit("treasury") == PRICE // 100 == 100_000_000_000_000
    assert market.credit("buyer") == 0
    assert market.client("stranger").order(order_id).status == OrderStatus.COMPLETED


def test_only_the_buyer_confirms(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    with reverts("EscrowNotBuyer", orderId=order_id, caller=market.address("merchant")):
        market.client("merchant").confirm(order_id)
    assert market.client("stranger").order(order_id).status == OrderStatus.DELIVERED


def test_confirming_twice_is_refused(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    market.client("buyer").confirm(order_id)
    with reverts("EscrowUnexpectedStatus", orderId=order_id, current=OrderStatus.COMPLETED):
        market.client("buyer").confirm(order_id)
    assert market.credit("merchant") == PRICE - fee_of(PRICE) + BOND


def test_confirming_before_delivery_is_refused(market):
    listing = market.make_listing()
    market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    with reverts("EscrowUnexpectedStatus", orderId=order_id, current=OrderStatus.PAID):
        market.client("buyer").confirm(order_id)


def test_the_buyer_may_confirm_after_the_confirm_window(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.deliver(order_id, stock)
    market.clock.advance_past(market.client("stranger").order(order_id).deadline)
    result = market.client("buyer").confirm(order_id)
    assert result.event("OrderCompleted").args["cause"] == CompletionCause.BUYER_CONFIRMED
    assert market.credit("merchant") == PRICE - fee_of(PRICE) + BOND


def test_the_point_zero_zero_is_refused_as_a_buyer_key(market):
    listing = market.make_listing()
    market.make_stock(listing, 1)
    with reverts("EscrowInvalidBuyerKey", x=0, y=0):
        market.client("buyer").pay(listing, 0, 0)


def test_an_inactive_listing_still_delivers_its_paid_orders(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order_id, _ = market.make_order(listing)
    market.client("merchant").set_active(listing, False)
    market.deliver(order_id, stock)
    market.client("buyer").confirm(order_id)
    assert market.credit("merchant") == PRICE - fee_of(PRICE) + BOND


def test_confirming_an_unknown_order_is_refused(market):
    with reverts("EscrowUnknownOrder", orderId=4242):
        market.client("buyer").confirm(4242)
