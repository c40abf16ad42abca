"""`make up`: the whole fairkey product on one machine.

On the demo chain (the default): Anvil with its state in the data folder (.fairkey/, or
FAIRKEY_HOME), the escrow and court deployed and a demo market seeded on first start (three
shops, five listings, orders waiting in every state, a live court case), then the services — the
merchant bot, keeper, verifier with the issuer simulator, relayer, indexer, and the API serving
the dApp. Running it again resumes the same marketplace; `rm -rf .fairkey` starts over.

With a network setting (`make up NETWORK=path/to/deployment.json`, or FAIRKEY_NETWORK): no Anvil
and no demo data, the services against that deployment (docs/testnet.md).

One `make up` per data folder (lock.py). One module per job:

| module | job |
|---|---|
| settings.py | data folder, ports and network setting from the environment |
| ports.py | refuse busy or shared ports before anything starts |
| lock.py | one `make up` per data folder |
| chain.py | the demo chain: Anvil, the deploy, a saved deployment and index still valid? |
| accounts.py | the demo's dev accounts by role |
| market.py | the demo market as data: shops, listings, suppliers, the orders' story |
| seed.py, seed_live.py | seeding it: on chain, then what needs the running services |
| network.py | a network's deployment checked against its node |
| services.py | the services to run, their settings and keys; waiting until they answer |
| summary.py | what is printed once everything answers |
| main.py | the run: all of the above in order, until Ctrl-C |
"""

from scripts.up.accounts import ANVIL_ACCOUNTS, JUROR_STAKE, JURORS, ROLES
from scripts.up.lock import LOCK_NAME, lock_data_folder
from scripts.up.settings import PORT_SETTINGS

__all__ = [
    "ANVIL_ACCOUNTS",
    "JURORS",
    "JUROR_STAKE",
    "LOCK_NAME",
    "PORT_SETTINGS",
    "ROLES",
    "lock_data_folder",
]
