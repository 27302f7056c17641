"""The ``rmaplab`` command line.

Every subcommand prints plain text that fits in 72 columns, or with
``--json`` a stable JSON document (field names are an interface; see the
issue that introduced each command).

One module per command group; each has ``HELP`` (command -> one line) and
``add_parsers(subparsers)``. ``main`` builds the full parser only for the
command it runs, and the modules import the library inside the commands, so
``rmaplab --help`` and ``race --list`` load neither numba nor the views.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence
from typing import NoReturn

from ..config import ConfigError
from ..validate import fmt_range

__all__ = ["GROUPS", "build_parser", "main"]

#: The command groups, in the order ``rmaplab --help`` lists them.
GROUPS = (
    "tables",
    "verify",
    "design",
    "onevalue",
    "idspace",
    "bench",
    "compare",
    "collide",
    "report",
    "race",
)


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose errors are one line (exit 2), like ours."""

    def error(self, message: str) -> NoReturn:
        # rmaplab.validate's argparse types say "=VALUE is ...": name the flag
        m = re.fullmatch(r"argument ([^:]+): (=.*)", message, re.S)
        if m:
            message = m.group(1).split("/")[-1] + m.group(2)
        m = re.fullmatch(r"argument ([^:]+): expected one argument", message)
        if m:  # e.g. --order -1e400: argparse takes a value with a leading - for an option
            flag = m.group(1).split("/")[-1]
            action = self._option_string_actions.get(flag)
            bounds = getattr(getattr(action, "type", None), "bounds", None)
            allowed = "" if bounds is None else f": allowed {fmt_range(*bounds)}"
            message = f"{flag} expects a value{allowed} (write {flag}=VALUE if it starts with -)"
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command; with ``command``, only that command's
    options are built (``""``: none), the others listed by their help line."""
    p = _Parser(
        prog="rmaplab",
        description="Exact arithmetic for the rmap-ID 'mapped shared' proposal.",
    )
    from .. import __version__

    p.add_argument("--version", action="version", version=f"rmaplab {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in GROUPS:
        mod = importlib.import_module(f".{name}", __name__)
        if command is None or command in mod.HELP:
            mod.add_parsers(sub)
        else:
            for cmd, text in mod.HELP.items():
                sub.add_parser(cmd, help=text)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), "")
    parser = build_parser(command)
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help (0) or a usage error (2), already printed
        return e.code if isinstance(e.code, int) else 2
    args.argv = argv
    try:
        return args.func(args)
    except ConfigError as e:
        print(f"rmaplab {args.command}: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `rmaplab ... | head`: the reader left, not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
