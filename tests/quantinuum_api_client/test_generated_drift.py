"""The committed generated/ matches what scripts/generate makes from openapi.yaml."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

from tests.paths import GENERATE_SCRIPT, GENERATED


def tree(root: Path) -> dict[str, Path]:
    return {
        str(p.relative_to(root)): p
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_committed_client_matches_the_spec(tmp_path: Path) -> None:
    env = {**os.environ, "QAPI_VENV_BIN": str(Path(sys.executable).parent)}
    run = subprocess.run(
        [str(GENERATE_SCRIPT), str(tmp_path)], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, f"scripts/generate failed:\n{run.stderr}"
    fresh = tree(tmp_path / "quantinuum_api_client")
    committed = tree(GENERATED / "quantinuum_api_client")
    missing = sorted(fresh.keys() - committed.keys())
    stale = sorted(committed.keys() - fresh.keys())
    changed = sorted(
        name
        for name in fresh.keys() & committed.keys()
        if not filecmp.cmp(fresh[name], committed[name], shallow=False)
    )
    drifted = bool(missing or stale or changed)
    assert not drifted, (
        "generated/ is out of date with openapi.yaml; run `make generate` and commit.\n"
        f"missing: {missing}\nstale: {stale}\nchanged: {changed}"
    )
