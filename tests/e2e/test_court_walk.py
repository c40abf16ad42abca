"""The court end to end in `make up`: the demo's contested order (case 1) goes through evidence,
votes, an appeal and execution, from the CLI and from the appeal API, as the README's party and
juror walks do it. Real processes: the keeper draws panels and passes periods, the relayer sends
gasless votes; the chain clock is moved (`fairkey dev time`), never waited for.

Round 0 (3 jurors) pays the merchant 2–1 (one vote gasless); the buyer appeals through the API,
the merchant defends from the CLI; round 1 (7 other jurors) refunds the buyer 5–2, which the
escrow executes. The jurors who voted with the final ruling, and the buyer's refunded appeal
deposit, are claimed."""

from __future__ import annotations

import re

import httpx
import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3

from arbitration.api_client import ApiRefused, CourtApi
from arbitration.court_client import Choice, CourtClient, Period
from fairkey.chain.anvil import dev_accounts
from fairkey.chain.deploy import Deployment
from fairkey.chain.session import ChainSession, http_web3
from fairkey.settings import DEV_CHAIN_ID
from scripts.up import ANVIL_ACCOUNTS, JURORS, ROLES
from tests.e2e.make_up import fairkey, order_status, panel, until

CASE = 1  # the demo's live case
BUYER, MERCHANT = ROLES["buyer"], ROLES["merchant"]
STRANGER = 7  # neither a party nor a juror
SERVICE_WAIT = 90.0  # the keeper and the relayer act within a pass or two; a loaded 2-core host
ACCOUNTS = dev_accounts(ANVIL_ACCOUNTS)
HASH = re.compile(r"keccak256 (0x[0-9a-f]{64})")


def _send_as(w3: Web3, account: LocalAccount, tx: dict) -> None:
    """Sign and send a transaction the API answered (it holds no key: the user's wallet does)."""
    assert Web3.to_checksum_address(tx["from"]) == account.address
    request = {
        "from": account.address,
        "to": Web3.to_checksum_address(tx["to"]),
        "data": tx["data"],
        "value": int(tx["value"], 16),
        "chainId": int(tx["chainId"], 16),
        "nonce": w3.eth.get_transaction_count(account.address, "pending"),
        "gasPrice": w3.eth.gas_price,
    }
    request["gas"] = w3.eth.estimate_gas(request)
    sent = w3.eth.send_raw_transaction(account.sign_transaction(request).raw_transaction)
    assert w3.eth.wait_for_transaction_receipt(sent)["status"] == 1


