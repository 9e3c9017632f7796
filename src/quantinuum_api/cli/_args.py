"""The parser's building blocks: argument types, the help formatter, shared options.

Each command group (`_auth`, `_jobs`, `_machines`) declares its commands with
`add_commands(command)`, where `command` is the `AddCommand` that `_parser.build_parser`
passes in: it makes the sub-parser with the global options, the examples and the exit
codes, and binds the handler.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
from collections.abc import Callable
from typing import Any, Protocol

from ._output import Context, exit_codes_text

__all__ = [
    "AddCommand",
    "Formatter",
    "Handler",
    "cost",
    "date",
    "examples",
    "global_options",
    "positive_int",
    "seconds",
    "top_option",
    "wait_options",
]

#: A command: parsed arguments and streams in, an exit code of `EXIT_CODES` out.
Handler = Callable[[argparse.Namespace, Context], int]


class AddCommand(Protocol):
    """Adds one command: its name, handler, one-line help and examples."""

    def __call__(
        self, name: str, handler: Handler, help: str, *examples: str
    ) -> argparse.ArgumentParser: ...


def date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from None


def positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {number}")
    return number


def _non_negative(value: str, unit: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of {unit}: {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more {unit}, got {value}")
    return number


def seconds(value: str) -> float:
    return _non_negative(value, "seconds")


def cost(value: str) -> float:
    return _non_negative(value, "HQC")


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' and exit codes' line breaks; shows defaults where set."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (
            "%(default)" not in text
            and action.default not in (None, False, argparse.SUPPRESS)
            and action.option_strings
        ):
            text += " (default: %(default)s)"
        return text


def global_options(p: argparse.ArgumentParser, *, suppress: bool) -> None:
    """Options every command takes, before or after its name (`qapi --json machines` and
    `qapi machines --json` are the same)."""
    default: Any = argparse.SUPPRESS if suppress else None
    group = p.add_argument_group("global options")
    group.add_argument(
        "--api-url",
        metavar="URL",
        default=default,
        help="service URL, e.g. http://127.0.0.1:8000/ (env QUANTINUUM_API_URL; default: the "
        "profile's saved URL, else https://qapi.quantinuum.com/)",
    )
    group.add_argument(
        "--profile",
        metavar="NAME",
        default=default,
        help="the saved account to use (env QUANTINUUM_PROFILE; default: the default "
        "profile, see `qapi profiles`)",
    )
    group.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print one JSON object on stdout instead of text",
    )


def examples(*lines: str) -> str:
    """A help epilog: the examples, then the exit codes."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines) + "\n\n" + exit_codes_text()


def top_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--top",
        type=positive_int,
        metavar="N",
        help="show only the N most frequent outcomes; with --json, each job has `counts` "
        "(per register, the N most frequent outcomes and their shots, most frequent first) "
        "instead of the per-shot `results`",
    )


def wait_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--timeout", type=seconds, metavar="SECONDS", help="give up waiting after this long"
    )
    top_option(p)
