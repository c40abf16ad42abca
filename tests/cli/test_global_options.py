"""Global options (--rpc, --home, --dev-account, --debug) work before or after the command."""

from __future__ import annotations

import pytest
import typer

from fairkey.cli.global_options import MissingValue, hoist, option_arity
from fairkey.cli.main import app
from tests.cli.conftest import DEV, ENV

GLOBAL = option_arity(typer.main.get_command(app).params)


def test_the_global_options_are_read_from_the_app():
    assert GLOBAL == {"--rpc": True, "--home": True, "--dev-account": True, "--debug": False}


def test_hoist_moves_global_options_after_the_command_to_the_front():
    assert hoist(["buy", "1", "--dev-account", "3"], GLOBAL) == ["--dev-account", "3", "buy", "1"]
    assert hoist(["order", "show", "0xab", "--debug", "--rpc=http://x"], GLOBAL) == [
        "--debug",
        "--rpc=http://x",
        "order",
        "show",
        "0xab",
    ]
    # Options before the command stay; the ones after follow them (the last one given wins).
    assert hoist(
        ["--home", "h", "--dev-account", "1", "balance", "--dev-account", "2"], GLOBAL
    ) == [
        "--home",
        "h",
        "--dev-account",
        "1",
        "--dev-account",
        "2",
        "balance",
    ]
    # A value before the command is not the command's name; the command's own options stay.
    assert hoist(["--dev-account", "3", "dispute", "0xab", "--reason", "other"], GLOBAL) == [
        "--dev-account",
        "3",
        "dispute",
        "0xab",
        "--reason",
        "other",
    ]
    # Nothing after `--` moves.
    assert hoist(["verify", "--", "--debug"], GLOBAL) == ["verify", "--", "--debug"]
    # No command: nothing to do.
    assert hoist(["--debug"], GLOBAL) == ["--debug"]
    # A value-taking option at the very end cannot take the command's name as its value.
    with pytest.raises(MissingValue, match="--dev-account needs a value"):
        hoist(["buy", "1", "--dev-account"], GLOBAL)


def _commands(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_no_command_has_an_option_named_like_a_global_one():
    """Otherwise a command's own option would be taken for the global one."""
    root = typer.main.get_command(app)
    for path, command in _commands(root):
        if command is root:
            continue
        for param in command.params:
            names = set(getattr(param, "opts", [])) | set(getattr(param, "secondary_opts", []))
            assert not names & set(GLOBAL), (path, names)


def _run(cli, *argv: str):
    result = cli.runner.invoke(app, list(argv), env=ENV)
    assert "Traceback" not in result.output, result.output
    return result


def test_global_options_after_the_command_apply(cli, market):
    buyer = market.address("buyer")
    before = _run(cli, "--home", str(cli.home), "--rpc", cli.rpc, "--dev-account", "3", "balance")
    assert before.exit_code == 0 and f"balances of {buyer}" in before.output

    after = _run(cli, "balance", "--home", str(cli.home), "--rpc", cli.rpc, "--dev-account", "3")
    assert after.exit_code == 0, after.output
    assert after.output == before.output

    inline = _run(cli, "balance", f"--home={cli.home}", f"--rpc={cli.rpc}", "--dev-account=3")
    assert inline.exit_code == 0 and f"balances of {buyer}" in inline.output

    mixed = _run(cli, "--home", str(cli.home), "balance", "--rpc", cli.rpc, "--dev-account", "4")
    assert f"balances of {market.address('stranger')}" in mixed.output


def test_global_options_after_a_sub_command_and_its_arguments(cli, market):
    out = _run(
        cli, "listing", "show", "7", "--dev-account", str(DEV["buyer"]),
        "--home", str(cli.home), "--rpc", cli.rpc,
    ).output  # fmt: skip
    assert "there is no listing with this id (7)" in out

    # --debug after the command: the traceback is shown (the exception propagates).
    result = _run(cli, "buy", "999", "--home", str(cli.home), "--rpc", cli.rpc, "--debug")
    assert result.exit_code == 1
    assert type(result.exception).__name__ == "ContractRevert"

    result = _run(cli, "balance", "--home", str(cli.home), "--dev-account")
    assert result.exit_code == 2 and "--dev-account needs a value" in result.output

    # The command's own --help still works with global options after it.
    result = _run(cli, "buy", "--help", "--dev-account", "3")
    assert result.exit_code == 0 and "LISTING" in result.output
