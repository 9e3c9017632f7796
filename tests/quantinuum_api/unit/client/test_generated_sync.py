"""The sync client is generated from the async one (`scripts/generate_sync.py`): the
committed twin is what the script makes, and it is the same code with the sync names."""

from __future__ import annotations

import inspect
import subprocess
import sys

from quantinuum_api._client import _async, _sync
from tests.paths import GENERATE_SYNC_SCRIPT


def test_committed_sync_twin_matches_its_async_source() -> None:
    run = subprocess.run(
        [sys.executable, str(GENERATE_SYNC_SCRIPT), "--check"], capture_output=True, text=True
    )
    assert run.returncode == 0, (
        "src/quantinuum_api/_client/_sync.py is stale; run `python scripts/generate_sync.py` "
        f"and commit.\n{run.stderr}"
    )


def test_every_async_operation_has_its_blocking_twin() -> None:
    pairs = [
        (_async.AsyncJobs, _sync.Jobs),
        (_async.AsyncMachines, _sync.Machines),
        (_async.AsyncClient, _sync.Client),
    ]
    for aio, blocking in pairs:
        for name, method in vars(aio).items():
            if not callable(method) or name.startswith("__a"):
                continue
            twin = getattr(blocking, "close" if name == "aclose" else name)
            assert not inspect.iscoroutinefunction(twin), f"{blocking.__name__}.{name}"
            assert not inspect.isasyncgenfunction(twin), f"{blocking.__name__}.{name}"
            assert inspect.signature(twin).parameters.keys() == (
                inspect.signature(method).parameters.keys()
            ), f"{blocking.__name__}.{name}"
