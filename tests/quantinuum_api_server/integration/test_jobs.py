"""Jobs through real HTTP: simulation, noise, syntax checkers, limits, cancel, isolation,
idempotency."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.programs import BELL

from .conftest import Api, new_user


def test_bell_on_h1_1e_without_noise_gives_only_00_and_11(api: Api) -> None:
    job = api.submit(count=500, options={"error-model": False}).json()["job"]
    doc = api.wait(job)
    assert doc["status"] == "completed"
    counts = Counter(doc["results"]["c"])
    assert set(counts) == {"00", "11"}
    assert sum(counts.values()) == 500
    assert doc["last-shot"] == 499
    assert doc["qubits"] == 2
    assert doc["submit-date"] <= doc["start-date"] <= doc["result-date"]


ALL_ONES = """OPENQASM 2.0;
include "qelib1.inc";
qreg q[20];
creg c[20];
x q;
measure q -> c;
"""


def test_error_model_changes_the_outcome_statistics(api: Api) -> None:
    ideal = api.submit(ALL_ONES, count=1000, options={"error-model": False, "seed": 7})
    noisy = api.submit(ALL_ONES, count=1000, options={"error-model": True, "seed": 7})
    ideal_doc = api.wait(ideal.json()["job"])
    noisy_doc = api.wait(noisy.json()["job"])
    assert set(ideal_doc["results"]["c"]) == {"1" * 20}
    # SPAM error alone (p_meas_1 ~ 0.4 % per qubit) flips some bit in ~8 % of the shots.
    wrong = sum(shot != "1" * 20 for shot in noisy_doc["results"]["c"])
    assert 10 < wrong < 400


def test_syntax_checker_prices_and_returns_zeros(api: Api) -> None:
    submitted = api.submit(machine="H1-1SC", count=100)
    doc = api.wait(submitted.json()["job"])
    assert doc["status"] == "completed"
    # HQC = 5 + C(N1q + 10 N2q + 5 Nm)/5000 with N1q = 1, N2q = 1, Nm = 2 preps + 2 measures.
    assert doc["cost"] == pytest.approx(5 + 100 * (1 + 10 + 5 * 4) / 5000)
    assert doc["results"] == {"c": ["00"] * 100}  # as the cloud's syntax checkers answer


def test_bad_qasm_is_rejected_at_submission(api: Api) -> None:
    reply = api.submit("OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n")
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == 40


@pytest.mark.parametrize(
    ("program", "count"),
    [(BELL.replace("[2]", "[21]"), 10), (BELL, 10_001)],
    ids=["too-many-qubits", "too-many-shots"],
)
def test_machine_limits_are_400_code_41(api: Api, program: str, count: int) -> None:
    reply = api.submit(program, count=count)
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == 41


def test_unknown_machine_is_400_code_31(api: Api) -> None:
    reply = api.submit(machine="X9-1")
    assert reply.status_code == 400
    assert reply.json()["error"]["code"] == 31


def test_max_cost_fails_the_job(api: Api) -> None:
    max_cost: dict[str, Any] = {"max-cost": 5.5}
    reply = api.submit(count=1000, **max_cost)
    assert reply.status_code == 200
    doc = api.job(reply.json()["job"])
    assert doc["status"] == "failed"
    assert doc["error"]["code"] == 42
    assert "results" not in doc


def test_other_users_jobs_are_not_found(api: Api) -> None:
    job = api.submit().json()["job"]
    email, _ = new_user(api.server)
    intruder = Api(api.server, email)
    for reply in (
        intruder.http.get(f"v1/job/{job}", headers=intruder.headers),
        intruder.http.post(f"v1/job/{job}/cancel", headers=intruder.headers),
    ):
        assert reply.status_code == 404
        assert reply.json()["error"]["code"] == 30


def test_idempotency_key_returns_the_same_job(api: Api) -> None:
    key = {"Idempotency-Key": "retry-me-1"}
    first = api.submit(headers=key).json()["job"]
    again = api.submit(headers=key)
    assert again.status_code == 200
    assert again.json()["job"] == first
    assert api.submit().json()["job"] != first
    different = api.submit(count=7, headers=key)
    assert different.status_code == 422
    email, _ = new_user(api.server)
    assert Api(api.server, email).submit(headers=key).json()["job"] != first


def test_cancel_queued_and_running_jobs(slow_api: Api) -> None:
    running = slow_api.submit(count=5000).json()["job"]
    queued = slow_api.submit(count=10).json()["job"]
    slow_api.wait(running, lambda doc: doc["status"] == "running" and "results" in doc)
    waiting = slow_api.job(queued)
    assert waiting["status"] == "queued"
    assert waiting["queue-position"] == 0

    reply = slow_api.http.post(f"v1/job/{queued}/cancel", headers=slow_api.headers)
    assert reply.status_code == 200
    assert reply.json()["status"] == "canceled"

    reply = slow_api.http.post(f"v1/job/{running}/cancel", headers=slow_api.headers)
    assert reply.json()["status"] in {"canceling", "canceled"}
    doc = slow_api.wait(running)
    assert doc["status"] == "canceled"
    shots = len(doc["results"]["c"])
    assert 0 < shots < 5000
    assert doc["last-shot"] == shots - 1
    # A done job is refused, with the text clients match on.
    again = slow_api.http.post(f"v1/job/{running}/cancel", headers=slow_api.headers)
    assert again.status_code == 400
    assert "job has completed already" in again.json()["error"]["text"]
    assert slow_api.job(running)["status"] == "canceled"


def test_queue_order_follows_priority(slow_api: Api) -> None:
    running = slow_api.submit(count=5000).json()["job"]
    slow_api.wait(running, lambda doc: doc["status"] == "running")
    low = slow_api.submit(count=10, priority="low").json()["job"]
    normal = slow_api.submit(count=10).json()["job"]
    high = slow_api.submit(count=10, priority="high").json()["job"]
    try:
        positions = [slow_api.job(job)["queue-position"] for job in (high, normal, low)]
        assert positions == [0, 1, 2]
    finally:
        for job in (running, low, normal, high):
            slow_api.http.post(f"v1/job/{job}/cancel", headers=slow_api.headers)
        slow_api.wait(running)


def test_qir_and_oversized_programs_are_refused(api: Api) -> None:
    qir = api.submit("BC\xc0\xde", language="QIR 1.0")
    assert (qir.status_code, qir.json()["error"]["code"]) == (400, 40)
    padded = BELL + "// padding\n" * 30_000  # ~330 kB: under the body limit, over the program limit
    big = api.submit(padded)
    assert (big.status_code, big.json()["error"]["code"]) == (400, 41)


def test_stabilizer_simulator(api: Api) -> None:
    doc = api.wait(api.submit(count=200, options={"simulator": "stabilizer"}).json()["job"])
    assert doc["status"] == "completed"
    assert set(doc["results"]["c"]) == {"00", "11"}


def test_non_clifford_program_on_the_stabilizer_simulator_is_refused(api: Api) -> None:
    t_gate = BELL.replace("h q[0];", "h q[0];\nt q[0];")
    reply = api.submit(t_gate, count=10, options={"simulator": "stabilizer"})
    assert reply.status_code == 400  # known at submission: nothing runs
    assert reply.json()["error"]["code"] == 40
    text = reply.json()["error"]["text"]
    assert "Clifford" in text or "stabilizer" in text


def test_hardware_names_always_run_with_noise(api: Api) -> None:
    doc = api.wait(
        api.submit(ALL_ONES, machine="H1-1", count=1000, options={"seed": 3}).json()["job"]
    )
    assert doc["status"] == "completed"
    assert any(shot != "1" * 20 for shot in doc["results"]["c"])


def test_cancel_right_after_submit_always_cancels(slow_api: Api) -> None:
    """A cancel that lands while the job's worker is still being started is not lost."""
    for _ in range(6):
        job = slow_api.submit(count=2000).json()["job"]
        reply = slow_api.http.post(f"v1/job/{job}/cancel", headers=slow_api.headers)
        assert reply.json()["status"] in {"canceling", "canceled"}
        assert slow_api.wait(job, timeout=10)["status"] == "canceled"
