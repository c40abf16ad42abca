"""The CLI after a VALID verifier verdict (a working key is a delivered key): `order show` offers
the buyer the verdict's contest with `fairkey contest`, a second dispute is refused with a
sentence, and `fairkey contest` takes the verdict to the court. Real Anvil, real escrow."""

from __future__ import annotations

import re

from fairkey.chain.types import DisputeReason, OrderStatus, Verdict, parse_order_ref
from fairkey.chain.verdicts import sign_verdict
from tests.cli.conftest import LISTING_ARGS


def _found_valid(cli, market, key_file) -> str:
    """An order of a listing with a verifier, disputed, then found valid by the verifier."""
    verifier = market.accounts["verifier"]
    out = cli("merchant", *LISTING_ARGS, "--verifier", verifier.address).output
    listing_id = re.search(r"listing (\d+) created", out).group(1)
    keys = key_file("stock.txt", *(f"KEY-{i}-ABCDE-FGHIJ" for i in range(3)))
    cli("merchant", "stock", "import", str(keys), "--supplier", "acme")
    cli("merchant", "stock", "commit", "1", "--listing", listing_id)
    order = cli.buy(int(listing_id))
    cli("merchant", "deliver", "--all")
    cli("buyer", "dispute", order, "--reason", "not-as-described")
    order_id = parse_order_ref(order)
    client = market.client("stranger")
    record, delivery_no = client.current_delivery(order_id)
    deadline = market.clock.now() + 3600
    signature = sign_verdict(
        verifier.key,
        chain_id=market.w3.eth.chain_id,
        escrow=market.escrow_address,
        order_id=order_id,
        delivery_no=delivery_no,
        fingerprint=record.fingerprint,
        verdict=int(Verdict.VALID),
        deadline=deadline,
    )
    client.submit_verdict(order_id, record, int(Verdict.VALID), deadline, signature)
    assert client.order(order_id).reason is DisputeReason.NOT_AS_DESCRIBED
    return order


def test_after_a_valid_verdict_the_buyer_is_offered_the_court_not_a_second_dispute(
    cli, market, key_file
):
    order = _found_valid(cli, market, key_file)
    shown = cli("buyer", "order", "show", order).output
    assert "contest-verdict" in shown and f"fairkey contest {order}" in shown
    refused = cli("buyer", "dispute", order, "--reason", "other", code=1).output
    assert "found the key" in refused and "valid" in refused


def test_fairkey_contest_takes_the_verdict_to_the_court(cli, market, key_file):
    order = _found_valid(cli, market, key_file)
    out = cli("buyer", "contest", order).output
    assert "goes to court" in out
    assert market.client("stranger").order(parse_order_ref(order)).status is (
        OrderStatus.ARBITRATING
    )


def test_fairkey_contest_without_a_verdict_says_what_to_do(cli, market, stocked_listing):
    order = cli.buy(stocked_listing)
    cli("merchant", "deliver", "--all")
    out = cli("buyer", "contest", order, code=1).output
    assert "no verifier verdict to contest" in out
