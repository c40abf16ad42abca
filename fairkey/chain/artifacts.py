"""ABIs and bytecode from ape's build manifest (`.build/__local__.json`), never copied by hand."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class ArtifactsMissing(RuntimeError):
    """The contracts are not compiled yet."""


@dataclass(frozen=True)
class ContractArtifact:
    name: str
    abi: list[dict[str, Any]]
    bytecode: str  # deployment bytecode, 0x-prefixed


@dataclass(frozen=True)
class Artifacts:
    contracts: dict[str, ContractArtifact]

    def __getitem__(self, name: str) -> ContractArtifact:
        try:
            return self.contracts[name]
        except KeyError:
            raise ArtifactsMissing(
                f"contract {name!r} is not in the build; run `make build`"
            ) from None


def manifest_path() -> Path:
    return Path(os.environ.get("FAIRKEY_BUILD", PROJECT_ROOT / ".build" / "__local__.json"))


@lru_cache(maxsize=4)
def _load(path: Path, mtime: float) -> Artifacts:
    manifest = json.loads(path.read_text())
    contracts = {}
    for name, ctype in manifest.get("contractTypes", {}).items():
        bytecode = (ctype.get("deploymentBytecode") or {}).get("bytecode") or "0x"
        contracts[name] = ContractArtifact(name=name, abi=ctype.get("abi", []), bytecode=bytecode)
    return Artifacts(contracts=contracts)


def load_artifacts(path: Path | None = None) -> Artifacts:
    """The compiled contracts (cached until the manifest changes)."""
    path = path or manifest_path()
    if not path.exists():
        raise ArtifactsMissing(f"no build at {path}; run `make build` (ape compile) first")
    return _load(path, path.stat().st_mtime)
