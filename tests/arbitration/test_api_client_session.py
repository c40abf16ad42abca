"""A juror's client keeps working when its session ends: a juror service runs for days, longer
than a sign-in lasts (the session TTL, or the signed message's expiry). On a 401 the client signs
in again, once, and resends; a refusal that is not about the session still reaches the caller."""

from __future__ import annotations

import pytest

from arbitration.api_client import ApiRefused, CourtApi


def test_a_juror_client_signs_in_again_when_its_session_ended(world, api):
    juror = world.market.accounts["stranger"]
    with CourtApi(api.url, juror, world.market.w3.eth.chain_id) as client:
        assert client.my_votes() == []  # signs in on first use
        first = client._token
        assert client.http.post("/auth/logout").status_code == 204  # the session ends
        assert client.my_votes() == []  # 401 → a new sign-in → the same answer
        assert client._token not in (None, first)


def test_a_refusal_other_than_the_session_is_not_retried_away(world, api):
    juror = world.market.accounts["stranger"]
    client = CourtApi(api.url, juror, world.market.w3.eth.chain_id)
    with client, pytest.raises(ApiRefused) as refused:
        client.evidence(999)  # no such case: 404, not a sign-in problem
    assert refused.value.status == 404
