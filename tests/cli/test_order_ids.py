"""Order ids are 20-byte hex (0x + 40 hex digits): a truncated, decimal or mistyped id is refused
with a message saying so, never padded into another order's id; every --help taking one says it."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from fairkey.cli.lookup import ORDER_ID_FORMAT, parse_order_id
from fairkey.cli.main import app
from tests.cli.conftest import ENV

ORDER = "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"  # EIP-55 of 0xabab…ab
VALUE = int("ab" * 20, 16)


@pytest.mark.parametrize(
    "text",
    [ORDER, ORDER.lower(), "0x" + "AB" * 20, f"  {ORDER} "],
    ids=["eip55", "lower", "upper", "spaces"],
)
def test_a_full_id_is_read(text):
    assert parse_order_id(text) == VALUE


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (ORDER[:-1], "39 hex digits, not 40: truncated?"),
        ("0x12", "2 hex digits, not 40"),
        (ORDER + "ab", "42 hex digits, not 40"),
        (str(VALUE), "a decimal number"),
        ("12", "a decimal number"),
        ("0xnothex", "not 0x and hex digits"),
        ("ab" * 20, "not 0x and hex digits"),  # no 0x: not taken as hex
        ("0x" + "0" * 40, "0 is no order"),
        (ORDER[:-1] + "b", "EIP-55 checksum"),  # one letter's case wrong: a typo
        ("", "not 0x and hex digits"),
    ],
)
def test_anything_else_is_refused_and_says_what_an_id_is(text, why):
    with pytest.raises(ValueError) as caught:
        parse_order_id(text)
    message = str(caught.value)
    assert why in message
    assert "not an order id" in message and "0x and 40 hex digits" in message


def _fairkey(*args: str, home) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, ["--home", str(home), "--rpc", "http://127.0.0.1:9", *args], env=ENV
    )
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "command",
    [
        ["order", "show"],
        ["confirm"],
        ["dispute", "--reason", "other"],
        ["prove"],
        ["settle"],
        ["refund-late"],
        ["deliver"],
        ["respond", "_", "refund"],
        ["verify", "--verifier-url", "http://127.0.0.1:9"],
    ],
    ids=lambda c: c[0] if c[0] != "order" else "order-show",
)
@pytest.mark.parametrize("bad", [ORDER[:-2], "1234"], ids=["truncated", "decimal"])
def test_commands_refuse_a_bad_id_before_touching_the_chain(command, bad, tmp_path):
    args = [bad if a == "_" else a for a in command]
    if "_" not in command:
        args.insert(len(command) if command[0] == "order" else 1, bad)
    code, out = _fairkey(*args, home=tmp_path)
    assert code == 2, out  # a usage error: nothing was sent, the node (port 9) never asked
    assert "not an order id" in out and "40 hex digits" in out


def test_the_index_timeline_refuses_a_bad_id(tmp_path):
    code, out = _fairkey("index", "order", ORDER[:-3], home=tmp_path)
    assert code == 1 and "not an order id (37 hex digits, not 40: truncated?)" in out


def _order_params(command, path=()):
    for param in getattr(command, "params", []):
        if getattr(param, "metavar", None) == "ORDER":
            yield path, param
    for name, sub in getattr(command, "commands", {}).items():
        yield from _order_params(sub, (*path, name))


def test_every_help_that_takes_an_order_id_says_what_it_is(tmp_path):
    found = list(_order_params(typer.main.get_command(app)))
    paths = {path for path, _ in found}
    for expected in [("order", "show"), ("confirm",), ("deliver",), ("index", "order")]:
        assert expected in paths
    for path, param in found:
        assert ORDER_ID_FORMAT in (param.help or ""), path
        code, out = _fairkey(*path, "--help", home=tmp_path)
        assert code == 0 and "40 hex digits" in " ".join(out.replace("│", " ").split()), path
