"""The CLI's amounts, durations and times: they live in the SDK (fairkey/units.py), where the
bot's policy file reads its durations too."""

from fairkey.units import (
    format_amount,
    format_deadline,
    format_duration,
    format_time,
    parse_amount,
    parse_duration,
    relative,
)

__all__ = [
    "format_amount",
    "format_deadline",
    "format_duration",
    "format_time",
    "parse_amount",
    "parse_duration",
    "relative",
]
