"""Reverts read as sentences in the CLI's words — the option and its allowed range, or what to do
next — for every custom error in the compiled contracts (read from the build, so an error added
to a contract without a message here fails this test)."""

from __future__ import annotations

import re

import pytest

from fairkey.chain.artifacts import load_artifacts
from fairkey.chain.errors import ContractRevert
from fairkey.cli.errors import EXPLANATIONS, describe_revert, explain_revert
from tests.cli.conftest import LISTING_ARGS

HOUR = 3600


def _build_errors() -> dict[str, list[dict]]:
    """Every custom error of every compiled contract: name -> its ABI inputs."""
    errors: dict[str, list[dict]] = {}
    for contract in load_artifacts().contracts.values():
        for item in contract.abi:
            if item.get("type") == "error":
                errors[item["name"]] = item["inputs"]
    return errors


def _sample(kind: str, n: int):
    """A plausible value of an ABI type, as eth_abi decodes it."""
    if kind == "address":
        return "0x" + f"{n + 1:040x}"
    if kind == "bool":
        return True
    if kind == "string":
        return "x"
    if kind.startswith("bytes"):
        return bytes([n + 1]) * (int(kind[5:]) if kind[5:] else 4)
    if kind.startswith(("uint", "int")):
        return n + 1  # 1..: a valid order status, window id, verdict, ruling
    raise AssertionError(f"no sample for ABI type {kind}")


BUILD_ERRORS = _build_errors()


def test_the_build_has_the_escrow_errors():
    assert {"EscrowWindowOutOfRange", "EscrowUnknownOrder", "ERC20InsufficientBalance"} <= set(
        BUILD_ERRORS
    )


@pytest.mark.parametrize("name", sorted(BUILD_ERRORS))
def test_every_custom_error_in_the_build_has_a_sentence(name):
    assert name in EXPLANATIONS, f"{name}: write its message in fairkey/cli/errors.py"
    args = {i["name"]: _sample(i["type"], n) for n, i in enumerate(BUILD_ERRORS[name])}
    sentence = explain_revert(ContractRevert(name, args))
    # The message reads the error's own argument names (a renamed argument fails here).
    assert sentence, f"{name}{args}: its message does not fit the error's arguments"
    assert name not in sentence
    assert describe_revert(ContractRevert(name, args)).startswith(sentence)


def test_a_window_out_of_range_names_the_option_and_the_range():
    revert = ContractRevert("EscrowWindowOutOfRange", {"window": 0, "value": 1, "min": 60,
                                                       "max": 7 * 86400})  # fmt: skip
    assert describe_revert(revert).startswith(
        "--delivery-window 1s is out of range: allowed 1m to 7d (revert: EscrowWindowOutOfRange("
    )


def _listing_args(**changes: str) -> list[str]:
    args = list(LISTING_ARGS)
    for option, value in changes.items():
        args[args.index(option) + 1] = value
    return args


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--delivery-window", "1s", "--delivery-window 1s is out of range: allowed 1m to 7d"),
        ("--delivery-window", "8d", "--delivery-window 8d is out of range: allowed 1m to 7d"),
        ("--confirm-window", "5m", "--confirm-window 5m is out of range: allowed 10m to 30d"),
        ("--response-window", "15d", "--response-window 15d is out of range: allowed 10m to 14d"),
        ("--appeal-window", "1m", "--appeal-window 1m is out of range: allowed 10m to 7d"),
        ("--max-replacements", "9", "--max-replacements 9 is too many: allowed 0 to 3"),
        ("--price", "0", "--price must be more than 0, e.g. --price 0.01"),
    ],
)
def test_listing_create_refusals_name_the_option(cli, option, value, message):
    out = cli("merchant", *_listing_args(**{option: value}), code=1).output
    line = " ".join(out.split())
    assert line.startswith(f"error: {message} (revert: Escrow"), line


def test_refusals_on_orders_say_what_to_do(cli, market):
    listing = market.make_listing()
    stock = market.make_stock(listing, 2)
    order, _ = market.make_order(listing)
    market.deliver(order, stock)
    order_text = f"{order:#042x}"
    # The merchant cannot prove for the buyer.
    out = " ".join(cli("merchant", "prove", order_text, code=1).output.split())
    assert "was paid by" in out  # the CLI checks first
    # Past the confirm window the escrow refuses a dispute: its deadline, in words.
    market.clock.advance(24 * HOUR + 1)
    out = " ".join(cli("buyer", "dispute", order_text, "--reason", "other", code=1).output.split())
    assert re.search(r"error: the deadline of order 0x[0-9a-fA-F]{40} passed at 20\d\d-", out)
    assert "too late for this" in out and "(revert: EscrowDeadlinePassed(" in out
