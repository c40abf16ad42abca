"""Unsigned transactions for a user's wallet, and whether the contract would take them now: what
every action route answers (the court's appeal, the escrow's contest). The API holds no key."""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address
from web3.contract import Contract
from web3.exceptions import ContractCustomError, ContractLogicError

from fairkey.chain.errors import ContractRevert
from fairkey.chain.session import ChainSession


def tx_request(
    contract: Contract, chain_id: int, function: str, args: list[Any], sender: str, value: int = 0
) -> dict[str, Any]:
    """The transaction as EIP-1193's `eth_sendTransaction` takes it (api/schemas.py TxRequest)."""
    return {
        "from": to_checksum_address(sender),
        "to": contract.address,
        "data": contract.encode_abi(function, args=args),
        "value": hex(value),
        "chainId": hex(chain_id),
    }


def simulate(
    session: ChainSession,
    contract: Contract,
    function: str,
    args: list[Any],
    sender: str,
    value: int = 0,
) -> ContractRevert | None:
    """The contract's refusal if `sender` sent this now (eth_call), else None."""
    fn = getattr(contract.functions, function)(*args)
    try:
        fn.call({"from": to_checksum_address(sender), "value": value})
    except (ContractCustomError, ContractLogicError) as exc:
        data = getattr(exc, "data", None)
        if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
            return session.errors.decode(data)
        return ContractRevert("Error", {"message": str(exc)[:200]})
    return None


class WalletTxs:
    """For a reader of one contract (`self.session`, `self.client.contract`): the unsigned
    transaction for a user's wallet, and the contract's refusal if it were sent now."""

    session: ChainSession
    client: Any

    def tx_request(
        self, function: str, args: list[Any], sender: str, value: int = 0
    ) -> dict[str, Any]:
        return tx_request(
            self.client.contract, self.session.chain_id, function, args, sender, value
        )

    def simulate(
        self, function: str, args: list[Any], sender: str, value: int = 0
    ) -> ContractRevert | None:
        return simulate(self.session, self.client.contract, function, args, sender, value)
