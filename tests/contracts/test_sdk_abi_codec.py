"""The precompiled ABI codec (the bot's hot path) encodes and decodes exactly as web3 does."""

from eth_utils import function_abi_to_4byte_selector

from fairkey.chain.types import Order


def test_the_codec_encodes_calls_byte_for_byte_like_web3_and_decodes_the_order(market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    client = market.client("merchant")
    record = market.sealed_record(order_id, stock, stock.units[0])
    proof = stock.tree.proof(0)

    deliver = client.codec.fn("deliver").encode(order_id, record.as_struct(), proof)
    assert deliver == bytes.fromhex(
        client.f.deliver(order_id, record.as_struct(), proof)._encode_transaction_data()[2:]
    )
    order_fn = client.codec.fn("order")
    raw = market.w3.eth.call({"to": client.address, "data": order_fn.encode(order_id)})
    assert Order.from_tuple(order_fn.decode(bytes(raw))) == client.order(order_id)


def test_every_escrow_function_has_one_codec_entry_with_web3s_selector(market):
    # The codec keys functions by name: an overload would silently shadow another signature.
    client = market.client("merchant")
    functions = [item for item in client.contract.abi if item.get("type") == "function"]
    assert len({f["name"] for f in functions}) == len(functions)
    for item in functions:
        assert client.codec.fn(item["name"]).selector == function_abi_to_4byte_selector(item)
