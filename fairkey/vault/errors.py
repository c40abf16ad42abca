"""Vault errors: messages are meant to be shown to the merchant as they are."""


class VaultError(Exception):
    """Anything the merchant must fix or know about (wrong passphrase, bad file, no stock)."""


class OutOfStockError(VaultError):
    """No unsold unit is left in the committed batches of a listing."""
