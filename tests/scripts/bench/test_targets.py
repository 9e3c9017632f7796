"""The bench's target table (`scripts/bench/_targets.py`): each target of issues 12, 19 and
22 written once, and the verdicts the runner prints and stores computed from it, on
synthetic numbers."""

from __future__ import annotations

import math
import sys

import pytest
from bench import run
from bench._model import QUICK, ModeResults, Row
from bench._procs import BenchError
from bench._targets import BY_KEY, NOISY_CIRCUITS, TARGETS, verdict, verdicts

from tests.paths import ROOT

#: Per target: metrics just meeting it, and metrics just missing it (issue 12's numbers).
BOUNDARIES: dict[str, tuple[dict[str, float], dict[str, float]]] = {
    "1.speedup": (
        {"1.reference_s": 1.0, "1.ours_s": 0.2},
        {"1.reference_s": 1.0, "1.ours_s": 0.21},
    ),
    "1.return": ({"1.after_last_ms": 5.0}, {"1.after_last_ms": 5.1}),
    "2.ws_p50": (
        {"2.ws_p50_ms": 0.9, "2.reference_ws_p50_ms": 0.9},
        {"2.ws_p50_ms": 1.0, "2.reference_ws_p50_ms": 2.0},  # under the reference, not 1 ms
    ),
    "3.retrieve_job_status": (
        {"3.retrieve_job_status_ms": 1.1, "3.raw_httpx_ms": 1.0},
        {"3.retrieve_job_status_ms": 1.11, "3.raw_httpx_ms": 1.0},
    ),
    "3.jobs_get": (
        {"3.jobs_get_ms": 0.55, "3.raw_httpx_ms": 0.5},
        {"3.jobs_get_ms": 0.56, "3.raw_httpx_ms": 0.5},
    ),
    "4.import": ({"4.import_ms": 150.0}, {"4.import_ms": 151.0}),
    "5.throughput": ({"5.jobs_per_s": 1000.0}, {"5.jobs_per_s": 999.0}),
    "5.tiny": (
        {"5.tiny_ms": 0.84, "5.tiny_bare_ms": 0.42},
        {"5.tiny_ms": 0.85, "5.tiny_bare_ms": 0.42},
    ),
    "5.medium": (
        {"5.medium_ms": 13.0, "5.medium_bare_ms": 10.0},
        {"5.medium_ms": 13.1, "5.medium_bare_ms": 10.0},
    ),
    "5.busy_p99": (
        {"5.busy_p99_ms": 3.0, "5.idle_p99_ms": 1.0},
        {"5.busy_p99_ms": 3.1, "5.idle_p99_ms": 1.0},
    ),
    "6.peak_rss": ({"6.peak_rss_mb": 100.0}, {"6.peak_rss_mb": 100.5}),
    "8.async": (
        {"8.async_s": 0.6, "8.seed_s": 6.0, "8.ideal_s": 0.4},
        {"8.async_s": 0.6, "8.seed_s": 5.9, "8.ideal_s": 0.4},  # under 10x the seed-era's
    ),
    "8.sync": (
        {"8.sync_many_s": 0.6, "8.seed_s": 6.0, "8.ideal_s": 0.4},
        {"8.sync_many_s": 0.6, "8.seed_s": 60.0, "8.ideal_s": 0.39},  # over 1.5x the ideal
    ),
    "8.pytket": (
        {"8.pytket_s": 0.5, "8.pytket_055_s": 5.0},
        {"8.pytket_s": 0.51, "8.pytket_055_s": 5.0},
    ),
    **{
        f"9.{name}.aer": (
            {f"9.{name}_s": 1.3, f"9.{name}_aer_s": 1.0},
            {f"9.{name}_s": 1.31, f"9.{name}_aer_s": 1.0},
        )
        for name in NOISY_CIRCUITS
    },
    **{
        f"9.{name}.pecos": (
            {f"9.{name}_s": 0.99, f"9.{name}_pecos_s": 1.0},
            {f"9.{name}_s": 1.0, f"9.{name}_pecos_s": 1.0},  # as fast is not faster
        )
        for name in NOISY_CIRCUITS
    },
    "10.upload_p99": (
        {"10.busy_p99_ms": 3.0, "10.idle_p99_ms": 1.0},
        {"10.busy_p99_ms": 3.1, "10.idle_p99_ms": 1.0},
    ),
}


def test_every_target_is_written_once_with_its_inputs() -> None:
    assert len(BY_KEY) == len(TARGETS)
    assert set(BY_KEY) == set(BOUNDARIES)
    for target in TARGETS:
        assert target.text
        assert target.inputs
        assert all(name.startswith(f"{target.scenario}.") for name in target.inputs), target
        assert 1 <= target.scenario <= 10


