"""The two sides of an order, on top of the crypto core and the escrow client."""
