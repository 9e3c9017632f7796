"""The `qapi` command line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from ._version import __version__

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qapi", description="Quantinuum API command line (SDK and local service)."
    )
    parser.add_argument("--version", action="version", version=f"qapi {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `qapi` with `argv` (default: the process arguments); returns the exit code."""
    parser = build_parser()
    parser.parse_args(argv)
    parser.print_help()
    return 0
