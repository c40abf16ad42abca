from fairkey.chain.types import OrderStatus
from fairkey.crypto.delivery_crypto import check_delivery, open_sealed


def test_happy_path_pays_the_merchant_after_the_buyer_confirms(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 3)
    order_id, key = market.make_order(listing)
    record, _ = market.deliver(order_id, stock)
    plain = open_sealed(record.sealed, order_id, key.secret)
    assert check_delivery(plain, record.commitment, record.fingerprint).ok
    market.client("buyer").confirm(order_id)
    assert market.client("buyer").order(order_id).status == OrderStatus.COMPLETED
