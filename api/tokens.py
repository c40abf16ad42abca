"""Payment tokens as the dApp shows amounts: ETH or an ERC-20's symbol and decimals, read from
the chain once per process (they never change) through OpenZeppelin's IERC20Metadata ABI."""

from __future__ import annotations

import threading

from eth_utils import to_checksum_address
from pydantic import BaseModel, Field

from fairkey.chain.escrow_client import openzeppelin_abi
from fairkey.chain.session import ChainSession
from fairkey.chain.types import ETH


class TokenOut(BaseModel):
    address: str = Field(description="0x0000…0000 for ETH, else the ERC-20 (EIP-55)")
    symbol: str | None = Field(description="None: the contract gives none (not an ERC-20?)")
    decimals: int | None


ETHER = TokenOut(address=ETH, symbol="ETH", decimals=18)


class TokenBook:
    def __init__(self, session: ChainSession) -> None:
        self._session = session
        self._known: dict[str, TokenOut] = {ETH: ETHER}  # by lower-case address
        self._lock = threading.Lock()

    def get(self, address: str) -> TokenOut:
        key = address.lower()
        with self._lock:
            known = self._known.get(key)
        if known is not None:
            return known
        found = self._read(to_checksum_address(address))
        if found.symbol is not None:  # a failed read is asked again next time
            with self._lock:
                self._known[key] = found
        return found

    def erc20(self, address: str):
        return self._session.w3.eth.contract(
            address=to_checksum_address(address), abi=openzeppelin_abi("IERC20Metadata")
        )

    def _read(self, address: str) -> TokenOut:
        contract = self.erc20(address)
        try:
            symbol = str(contract.functions.symbol().call())[:32]
            decimals = int(contract.functions.decimals().call())
        except Exception:  # noqa: BLE001 - no code, or not an ERC-20: shown without a symbol
            return TokenOut(address=address, symbol=None, decimals=None)
        return TokenOut(address=address, symbol=symbol, decimals=decimals)
