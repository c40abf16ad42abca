"""Fixtures of the end-to-end tests: a running `make up` on a fresh data folder."""

from __future__ import annotations

import pytest

from fairkey.chain.anvil import free_port
from tests.e2e.make_up import start_up, stop, wait_for


@pytest.fixture
def marketplace(tmp_path):
    home, port = tmp_path / "fairkey", free_port()
    ports = (free_port(), free_port(), free_port(), free_port())  # verifier, issuer, metrics, API
    process = start_up(home, port, *ports)
    try:
        wait_for(process, "Ctrl-C stops the chain")
        yield home, port, process, ports
    finally:
        if process.poll() is None:
            stop(process)
