"""`fairkey/crypto` imports in one direction: the module graph is acyclic, with no lazy import
papering over a cycle, and each module imports on its own in a fresh interpreter.

Today: canonical, merkle and secp256k1 import no sibling; keys imports canonical and merkle (for
StockUnit.leaf; merkle hashes a unit's fields and knows no StockUnit); delivery_crypto imports
keys; records imports delivery_crypto; order_keys imports secp256k1 only.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CRYPTO = ROOT / "fairkey" / "crypto"
PACKAGE = "fairkey.crypto"
MODULES = sorted(p.stem for p in CRYPTO.glob("*.py") if p.stem != "__init__")


def _crypto_imports(path: Path) -> list[tuple[str, int, bool]]:
    """(imported crypto module, line, at module level?) for every import in `path`, including
    those inside functions and `if TYPE_CHECKING:` blocks."""
    tree = ast.parse(path.read_text(), filename=str(path))
    top_level = {id(node) for node in tree.body}
    found: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: `from .keys import x` / `from . import keys`
                base = PACKAGE if node.level == 1 else ""
                module = f"{base}.{node.module}" if node.module else base
                names = [module] if node.module else [f"{base}.{a.name}" for a in node.names]
            elif node.module == PACKAGE:  # `from fairkey.crypto import keys`
                names = [f"{PACKAGE}.{alias.name}" for alias in node.names]
            elif node.module:
                names = [node.module]
        for name in names:
            if name.startswith(PACKAGE + "."):
                found.append((name.split(".")[2], node.lineno, id(node) in top_level))
    return found


def _graph() -> dict[str, set[str]]:
    return {
        module: {target for target, _, _ in _crypto_imports(CRYPTO / f"{module}.py")}
        for module in MODULES
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle found by a depth-first search (each reported once, from its first node)."""
    cycles: list[list[str]] = []
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_every_import_names_an_existing_crypto_module():
    graph = _graph()
    unknown = {m: sorted(t - set(MODULES)) for m, t in graph.items() if t - set(MODULES)}
    assert unknown == {}


def test_the_crypto_module_graph_is_acyclic():
    assert _cycles(_graph()) == []


def test_no_crypto_module_imports_another_lazily():
    """A function-level import of a sibling is how a cycle hides; each import is at the top."""
    lazy = {
        module: [f"{target} (line {line})" for target, line, top in found if not top]
        for module in MODULES
        if (found := _crypto_imports(CRYPTO / f"{module}.py"))
    }
    assert {m: entries for m, entries in lazy.items() if entries} == {}


def test_the_package_root_exports_nothing():
    """Nothing imports from `fairkey.crypto` itself, so it re-exports nothing."""
    tree = ast.parse((CRYPTO / "__init__.py").read_text())
    assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)  # just the docstring


@pytest.mark.parametrize("module", MODULES)
def test_each_module_imports_alone_in_a_fresh_interpreter(module):
    result = subprocess.run(
        [sys.executable, "-c", f"import {PACKAGE}.{module}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
