from __future__ import annotations

import pytest

from tests.support.court import CourtWorld


@pytest.fixture
def world(market) -> CourtWorld:
    """A court wired into the test escrow, with deterministic randomness and no jurors yet."""
    return CourtWorld.deploy(market)
