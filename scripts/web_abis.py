"""The contract ABIs the dApp calls, exported into `web/src/lib/abi/*.json` and committed, so the
web build needs no Python: the escrow as deployed (FairkeyEscrow), the court (Court), both from
ape's build (`.build/`, `fairkey/chain/artifacts.py`), and ERC-20 tokens through OpenZeppelin's
compiled IERC20Metadata, the same ABI the SDK talks to tokens with
(`fairkey/chain/escrow_client.py`). `tests/web/test_abis.py` fails when the files are stale.

    .venv/bin/python -m scripts.web_abis          # rewrite the files
    .venv/bin/python -m scripts.web_abis --check  # exit 1 if any is out of date
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from fairkey.chain.artifacts import PROJECT_ROOT, load_artifacts
from fairkey.chain.escrow_client import openzeppelin_abi

ABI_DIR = PROJECT_ROOT / "web" / "src" / "lib" / "abi"

# file -> where its ABI comes from: ("build", contract) or ("openzeppelin", artifact)
EXPORTS: dict[str, tuple[str, str]] = {
    "escrow.json": ("build", "FairkeyEscrow"),
    "court.json": ("build", "Court"),
    "erc20.json": ("openzeppelin", "IERC20Metadata"),
}


def abi_of(source: str, name: str) -> list[dict[str, Any]]:
    if source == "build":
        return load_artifacts()[name].abi
    return openzeppelin_abi(name)


def render(abi: list[dict[str, Any]]) -> str:
    """The committed text of an ABI: stable (the compiler's order, sorted keys), one file diff per
    contract change."""
    return json.dumps(abi, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def expected() -> dict[Path, str]:
    return {ABI_DIR / file: render(abi_of(*source)) for file, source in EXPORTS.items()}


def stale() -> list[Path]:
    """The exported files that differ from the build (or are missing)."""
    return [p for p, text in expected().items() if not p.exists() or p.read_text() != text]


def main(argv: list[str]) -> int:
    if "--check" in argv:
        out_of_date = stale()
        for path in out_of_date:
            print(
                f"{path.relative_to(PROJECT_ROOT)} is out of date: run python -m scripts.web_abis"
            )
        return 1 if out_of_date else 0
    ABI_DIR.mkdir(parents=True, exist_ok=True)
    for path, text in expected().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
