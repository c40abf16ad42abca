"""Payment tokens: ETH or an ERC-20, with the symbol and decimals amounts are shown in."""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from fairkey.chain.escrow_client import openzeppelin_abi
from fairkey.chain.session import ChainSession
from fairkey.chain.types import ETH
from fairkey.cli.errors import CliError
from fairkey.units import format_amount, parse_amount


@dataclass(frozen=True)
class Token:
    address: str
    symbol: str
    decimals: int

    @property
    def is_eth(self) -> bool:
        return int(self.address, 16) == 0

    def show(self, units: int) -> str:
        return format_amount(units, self.decimals, self.symbol)

    def parse(self, text: str) -> int:
        try:
            return parse_amount(text, self.decimals)
        except ValueError as exc:
            raise CliError(f"amount in {self.symbol}: {exc}") from None


ETHER = Token(ETH, "ETH", 18)


class TokenBook:
    """Looks tokens up on chain once per run. ``demo`` names the deployment's demo token."""

    def __init__(self, session: ChainSession, demo_token: str) -> None:
        self._session = session
        self.demo_token = demo_token
        self._known: dict[str, Token] = {ETH: ETHER}

    def get(self, address: str) -> Token:
        address = Web3.to_checksum_address(address)
        if address not in self._known:
            erc20 = self._erc20(address)
            if not self._session.w3.eth.get_code(address):
                raise CliError(f"no token contract at {address} on this chain")
            try:
                symbol = erc20.functions.symbol().call()
                decimals = erc20.functions.decimals().call()
            except Exception as exc:  # noqa: BLE001 - any failure means "not an ERC-20"
                raise CliError(f"{address} does not look like an ERC-20 token: {exc}") from None
            self._known[address] = Token(address, symbol, decimals)
        return self._known[address]

    def resolve(self, text: str) -> Token:
        """``eth``, ``demo`` (the deployment's demo token) or a token address."""
        name = text.strip().lower()
        if name == "eth":
            return ETHER
        if name == "demo":
            if not self.demo_token:
                raise CliError("this deployment has no demo token")
            return self.get(self.demo_token)
        if not Web3.is_address(text.strip()):
            raise CliError(f"{text!r} is not a token: use eth, demo or a token address")
        return self.get(text.strip())

    def _erc20(self, address: str):
        """Any ERC-20, through OpenZeppelin's IERC20Metadata ABI (symbol, decimals, balances)."""
        return self._session.w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=openzeppelin_abi("IERC20Metadata")
        )

    def known(self) -> list[Token]:
        """ETH and the demo token (what `balance` and `withdraw` look at by default)."""
        return [ETHER] + ([self.get(self.demo_token)] if self.demo_token else [])

    def wallet_balance(self, token: Token, owner: str) -> int:
        if token.is_eth:
            return self._session.w3.eth.get_balance(owner)
        return self._erc20(token.address).functions.balanceOf(owner).call()
