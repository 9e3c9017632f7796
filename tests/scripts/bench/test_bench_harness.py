"""The benchmark harness runs end to end on a tiny size (benchmarks are not tests: only the
harness's shape is checked here, never a speed).

Runs `scripts/bench/run.py --quick --only-ours`: the local service in its own process and
this SDK's scenarios only; the reference client (its own venv, installed by `make bench`)
is left out explicitly, so a missing reference venv can't pass unnoticed as a skip.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.paths import ROOT

RUNNER = ROOT / "scripts" / "bench" / "run.py"
EXPECTED_SCENARIOS = {"(1)", "(2)", "(3)", "(4)", "(5)", "(6)"}
Result = tuple[str, Any, Path]  # stdout, the JSON document, its path


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Result:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, str(RUNNER), "--quick", "--only-ours", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    files = sorted(out.glob("bench-*.json"))
    assert len(files) == 1, files
    return done.stdout, json.loads(files[0].read_text()), files[0]


def test_quick_run_prints_a_table_with_every_scenario(
    quick_run: Result,
) -> None:
    stdout, _, _ = quick_run
    header = stdout.splitlines()[0].split()
    assert header[:3] == ["scenario", "metric", "ours"]
    assert "verdict" in header
    for scenario in EXPECTED_SCENARIOS:
        assert any(line.startswith(scenario) for line in stdout.splitlines()), scenario


def test_quick_run_writes_positive_numbers_and_honest_verdicts(
    quick_run: Result,
) -> None:
    _, document, path = quick_run
    rows = document["rows"]
    assert isinstance(rows, list)
    assert rows
    assert {str(row["scenario"]).split()[0] for row in rows} == EXPECTED_SCENARIOS
    for row in rows:
        assert isinstance(row["ours"], float), row
        assert math.isfinite(row["ours"]), row
        if "growth" in row["metric"]:  # a peak RSS can stay where start-up left it
            assert row["ours"] >= 0, row
        else:
            assert row["ours"] > 0, row
        assert row["verdict"] in {"met", "NOT met", "-"}, row
        if row["baseline_name"] == "reference":  # --only-ours: nothing to compare with
            assert row["baseline"] is None, row
            assert row["ratio"] is None, row
    targeted = [row for row in rows if row["target"] and row["baseline_name"] != "reference"]
    assert targeted
    assert all(row["verdict"] in {"met", "NOT met"} for row in targeted)
    assert path.with_suffix(".md").read_text().startswith("| scenario | metric | ours |")


def test_quick_run_keeps_the_raw_measurements(
    quick_run: Result,
) -> None:
    _, document, _ = quick_run
    raw = document["raw"]
    assert isinstance(raw, dict)
    assert set(raw) == {"1_batch", "2_latency", "3_status", "4_import", "5_service", "6_memory"}
    batch = raw["1_batch"]["ours_async"][0]
    assert len(batch["ids"]) == 3
    assert batch["total_s"] > 0
    assert all(value >= 0 for value in raw["2_latency"]["ours_websocket"])
    assert set(raw["3_status"]["ours"]) == {"raw_httpx", "retrieve_job_status", "client_jobs_get"}
    assert raw["4_import"]["ours_top"], "the -X importtime profile is recorded"
    assert raw["6_memory"]["ours"]["completed"] == 20
    meta = document["meta"]
    assert isinstance(meta, dict)
    assert meta["reference"] is None


def test_bad_arguments_are_rejected() -> None:
    done = subprocess.run(
        [sys.executable, str(RUNNER), "--scenarios", "7"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "scenarios are 1-6" in done.stderr
