"""The architecture in the import graph (docs/architecture.md): data flows chain -> indexer ->
API, and the SDK under everything. The SDK (`fairkey/` without its CLI) never imports `indexer`,
`api` or `arbitration`; nothing imports the CLI but the CLI itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.architecture.imports import ROOT, module_imports

TOP_LEVEL = ("indexer", "api", "arbitration")
PRODUCT = ("fairkey", "indexer", "api", "arbitration", "scripts", "bench")


def _files(*packages: str) -> list[Path]:
    return sorted(
        p for pkg in packages if (ROOT / pkg).is_dir() for p in (ROOT / pkg).rglob("*.py")
    )


def _sdk_files() -> list[Path]:
    return [p for p in _files("fairkey") if "cli" not in p.relative_to(ROOT / "fairkey").parts]


def test_the_sdk_never_imports_the_indexer_the_api_or_the_court():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in module_imports(path) if name.split(".")[0] in TOP_LEVEL
        )
        for path in _sdk_files()
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_nothing_outside_the_cli_imports_the_cli():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in module_imports(path) if name.startswith("fairkey.cli")
        )
        for path in _files(*PRODUCT, "tests")
        if "cli" not in path.relative_to(ROOT).parts[:2]
    }
    # Tests of the command itself may drive it (tests/cli, and tests that run `fairkey ...`).
    allowed = {p for p in offenders if p.startswith("tests/")}
    assert {p: n for p, n in offenders.items() if n and p not in allowed} == {}


@pytest.mark.parametrize("package", ["indexer"])
def test_the_top_level_packages_exist_and_the_sdk_is_separate(package):
    assert (ROOT / package / "__init__.py").is_file()
    assert not (ROOT / "fairkey" / package).exists()
