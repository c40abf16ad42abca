"""Which tier settled an after-sales case, read off the escrow's rules (escrow/Disputes.sol,
escrow/OrderBook.sol). The final event's cause decides:

| ending (event, cause)                                   | rule / function                 | tier |
|---------------------------------------------------------|---------------------------------|------|
| OrderRefunded NotDelivered                              | refundUndelivered, late refund  | L1   |
| OrderRefunded Misdelivery                               | proveMisdelivery                | L1   |
| OrderRefunded Duplicate                                 | proveDuplicate                  | L1   |
| OrderRefunded MerchantSilent                            | refundUnanswered, late refund   | L1   |
| OrderRefunded VerifierAttested                          | executeVerifierRefund           | L1   |
| OrderRefunded MerchantRefunded, while the verifier's    | refund (accepting the verdict   | L1   |
|   refund is pending (VerifierRefundPending)             |   before the appeal window)     |      |
| OrderCompleted BuyerConfirmed / ConfirmWindowPassed,    | confirm, or settle after the    | L1   |
|   while a VALID verdict stood (Delivered again)         |   buyer's window to contest it  |      |
| OrderRefunded MerchantRefunded, after a dispute         | refund (the merchant's answer)  | L2   |
| OrderCompleted BuyerConfirmed / ConfirmWindowPassed,    | confirm (dispute withdrawn), or |      |
|   after a dispute                                       |   a replacement accepted        | L2   |
| OrderCompleted Ruling, OrderRefunded Ruling,            | rule                            | L3   |
|   OrderSplit after a Ruling                             |                                 |      |
| OrderSplit without a Ruling                             | resolveStalledArbitration       | L3   |

An order that was never disputed and not refunded for a missed delivery is no after-sales case
(tier NULL): the happy path (confirm, or the confirm window passing: the L1 rule that pays the
merchant when nobody complains) and a merchant's refund before any dispute (out of stock).
A proof that ends an arbitration is L1: "a proof outranks any vote".

A case opens at the first dispute; a missed delivery at the delivery deadline; a misdelivery
proof filed without a dispute opens and closes in the same transaction. Handling time is the
resolution's block time minus that opening.
"""

from __future__ import annotations

L1, L2, L3 = 1, 2, 3
TIERS = (L1, L2, L3)

_L1_REFUNDS = ("NotDelivered", "Misdelivery", "Duplicate", "MerchantSilent", "VerifierAttested")


def tier_of(
    status: str,
    cause: str | None,
    disputed: bool,
    after_verdict: bool = False,
    after_valid: bool = False,
) -> int | None:
    """The tier that settled an order in its terminal `status` with `cause` (None: no case).
    `after_verdict`: it ended while a verifier's refund was pending (VerifierRefundPending);
    `after_valid`: it ended while a VALID verdict stood (Delivered again, bond held)."""
    if status == "Split" or cause == "Ruling":
        return L3
    if status == "Refunded" and cause in _L1_REFUNDS:
        return L1
    if status == "Refunded" and after_verdict:
        return L1  # the verifier's rule decided; the merchant only refunded before the window
    if status == "Completed" and after_valid:
        return L1  # the verifier's rule decided: a working key is a delivered key
    if status in ("Refunded", "Completed") and disputed:
        return L2
    return None


def case_opened_at(
    cause: str | None,
    first_disputed_time: int | None,
    delivery_deadline: int,
    resolved_time: int,
) -> int:
    """When the after-sales case of a tiered order opened (see the module docstring)."""
    if first_disputed_time is not None:
        return first_disputed_time
    if cause == "NotDelivered":
        return delivery_deadline
    return resolved_time
