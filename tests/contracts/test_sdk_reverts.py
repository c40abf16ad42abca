"""The SDK names the contract's error even when a transaction reverts only once mined."""

import pytest

from fairkey.chain.errors import ContractRevert


def test_a_transaction_that_reverts_when_mined_names_the_contract_error(market):
    # Built (and gas-checked) before the delivery deadline, mined after it: the race a bot or a
    # keeper meets at a deadline.
    listing = market.make_listing()
    stock = market.make_stock(listing, 1)
    order_id, _ = market.make_order(listing)
    client = market.client("merchant")
    record = market.sealed_record(order_id, stock, stock.units[0])
    merchant = market.address("merchant")
    tx = client.f.deliver(order_id, record.as_struct(), stock.tree.proof(0)).build_transaction(
        {"from": merchant, "nonce": market.w3.eth.get_transaction_count(merchant), "gas": 400_000}
    )
    market.clock.advance(2 * 3600)

    with pytest.raises(ContractRevert) as err:
        client.session.send_raw(tx)

    assert err.value.name == "EscrowDeadlinePassed"
    assert err.value.args_by_name["orderId"] == order_id
