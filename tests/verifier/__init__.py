"""Verifier, issuer adapter and issuer simulator tests; `serve` runs an app on a real port."""

from tests.support.serve import serve_in_thread as serve

__all__ = ["serve"]
