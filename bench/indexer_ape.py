"""The indexer benchmark's baseline: the same escrow events read by ape's own
`Contract.EventName.query`, one query per event type of the escrow's ABI, over the same blocks.

Run by bench/indexer.py in a child process, so ape's import, plugins and data folder stay out of
the benchmark's own process (and every run starts with ape's caches empty)::

    python -m bench.indexer_ape <rpc url> <escrow> <first block> <last block>

Prints one JSON object: per event type the rows ape returned and the seconds its query took, and
the totals. Ape connects to the running Anvil through ape-foundry (`host` = the node's URL) and
loads the escrow from the project's build (`project.FairkeyEscrow.at`). Queries run on ape's
default engine ("__default__": `eth_getLogs` pages, decoded into `ContractLog`s, then a pandas
DataFrame) — the engine ape picks by itself on a local network, where its ape_cache engine is
unavailable; naming it keeps a cache from ever answering. One throw-away query over a single
block first, so ape's one-time set-up (ABI parsing, provider warm-up) is not counted.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str]) -> int:
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    url, escrow, first, last = argv[0], argv[1], int(argv[2]), int(argv[3])
    os.environ.setdefault("APE_DATA_FOLDER", str(PROJECT_ROOT / ".ape"))
    os.chdir(PROJECT_ROOT)  # ape's `project` is the one in the working directory

    from ape import networks, project  # noqa: PLC0415 - ape is imported only in this process

    choice = "ethereum:local:foundry"
    with networks.parse_network_choice(choice, provider_settings={"host": url}) as provider:
        contract = project.FairkeyEscrow.at(escrow)
        names = sorted(event.name for event in contract.contract_type.events)
        getattr(contract, names[0]).query(
            "*", start_block=first, stop_block=first, engine_to_use="__default__"
        )
        per_event: dict[str, dict[str, float | int]] = {}
        started = time.perf_counter()
        for name in names:
            t0 = time.perf_counter()
            frame = getattr(contract, name).query(
                "*", start_block=first, stop_block=last, engine_to_use="__default__"
            )
            per_event[name] = {"rows": len(frame), "seconds": round(time.perf_counter() - t0, 4)}
        seconds = time.perf_counter() - started
        result = {
            "ape_provider": type(provider).__name__,
            "block_page_size": getattr(provider, "block_page_size", None),
            "concurrency": getattr(provider, "concurrency", None),
            "events": sum(int(e["rows"]) for e in per_event.values()),
            "seconds": round(seconds, 3),
            "event_types": len(names),
            "per_event": per_event,
        }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
