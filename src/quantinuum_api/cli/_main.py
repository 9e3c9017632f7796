"""`main`: parse, run the command, and turn whatever it raised into one line and an exit code.

Errors go to stderr as `qapi <command>: error: <message>`, followed by a `hint:` line
naming the URL and the likely fix when there is one (`_hints`); no input gives a
traceback. `exit_code(exc)` is the one mapping from exceptions to `EXIT_CODES`.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Sequence

from ._output import (
    EXIT_AUTH,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_JOB,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_USAGE,
    Context,
    NotFound,
    UsageError,
)
from ._parser import build_parser, needs_plugins
from ._target import resolve_target

__all__ = ["exit_code", "main"]

#: The service's 400 codes about the program the user gave: a body too large (11), an
#: invalid program (40) or one beyond a limit of the machine (41). Not code 10, which
#: also means a request that does not fit the job's state (e.g. canceling a done job).
_BAD_INPUT_CODES = frozenset({11, 40, 41})


def exit_code(exc: BaseException) -> int:
    """The exit code of a command that raised `exc`."""
    from .._exceptions import (
        AuthenticationError,
        BadRequestError,
        JobFailedError,
        NotFoundError,
        TimeoutError,
    )

    if isinstance(exc, AuthenticationError):
        return EXIT_AUTH
    if isinstance(exc, NotFound):
        return EXIT_NOT_FOUND
    if isinstance(exc, NotFoundError | BadRequestError) and exc.error_code in (30, 31):
        return EXIT_NOT_FOUND  # the service's "job not found" / "machine not found"
    if isinstance(exc, NotFoundError) and exc.response is None:
        return EXIT_NOT_FOUND  # the SDK looked and found nothing (e.g. machines.get)
    if isinstance(exc, BadRequestError) and exc.error_code in _BAD_INPUT_CODES:
        return EXIT_USAGE  # the service refused what the user gave it
    if isinstance(exc, JobFailedError | TimeoutError):
        return EXIT_JOB
    if isinstance(exc, UsageError | ValueError | ImportError):
        return EXIT_USAGE
    return EXIT_ERROR


def _report(exc: BaseException, args: argparse.Namespace, ctx: Context) -> int:
    from ._hints import hint

    name = f"qapi {args.command}" if getattr(args, "command", None) else "qapi"
    message = str(exc) or type(exc).__name__
    ctx.err(f"{name}: error: {message}")
    try:
        target = resolve_target(args)
    except Exception:  # the target itself was the problem: no hint
        target = None
    if target is not None:
        text = hint(exc, target.api_url, target.source)
        if text:
            ctx.err(f"{name}: hint: {text}")
    return exit_code(exc)


def _unexpected(exc: Exception, args: argparse.Namespace, ctx: Context) -> int:
    """A bug, not the user's input: one line, never a traceback."""
    ctx.err(
        f"qapi {args.command}: error: unexpected {type(exc).__name__}: {exc} (please report this)"
    )
    return EXIT_ERROR


def _plugin(args: argparse.Namespace, ctx: Context) -> int:
    """Run a plugged-in command (`handler(args)`), keeping its exit codes within the table."""
    try:
        return int(args.handler(args))
    except SystemExit as exc:  # e.g. uvicorn's sys.exit(3) when the port is taken
        code = exc.code if isinstance(exc.code, int) else EXIT_ERROR
        if code in (EXIT_OK, EXIT_USAGE):
            return code
        port = getattr(args, "port", None)
        where = f" (is port {port} already in use?)" if port is not None else ""
        ctx.err(f"qapi {args.command}: error: the command stopped with status {code}{where}")
        return EXIT_ERROR
    except KeyboardInterrupt:  # e.g. Ctrl-C at add-user's password prompt
        ctx.err(f"qapi {args.command}: interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        return _unexpected(exc, args, ctx)


def main(argv: Sequence[str] | None = None, ctx: Context | None = None) -> int:
    """Run `qapi` with `argv` (default: the process arguments); returns the exit code."""
    from .._exceptions import QuantinuumAPIError

    ctx = ctx or Context()
    parser = build_parser(plugins=needs_plugins(sys.argv[1:] if argv is None else argv))
    try:
        with contextlib.redirect_stdout(ctx.stdout), contextlib.redirect_stderr(ctx.stderr):
            args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if getattr(args, "handler", None) is not None:  # the server's commands: handler(args)
        return _plugin(args, ctx)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help(ctx.stdout)
        return EXIT_USAGE
    try:
        return int(run(args, ctx))
    except BrokenPipeError:  # e.g. `qapi completion bash | head`: the reader left
        return EXIT_ERROR
    except (QuantinuumAPIError, UsageError, NotFound, ValueError, OSError, ImportError) as exc:
        return _report(exc, args, ctx)
    except KeyboardInterrupt:
        ctx.err(f"qapi {args.command}: interrupted")
        return EXIT_INTERRUPTED
    except Exception as exc:
        return _unexpected(exc, args, ctx)
