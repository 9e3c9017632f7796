"""Running `qapi` in-process (streams captured) or as the real console script."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from quantinuum_api.cli import Context, main

QAPI = Path(sys.executable).with_name("qapi")


@dataclass
class Run:
    code: int
    out: str
    err: str


def qapi(*argv: str, stdin: str = "") -> Run:
    """`qapi ARGV` in this process, with its own streams (not a terminal)."""
    out, err = io.StringIO(), io.StringIO()
    ctx = Context(stdout=out, stderr=err, stdin=io.StringIO(stdin), interactive=False)
    code = main(list(argv), ctx)
    return Run(code, out.getvalue(), err.getvalue())


def qapi_process(
    *argv: str, env: Mapping[str, str] | None = None, stdin: str = "", timeout: float = 120
) -> Run:
    """The installed `qapi` console script, as a user runs it (tokens in the 0600 file store
    of QUANTINUUM_CONFIG_DIR: the test's in-memory keyring is not visible to a process)."""
    done = subprocess.run(
        [str(QAPI), *argv],
        input=stdin,
        capture_output=True,
        text=True,
        env=process_env(env),
        timeout=timeout,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def process_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a `qapi` process: this one's, with the file token store."""
    return {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        **(extra or {}),
    }
