"""The bench's target table (`scripts/bench/_targets.py`): each target of issue 12 written
once, and the verdicts the runner prints and stores computed from it, on synthetic numbers."""

from __future__ import annotations

import math
import sys

import pytest
from bench import run
from bench._procs import BenchError
from bench._targets import BY_KEY, TARGETS, verdict, verdicts

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
}


def test_every_target_is_written_once_with_its_inputs() -> None:
    assert len(BY_KEY) == len(TARGETS)
    assert set(BY_KEY) == set(BOUNDARIES)
    for target in TARGETS:
        assert target.text
        assert target.inputs
        assert all(name.startswith(f"{target.scenario}.") for name in target.inputs), target
        assert 1 <= target.scenario <= 7


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


def _results() -> run.ModeResults:
    results = run.ModeResults("serve")
    results.metrics.update(BOUNDARIES["1.return"][1])  # 5.1 ms: NOT met
    results.metrics.update(BOUNDARIES["6.peak_rss"][0])  # 100 MB: met
    results.rows = [
        run.Row("(1) 100 jobs", "return after last", "ms", 5.1, None, "reference", "1.return"),
        run.Row("(6) memory", "peak RSS", "MB", 100.0, 150.0, "reference", "6.peak_rss"),
        run.Row("(7) 10 jobs", "peak RSS", "MB", 40.0, 150.0, "reference"),
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
    serve, local = _results(), run.ModeResults("local")
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
    bench = run.Bench("serve", run.QUICK, None, sys.stderr, ROOT / "bench-results")
    with pytest.raises(BenchError, match="names no target"):
        bench.add(run.Row("(1)", "x", "s", 1.0, target="1.nope"))
