"""What the API reads from the escrow (contracts/escrow/) for the order actions it prepares, over
the SDK's client (`fairkey/chain/escrow_client.py`): orders, listings, the arbitration fee, the
chain's time, and unsigned transactions for a user's wallet. Read-only: the API holds no key."""

from __future__ import annotations

from api.problems import ApiProblem
from api.wallet_tx import WalletTxs
from fairkey.chain.escrow_client import EscrowClient
from fairkey.chain.session import ChainSession
from fairkey.chain.types import Listing, Order, OrderStatus, order_ref


class EscrowReader(WalletTxs):
    def __init__(self, session: ChainSession, address: str, first_block: int = 0) -> None:
        self.session = session.with_account(None)
        self.client = EscrowClient(self.session, address, first_block)
        self.address = self.client.address

    @property
    def chain_id(self) -> int:
        return self.session.chain_id

    def now(self) -> int:
        """The chain's time (the latest block's timestamp): what every deadline is against."""
        return int(self.session.w3.eth.get_block("latest")["timestamp"])

    def order(self, order_id: int) -> Order:
        """The order, or a 404 problem when the escrow never saw it paid."""
        order = self.client.order(order_id)
        if order.status is OrderStatus.NONE:
            raise ApiProblem(
                404,
                "no-such-order",
                "no such order",
                f"the escrow has no order {order_ref(order_id)}",
            )
        return order

    def listing(self, listing_id: int) -> Listing:
        return self.client.listing(listing_id)

    def arbitration_cost(self, order_id: int) -> int | None:
        """What contesting the order pays its court now; None when the escrow has no court."""
        if int(self.session.call(self.client.f.arbitrator()), 16) == 0:
            return None
        return self.client.arbitration_cost(order_id)
