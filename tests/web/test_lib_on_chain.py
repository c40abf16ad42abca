"""The dApp's lib (web/src/lib/) against the real contracts on a real Anvil: web/test/live/*.ts,
run by vitest with the chain this test sets up, signing through the lib's own wallet connection
(an EIP-1193 provider over Anvil's JSON-RPC, Anvil signing for its dev accounts). The SDK then
reads back what the TypeScript did."""

from __future__ import annotations

import json

from fairkey.chain.types import CompletionCause, RefundCause
from tests.support.court import CourtWorld
from tests.web.vitest import run_vitest

TOKENS = 10**12  # 1,000,000 dUSD (6 decimals) for each trading account


def _live_env(market, deployment, court: str | None = None) -> dict[str, str]:
    env = {
        "rpc": market.w3.provider.endpoint_uri,
        "chain_id": market.w3.eth.chain_id,
        "escrow": market.escrow_address,
        "court": court,
        "token": market.token_address,
        "block": deployment.block,
        "accounts": {role: market.address(role) for role in ("merchant", "buyer", "stranger")},
    }
    return {"FAIRKEY_LIVE": json.dumps(env)}


def _fund_tokens(market) -> None:
    token = market.session.contract("TestToken", market.token_address)
    for role in ("merchant", "buyer"):
        market.session.send(token.functions.mint(market.address(role), TOKENS))


def test_the_lib_lists_commits_sells_delivers_checks_proves_and_refunds_on_the_escrow(
    market, deployed, tmp_path
):
    _fund_tokens(market)
    run = run_vitest(tmp_path, "test/live/escrow.live.test.ts", env=_live_env(market, deployed[1]))
    assert run.returncode == 0 and run.failed == 0, "\n".join(run.failures()) or run.output[-4000:]
    assert run.passed >= 8

    escrow = market.client("stranger")
    proofs = escrow.events("MisdeliveryProven")
    assert [e.args["fault"] for e in proofs] == [
        3
    ]  # the wrong key of the basket, fault "commitment"
    refunds = sorted(RefundCause(e.args["cause"]).name for e in escrow.events("OrderRefunded"))
    assert refunds == ["MERCHANT_REFUNDED", "MISDELIVERY"]
    completed = [CompletionCause(e.args["cause"]) for e in escrow.events("OrderCompleted")]
    assert completed == [CompletionCause.BUYER_CONFIRMED] * 3
    basket = escrow.events("BasketPaid")
    assert len(basket) == 1 and len(basket[0].args["orderIds"]) == 2
    # the browser-made batches are the merchant's on chain, bonded per unit
    batches = escrow.events("StockCommitted")
    assert [e.args["count"] for e in batches] == [6, 2]


def test_the_lib_stakes_at_the_court_and_a_merchant_contests_into_it(market, deployed, tmp_path):
    world = CourtWorld.deploy(market)  # the real court, now the escrow's arbitrator
    run = run_vitest(
        tmp_path,
        "test/live/court.live.test.ts",
        env=_live_env(market, deployed[1], court=world.court.address),
    )
    assert run.returncode == 0 and run.failed == 0, "\n".join(run.failures()) or run.output[-4000:]
    assert run.passed == 2
    stranger = market.address("stranger")
    assert world.court.stake_of(stranger)["staked"] == world.params.min_stake
    assert world.court.case_count() == 1
    assert world.court.case(1).merchant == market.address("merchant")
