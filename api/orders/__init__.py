"""Order actions for a party's wallet: today a merchant's contest of a verifier's refund; the
marketplace's order routes join this router later."""
