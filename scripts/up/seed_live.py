"""The demo's last steps, once the services answer: every demo listing's title and description
published to the API (PUT /listings/{id}/metadata, as `fairkey listing create --api` does), and
the disputed key of the story's `verify` order sent to the listing's verifier, which asks the
demo issuer, finds it redeemed and puts its verdict on chain. Done once per data folder (a
marker file), again after a crash before it finished."""

from __future__ import annotations

import httpx
from web3 import Web3

from fairkey.chain.deploy import Deployment
from fairkey.chain.errors import ContractRevert
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession
from fairkey.chain.types import OrderStatus, parse_order_ref
from fairkey.crypto.order_keys import seed_from_account
from fairkey.flows.buyer import open_delivery, order_key_for
from fairkey.verifier.client import VerifierClient, VerifierError, VerifierMismatch
from scripts.up.accounts import account
from scripts.up.market import LISTINGS
from scripts.up.output import say
from scripts.up.seed import seeded_orders
from scripts.up.settings import UpSettings

DONE = "live-seeded"  # marker in the demo folder


def seed_live(w3: Web3, deployment: Deployment, settings: UpSettings) -> None:
    """The last steps; a failure is a warning (the marketplace runs; they are tried again at
    the next start)."""
    marker = settings.demo / DONE
    if marker.exists() or not seeded_orders(settings.demo):  # done, or an older demo's folder
        return
    try:
        _publish_and_verify(w3, deployment, settings)
    except (httpx.HTTPError, VerifierError, VerifierMismatch, ContractRevert, LookupError) as exc:
        say(
            f"[yellow]the demo's last steps failed[/yellow] ({type(exc).__name__}: {exc}): "
            "listing descriptions or the verifier's demo verdict may be missing; they are tried "
            "again at the next `make up`"
        )
        return
    marker.write_text("done\n")


def _publish_and_verify(w3: Web3, deployment: Deployment, settings: UpSettings) -> None:
    for number, item in enumerate(LISTINGS, start=1):
        answer = httpx.put(
            f"{settings.api_url}/listings/{number}/metadata",
            content=item.document.canonical(),
            headers={"content-type": "application/json"},
            timeout=30,
        )
        answer.raise_for_status()
    escrow = EscrowClient(ChainSession(w3, None), deployment.escrow)
    for row in seeded_orders(settings.demo):
        order_id = parse_order_ref(row["order"])
        if row["then"] == "verify" and escrow.order(order_id).status is OrderStatus.DISPUTED:
            _verify(escrow, deployment, settings, order_id, account(row["buyer"]))


def _verify(escrow, deployment, settings: UpSettings, order_id: int, buyer) -> None:
    """`fairkey verify ORDER`: the buyer's decrypted key, sealed to the verifier."""
    seed = seed_from_account(buyer, deployment.chain_id, deployment.escrow)
    opened = open_delivery(escrow, order_id, order_key_for(escrow, seed, order_id))
    listing = escrow.listing(escrow.order(order_id).listing_id)
    with VerifierClient(settings.verifier_url) as verifier:
        verifier.check_key(
            order_id,
            opened.check.key,
            expect_verifier=listing.verifier,
            expect_chain_id=deployment.chain_id,
            expect_escrow=deployment.escrow,
        )
