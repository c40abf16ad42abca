"""The merchant's policy (`merchant run --policy FILE`): how disputes and verdicts are answered,
and when alerts are raised. fairkey/merchant/decisions.py applies it to an order.

A TOML file; every key is optional (the defaults below apply) and a bad key or value is refused
with its full name, e.g. ``disputes.key-invalid: 'maybe' is not one of refund, replace, …``::

    [disputes]              # the merchant's answer per dispute reason (on a listing with a
                            # verifier: see verifier.wait-for-verdict)
    wrong-content = "refund"
    duplicate = "refund"
    key-invalid = "replace"
    not-as-described = "contest"
    other = "refund"
    answer-before = "25%"   # a dispute left to "wait" is answered this long before its response
                            # deadline: a share of the listing's response window ("25%") or a
                            # duration ("1h", "30m", "90s")
    fallback = "contest"    # … with this answer (contest | refund | replace). A response window
                            # never lapses unanswered: a lapse costs price + dispute bond + the
                            # unit's bond, a refund only the price

    [verifier]              # the listing's key verifier
    wait-for-verdict = true # on a listing with a verifier every dispute, whatever its reason,
                            # waits for the verifier's verdict (answer-before, then the
                            # fallback); false: the [disputes] answers apply there too. A VALID
                            # verdict ends the dispute on chain (the order is delivered again,
                            # the buyer's bond goes to you): nothing left to answer
    url = ""                # its HTTP API, e.g. "http://127.0.0.1:8600" (none: no reads); the
                            # `merchant run --verifier-url` option overrides it
    on-verdict = "replace"  # it confirmed "invalid key" / "already redeemed": re-issue when stock
                            # exists, else refund (or refund | contest | accept)
    on-valid = "contest"    # it signed "valid" off chain for a disputed key the policy waits on
                            # but its VALID verdict is not on chain (it could not submit it):
                            # contest | refund | replace | wait (wait: the fallback, in time)
    poll-interval = 5.0     # seconds between reads of its answer for each waiting dispute

    [alerts]
    low-stock = 5           # alert when a listing has fewer sellable keys (chain or vault)
    dispute-window = 20     # "recent" = the listing's last N orders …
    dispute-rate-jump = 3.0 # … whose dispute rate is at least this multiple of the older rate
    dispute-rate-min = 0.10 # … and at least this rate (2 % → 15 % alerts)

    [bot]
    interval = 1.0          # seconds between steps
    max-attempts = 3        # a failing transaction is retried this often, then reported

"contest" needs a court: while the escrow has no arbitrator, a dispute to contest waits like
"wait" and gets the fallback in time, and a fallback "contest" becomes "refund"; a verdict to
contest is accepted. A fallback that fails to send is retried as a refund until the deadline.
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fairkey.chain.types import DisputeReason
from fairkey.units import format_duration, parse_duration


class PolicyError(ValueError):
    """The policy file is unreadable or has a bad key/value (the message names it)."""


class DisputeAnswer(enum.StrEnum):
    refund = "refund"  # refund the buyer now (no compensation)
    replace = "replace"  # send another key from the vault; refund when there is none
    contest = "contest"  # go to court (the arbitration fee is paid)
    wait = "wait"  # do nothing: leave it to the verifier / the response deadline


class VerdictAnswer(enum.StrEnum):
    replace = "replace"  # re-issue a key when stock exists, else refund
    refund = "refund"  # refund now
    contest = "contest"  # appeal to the court
    accept = "accept"  # do nothing: the refund executes after the appeal window


REASON_KEYS: dict[str, DisputeReason] = {
    "wrong-content": DisputeReason.WRONG_CONTENT,
    "duplicate": DisputeReason.DUPLICATE,
    "key-invalid": DisputeReason.KEY_INVALID,
    "not-as-described": DisputeReason.NOT_AS_DESCRIBED,
    "other": DisputeReason.OTHER,
}

DEFAULT_DISPUTES: dict[DisputeReason, DisputeAnswer] = {
    DisputeReason.WRONG_CONTENT: DisputeAnswer.refund,
    DisputeReason.DUPLICATE: DisputeAnswer.refund,
    DisputeReason.KEY_INVALID: DisputeAnswer.replace,
    DisputeReason.NOT_AS_DESCRIBED: DisputeAnswer.contest,
    DisputeReason.OTHER: DisputeAnswer.refund,
}


class Fallback(enum.StrEnum):
    contest = "contest"  # to court when the escrow has one, else refund
    refund = "refund"
    replace = "replace"  # re-issue when stock exists, else refund


@dataclass(frozen=True)
class AnswerBefore:
    """How long before the response deadline a waiting dispute is answered: a share of the
    response window, or a fixed number of seconds."""

    share: float | None = 0.25
    seconds: int | None = None

    def margin(self, window: int) -> int:
        margin = self.seconds if self.seconds is not None else round(window * (self.share or 0))
        return max(1, min(window, margin))

    def __str__(self) -> str:
        if self.seconds is not None:
            return format_duration(self.seconds)
        return f"{(self.share or 0) * 100:g}%"


@dataclass(frozen=True)
class AlertPolicy:
    low_stock: int = 5
    dispute_window: int = 20
    dispute_rate_jump: float = 3.0
    dispute_rate_min: float = 0.10


@dataclass(frozen=True)
class MerchantPolicy:
    disputes: dict[DisputeReason, DisputeAnswer] = field(
        default_factory=lambda: dict(DEFAULT_DISPUTES)
    )
    on_verdict: VerdictAnswer = VerdictAnswer.replace
    alerts: AlertPolicy = field(default_factory=AlertPolicy)
    interval: float = 1.0
    max_attempts: int = 3
    answer_before: AnswerBefore = field(default_factory=AnswerBefore)
    fallback: Fallback = Fallback.contest
    verifier_url: str | None = None
    on_valid: DisputeAnswer = DisputeAnswer.contest
    poll_interval: float = 5.0
    wait_for_verdict: bool = True

    def answer(self, reason: DisputeReason, *, verifier: bool = False) -> DisputeAnswer:
        """The first answer to a dispute with `reason` (`verifier`: the listing names one)."""
        if verifier and self.wait_for_verdict:
            return DisputeAnswer.wait  # the verifier decides; the fallback comes in time
        return self.disputes.get(reason, DisputeAnswer.refund)

    def dispute_answer(
        self,
        reason: DisputeReason,
        *,
        now: int,
        deadline: int,
        window: int,
        verifier_valid: bool,
        court: bool,
        verifier: bool = False,
    ) -> DisputeAnswer:
        """What to do now about a dispute (refund | replace | contest, or wait: nothing yet).

        The reason's answer (on a listing with a verifier, `verifier`: wait for its verdict);
        "wait" turns into `on-valid` once the verifier signed "valid" off chain; a contest
        without a court waits; and from `deadline - answer-before` on, a wait becomes the
        fallback (contest without a court: refund), so the window never lapses."""
        answer = self.first_answer(
            reason, verifier_valid=verifier_valid, court=court, verifier=verifier
        )
        if answer is not DisputeAnswer.wait or now < self.answer_at(deadline, window):
            return answer
        if self.fallback is Fallback.contest and not court:
            return DisputeAnswer.refund
        return DisputeAnswer(self.fallback.value)

    def first_answer(
        self, reason: DisputeReason, *, verifier_valid: bool, court: bool, verifier: bool = False
    ) -> DisputeAnswer:
        """The answer before the fallback is due (wait: the fallback will answer)."""
        answer = self.answer(reason, verifier=verifier)
        if answer is DisputeAnswer.wait and verifier_valid:
            answer = self.on_valid
        if answer is DisputeAnswer.contest and not court:
            answer = DisputeAnswer.wait
        return answer

    def with_verifier_url(self, url: str) -> MerchantPolicy:
        """This policy reading the verifier at `url` (the `--verifier-url` option)."""
        return replace(self, verifier_url=_url(url or None))

    def answer_at(self, deadline: int, window: int) -> int:
        """When a waiting dispute with this response deadline gets the fallback answer."""
        return deadline - self.answer_before.margin(window)

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, path: Path | str | None) -> MerchantPolicy:
        """The policy in `path` (None: all defaults)."""
        if path is None:
            return cls()
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PolicyError(f"{path}: cannot read the policy file ({exc.strerror})") from None
        try:
            return cls.from_toml(text)
        except PolicyError as exc:
            raise PolicyError(f"{path}: {exc}") from None

    @classmethod
    def from_toml(cls, text: str) -> MerchantPolicy:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise PolicyError(f"not valid TOML: {exc}") from None
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MerchantPolicy:
        _only(data, {"disputes", "verifier", "alerts", "bot"}, "")
        disputes = dict(DEFAULT_DISPUTES)
        section = dict(_table(data, "disputes"))
        _only(section, set(REASON_KEYS) | {"answer-before", "fallback"}, "disputes.")
        answer_before = _answer_before(section.pop("answer-before", "25%"))
        fallback = _choice(
            section.pop("fallback", Fallback.contest.value), Fallback, "disputes.fallback"
        )
        for key, value in section.items():
            disputes[REASON_KEYS[key]] = _choice(value, DisputeAnswer, f"disputes.{key}")

        section = _table(data, "verifier")
        _only(
            section,
            {"url", "on-verdict", "on-valid", "poll-interval", "wait-for-verdict"},
            "verifier.",
        )
        wait_for_verdict = section.get("wait-for-verdict", True)
        if not isinstance(wait_for_verdict, bool):
            raise PolicyError(
                f"verifier.wait-for-verdict: {wait_for_verdict!r} is not true or false"
            )
        on_verdict = _choice(
            section.get("on-verdict", VerdictAnswer.replace.value),
            VerdictAnswer,
            "verifier.on-verdict",
        )
        on_valid = _choice(
            section.get("on-valid", DisputeAnswer.contest.value), DisputeAnswer, "verifier.on-valid"
        )
        url = _url(section.get("url") or None)
        poll_interval = _num(section, "poll-interval", 5.0, "verifier.")

        section = _table(data, "alerts")
        _only(
            section,
            {"low-stock", "dispute-window", "dispute-rate-jump", "dispute-rate-min"},
            "alerts.",
        )
        d = AlertPolicy()
        alerts = AlertPolicy(
            low_stock=_int(section, "low-stock", d.low_stock, "alerts.", minimum=0),
            dispute_window=_int(section, "dispute-window", d.dispute_window, "alerts.", minimum=1),
            dispute_rate_jump=_num(section, "dispute-rate-jump", d.dispute_rate_jump, "alerts."),
            dispute_rate_min=_num(section, "dispute-rate-min", d.dispute_rate_min, "alerts."),
        )
        if alerts.dispute_rate_min > 1:
            raise PolicyError("alerts.dispute-rate-min: a rate is at most 1 (100 %)")

        section = _table(data, "bot")
        _only(section, {"interval", "max-attempts"}, "bot.")
        interval = _num(section, "interval", 1.0, "bot.")
        if interval <= 0:
            raise PolicyError("bot.interval: must be greater than 0 seconds")
        max_attempts = _int(section, "max-attempts", 3, "bot.", minimum=1)
        return cls(
            disputes,
            on_verdict,
            alerts,
            interval,
            max_attempts,
            answer_before,
            fallback,
            url,
            on_valid,
            poll_interval,
            wait_for_verdict,
        )


def _url(url: Any) -> str | None:
    if url is None:
        return None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise PolicyError(f"verifier.url: {url!r} is not an http:// or https:// URL")
    return url.rstrip("/")


def _answer_before(value: Any) -> AnswerBefore:
    name = "disputes.answer-before"
    if isinstance(value, str) and value.strip().endswith("%"):
        try:
            share = float(value.strip()[:-1]) / 100
        except ValueError:
            raise PolicyError(f"{name}: {value!r} is not a percentage (e.g. 25%)") from None
        if not 0 < share <= 1:
            raise PolicyError(
                f"{name}: a share of the response window is above 0% and at most 100%"
            )
        return AnswerBefore(share=share)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise PolicyError(f"{name}: {value!r} is not a duration (1h, 30m) or a share (25%)")
    try:
        seconds = value if isinstance(value, int) else parse_duration(value)
    except ValueError as exc:
        raise PolicyError(f"{name}: {exc}, or a share of the window (25%)") from None
    if seconds <= 0:
        raise PolicyError(f"{name}: must be more than 0 (the bot needs time to answer)")
    return AnswerBefore(share=None, seconds=seconds)


def _table(data: dict[str, Any], name: str) -> dict[str, Any]:
    value = data.get(name, {})
    if not isinstance(value, dict):
        raise PolicyError(f"{name}: must be a table ([{name}])")
    return value


def _only(section: dict[str, Any], allowed: set[str], prefix: str) -> None:
    for key in section:
        if key not in allowed:
            raise PolicyError(
                f"{prefix}{key}: unknown key (expected one of {', '.join(sorted(allowed))})"
            )


def _choice(value: Any, kind: type[enum.StrEnum], name: str):
    options = [m.value for m in kind]
    if not isinstance(value, str) or value not in options:
        raise PolicyError(f"{name}: {value!r} is not one of {', '.join(options)}")
    return kind(value)


def _int(section: dict[str, Any], key: str, default: int, prefix: str, *, minimum: int) -> int:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PolicyError(f"{prefix}{key}: {value!r} is not a whole number")
    if value < minimum:
        raise PolicyError(f"{prefix}{key}: must be at least {minimum}")
    return value


def _num(section: dict[str, Any], key: str, default: float, prefix: str) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PolicyError(f"{prefix}{key}: {value!r} is not a number")
    if value < 0:
        raise PolicyError(f"{prefix}{key}: must not be negative")
    return float(value)
