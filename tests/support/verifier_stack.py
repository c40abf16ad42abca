"""Fixtures for tests that need the listing's verifier on a real port, asking the reference issuer
simulator (a pytest plugin, loaded by tests/conftest.py)."""

from __future__ import annotations

import pytest

from fairkey.issuers.http_json import HttpJsonAdapter
from fairkey.issuers.simulator import IssuerSimulator, create_simulator_app
from fairkey.verifier.routes import create_verifier_app
from fairkey.verifier.service import RetryPolicy, VerifierService
from fairkey.verifier.store import DecisionStore
from tests.support.serve import serve_in_thread as serve


@pytest.fixture(scope="module")
def issuer():
    """The issuer simulator on a real port: (simulator, base URL)."""
    sim = IssuerSimulator()
    with serve(create_simulator_app(sim)) as url:
        yield sim, url


@pytest.fixture
def verifier_url(market, issuer, tmp_path):
    """The listings' verifier (the `verifier` role) on a real port, asking the simulator."""
    sim, issuer_url = issuer
    sim.keys.clear()
    adapter = HttpJsonAdapter(f"{issuer_url}/redeem-check", timeout=2.0)
    store = DecisionStore.at(tmp_path / "verifier.sqlite")
    service = VerifierService(
        market.client("stranger"),
        market.accounts["verifier"],
        adapter,
        store,
        RetryPolicy(attempts=1, budget_seconds=1),
    )
    with serve(create_verifier_app(service)) as url:
        yield url
    adapter.close()
    store.close()
