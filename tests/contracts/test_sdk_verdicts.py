"""The SDK's verdict signature is over exactly the digest the escrow verifies."""

from eth_account import Account

from fairkey.chain.verdicts import sign_verdict


def test_sdk_verdict_signatures_recover_to_the_verifier_over_the_escrows_digest(market):
    fields = dict(order_id=2**150 + 7, delivery_no=1, fingerprint=b"\x11" * 32, verdict=2,
                  deadline=1_900_000_000)  # fmt: skip
    signature = sign_verdict(
        market.accounts["verifier"].key,
        chain_id=market.w3.eth.chain_id,
        escrow=market.escrow_address,
        **fields,
    )
    digest = market.client("stranger").verdict_digest(*fields.values())
    assert Account._recover_hash(bytes(digest), signature=signature) == market.address("verifier")
