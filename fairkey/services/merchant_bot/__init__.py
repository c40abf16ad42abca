"""The merchant's auto-delivery bot (`fairkey merchant run`): delivers every paid order from the
vault, answers disputes and verifier verdicts by policy, raises stock and dispute-rate alerts.

Exactly-once under crashes at any point, without trusting local state:

* Every start rebuilds the work list from the chain: the merchant's listings (ListingCreated),
  their orders (OrderPaid) and each order's current status. `bot.json` only records progress.
* The vault hands out the same unit for the same (order, delivery number), so a re-sent delivery
  carries the same key. The order is read as PAID (or DISPUTED, …) right before sending.
* An order already delivered on chain is only marked delivered in the vault. A transaction sent
  before a crash that lands later makes the re-sent one revert (EscrowUnexpectedStatus): after
  every revert the order is read again and a delivery that is on chain counts as done.
* The contract's fingerprint registry refuses a second delivery of any key, so a unit can never
  reach two orders even if the vault were wrong.

Disputes are answered by policy (fairkey/merchant/policy.py, decided by
fairkey/merchant/decisions.py) and never left to lapse: a dispute the policy waits on gets
`verifier.on-valid` as soon as the listing's verifier signs "valid" for the key (read over HTTP,
verifier.py), and the fallback answer once `disputes.answer-before` is all that is left of the
response window. A batch revoked on chain (StockRevoked) is brought in line in the vault:
exactly the units the chain withdrew.

Bursts: all transactions of a step are signed with a locally counted nonce and sent without
waiting; then their receipts are collected. A failed transaction is retried in the next steps
(at most `bot.max-attempts` times) and then reported in the log and in `alerts.jsonl`.

The pieces, one job each: scan.py (events -> the orders to watch), plan.py (an order -> the
transaction it needs), send.py (signing and sending a burst), rpc.py (batched reads), settle.py
(receipts -> counts, vault, retries), bot.py (one step of all of them), run.py (the loop).
"""

from fairkey.services.merchant_bot.bot import MerchantBot
from fairkey.services.merchant_bot.run import run_bot, setup_logging
from fairkey.services.merchant_bot.work import Action, StepReport, Tracked

__all__ = ["Action", "MerchantBot", "StepReport", "Tracked", "run_bot", "setup_logging"]
