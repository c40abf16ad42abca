"""Chain access: compiled artifacts, a local Anvil, deployments and the escrow client.

Import from the modules (``fairkey.chain.session``, ``.escrow_client``, ``.types``, ...); the
package itself exports nothing.
"""
