"""Sortition is stake-weighted: over 10,000 draws with the test randomness, how often each juror
is picked matches its share of the stake (chi-square goodness of fit, p > 0.01). The draws are
the court's own `candidate` (what `draw` does per attempt), read with batched eth_calls."""

from __future__ import annotations

import math
from collections import Counter

from eth_abi import encode
from eth_utils import keccak

DRAWS = 10_000
JURORS = 21  # 20 degrees of freedom: an even count has an exact survival function


def chi2_survival_even(x: float, dof: int) -> float:
    """P(X >= x) for a chi-square variable with an even number of degrees of freedom."""
    assert dof % 2 == 0
    term, total = 1.0, 1.0
    for i in range(1, dof // 2):
        term *= (x / 2) / i
        total += term
    return math.exp(-x / 2) * total


def test_the_survival_function_matches_known_quantiles():
    assert abs(chi2_survival_even(37.566, 20) - 0.01) < 1e-4  # the 1 % critical value, df = 20
    assert abs(chi2_survival_even(2 * math.log(2), 2) - 0.5) < 1e-12


def test_seat_frequency_matches_stake_share(world):
    stakes = [world.params.min_stake * (1 + i % 7) for i in range(JURORS)]  # 1x .. 7x the minimum
    jurors = [world.add_jurors(1, stake)[0].address for stake in stakes]
    fn = world.court.f.candidate
    calls = []
    for i in range(DRAWS):
        random = int.from_bytes(keccak(encode(["uint256", "uint256"], [0xFA1C, i])), "big")
        data = fn(random)._encode_transaction_data()
        calls.append(("eth_call", [{"to": world.court.address, "data": data}, "latest"]))
    answers = world.market.session.rpc.batch_all(calls)
    picked = Counter("0x" + a[-40:] for a in answers)
    total = sum(stakes)
    chi2 = 0.0
    for juror, stake in zip(jurors, stakes, strict=True):
        expected = DRAWS * stake / total
        chi2 += (picked[juror.lower()] - expected) ** 2 / expected
    assert sum(picked.values()) == DRAWS and set(picked) <= {j.lower() for j in jurors}
    p = chi2_survival_even(chi2, JURORS - 1)
    print(f"chi-square {chi2:.2f} over {JURORS - 1} dof: p = {p:.3f}")
    assert p > 0.01
