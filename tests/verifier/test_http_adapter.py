"""The HTTP/JSON issuer adapter against the reference simulator, over real HTTP."""

from __future__ import annotations

import json

import httpx
import pytest

from fairkey.issuers.adapter import IssuerAnswer, IssuerUnavailable, UnavailableKind
from fairkey.issuers.http_json import HttpJsonAdapter, IssuerConfigError, parse_retry_after
from fairkey.issuers.simulator import (
    FailureModes,
    IssuerSimulator,
    create_simulator_app,
    load_keys,
)
from fairkey.verifier.service import RetryPolicy, ask_issuer
from tests.verifier import serve

KEYS = {
    "GOOD-0001": "valid",
    "USED-0002": "redeemed",
    "BAD-0003": "invalid",
    "JP-0004": "region-locked",
}


@pytest.fixture(scope="module")
def issuer():
    sim = IssuerSimulator(KEYS)
    with serve(create_simulator_app(sim)) as url:
        yield sim, url


@pytest.fixture
def sim(issuer):
    sim, _ = issuer
    sim.set_failures(FailureModes())
    return sim


@pytest.fixture
def adapter(issuer):
    _, url = issuer
    a = HttpJsonAdapter(f"{url}/redeem-check", timeout=2.0)
    yield a
    a.close()


class FakeTime:
    """Injectable sleep/clock: waits are recorded, never slept."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("code", "answer"),
    [
        ("GOOD-0001", IssuerAnswer.VALID),
        ("USED-0002", IssuerAnswer.REDEEMED),
        ("BAD-0003", IssuerAnswer.INVALID),
        ("JP-0004", IssuerAnswer.REGION_LOCKED),
        ("NEVER-ISSUED", IssuerAnswer.INVALID),
    ],
)
def test_maps_each_status(sim, adapter, code, answer):
    assert adapter.check(code.encode()) is answer


def test_custom_mapping_url_template_and_nested_field(sim, tmp_path):
    """Another issuer's API shape: GET with the key in the path, nested status field."""
    import fastapi

    other = fastapi.FastAPI()
    states = {"K1": "ACTIVE", "K2": "CONSUMED"}

    @other.get("/v2/cards/{code}")
    def card(code: str):
        return {"result": {"state": states.get(code, "UNKNOWN")}}

    mapping = tmp_path / "mapping.json"
    mapping.write_text(
        json.dumps(
            {
                "method": "GET",
                "answers": {
                    "result.state": {
                        "ACTIVE": "valid",
                        "CONSUMED": "redeemed",
                        "UNKNOWN": "invalid",
                    }
                },
            }
        )
    )
    with serve(other) as url:
        a = HttpJsonAdapter.load(mapping, url=f"{url}/v2/cards/{{key}}")
        assert a.check(b"K1") is IssuerAnswer.VALID
        assert a.check(b"K2") is IssuerAnswer.REDEEMED
        assert a.check(b"K3") is IssuerAnswer.INVALID


def test_unmapped_status_is_a_bad_response_never_a_guess(issuer):
    _, url = issuer
    a = HttpJsonAdapter(f"{url}/redeem-check", answers={"status": {"ok": "valid"}})
    with pytest.raises(IssuerUnavailable) as err:
        a.check(b"USED-0002")
    assert err.value.kind is UnavailableKind.BAD_RESPONSE


def test_bad_mapping_is_refused():
    with pytest.raises(IssuerConfigError):
        HttpJsonAdapter("http://x", answers={"status": {"ok": "fine"}})
    with pytest.raises(IssuerConfigError):
        HttpJsonAdapter.from_mapping({"colour": "blue"}, url="http://x")


def test_5xx_is_unavailable(sim, adapter):
    sim.set_failures(FailureModes(fail_first=1))
    with pytest.raises(IssuerUnavailable) as err:
        adapter.check(b"GOOD-0001")
    assert err.value.kind is UnavailableKind.SERVER_ERROR
    assert adapter.check(b"GOOD-0001") is IssuerAnswer.VALID


def test_timeout_is_unavailable(sim, issuer):
    _, url = issuer
    sim.set_failures(FailureModes(delay=0.4))
    a = HttpJsonAdapter(f"{url}/redeem-check", timeout=0.1)
    with pytest.raises(IssuerUnavailable) as err:
        a.check(b"GOOD-0001")
    assert err.value.kind is UnavailableKind.TIMEOUT