def test_a_contested_order_goes_through_evidence_votes_an_appeal_and_execution(
    marketplace, tmp_path
):
    home, port, _, (_, _, _, api_port) = marketplace
    api = f"http://127.0.0.1:{api_port}"
    w3 = http_web3(f"http://127.0.0.1:{port}")
    deployment = Deployment.load(home / "deployment.json")
    court = CourtClient(ChainSession(w3, None), deployment.arbitrator)
    buyer, merchant = ACCOUNTS[BUYER], ACCOUNTS[MERCHANT]

    def fk(account: int, *args: str) -> str:
        return fairkey(home, port, account, *args)

    def reaches(period: Period, round_no: int = 0) -> None:
        until(
            lambda: (court.case(CASE).round, court.case(CASE).period) == (round_no, period),
            SERVICE_WAIT,
        )

    # The live case: the keeper drew its first panel of three from the demo jurors at start.
    until(lambda: len(panel(home, port, CASE, 0)) == 3, SERVICE_WAIT)
    first = panel(home, port, CASE, 0)
    assert set(first) <= set(JURORS)
    order = re.search(r"order\s+(0x[0-9a-fA-F]{40})", fk(BUYER, "case", "show", "1")).group(1)
    assert order_status(home, port, order) == "ARBITRATING"

    # --- evidence: the buyer through the API (anchored by its own wallet), the merchant by CLI
    with CourtApi(api, buyer, DEV_CHAIN_ID) as buyer_api:
        stored = buyer_api.upload(
            CASE, "buyer-statement.txt", b"The key is for another region.\n", "text/plain"
        )
    _send_as(w3, buyer, stored["anchor_tx"])
    reply = tmp_path / "merchant-reply.txt"
    reply.write_text("The key delivered is the one committed; the listing says global.\n")
    anchored = fk(MERCHANT, "case", "evidence", "1", str(reply), "--api", api)
    assert "anchored merchant-reply.txt" in anchored
    hashes = {stored["content_hash"], HASH.search(anchored).group(1)}
    shown = fk(BUYER, "case", "show", "1")
    assert all(h in shown for h in hashes)  # both anchored on chain

    with (
        CourtApi(api, ACCOUNTS[STRANGER], DEV_CHAIN_ID) as stranger_api,
        pytest.raises(ApiRefused) as refused,
    ):
        stranger_api.evidence(CASE)
    assert refused.value.status == 403
    assert httpx.get(f"{api}/cases/1/evidence", timeout=10).status_code == 401

    fk(first[0], "juror", "show", "1", "--api", api)  # a drawn juror downloads the files
    saved = home / "accounts" / ACCOUNTS[first[0]].address / "evidence" / "case-1"
    assert {p.stem for p in saved.iterdir()} == hashes  # each named by its checked keccak256

    # --- round 0: two jurors vote from the CLI, one gasless through the API's relayer
    signed = fk(first[2], "juror", "vote", "1", "refund", "--relay", api)  # signable now
    assert "holds it for its relayer" in signed
    fk(BUYER, "dev", "time", "+4h")  # past the evidence period: the keeper opens the commit
    reaches(Period.COMMIT)
    for juror in first[:2]:
        assert "committed your vote (pay)" in fk(juror, "juror", "vote", "1", "pay")
    reaches(Period.REVEAL)  # the relayer sent the third commit: all committed, the keeper passed
    assert court.round(CASE, 0).committed == 3
    for juror in first[:2]:
        assert "revealed pay" in fk(juror, "juror", "reveal", "1")
    fk(first[2], "juror", "reveal", "1", "--relay", api)
    reaches(Period.APPEAL)  # every commit revealed: ruled
    assert court.case(CASE).ruling == Choice.PAY_MERCHANT
    assert court.round(CASE, 0).votes == (0, 1, 2)  # refuse, refund, pay

    # --- appeal: the loser (the buyer) through the API, the winner's defence from the CLI
    with CourtApi(api, merchant, DEV_CHAIN_ID) as merchant_api:
        merchant_api.sign_in()
        early = merchant_api.http.post("/cases/1/appeal")
    assert early.status_code == 409 and early.json()["error"] == "CourtNotLoser"
    with CourtApi(api, buyer, DEV_CHAIN_ID) as buyer_api:
        buyer_api.sign_in()
        answer = buyer_api.http.post("/cases/1/appeal")
    assert answer.status_code == 200, answer.text
    appeal = answer.json()
    assert appeal["side"] == "appeal" and int(appeal["cost_wei"]) == court.appeal_cost(CASE)
    _send_as(w3, buyer, appeal["tx"])
    defended = fk(MERCHANT, "case", "appeal", "1")
    assert "funded the defence of case 1: round 1, 7 jurors" in defended
    funded = court.round(CASE, 1)
    assert (funded.fee_payer, funded.defender) == (buyer.address, merchant.address)

    # --- round 1: seven other jurors
    fk(BUYER, "dev", "time", "+6h")  # past the appeal period: the keeper opens round 1
    reaches(Period.EVIDENCE, round_no=1)
    # Its panel is drawn from the hash of a block mined after the round opened: the demo chain
    # mines one every few seconds even when idle, and the keeper draws once it exists.
    until(lambda: len(panel(home, port, CASE, 1)) == 7, SERVICE_WAIT)
    second = panel(home, port, CASE, 1)
    assert set(second) <= set(JURORS) and not set(second) & set(first)

    fk(BUYER, "dev", "time", "+4h")
    reaches(Period.COMMIT, round_no=1)
    choices = ["refund"] * 5 + ["pay"] * 2
    for juror, choice in zip(second, choices, strict=True):
        fk(juror, "juror", "vote", "1", choice)
    reaches(Period.REVEAL, round_no=1)
    for juror in second:
        fk(juror, "juror", "reveal", "1")
    reaches(Period.APPEAL, round_no=1)
    assert court.case(CASE).ruling == Choice.REFUND_BUYER

    # --- execution: nobody appeals again; the escrow refunds the order
    fk(BUYER, "dev", "time", "+6h")
    reaches(Period.EXECUTED, round_no=1)
    until(lambda: order_status(home, port, order) == "REFUNDED", SERVICE_WAIT)
    assert "withdrew 0.011 ETH" in fk(BUYER, "withdraw")  # the price + the dispute bond

    # The jurors who voted with the final ruling share each round's fee and the locks (0.02 ETH
    # a seat) of those who did not: round 0's refund voter 0.003 + 2 locks, round 1's five refund
    # voters 0.007 / 5 + 2 locks / 5 each. The buyer won: its appeal deposit comes back.
    assert "withdrew 0.043 ETH" in fk(first[2], "juror", "claim")
    assert "withdrew 0.0094 ETH" in fk(second[0], "juror", "claim")
    assert "withdrew" not in fk(first[0], "juror", "claim")  # voted pay: lost its lock
    assert "withdrew 0.007 ETH" in fk(BUYER, "case", "claim")  # a party's way out
