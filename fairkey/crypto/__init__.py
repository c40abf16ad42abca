"""fairkey's cryptographic core: the Python side of docs/protocol.md.

Every byte format here is re-derived by the contracts; see the per-module docstrings. Import from
the modules (``fairkey.crypto.keys``, ``.merkle``, ``.delivery_crypto``, ``.records``,
``.order_keys``, ``.secp256k1``, ``.canonical``); the package itself exports nothing. They import
each other in one direction only (``tests/architecture/test_crypto_imports.py``).
"""
