"""What every command shares: its streams (`Context`), its exit codes and its user errors.

`EXIT_CODES` is the one table that `qapi --help`, each command's `--help` and the docs
show (a test keeps them equal). `UsageError` and `NotFound` are the command layer's own
errors: bad input (exit 2) and a named thing that does not exist (exit 4).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import TextIO

__all__ = [
    "EXIT_AUTH",
    "EXIT_CODES",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_JOB",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_USAGE",
    "Context",
    "ExitCode",
    "NotFound",
    "UsageError",
    "exit_codes_markdown",
    "exit_codes_text",
]


@dataclass(frozen=True)
class ExitCode:
    """One exit code of `qapi` and when it is used."""

    code: int
    meaning: str


EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_NOT_FOUND, EXIT_JOB = 0, 1, 2, 3, 4, 5
EXIT_INTERRUPTED = 130

#: The exit codes, shown by `qapi --help` and in the docs (a test keeps them equal).
EXIT_CODES: tuple[ExitCode, ...] = (
    ExitCode(EXIT_OK, "success"),
    ExitCode(EXIT_ERROR, "the service or the network failed (API, connection or I/O error)"),
    ExitCode(
        EXIT_USAGE,
        "bad usage or input: unknown option, bad value, unreadable file, invalid program",
    ),
    ExitCode(EXIT_AUTH, "not logged in, or authentication failed"),
    ExitCode(EXIT_NOT_FOUND, "no such job, machine or profile"),
    ExitCode(EXIT_JOB, "a job failed or was canceled, or a wait timed out"),
    ExitCode(EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
)


def exit_codes_text() -> str:
    """The exit-code table for `--help`."""
    return "exit codes:\n" + "\n".join(f"  {e.code:<4} {e.meaning}" for e in EXIT_CODES)


def exit_codes_markdown() -> str:
    """The exit-code table as the docs show it."""
    rows = [f"| {e.code} | {e.meaning} |" for e in EXIT_CODES]
    return "\n".join(["| code | meaning |", "| --- | --- |", *rows])


@dataclass
class Context:
    """The streams and environment a command runs with (swappable in tests)."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)
    stdin: TextIO = field(default_factory=lambda: sys.stdin)
    interactive: bool = field(default_factory=lambda: _isatty(sys.stdin))

    def out(self, text: str = "") -> None:
        print(text, file=self.stdout, flush=True)

    def err(self, text: str) -> None:
        print(text, file=self.stderr, flush=True)

    def json(self, value: object) -> None:
        """One JSON document, on one line."""
        self.out(json.dumps(value, default=str, ensure_ascii=True))

    @property
    def unicode(self) -> bool:
        """Whether stdout can show the histogram's block characters (not under LC_ALL=C)."""
        encoding = getattr(self.stdout, "encoding", None) or "utf-8"
        try:
            "█▏│…".encode(encoding)
        except (UnicodeEncodeError, LookupError):
            return False
        return True


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):
        return False


class UsageError(Exception):
    """Bad input from the command line (exit code 2)."""


class NotFound(Exception):
    """A named thing (profile, machine) that does not exist (exit code 4)."""
