"""`QuantinuumAPIOffline`: the seed's behaviour, and opt-in local simulation."""

from __future__ import annotations

import pytest

from quantinuum_api import (
    DEFAULT_MACHINES,
    BadRequestError,
    QuantinuumAPIError,
    QuantinuumAPIOffline,
)
from tests.programs import BELL


def _body(machine: str = "H1-1E", count: int = 20, **extra: object) -> dict[str, object]:
    return {
        "name": "bell",
        "count": count,
        "machine": machine,
        "language": "OPENQASM 2.0",
        "program": BELL,
        **extra,
    }


def test_seed_behaviour_without_simulation() -> None:
    api = QuantinuumAPIOffline()
    assert api.online is False
    assert api.url == ""
    assert api.provider == ""
    names = [m["name"] for m in api._get_machine_list() or []]
    assert names == ["H1-1", "H2-1", "H2-2", "Helios-1"]
    assert api.get_machine_list() == [dict(m) for m in DEFAULT_MACHINES]
    assert api.login() == ""
    api.full_login()  # no-op offline
    assert api._submit_job(_body()) is None
    assert api._submit_job(_body(count=5)) is None
    assert api.get_jobs() == [_body(), _body(count=5)]
    assert api.status("H1-1") == "unclear"
    with pytest.raises(QuantinuumAPIError, match="Can't retrieve job status offline: job_id j1"):
        api.retrieve_job_status("j1")
    with pytest.raises(QuantinuumAPIError, match="Can't retrieve job offline: job_id j1"):
        api.retrieve_job("j1", use_websocket=True)
    with pytest.raises(QuantinuumAPIError, match="Can't cancel job offline: job_id j1"):
        api.cancel("j1")


def test_custom_machine_list_is_kept() -> None:
    machines = [{"name": "X-1", "n_qubits": 3}]
    assert QuantinuumAPIOffline(machine_list=machines).get_machine_list() is machines


def test_simulation_returns_results_like_the_service() -> None:
    api = QuantinuumAPIOffline(simulate=True)
    res = api._submit_job(_body(options={"seed": 7}))
    assert res is not None
    api._response_check(res, "submit job")
    job_id = res.json()["job"]
    job = api.retrieve_job(job_id)
    assert job is not None
    assert job["status"] == "completed"
    assert set(job["results"]) == {"c"}
    assert len(job["results"]["c"]) == 20
    assert set(job["results"]["c"]) <= {"00", "11"}  # noiseless emulator: Bell pairs only
    assert job["cost"] == pytest.approx(5 + 20 * (1 + 10 + 5 * 4) / 5000, abs=0.01)
    assert api.retrieve_job_status(job_id) == job
    with pytest.raises(BadRequestError, match="job has completed already"):  # as the service
        api.cancel(job_id)
    assert api.get_jobs() == [_body(options={"seed": 7})]


def test_simulation_is_seeded_and_syntax_checker_returns_zeros() -> None:
    api = QuantinuumAPIOffline(simulate=True)
    first = api._submit_job(_body(options={"seed": 3}))
    second = api._submit_job(_body(options={"seed": 3}))
    assert first is not None
    assert second is not None
    a = api.retrieve_job(first.json()["job"])
    b = api.retrieve_job(second.json()["job"])
    assert a is not None
    assert b is not None
    assert a["results"] == b["results"]
    sc = api._submit_job(_body(machine="H1-1SC", count=100))
    assert sc is not None
    checked = api.retrieve_job(sc.json()["job"])
    assert checked is not None
    assert checked["status"] == "completed"
    assert checked["results"] == {"c": ["00"] * 100}  # as the cloud's syntax checkers do
    assert checked["cost"] > 5


def test_simulation_rejects_bad_jobs_with_service_errors() -> None:
    api = QuantinuumAPIOffline(simulate=True)
    bad_program = api._submit_job(_body(program="OPENQASM 2.0;\nqreg q[1];\nfoo q[0];\n"))
    assert bad_program is not None
    assert bad_program.status_code == 400
    with pytest.raises(BadRequestError, match="Invalid program"):
        api._response_check(bad_program, "submit job")
    unknown = api._submit_job(_body(machine="Z-9"))
    assert unknown is not None
    with pytest.raises(BadRequestError, match="Unknown machine 'Z-9'") as info:
        api._response_check(unknown, "submit job")
    assert info.value.error_code == 31  # as the service answers
    too_many = api._submit_job(_body(count=10**6))
    assert too_many is not None
    assert too_many.status_code == 400
    with pytest.raises(QuantinuumAPIError, match="no job nope was submitted here"):
        api.retrieve_job("nope")


def test_max_cost_fails_the_job() -> None:
    api = QuantinuumAPIOffline(simulate=True)
    res = api._submit_job({**_body(), "max-cost": 1.0})
    assert res is not None
    job = api.retrieve_job(res.json()["job"])
    assert job is not None
    assert job["status"] == "failed"
    assert "max-cost" in job["error"]["text"]


def test_simulation_over_a_custom_machine_list() -> None:
    machines = [
        {"name": "X-1", "n_qubits": 2, "max_n_shots": 50, "system_type": "hardware"},
        {"name": "X-1E", "n_qubits": 3, "max_n_shots": 80, "system_type": "emulator"},
    ]
    api = QuantinuumAPIOffline(machine_list=machines, simulate=True)
    on_emulator = api._submit_job(_body(machine="X-1E", count=80))
    assert on_emulator is not None
    assert on_emulator.status_code == 200, "the given emulator document's limits apply"
    derived_checker = api._submit_job(_body(machine="X-1SC", count=50))
    assert derived_checker is not None
    assert derived_checker.status_code == 200
    over = api._submit_job(_body(machine="X-1", count=51))
    assert over is not None
    assert over.status_code == 400


def test_offline_simulation_needs_only_the_emulator_extra() -> None:
    # The server extra's packages made unimportable (None in sys.modules): what an install
    # of `quantinuum-api[emulator]` alone has.
    import subprocess
    import sys

    code = f"""
import sys
for name in ("starlette", "uvicorn", "jwt", "argon2", "pyotp", "jsonschema", "yaml",
             "quantinuum_api_server"):
    sys.modules[name] = None
from quantinuum_api import QuantinuumAPIOffline
api = QuantinuumAPIOffline(simulate=True)
job = api._submit_job({_body(count=50, options={"seed": 1})!r})
print(sorted(api.retrieve_job(job.json()["job"])["results"]))
"""
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "['c']"
