"""The indexer benchmark's chain: generated once, then loaded from a cache.

Generating ≥ 100,000 events takes about a minute; the benchmark reads the chain many times but
never changes what it measures, so the chain is kept as Anvil's own state dump
(`anvil_dumpState`: blocks, receipts and state, gzipped JSON, ≈ 80 MB for 100,000 events) under
bench/out/cache/. The cache key hashes everything that shapes the chain: the generator's
parameters and source files, the contracts build, and Anvil's version. A later run unpacks the
dump and starts Anvil on it (`--state`, a throw-away copy: Anvil writes its state back there on
exit) in a few seconds; a fresh clone, or any change to those inputs, generates it again.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.indexer_chain import load_rpc
from bench.indexer_load import LoadParams, LoadResult, dev_account_count, generate
from fairkey.chain.anvil import AnvilNode, anvil_binary
from fairkey.chain.artifacts import PROJECT_ROOT, manifest_path
from fairkey.chain.jsonrpc import JsonRpc

BENCH_DIR = Path(__file__).resolve().parent
CACHE_DIR = BENCH_DIR / "out" / "cache"
GENERATOR_FILES = (
    BENCH_DIR / "indexer_load.py",
    BENCH_DIR / "indexer_market.py",
    BENCH_DIR / "indexer_chain.py",
    PROJECT_ROOT / "fairkey" / "chain" / "sender.py",  # signs every transaction of the load
)
PREFIX = "indexer-chain-"


def anvil_version() -> str:
    out = subprocess.run([anvil_binary(), "--version"], capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[0]


def cache_key(params: LoadParams) -> str:
    """`<parameters>-<inputs>`: short hashes of the generator's parameters, and of what else
    shapes the chain (Anvil's version, the contracts build, the generator's source)."""
    of_params = hashlib.sha256(json.dumps(params.describe(), sort_keys=True).encode())
    inputs = hashlib.sha256(anvil_version().encode())
    for path in (manifest_path(), *GENERATOR_FILES):
        inputs.update(path.read_bytes())
    return f"{of_params.hexdigest()[:8]}-{inputs.hexdigest()[:12]}"


class ChainCache:
    """<folder>/indexer-chain-<key>.json.gz (Anvil's state dump) + -meta.json (what it holds)."""

    def __init__(self, folder: Path, key: str) -> None:
        self.folder = folder
        self.key = key
        self.state = folder / f"{PREFIX}{key}.json.gz"
        self.meta = folder / f"{PREFIX}{key}-meta.json"

    def exists(self) -> bool:
        return self.state.exists() and self.meta.exists()

    def load(self) -> LoadResult:
        return LoadResult.from_json(json.loads(self.meta.read_text())["load"])

    def save(self, rpc: JsonRpc, load: LoadResult) -> int:
        """Dump the node's state and what it holds; removes the stale caches of the same
        parameters (an older build or generator). Returns the dump's size in bytes."""
        self.folder.mkdir(parents=True, exist_ok=True)
        same_params = self.key.split("-")[0]
        for old in self.folder.glob(f"{PREFIX}{same_params}-*"):
            if self.key not in old.name:
                old.unlink()
        dump = rpc.call("anvil_dumpState")  # 0x + gzipped JSON
        data = bytes.fromhex(dump[2:])
        tmp = self.state.with_suffix(".tmp")
        tmp.write_bytes(data)
        tmp.replace(self.state)
        # The metadata goes last: it marks the cache complete.
        self.meta.write_text(json.dumps({"key": self.key, "load": load.to_json()}, indent=2) + "\n")
        return len(data)

    def unpack_to(self, path: Path) -> Path:
        """Anvil's --state reads plain JSON: decompress the dump into `path`."""
        with gzip.open(self.state, "rb") as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst, length=1 << 20)
        return path


@dataclass
class PreparedChain:
    node: AnvilNode
    load: LoadResult
    cached: bool  # loaded from the cache (else generated in this run)
    seconds: float  # to generate (and dump) or to unpack and load
    cache_bytes: int


@contextmanager
def prepared_chain(
    params: LoadParams,
    *,
    reuse: bool = True,
    progress: Callable[[int], None] | None = None,
    cache_dir: Path = CACHE_DIR,
) -> Iterator[PreparedChain]:
    """A running Anvil holding the benchmark's chain: loaded from the cache when there is one
    (and `reuse`), else generated and cached. Stopped on exit."""
    cache = ChainCache(cache_dir, cache_key(params))
    work = Path(tempfile.mkdtemp(prefix="fairkey-bench-indexer-"))
    accounts = dev_account_count(params)
    node: AnvilNode | None = None
    try:
        started = time.monotonic()
        if reuse and cache.exists():
            state = cache.unpack_to(work / "state.json")
            node = AnvilNode(accounts=accounts, state_file=state).start(timeout=300)
            prepared = PreparedChain(
                node, cache.load(), True, time.monotonic() - started, cache.state.stat().st_size
            )
        else:
            node = AnvilNode(accounts=accounts).start()
            load = generate(node.url, params, progress)
            rpc = load_rpc(node.url)
            try:
                size = cache.save(rpc, load)
            finally:
                rpc.close()
            prepared = PreparedChain(node, load, False, time.monotonic() - started, size)
        yield prepared
    finally:
        if node is not None:
            node.stop()
        shutil.rmtree(work, ignore_errors=True)
