"""Where the `qapi` console script pointed before the CLI became the `cli` package.

An install made before that (e.g. an editable `.venv` not yet reinstalled) still runs
`quantinuum_api._cli:main`; this keeps it working. The command line lives in
`quantinuum_api.cli`.
"""

from __future__ import annotations

from .cli import main

__all__ = ["main"]
