"""The benchmark harness runs end to end on a tiny size (benchmarks are not tests: only the
harness's shape is checked here, never a speed).

Runs `scripts/bench/run.py --quick --only-ours`: both service modes (`qapi serve` and
`LocalServer`, each in its own process) and this SDK's scenarios only; the reference client
(its own venv, installed by `make bench`) is left out explicitly, so a missing reference
venv can't pass unnoticed as a skip.
"""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from bench._targets import BY_KEY, TARGETS

from tests.paths import ROOT

RUNNER = ROOT / "scripts" / "bench" / "run.py"
EXPECTED_SCENARIOS = {f"({n})" for n in range(1, 11)}
MODES = ["serve", "local"]
CLIENT_SIDE = {"(4)", "(6)", "(7)", "(8)", "(9)"}  # against the first mode only
#: Metrics of other clients and engines, left out with --only-ours.
OTHERS = ("reference", "seed", "055", "pecos")
SERVICE_SIDE = EXPECTED_SCENARIOS - CLIENT_SIDE
Result = tuple[str, Any, Path]  # stdout, the JSON document, its path


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> Result:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, str(RUNNER), "--quick", "--only-ours", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,  # a hang guard: the quick run takes 1-2 min on a loaded 2-core machine
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    files = sorted(out.glob("bench-*.json"))
    assert len(files) == 1, files
    return done.stdout, json.loads(files[0].read_text()), files[0]


def test_quick_run_prints_a_table_per_service_mode_and_the_targets(
    quick_run: Result,
) -> None:
    stdout, _, _ = quick_run
    lines = stdout.splitlines()
    assert lines[0] == "== qapi serve (own process) =="
    header = lines[1].split()
    assert header[:3] == ["scenario", "metric", "ours"]
    assert header[-2:] == ["verdict", "load"]
    local = lines.index("== LocalServer (own process) ==")
    summary = lines.index("== targets (scripts/bench/_targets.py) ==")
    for scenario in EXPECTED_SCENARIOS:
        assert any(line.startswith(scenario) for line in lines[:local]), scenario
        if scenario not in CLIENT_SIDE:  # measured against the first mode only
            assert any(line.startswith(scenario) for line in lines[local:summary]), scenario
    for target in TARGETS:
        assert any(f"({target.scenario}) {target.text}" in line for line in lines[summary:])


def test_quick_run_writes_positive_numbers_and_honest_verdicts(
    quick_run: Result,
) -> None:
    _, document, path = quick_run
    assert list(document["servers"]) == MODES
    for mode in MODES:
        server = document["servers"][mode]
        rows = server["rows"]
        scenarios = {str(row["scenario"]).split()[0] for row in rows}
        assert scenarios == (EXPECTED_SCENARIOS if mode == "serve" else SERVICE_SIDE)
        assert server["failures"] == {}
        absent = _absent_features(server["raw"])
        for row in rows:
            assert isinstance(row["ours"], float), row
            assert row["load"] >= 0, row
            if "quantinuum_api.pytket is not in this SDK" in row["metric"]:
                assert "8.pytket_s" in absent, row
                assert math.isnan(row["ours"]), row
                continue
            assert math.isfinite(row["ours"]), row
            if str(row["scenario"]).startswith("(8)") and "own time" not in row["metric"]:
                assert row["ideal"] > 0, row  # every client's row shows the ideal
                assert row["ideal_ratio"] == row["ours"] / row["ideal"], row
            if "growth" in row["metric"]:  # a peak RSS can stay where start-up left it
                assert row["ours"] >= 0, row
            elif row["unit"] == "jobs":  # a count: how many waits listened in time
                assert 0 <= row["ours"] <= 2, row
            else:
                assert row["ours"] > 0, row
            if row["baseline_name"] == "reference":  # --only-ours: nothing to compare with
                assert row["baseline"] is None, row
                assert row["ratio"] is None, row
            if row["target"]:
                assert row["target_text"] == BY_KEY[row["target"]].text
                assert row["verdict"] == server["verdicts"][row["target"]]
            else:
                assert row["verdict"] == "-"
        # every target's inputs are measured, except the reference's (left out here)
        for target in TARGETS:
            if f"({target.scenario})" in CLIENT_SIDE and mode != "serve":
                continue
            for name in target.inputs:
                if not any(other in name for other in OTHERS) and name not in absent:
                    assert math.isfinite(server["metrics"][name]), (mode, name)
        assert set(server["verdicts"].values()) <= {"met", "NOT met", "n/a"}
        needs_others = [t.key for t in TARGETS if any(o in i for i in t.inputs for o in OTHERS)]
        assert {"1.speedup", "2.ws_p50", "8.async", "8.pytket", "9.ghz.pecos"} <= set(needs_others)
        for key in needs_others:
            assert server["verdicts"][key] == "n/a", key
    assert [target["key"] for target in document["targets"]] == [t.key for t in TARGETS]
    markdown = path.with_suffix(".md").read_text()
    assert markdown.startswith("### qapi serve (own process)\n\n| scenario | metric | ours |")
    assert "### Targets" in markdown


