"""Global options in either place: `fairkey --dev-account 3 buy 1` and `fairkey buy 1
--dev-account 3` mean the same.

Click parses a group's options only before the subcommand's name; `hoist` moves the group's own
options (and their values) found after it to the front, before parsing. Which options those are,
and whether each takes a value, is read from the group itself, so a new global option is hoisted
too. No subcommand may declare an option of the same name (tests/cli/test_global_options.py
checks), and everything after `--` is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class MissingValue(ValueError):
    """A global option that takes a value ends the command line."""


_EXAMPLE = {"--dev-account": "3", "--rpc": "http://127.0.0.1:8545", "--home": ".fairkey"}


def option_arity(params: Iterable[Any]) -> dict[str, bool]:
    """Each option name of `params` (click Options) -> whether it takes a value."""
    arity: dict[str, bool] = {}
    for param in params:
        if getattr(param, "param_type_name", None) != "option":
            continue
        takes_value = not getattr(param, "is_flag", False) and not getattr(param, "count", False)
        for name in (*param.opts, *param.secondary_opts):
            arity[name] = takes_value
    return arity


def hoist(args: list[str], arity: dict[str, bool]) -> list[str]:
    """`args` with the options named in `arity` that follow the subcommand moved in front of it
    (in their order, after the ones already there, so that the last one given still wins)."""
    before: list[str] = []
    moved: list[str] = []
    after: list[str] = []
    seen_command = False
    i = 0
    while i < len(args):
        token = args[i]
        if token == "--":
            after.extend(args[i:])
            break
        name, has_inline_value = token.split("=", 1)[0], "=" in token
        if not seen_command and not token.startswith("-"):
            seen_command = True
            after.append(token)
        elif not seen_command or name not in arity:
            target = before if not seen_command else after
            target.append(token)
            # A known option's separate value travels with it (also before the command, so that
            # a value like "3" is never taken for the command's name).
            if name in arity and arity[name] and not has_inline_value and i + 1 < len(args):
                i += 1
                target.append(args[i])
        else:
            moved.append(token)
            if arity[name] and not has_inline_value:
                if i + 1 == len(args):
                    raise MissingValue(
                        f"{name} needs a value (e.g. {name} {_EXAMPLE.get(name, 'X')})"
                    )
                i += 1
                moved.append(args[i])
        i += 1
    return before + moved + after
