"""Amounts, durations and times as people type and read them: one home for the SDK, the bot's
policy file and the CLI."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

_DURATION_PART = re.compile(r"(\d+)\s*([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_amount(text: str, decimals: int, *, max_units: int = 2**96 - 1) -> int:
    """``"0.01"`` with 18 decimals -> ``10**16``. Refuses negatives and sub-unit precision."""
    try:
        value = Decimal(text.strip().replace("_", ""))
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount (e.g. 0.01)") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{text!r} is not a positive amount")
    units = value.scaleb(decimals)
    if units != units.to_integral_value():
        raise ValueError(f"{text!r} has more than {decimals} decimal places")
    if units > max_units:
        raise ValueError(f"{text!r} is too large")
    return int(units)


def format_amount(units: int, decimals: int, symbol: str = "") -> str:
    """``10**16`` with 18 decimals -> ``"0.01 ETH"`` (exact, no float rounding)."""
    text = format(Decimal(units).scaleb(-decimals).normalize(), "f")
    return f"{text} {symbol}".rstrip()


def parse_duration(text: str) -> int:
    """``"90s"``, ``"30m"``, ``"1h"``, ``"2d"``, ``"1h30m"`` or plain seconds -> seconds."""
    raw = text.strip().lower()
    if raw.isdigit():
        return int(raw)
    compact = raw.replace(" ", "")
    parts = _DURATION_PART.findall(compact)
    if not parts or "".join(n + u for n, u in parts) != compact:
        raise ValueError(f"{text!r} is not a duration (e.g. 30m, 1h, 2d, 1h30m)")
    return sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)


def format_duration(seconds: int) -> str:
    """3600 -> ``"1h"``, 5400 -> ``"1h30m"``, 86400 -> ``"1d"``."""
    if seconds <= 0:
        return "0s"
    out = []
    for unit in ("d", "h", "m", "s"):
        n, seconds = divmod(seconds, _UNIT_SECONDS[unit])
        if n:
            out.append(f"{n}{unit}")
    return "".join(out)


def format_time(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def relative(timestamp: int, now: int) -> str:
    """``"in 23 h 59 min"`` / ``"5 min ago"``, relative to the chain's clock ``now``."""
    delta = timestamp - now
    span = abs(delta)
    if span < 60:
        text = f"{span} s"
    elif span < 3600:
        text = f"{span // 60} min"
    elif span < 48 * 3600:
        hours, minutes = divmod(span // 60, 60)
        text = f"{hours} h" + (f" {minutes} min" if minutes else "")
    else:
        days, hours = divmod(span // 3600, 24)
        text = f"{days} d" + (f" {hours} h" if hours else "")
    return f"in {text}" if delta >= 0 else f"{text} ago"


def format_deadline(timestamp: int, now: int) -> str:
    return f"{format_time(timestamp)} ({relative(timestamp, now)})"