def _absent_features(raw: dict[str, Any]) -> set[str]:
    """The round-trip metrics this SDK cannot have (no `submit_many`, no pytket backend),
    checked against the SDK itself."""
    from quantinuum_api._client import Jobs

    if "8_round_trip" not in raw:
        return set()
    absent = set()
    has_submit_many = hasattr(Jobs, "submit_many")
    assert raw["8_round_trip"]["sync"]["submit_many"] is has_submit_many
    if not has_submit_many:
        absent.add("8.sync_many_s")
    has_backend = importlib.util.find_spec("quantinuum_api.pytket") is not None
    assert ("absent" not in raw["8_round_trip"]["pytket"]) is has_backend
    if not has_backend:
        absent.add("8.pytket_s")
    return absent


def test_quick_run_keeps_the_raw_measurements(
    quick_run: Result,
) -> None:
    _, document, _ = quick_run
    for mode in MODES:
        raw = document["servers"][mode]["raw"]
        expected = {"1_batch", "2_latency", "3_status", "5_service", "5_heavy", "10_uploads"}
        if mode == "serve":
            expected |= {"4_import", "6_memory", "7_scale", "8_round_trip", "9_noisy"}
        assert set(raw) == expected
        batch = raw["1_batch"]["ours_async"][0]
        assert len(batch["ids"]) == 3
        assert batch["total_s"] > 0
        assert all(value >= 0 for value in raw["2_latency"]["ours_websocket"])
        assert set(raw["3_status"]["ours"]) == {
            "raw_httpx",
            "retrieve_job_status",
            "client_jobs_get",
        }
        assert len(raw["5_heavy"]["idle"]) == 30
        uploads = raw["10_uploads"]
        assert len(uploads["idle"]) >= 30  # at least upload_calls, for the whole window
        assert len(uploads["busy"]) >= 30  # and for the whole window
        assert len(uploads["uploads"]) == 4  # users
        assert all(user["accepted"] >= 1 for user in uploads["uploads"])
    serve = document["servers"]["serve"]["raw"]
    assert serve["4_import"]["ours_top"], "the -X importtime profile is recorded"
    assert serve["6_memory"]["ours"]["completed"] == 20
    assert serve["7_scale"]["ours"]["peak_rss_mb"] > 0
    round_trip = serve["8_round_trip"]
    assert round_trip["one_way_s"] == 0.025
    assert round_trip["proxy"]["connections"] >= 2  # the clients went through the proxy
    assert round_trip["seed"] is None  # --only-ours
    noisy = serve["9_noisy"]
    assert set(noisy["ours"]) == set(noisy["aer"]) == {"ghz", "random", "clifford"}
    assert noisy["pecos"] is None
    assert noisy["pecos_unavailable"] == "left out (--only-ours)"
    meta = document["meta"]
    assert meta["reference"] is None
    assert meta["cpus"] >= 1
    assert 0 < meta["speed_start_s"] < 60
    assert 0 < meta["speed_end_s"] < 60
    assert meta["servers"] == MODES


def test_bad_arguments_are_rejected() -> None:
    done = subprocess.run(
        [sys.executable, str(RUNNER), "--scenarios", "11"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "scenarios are 1-10" in done.stderr
    done = subprocess.run(
        [sys.executable, str(RUNNER), "--servers", "cloud"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "servers are serve and/or local" in done.stderr
