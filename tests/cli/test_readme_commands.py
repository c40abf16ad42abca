"""Every `fk …` line in the README's shell blocks is a command the CLI accepts as written: the
command exists, its options and arguments parse (types, choices, required options), a command
that signs names its account, and `listing create` names a verifier. So the README cannot drift
from the CLI again."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
import typer
from typer._click.exceptions import ClickException

from fairkey.chain.anvil import dev_accounts
from fairkey.chain.artifacts import PROJECT_ROOT
from fairkey.cli.main import app

README = PROJECT_ROOT / "README.md"
# What the README writes for values the reader fills in, and a value of the right form.
PLACEHOLDERS = {"0xORDER": "0x" + "ab" * 20}
# Commands that sign nothing (read the chain, or serve without an account), besides every
# `index` command; the others need --dev-account N (or FAIRKEY_PRIVATE_KEY, not shown).
NO_ACCOUNT = {
    ("listing", "show"),
    ("order", "show"),
    ("issuer-sim", "run"),
    ("dev", "time"),
}
DEMO_VERIFIER = dev_accounts(6)[5].address  # make up's verifier (scripts/up.py ROLES)


def shell_blocks(text: str) -> list[tuple[int, str]]:
    """(line number, code) of every ```bash block."""
    blocks = []
    for match in re.finditer(r"^```(?:bash|sh|shell)\n(.*?)^```", text, re.M | re.S):
        blocks.append((text.count("\n", 0, match.start()) + 2, match.group(1)))
    return blocks


def fk_lines(path: Path = README) -> list[tuple[int, list[str]]]:
    """(README line number, argv after `fk`) of every `fk` command in its shell blocks, with
    backslash continuations joined and comments dropped."""
    found = []
    for start, code in shell_blocks(path.read_text()):
        pending, first = "", start
        for number, line in enumerate(code.splitlines(), start):
            if not pending:
                first = number
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            words = shlex.split(pending + line, comments=True)
            pending = ""
            if words and words[0] == "fk":
                found.append((first, words[1:]))
    return found


COMMANDS = fk_lines()


def parse(argv: list[str]) -> tuple[tuple[str, ...], dict]:
    """Parses argv as `fairkey` would, down to the leaf command, without running anything.
    Returns the command path and the leaf's parsed parameters; raises a click error."""
    root = typer.main.get_command(app)
    ctx = root.make_context("fairkey", list(argv))
    command, path = root, []
    while hasattr(command, "commands"):
        args = [*ctx._protected_args, *ctx.args]
        assert args, f"`fk {' '.join(argv)}`: {' '.join(path) or 'fairkey'} needs a command"
        name, command, rest = command.resolve_command(ctx, args)
        path.append(name)
        ctx = command.make_context(name, rest, parent=ctx)
    return tuple(path), {**ctx.find_root().params, **ctx.params}


def test_the_readme_has_the_walkthrough_commands():
    paths = {parse([PLACEHOLDERS.get(a, a) for a in argv])[0] for _, argv in COMMANDS}
    for expected in [("buy",), ("order", "show"), ("order", "list"), ("listing", "create"),
                     ("stock", "import"), ("keeper", "run"), ("verifier", "run")]:  # fmt: skip
        assert expected in paths
    assert len(COMMANDS) >= 30


def test_the_alias_is_the_installed_command():
    text = README.read_text()
    match = re.search(r'^alias fk="([^"]+)"', text, re.M)
    assert match and (PROJECT_ROOT / match.group(1)).name == "fairkey"


@pytest.mark.parametrize(
    "argv", [argv for _, argv in COMMANDS], ids=[f"line{n}:{' '.join(a)[:40]}" for n, a in COMMANDS]
)
def test_each_readme_command_parses_as_written(argv):
    filled = [PLACEHOLDERS.get(arg, arg) for arg in argv]
    try:
        path, params = parse(filled)
    except ClickException as exc:
        pytest.fail(f"`fk {' '.join(argv)}` does not parse: {exc.format_message()}")
    if path not in NO_ACCOUNT and path[0] != "index":
        assert params.get("dev_account") is not None, (
            f"`fk {' '.join(argv)}` signs: the README must say as whom (--dev-account N)"
        )
    if path == ("listing", "create"):
        assert params["verifier"] == DEMO_VERIFIER, "listing create names the demo verifier"


def test_the_parser_check_catches_drift():
    """What the check above refuses: a missing command, an unknown option, a bad value."""
    for argv in (["orders", "show", "0x" + "ab" * 20], ["buy", "1", "--max", "3"],
                 ["order", "show", "0x12"], ["dispute", "0x" + "ab" * 20, "--reason", "bad"],
                 ["listing", "create", "--price", "1"]):  # fmt: skip
        with pytest.raises(ClickException):
            parse(argv)
