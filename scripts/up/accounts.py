"""Who is who on the demo chain: Anvil's dev accounts by role (public test keys, local chain
only). Tests and the browser harness name accounts through these."""

from __future__ import annotations

from functools import cache

from fairkey.chain.anvil import dev_accounts

# The services' accounts and the walkthrough's merchant and buyer (README).
ROLES = {"operator": 0, "treasury": 1, "merchant": 2, "buyer": 3, "keeper": 4, "verifier": 5,
         "relayer": 6}  # fmt: skip
# The demo market's other shops and buyer: merchants that deliver by hand (no bot), so orders
# can wait in every state, and a buyer whose orders show them.
SHOPS = {"lotus-keys": 7, "playpin": 8}
SECOND_BUYER = 9
# Dev accounts staked at the demo court. One seat per juror per case across rounds, parties never
# drawn: an appeal's panel of 7 after the first round's 3 needs 10 jurors besides the parties;
# 12 leave the draw room to skip (docs/arbitration.md, "Drawing").
JURORS = tuple(range(10, 22))
JUROR_STAKE = "0.5"  # ETH each (the court's minimum is 0.1)
ANVIL_ACCOUNTS = JURORS[-1] + 1
DEMO_PASSPHRASE = "demo"  # the demo merchants' vault passphrase (local demo only)


@cache
def _all() -> tuple:
    return tuple(dev_accounts(ANVIL_ACCOUNTS))


def account(index: int):
    """Dev account `index` (with its key), derived once per process."""
    return _all()[index]
