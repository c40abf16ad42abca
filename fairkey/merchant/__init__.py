"""The merchant's rules, in one place for every tool that acts for a merchant (the `fairkey`
commands, the auto-delivery bot in fairkey/services/merchant_bot/, the marketplace API):

* policy.py: the merchant's policy file (answers per dispute reason, fallback, alerts);
* decisions.py: what to do with an order (a paid one, a dispute, a verifier's verdict, a
  transaction that reverted) — pure functions of the order, the clock and the policy;
* units.py: which vault unit a delivery gets (the first key, a replacement; never one of a batch
  revoked since it was reserved);
* vault_sync.py: the vault follows the chain (an order delivered or refunded, a batch revoked);
* scan.py: the orders paid to the merchant's listings, from the chain's events.
"""
