"""Test-only code stays out of the product: what is shipped (`fairkey/`, `indexer/`) and what runs
the stack (`scripts/`) never imports `tests` or `bench`, and neither of those is packaged. Helpers
that tests and benchmarks share (tests/support/stock_batch.py, tests/support/serve.py) live in
tests/support/, which the benchmarks import."""

from __future__ import annotations

import fnmatch
import tomllib

from tests.architecture.imports import ROOT, module_imports

SHIPPED = ("fairkey", "indexer", "scripts")
TEST_ONLY = ("tests", "bench")


def test_the_product_never_imports_tests_or_benchmarks():
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in module_imports(path) if name.split(".")[0] in TEST_ONLY
        )
        for package in SHIPPED
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_tests_and_benchmarks_are_not_packaged():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["packages"]["find"]["include"]
    packaged = {
        name
        for name in TEST_ONLY
        for pattern in patterns
        if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(f"{name}.support", pattern)
    }
    assert packaged == set()
