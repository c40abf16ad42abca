"""The bot's dispute policy: a verifier's "valid", and a "wait" that never lets a response window
lapse. The decision rule only; the bot acting on it on a real chain is in
tests/services/test_dispute_answers.py."""

from __future__ import annotations

import pytest

from fairkey.chain.types import DisputeReason
from fairkey.merchant.policy import (
    DisputeAnswer,
    Fallback,
    MerchantPolicy,
    PolicyError,
)

HOUR = 3600
WINDOW = 12 * HOUR
DEADLINE = 100 * HOUR
KEY_INVALID = DisputeReason.KEY_INVALID


def answer(policy: MerchantPolicy, now: int, *, valid=False, court=True, reason=KEY_INVALID):
    return policy.dispute_answer(
        reason, now=now, deadline=DEADLINE, window=WINDOW, verifier_valid=valid, court=court
    )


def test_defaults():
    policy = MerchantPolicy()
    assert policy.fallback is Fallback.contest and policy.on_valid is DisputeAnswer.contest
    assert policy.answer_before.margin(WINDOW) == 3 * HOUR  # a quarter of the window
    assert policy.verifier_url is None and policy.poll_interval == 5.0


def test_wait_ends_with_the_fallback_before_the_deadline():
    policy = MerchantPolicy.from_toml('[disputes]\nkey-invalid = "wait"\nanswer-before = "1h"\n')
    assert answer(policy, DEADLINE - HOUR - 1) is DisputeAnswer.wait
    assert answer(policy, DEADLINE - HOUR) is DisputeAnswer.contest
    assert answer(policy, DEADLINE - HOUR, court=False) is DisputeAnswer.refund
    refunding = MerchantPolicy.from_toml('[disputes]\nkey-invalid = "wait"\nfallback = "refund"\n')
    assert answer(refunding, DEADLINE - 3 * HOUR) is DisputeAnswer.refund


def test_a_valid_answer_turns_wait_into_on_valid_at_once():
    policy = MerchantPolicy.from_toml('[disputes]\nkey-invalid = "wait"\n')
    assert answer(policy, DEADLINE - WINDOW, valid=True) is DisputeAnswer.contest
    # No court: the contest cannot be made; it waits for the fallback, which refunds.
    assert answer(policy, DEADLINE - WINDOW, valid=True, court=False) is DisputeAnswer.wait
    assert answer(policy, DEADLINE - HOUR, valid=True, court=False) is DisputeAnswer.refund
    replacing = MerchantPolicy.from_toml(
        '[disputes]\nkey-invalid = "wait"\n[verifier]\non-valid = "replace"\n'
    )
    assert answer(replacing, DEADLINE - WINDOW, valid=True) is DisputeAnswer.replace


def test_an_immediate_answer_is_not_delayed_and_a_valid_answer_does_not_override_it():
    policy = MerchantPolicy()  # key-invalid = replace
    assert answer(policy, DEADLINE - WINDOW) is DisputeAnswer.replace
    assert answer(policy, DEADLINE - WINDOW, valid=True) is DisputeAnswer.replace


def test_the_default_policy_answers_every_reason_before_the_deadline_with_or_without_a_court():
    policy = MerchantPolicy()
    for reason in DisputeReason:
        if reason is DisputeReason.NONE:
            continue
        for court in (True, False):
            late = answer(policy, DEADLINE - 1, court=court, reason=reason)
            assert late is not DisputeAnswer.wait, (reason, court)
            assert court or late is not DisputeAnswer.contest


def test_answer_before_as_a_share_or_a_duration():
    share = MerchantPolicy.from_toml('[disputes]\nanswer-before = "10%"\n').answer_before
    assert share.margin(WINDOW) == round(0.1 * WINDOW) and str(share) == "10%"
    fixed = MerchantPolicy.from_toml('[disputes]\nanswer-before = "1h30m"\n').answer_before
    assert fixed.margin(WINDOW) == 5400 and str(fixed) == "1h30m"
    assert fixed.margin(HOUR) == HOUR  # never more than the window: answer at once
    assert (
        MerchantPolicy.from_toml("[disputes]\nanswer-before = 600\n").answer_before.margin(WINDOW)
        == 600
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[disputes]\nanswer-before = "0s"\n', "disputes.answer-before: must be more than 0"),
        ('[disputes]\nanswer-before = "0%"\n', "disputes.answer-before: a share"),
        ('[disputes]\nanswer-before = "150%"\n', "disputes.answer-before: a share"),
        ('[disputes]\nanswer-before = "soon"\n', "disputes.answer-before: 'soon' is not a dur"),
        ("[disputes]\nanswer-before = true\n", "disputes.answer-before: True is not a dur"),
        ('[disputes]\nfallback = "wait"\n', "disputes.fallback: 'wait' is not one of contest"),
        ('[verifier]\non-valid = "shrug"\n', "verifier.on-valid: 'shrug' is not one of"),
        ('[verifier]\nurl = "ftp://x"\n', "verifier.url: 'ftp://x' is not an http"),
        ('[verifier]\npoll-interval = "often"\n', "verifier.poll-interval: 'often' is not a"),
        ("[verifier]\nsecret = 1\n", "verifier.secret: unknown key"),
    ],
)
def test_bad_values_name_the_key(text, message):
    with pytest.raises(PolicyError, match=message):
        MerchantPolicy.from_toml(text)


def test_the_verifier_url_from_the_file_or_the_command_line():
    policy = MerchantPolicy.from_toml('[verifier]\nurl = "http://127.0.0.1:8600/"\n')
    assert policy.verifier_url == "http://127.0.0.1:8600"
    assert policy.with_verifier_url("https://v.example").verifier_url == "https://v.example"
    with pytest.raises(PolicyError, match="verifier.url"):
        policy.with_verifier_url("v.example")


# ---------------------------------------------------------------------------- a listing's verifier


def on_verifier_listing(policy: MerchantPolicy, now: int, *, reason=KEY_INVALID, court=True):
    return policy.dispute_answer(
        reason,
        now=now,
        deadline=DEADLINE,
        window=WINDOW,
        verifier_valid=False,
        court=court,
        verifier=True,
    )


def test_with_a_verifier_every_dispute_waits_for_its_verdict_then_gets_the_fallback():
    policy = MerchantPolicy()
    assert policy.wait_for_verdict
    for reason in DisputeReason:
        if reason is DisputeReason.NONE:
            continue
        assert on_verifier_listing(policy, DEADLINE - WINDOW, reason=reason) is DisputeAnswer.wait
        due = DEADLINE - policy.answer_before.margin(WINDOW)
        assert on_verifier_listing(policy, due, reason=reason) is DisputeAnswer.contest
        assert on_verifier_listing(policy, due, reason=reason, court=False) is DisputeAnswer.refund


def test_wait_for_verdict_false_answers_a_verifier_listing_like_any_other():
    policy = MerchantPolicy.from_toml("[verifier]\nwait-for-verdict = false\n")
    assert not policy.wait_for_verdict
    assert on_verifier_listing(policy, DEADLINE - WINDOW) is DisputeAnswer.replace
    assert policy.answer(KEY_INVALID, verifier=True) is DisputeAnswer.replace


def test_wait_for_verdict_must_be_a_boolean():
    with pytest.raises(PolicyError, match="verifier.wait-for-verdict: 'yes' is not true or false"):
        MerchantPolicy.from_toml('[verifier]\nwait-for-verdict = "yes"\n')
