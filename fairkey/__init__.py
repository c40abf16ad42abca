"""fairkey: escrow marketplace for digital card keys (stock commitments, encrypted delivery)."""

__version__ = "0.1.0"
