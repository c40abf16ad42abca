"""Moved: the JSON-RPC client is `fairkey.chain.jsonrpc`, the node's refusals are classified in
`fairkey.chain.rpc_errors`. Only `fairkey/cli/index_cmd.py` still imports this name; delete this
file once it imports `fairkey.chain.rpc_errors` instead."""

from fairkey.chain.rpc_errors import NodeUnavailable, RpcError

__all__ = ["NodeUnavailable", "RpcError"]
