"""Smoke test of `make demo`'s script: the whole path, on a small job."""

from __future__ import annotations

import subprocess
import sys

from tests.paths import ROOT


def test_demo_runs_end_to_end() -> None:
    run = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "demo.py"), "--shots", "40", "--qubits", "3"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    out = run.stdout
    assert "the service asked for an MFA code; answering" in out
    assert "H1-1SC (syntax checker) says:" in out
    # cost of GHZ-3 at 40 shots: 5 + 40*(1 + 10*2 + 5*Nm)/5000 > 5
    assert float(out.split("says: ")[1].split()[0]) > 5
    assert "completed, 40/40 shots" in out
    assert "$ qapi result" in out
    histogram = [line for line in out.splitlines() if "│" in line]
    assert histogram, out
    assert sum(int(line.split("│")[2].split()[0]) for line in histogram) == 40
    assert "service stopped" in out
