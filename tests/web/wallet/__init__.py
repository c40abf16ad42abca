"""The injected test wallet: an EIP-1193 provider in the page (provider.js), answered in Python
with Anvil's dev accounts (wallet.py), installed into a browser context by inject.py."""

from tests.web.wallet.inject import install
from tests.web.wallet.rpc import JsonRpc, RpcError
from tests.web.wallet.transactions import SentTransaction
from tests.web.wallet.wallet import Approval, TestWallet, WalletRequest

__all__ = ["Approval", "JsonRpc", "RpcError", "SentTransaction", "TestWallet", "WalletRequest",
           "install"]  # fmt: skip
