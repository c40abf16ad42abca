"""Orders: one order and its timeline (from the index), what a party may do with it now (the SDK's
rule, with unsigned transactions), a caller's own order lists, and a merchant's contest of a
verifier refund."""
