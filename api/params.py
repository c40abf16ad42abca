"""Request parameters the marketplace routes share: addresses, page sizes, and the checks that
turn a well-formed but wrong value (a bad EIP-55 checksum) into a 422 problem."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated

from eth_utils import is_checksum_address, to_checksum_address
from fastapi import Path, Query

from api.problems import ApiProblem
from fairkey.chain.types import ORDER_ID_FORMAT, parse_order_ref

ADDRESS = r"^0x[0-9a-fA-F]{40}$"
MAX_PAGE = 100

AddressPath = Annotated[str, Path(pattern=ADDRESS, description="An address (0x + 40 hex)")]
Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Rows per page")]


checksum = lru_cache(maxsize=65_536)(to_checksum_address)
"""EIP-55 of an address, remembered: every answer turns the index's lower-case ones into it."""


def address(text: str, what: str = "address") -> str:
    """EIP-55 form of a 0x + 40 hex address; a mixed-case one must carry a correct checksum."""
    digits = text[2:]
    if digits not in (digits.lower(), digits.upper()) and not is_checksum_address(text):
        raise ApiProblem(
            422,
            "invalid-address",
            "not an address",
            f"{what} {text!r}: its upper/lower case fails the EIP-55 checksum (a typo? all "
            "lower case is fine)",
        )
    return to_checksum_address(text)


def checksum_or_none(value: str | None) -> str | None:
    """EIP-55, or None for None and the zero address (no verifier, no court)."""
    if value is None or int(value, 16) == 0:
        return None
    return checksum(value)


OrderRef = Annotated[str, Path(pattern=ADDRESS, description=f"The order: {ORDER_ID_FORMAT}")]
"""An order id in the path, as the SDK spells it (`order_ref`)."""


def order_id_of(ref: str) -> int:
    """The order id of a path's `OrderRef` (422 problem when it is not one)."""
    try:
        return parse_order_ref(ref)
    except ValueError as exc:
        raise ApiProblem(422, "invalid-order-id", "not an order id", str(exc)) from None