def test_429_is_unavailable_with_retry_after(sim, adapter):
    sim.set_failures(FailureModes(rate_limit_first=1, retry_after=7))
    with pytest.raises(IssuerUnavailable) as err:
        adapter.check(b"GOOD-0001")
    assert err.value.kind is UnavailableKind.RATE_LIMITED
    assert err.value.retry_after == 7


def test_connection_refused_is_unavailable():
    a = HttpJsonAdapter("http://127.0.0.1:9/redeem-check", timeout=1)
    with pytest.raises(IssuerUnavailable) as err:
        a.check(b"GOOD-0001")
    assert err.value.kind is UnavailableKind.SERVER_ERROR


def test_retry_after_formats():
    assert parse_retry_after("3") == 3
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470) == 10
    assert parse_retry_after("soon") is None


def test_retries_then_success_with_a_flapping_issuer(sim, adapter):
    sim.set_failures(FailureModes(flapping=True))
    t = FakeTime()
    result = ask_issuer(adapter, b"USED-0002", RetryPolicy(attempts=3), t.sleep, t.clock)
    assert (result.answer, result.attempts) == (IssuerAnswer.REDEEMED, 2)
    assert t.waits == [0.5]
    assert sim.stats()["calls"] == 2


def test_backoff_doubles_and_honours_retry_after(sim, adapter):
    sim.set_failures(FailureModes(fail_first=3, rate_limit_first=1, retry_after=5))
    t = FakeTime()
    policy = RetryPolicy(attempts=6, budget_seconds=60, base_delay=1, max_delay=3)
    result = ask_issuer(adapter, b"BAD-0003", policy, t.sleep, t.clock)
    assert (result.answer, result.attempts) == (IssuerAnswer.INVALID, 5)
    assert t.waits == [5, 2, 3, 3]  # 429 → Retry-After 5; then 2·1, 4·1 capped at 3, 3


def test_budget_exhausted_gives_no_answer(sim, adapter):
    sim.set_failures(FailureModes(fail_first=100))
    t = FakeTime()
    by_attempts = ask_issuer(adapter, b"GOOD-0001", RetryPolicy(attempts=3), t.sleep, t.clock)
    assert by_attempts.answer is None and by_attempts.attempts == 3
    assert "server_error" in by_attempts.detail
    t = FakeTime()
    policy = RetryPolicy(attempts=10, budget_seconds=2.0, base_delay=0.5)
    by_time = ask_issuer(adapter, b"GOOD-0001", policy, t.sleep, t.clock)
    assert by_time.answer is None and t.waits == [0.5, 1.0] and by_time.attempts == 3


def test_random_failures_are_seeded(issuer):
    sim, url = issuer
    outcomes = []
    for _ in range(2):
        sim.set_failures(FailureModes(fail_probability=0.5, seed=7))
        with httpx.Client() as http:
            outcomes.append(
                [
                    http.post(f"{url}/redeem-check", json={"code": "GOOD-0001"}).status_code
                    for _ in range(12)
                ]
            )
    assert outcomes[0] == outcomes[1]
    assert {200, 503} == set(outcomes[0])


def test_simulator_admin_endpoints(sim, issuer, tmp_path):
    _, url = issuer
    with httpx.Client(base_url=url) as http:
        assert http.put("/admin/keys", json={"NEW-1": "redeemed"}).json()["keys"] >= 5
        assert http.post("/redeem-check", json={"code": " NEW-1 "}).json() == {"status": "used"}
        assert http.put("/admin/keys", json={"NEW-2": "lost"}).status_code == 422
        r = http.put("/admin/failures", json={"rate_limit_first": 1, "retry_after": 2})
        assert r.json()["rate_limit_first"] == 1
        limited = http.post("/redeem-check", json={"code": "NEW-1"})
        assert limited.status_code == 429 and limited.headers["retry-after"] == "2"
        assert http.get("/admin/stats").json() == {"calls": 1, "per_code": {"NEW-1": 1}}
        assert http.post("/admin/reset").json()["calls"] == 0
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps([{"code": "A", "state": "region-locked"}]))
    assert load_keys(keys) == {"A": "region_locked"}