@pytest.mark.parametrize("key", sorted(BOUNDARIES))
def test_verdicts_at_the_issue_thresholds(key: str) -> None:
    meeting, missing = BOUNDARIES[key]
    target = BY_KEY[key]
    assert verdict(target, meeting) == "met"
    assert verdict(target, missing) == "NOT met"


@pytest.mark.parametrize("key", sorted(BOUNDARIES))
def test_a_target_without_all_its_numbers_is_not_applicable(key: str) -> None:
    meeting, _ = BOUNDARIES[key]
    target = BY_KEY[key]
    for name in target.inputs:
        assert verdict(target, {k: v for k, v in meeting.items() if k != name}) == "n/a"
        assert verdict(target, {**meeting, name: math.nan}) == "n/a"


def test_the_websocket_target_needs_both_the_reference_and_one_millisecond() -> None:
    target = BY_KEY["2.ws_p50"]
    assert verdict(target, {"2.ws_p50_ms": 0.5, "2.reference_ws_p50_ms": 0.4}) == "NOT met"
    assert verdict(target, {"2.ws_p50_ms": 0.5, "2.reference_ws_p50_ms": 0.6}) == "met"
    assert verdict(target, {"2.ws_p50_ms": 0.5}) == "n/a"  # --only-ours


def _results() -> ModeResults:
    results = ModeResults("serve")
    results.metrics.update(BOUNDARIES["1.return"][1])  # 5.1 ms: NOT met
    results.metrics.update(BOUNDARIES["6.peak_rss"][0])  # 100 MB: met
    results.rows = [
        Row("(1) 100 jobs", "return after last", "ms", 5.1, None, "reference", "1.return"),
        Row("(6) memory", "peak RSS", "MB", 100.0, 150.0, "reference", "6.peak_rss"),
        Row("(7) 10 jobs", "peak RSS", "MB", 40.0, 150.0, "reference"),
    ]
    return results


def test_printed_rows_and_json_take_text_and_verdict_from_the_table() -> None:
    results = _results()
    lines = run.table_lines(results, cpus=2)
    header = lines[0]
    target_col, verdict_col = header.index("target"), header.index("verdict")
    assert lines[1][target_col] == BY_KEY["1.return"].text
    assert lines[1][verdict_col] == "NOT met"
    assert lines[2][target_col] == BY_KEY["6.peak_rss"].text
    assert lines[2][verdict_col] == "met"
    assert lines[3][target_col] == "-"
    assert lines[3][verdict_col] == "-"
    assert all(line[header.index("load")].endswith("/2") for line in lines[1:])

    document = run.document({}, [results])
    rows = document["servers"]["serve"]["rows"]
    assert [row["verdict"] for row in rows] == ["NOT met", "met", "-"]
    assert rows[0]["target_text"] == BY_KEY["1.return"].text
    assert document["servers"]["serve"]["verdicts"] == verdicts(results.metrics)
    by_key = {target["key"]: target for target in document["targets"]}
    assert list(by_key) == [target.key for target in TARGETS]
    assert by_key["1.return"]["verdicts"] == {"serve": "NOT met"}
    assert by_key["6.peak_rss"]["verdicts"] == {"serve": "met"}
    assert by_key["5.throughput"]["verdicts"] == {"serve": "n/a"}
    assert by_key["1.return"]["text"] == BY_KEY["1.return"].text


def test_the_target_summary_lists_every_target_for_every_mode() -> None:
    serve, local = _results(), ModeResults("local")
    local.metrics.update(BOUNDARIES["1.return"][0])
    lines = run.target_lines([serve, local])
    assert lines[0][1:] == [run.SERVERS["serve"], run.SERVERS["local"]]
    assert [line[0] for line in lines[1:]] == [f"({t.scenario}) {t.text}" for t in TARGETS]
    row = next(line for line in lines if line[0].endswith(BY_KEY["1.return"].text))
    assert row[1:] == ["NOT met", "met"]
    text = run.render_text([serve, local], cpus=2)
    assert "== targets" in text
    assert text.count(BY_KEY["1.return"].text) == 2  # its row in serve's table and the summary


def test_a_row_naming_an_unknown_target_is_refused() -> None:
    bench = run.Bench("serve", QUICK, None, sys.stderr, ROOT / "bench-results")
    with pytest.raises(BenchError, match="names no target"):
        bench.add(Row("(1)", "x", "s", 1.0, target="1.nope"))
