"""The `qapi` parser: the command groups' commands, then the ones other packages plug in.

The local service's `serve` and `server` come from the entry point group
`quantinuum_api.cli` (`quantinuum_api_server._cli:register_commands`): the SDK names no
such package, so it never imports one unless its commands may be used
(`needs_plugins`).
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Sequence
from typing import Any

from .._version import __version__
from . import _auth, _jobs, _machines
from ._args import Formatter, Handler, examples, global_options
from ._output import EXIT_OK, EXIT_USAGE, Context, exit_codes_text

__all__ = ["CORE_COMMANDS", "build_parser", "cmd_completion", "needs_plugins"]

#: The commands of this package (every other one is plugged in).
CORE_COMMANDS = frozenset(
    {"login", "logout", "whoami", "profiles", "machines", "status", "submit", "wait"}
    | {"result", "jobs", "cancel", "cost", "calendar"}
)


def build_parser(*, plugins: bool = True) -> argparse.ArgumentParser:
    """The `qapi` parser; `plugins=False` leaves out the commands other packages add
    (importing the local service costs a noticeable part of a second)."""
    parser = argparse.ArgumentParser(
        prog="qapi",
        description="The Quantinuum API from the command line (and the local reference\n"
        "service, with the server extra).",
        formatter_class=Formatter,
        epilog=examples(
            "qapi login --api-url http://127.0.0.1:8000/ --email you@example.com",
            "qapi submit bell.qasm --machine H1-1E --shots 100 --wait",
            "qapi result JOB_ID --json | jq .jobs[0].results",
            "qapi COMMAND --help            (each command's options and examples)",
        ),
    )
    parser.add_argument("--version", action="version", version=f"qapi {__version__}")
    global_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, handler: Handler, help: str, *lines: str) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help,
            description=textwrap.fill(help[0].upper() + help[1:] + ".", 79),
            formatter_class=Formatter,
            epilog=examples(*lines) if lines else exit_codes_text(),
        )
        global_options(p, suppress=True)
        p.set_defaults(run=handler)
        return p

    _auth.add_commands(command)
    _machines.add_commands(command)
    _jobs.add_commands(command)
    p = command(
        "completion",
        cmd_completion,
        "print a shell completion script",
        "qapi completion bash > ~/.local/share/bash-completion/completions/qapi",
        'qapi completion zsh > "${fpath[1]}/_qapi"',
        "qapi completion fish > ~/.config/fish/completions/qapi.fish",
    )
    p.add_argument("shell", choices=["bash", "zsh", "fish"], help="the shell to complete for")
    if plugins:
        _plugged_in_commands(sub)
    return parser


def cmd_completion(args: argparse.Namespace, ctx: Context) -> int:
    from ._completion import script

    ctx.out(script(build_parser(), args.shell))
    return EXIT_OK


def _plugged_in_commands(sub: Any) -> None:
    """The commands of the entry point group `quantinuum_api.cli` (the local service's
    `serve` and `server`); where a plugin's extra is missing, stand-ins that say so."""
    from importlib.metadata import entry_points

    for plugin in entry_points(group="quantinuum_api.cli"):
        try:
            register = plugin.load()
        except ImportError:  # the plugin's extra is not installed
            _missing_server_extra(sub)
            continue
        register(sub)


def _missing_server_extra(sub: Any) -> None:
    def missing(args: argparse.Namespace, ctx: Context) -> int:
        ctx.err(
            f"qapi {args.command}: error: the local service needs the server extra: "
            "pip install 'quantinuum-api[server]'"
        )
        return EXIT_USAGE

    for name in ("serve", "server"):
        p = sub.add_parser(name, help="(needs the server extra)", add_help=False, prefix_chars="\0")
        p.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
        p.set_defaults(run=missing)


def needs_plugins(argv: Sequence[str]) -> bool:
    """Whether `argv` may need a plugged-in command: yes unless it names a core command
    (the top-level help and `completion` list every command)."""
    words = iter(argv)
    for word in words:
        if word in ("--api-url", "--profile"):
            next(words, None)
        elif not word.startswith("-"):
            return word not in CORE_COMMANDS
    return True
