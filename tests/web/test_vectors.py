"""The dApp's delivery crypto is the SDK's: the committed vectors are what the SDK computes now,
and the TypeScript side (web/test/*.test.ts, run here with vitest) recomputes every one of them."""

from __future__ import annotations

from scripts import web_vectors
from tests.web.vitest import run_vitest

VECTOR_TESTS = {
    "test/orderKeys.test.ts",
    "test/delivery.test.ts",
    "test/stock.test.ts",
    "test/canonical.test.ts",
    "test/court.test.ts",
    "test/verifierEnvelope.test.ts",
    "test/format.test.ts",
    "test/types.test.ts",
    "test/i18n.test.ts",
    "test/listingDoc.test.ts",
}
# the lib's other pure rules run in the same vitest pass
LIB_TESTS = {
    "test/abi.test.ts",
    "test/api.test.ts",
    "test/deployment.test.ts",
    "test/wallet.test.ts",
}


def test_the_committed_vectors_are_what_the_sdk_computes_now():
    stale = web_vectors.stale()
    assert stale == [], (
        f"{[p.name for p in stale]} differ from the SDK's output: an SDK change moved the protocol "
        "(or the vectors were edited by hand); run `.venv/bin/python -m scripts.web_vectors` and "
        "make the TypeScript side agree"
    )


def test_the_vectors_cover_every_fault_kind_and_every_tree_size():
    delivery = web_vectors.delivery_vectors()
    assert {c["fault"] for c in delivery["cases"]} == {0, 1, 2, 3, 4, 5, 6}
    assert [b["count"] for b in web_vectors.stock_vectors()["batches"]] == [1, 2, 3, 7]


def test_the_typescript_side_recomputes_every_vector(tmp_path):
    run = run_vitest(tmp_path)
    assert run.returncode == 0 and run.failed == 0, "\n".join(run.failures()) or run.output[-4000:]
    files = run.files()
    missing = (VECTOR_TESTS | LIB_TESTS) - set(files)
    assert not missing, f"vitest did not run {sorted(missing)}"
    assert all(status == "passed" for status in files.values()), files
    assert not any(name.startswith("test/live/") for name in files)  # those need a chain (below)
    assert run.passed >= 350, f"only {run.passed} TypeScript tests ran"
