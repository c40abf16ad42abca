"""`GET /orders/{id}/actions`: the SDK's rule of what the caller may do now
(`fairkey.flows.actions`), with the chain facts it needs read as the CLI reads them
(`arbitration/action_facts.py`, for this API's own court only) and, for every action that needs
no secret, the unsigned transaction for the caller's wallet (api/wallet_tx.py)."""

from __future__ import annotations

from typing import Any

from api.court import CourtReader
from api.escrow import EscrowReader
from api.market import MarketState
from api.orders.schemas import ActionOut, ActionsOut, ReasonTx
from api.schemas import TxRequest
from api.tokens import ETHER, TokenOut
from api.wallet_tx import tx_request
from arbitration.action_facts import order_facts
from arbitration.court_client import CourtClient
from fairkey.chain.types import Listing, order_ref, solidity_name
from fairkey.flows.actions import Action, Kind, open_actions, reason_name

ZERO32 = b"\0" * 32
_ETH_PAID = (Kind.CONTEST, Kind.CONTEST_VERDICT, Kind.APPEAL)  # fees go to the court in ETH


class ActionBuilder:
    """One caller's view of one order: reads what the rule needs, answers `ActionsOut`."""

    def __init__(
        self,
        escrow: EscrowReader,
        court: CourtReader,
        market: MarketState,
        order_id: int,
        caller: str,
        evidence: bytes = ZERO32,
    ) -> None:
        self.escrow, self.court, self.market = escrow, court, market
        self.order_id, self.caller, self.evidence = order_id, caller, evidence

    def answer(self) -> ActionsOut:
        order = self.escrow.order(self.order_id)
        listing = self.escrow.listing(order.listing_id)
        now = self.escrow.now()
        facts = order_facts(
            self.escrow.client, self.order_id, order, listing, now, self.caller, self._court_for
        )
        return ActionsOut(
            order_id=order_ref(self.order_id),
            you=self.caller,
            role=facts.role.value,
            status=solidity_name(order.status),
            deadline=order.deadline,
            chain_time=now,
            actions=[self._out(a, listing) for a in open_actions(facts)],
        )

    def _court_for(self, address: str) -> CourtClient | None:
        """This API's own court; a case in any other court is not read here."""
        return self.court.client if address.lower() == self.court.address.lower() else None

    def _out(self, a: Action, listing: Listing) -> ActionOut:
        token = self._token(a, listing)
        tx, reasons = None, []
        if a.kind is Kind.DISPUTE:  # one transaction per reason
            bond = self._msg_value(a, token)
            reasons = [
                ReasonTx(
                    reason=reason_name(r),
                    tx=self._escrow_tx("dispute", [self.order_id, int(r), self.evidence], bond),
                )
                for r in a.reasons
            ]
        elif a.secret is None:
            tx = self._tx(a, listing)
        verifier = listing.verifier if a.kind is Kind.VERIFY else None
        return ActionOut(
            kind=a.kind.value,
            contract=a.contract,
            function=a.function,
            until=a.until,
            needs=a.secret.value if a.secret is not None else None,
            value=str(a.value),
            token=token,
            tx=tx,
            approve=self._approve(a, token),
            reasons=reasons,
            case_id=a.case_id,
            verifier=verifier,
            verifier_url=self.market.verifier_urls.get(verifier) if verifier else None,
            note=a.note,
        )

    def _token(self, a: Action, listing: Listing) -> TokenOut | None:
        if a.kind in _ETH_PAID:
            return ETHER
        if a.value or a.kind is Kind.WITHDRAW:
            return self.market.tokens.get(listing.token)
        return None

    @staticmethod
    def _msg_value(a: Action, token: TokenOut | None) -> int:
        return a.value if token is not None and int(token.address, 16) == 0 else 0

    def _tx(self, a: Action, listing: Listing) -> TxRequest | None:
        oid = self.order_id
        if a.kind is Kind.APPEAL:
            return TxRequest.model_validate(
                self.court.tx_request("appeal", [a.case_id, b""], self.caller, a.value)
            )
        args: dict[Kind, list[Any]] = {
            Kind.CONTEST: [oid, self.evidence],
            Kind.CONTEST_VERDICT: [oid, self.evidence],
            Kind.WITHDRAW: [listing.token],
        }
        if a.function is None:
            return None
        value = a.value if a.kind in _ETH_PAID else 0
        return self._escrow_tx(a.function, args.get(a.kind, [oid]), value)

    def _escrow_tx(self, function: str, args: list[Any], value: int) -> TxRequest:
        return TxRequest.model_validate(self.escrow.tx_request(function, args, self.caller, value))

    def _approve(self, a: Action, token: TokenOut | None) -> TxRequest | None:
        if token is None or not a.value or int(token.address, 16) == 0:
            return None
        erc20 = self.market.tokens.erc20(token.address)
        args = [self.escrow.address, a.value]
        return TxRequest.model_validate(
            tx_request(erc20, self.escrow.chain_id, "approve", args, self.caller)
        )
