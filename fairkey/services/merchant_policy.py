"""The merchant bot's policy: how it answers disputes and verdicts, and when it raises alerts.

A TOML file; every key is optional (the defaults below apply) and a bad key or value is refused
with its full name, e.g. ``disputes.key-invalid: 'maybe' is not one of refund, replace, …``::

    [disputes]              # the merchant's answer per dispute reason
    wrong-content = "refund"
    duplicate = "refund"
    key-invalid = "replace"
    not-as-described = "contest"
    other = "refund"

    [verifier]              # the verifier confirmed "invalid key" / "already redeemed"
    on-verdict = "replace"  # re-issue when stock exists, else refund

    [alerts]
    low-stock = 5           # alert when a listing has fewer sellable keys (chain or vault)
    dispute-window = 20     # "recent" = the listing's last N orders …
    dispute-rate-jump = 3.0 # … whose dispute rate is at least this multiple of the older rate
    dispute-rate-min = 0.10 # … and at least this rate (2 % → 15 % alerts)

    [bot]
    interval = 1.0          # seconds between steps
    max-attempts = 3        # a failing transaction is retried this often, then reported
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fairkey.chain.types import DisputeReason


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

    def answer(self, reason: DisputeReason) -> DisputeAnswer:
        return self.disputes.get(reason, DisputeAnswer.refund)

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
        section = _table(data, "disputes")
        _only(section, set(REASON_KEYS), "disputes.")
        for key, value in section.items():
            disputes[REASON_KEYS[key]] = _choice(value, DisputeAnswer, f"disputes.{key}")

        section = _table(data, "verifier")
        _only(section, {"on-verdict"}, "verifier.")
        on_verdict = _choice(
            section.get("on-verdict", VerdictAnswer.replace.value),
            VerdictAnswer,
            "verifier.on-verdict",
        )

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
        return cls(disputes, on_verdict, alerts, interval, max_attempts)


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
