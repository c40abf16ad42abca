"""How much one batch transaction of a service may take (the merchant bot's deliverMany, the
keeper's settleMany): the services pack as many items as fit under this, never the whole block.

* gas: SHARE of the latest block's gas limit — the rest is the safety margin for everyone else's
  transactions (the buyers' payments, the services' own single calls) and for a limit that
  shrinks — and never more than the 2^24 per transaction that EIP-7825 allows;
* calldata: MAX_CALLDATA bytes, under the 128 KiB that geth (and most nodes) take into their
  transaction pool.
"""

from __future__ import annotations

from dataclasses import dataclass

SHARE = 0.8  # of the block's gas limit, per transaction
TX_GAS_CAP = 2**24  # EIP-7825: the most gas one transaction may have
MAX_CALLDATA = 120_000  # bytes: geth's pool refuses transactions over 128 KiB


@dataclass(frozen=True)
class Budget:
    """What one transaction may take: gas, calldata bytes."""

    gas: int
    calldata: int = MAX_CALLDATA

    @classmethod
    def of_block(cls, gas_limit: int) -> Budget:
        """The budget of one transaction in a block with this gas limit."""
        return cls(min(int(gas_limit * SHARE), TX_GAS_CAP))
