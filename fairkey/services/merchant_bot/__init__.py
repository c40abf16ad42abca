"""The merchant's auto-delivery bot (`fairkey merchant run`): delivers every paid order from the
vault, answers disputes and verifier verdicts by policy, raises stock and dispute-rate alerts.

Exactly-once under crashes at any point, without trusting local state:

* Every start rebuilds the work list from the chain: the merchant's listings (ListingCreated),
  their orders (OrderPaid) and each order's current status. `bot.json` only records progress.
* The vault hands out the same unit for the same (order, delivery number), so a re-sent delivery
  carries the same key. The order is read as PAID (or DISPUTED, …) right before sending.
* An order already delivered on chain is only marked delivered in the vault. A batch sent before
  a crash that lands later makes the re-sent items refused (BatchItemRefused:
  EscrowUnexpectedStatus; a single delivery reverts): after every refusal or revert the order is
  read again and a delivery that is on chain counts as done; one refunded first gives its unit
  back; a unit the escrow refuses for its own sake (used, its key delivered from an older batch)
  is marked dead and the order gets another unit next step. The chain's answer is the truth: a
  refusal mined before a crash is simply given again when the same unit is sent again.
* The contract's fingerprint registry refuses a second delivery of any key, so a unit can never
  reach two orders even if the vault were wrong.

Disputes are answered by policy (fairkey/merchant/policy.py, decided by
fairkey/merchant/decisions.py) and never left to lapse: on a listing with a verifier a dispute
waits for its verdict (a VALID one ends the dispute on chain; a bad-key one gets `on-verdict`), a
dispute the policy waits on gets `verifier.on-valid` if the verifier signed "valid" but no verdict
reached the chain (read over HTTP, verifier.py), and the fallback answer once
`disputes.answer-before` is all that is left of the response window. A batch revoked on chain
(StockRevoked) is brought in line in the vault: exactly the units the chain withdrew.

Bursts: a step's first deliveries are packed into as few `deliverMany` transactions as a block
takes (pack.py: a share of the block's gas limit, calldata under the nodes' pool limit; one
order alone goes as a plain `deliver`); replacements, refunds and contests go one transaction
each. All of them are signed with a locally counted nonce and sent without waiting; then their
receipts are collected. A failed transaction (or refused item) is retried in the next steps (at
most `bot.max-attempts` times) and then reported in the log and in `alerts.jsonl`.

The pieces, one job each: scan.py (events -> the orders to watch), plan.py (an order -> the
action it needs), pack.py (actions -> transactions under the block's budget), send.py (signing
and sending a burst), rpc.py (batched reads, refusals in a receipt), settle.py (receipts ->
counts, vault, retries), bot.py (one step of all of them), run.py (the loop).
"""

from fairkey.services.merchant_bot.bot import MerchantBot
from fairkey.services.merchant_bot.run import run_bot, setup_logging
from fairkey.services.merchant_bot.work import Action, StepReport, Tracked, Tx

__all__ = ["Action", "MerchantBot", "StepReport", "Tracked", "Tx", "run_bot", "setup_logging"]
