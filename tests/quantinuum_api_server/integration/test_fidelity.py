"""The service answers as the cloud does: cancel of a done job, `results_format=raw`,
batches, `group`; results bounded at admission and stored compactly (issues 11 and 14)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from quantinuum_api_server.testing import LocalServer, fast_settings
from tests.programs import BELL

from .conftest import Api, new_user


def batch(exec_: float | str, *, end: bool = False) -> dict[str, Any]:
    """The batch fields of a job request."""
    fields: dict[str, Any] = {"batch-exec": exec_}
    if end:
        fields["batch-end"] = True
    return fields


@pytest.fixture(scope="module")
def batch_server() -> Iterator[LocalServer]:
    """Two workers with slow jobs: a batch's second job could start at once, if allowed."""
    settings = fast_settings(workers=2, chunk_shots=10, chunk_growth=1.0, chunk_delay=0.05)
    with LocalServer(settings=settings) as running:
        yield running


def test_cancel_of_a_completed_job_is_refused(api: Api) -> None:
    job = api.submit(count=10).json()["job"]
    assert api.wait(job)["status"] == "completed"
    reply = api.http.post(f"v1/job/{job}/cancel", headers=api.headers)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == 10
    assert "job has completed already" in error["text"]
    assert api.job(job)["status"] == "completed"


def test_raw_results_format_and_group_are_answered(api: Api) -> None:
    job = api.submit(count=20, group="experiment-7").json()["job"]
    doc = api.wait(job)
    raw = api.job(job, results_format="raw")
    assert raw["results"] == doc["results"]
    assert set(raw["results"]) == {"c"}
    assert len(raw["results"]["c"]) == 20
    assert all(shot in {"00", "11"} for shot in raw["results"]["c"])
    assert raw["group"] == "experiment-7"
    bad = api.http.get(f"v1/job/{job}", headers=api.headers, params={"results_format": "x"})
    assert bad.status_code == 400


def test_jobs_of_a_batch_run_in_order(batch_server: LocalServer) -> None:
    api = Api(batch_server, new_user(batch_server)[0])
    first = api.submit(count=300, **batch(1000)).json()["job"]
    second = api.submit(count=10, **batch(first, end=True)).json()["job"]
    other = api.submit(count=10).json()["job"]
    # A free worker runs a job outside the batch, but not the batch's next job.
    assert api.wait(other)["status"] == "completed"
    assert api.job(first)["status"] == "running"
    assert api.job(second)["status"] == "queued"
    done_first = api.wait(first)
    done_second = api.wait(second)
    assert done_first["status"] == done_second["status"] == "completed"
    assert done_second["start-date"] >= done_first["result-date"]


def test_batch_cost_limit_and_batch_end(batch_server: LocalServer) -> None:
    api = Api(batch_server, new_user(batch_server)[0])
    cost = api.wait(api.submit(count=10).json()["job"])["cost"]
    assert cost > 0
    first = api.submit(count=10, **batch(cost * 2.5)).json()["job"]
    over = api.submit(count=2000, **batch(first)).json()["job"]
    doc = api.job(over)
    assert doc["status"] == "failed"
    assert doc["error"]["code"] == 42
    assert "batch" in doc["error"]["text"]
    # The failed job does not use the batch's budget; one that fits still runs.
    fits = api.submit(count=10, **batch(first, end=True)).json()["job"]
    assert api.wait(fits)["status"] == "completed"
    late = api.submit(count=1, **batch(first))
    assert late.status_code == 400
    assert late.json()["error"]["code"] == 10
    assert "has ended" in late.json()["error"]["text"]
    # Another user cannot join the batch; an unknown id is refused.
    stranger = Api(batch_server, new_user(batch_server)[0])
    assert stranger.submit(count=1, **batch(first)).status_code == 400
    assert api.submit(count=1, **batch("no-such-job")).status_code == 400
    # A first job already over the batch's max fails at once.
    alone = api.submit(count=10, **batch(cost / 2)).json()["job"]
    assert api.job(alone)["error"]["code"] == 42


def test_a_huge_result_is_refused_at_admission(api: Api) -> None:
    registers = "".join(f"creg r{i}[63];\n" for i in range(50))
    program = f'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[2];\n{registers}'
    reply = api.submit(program, machine="H2-1E", count=10000)
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert error["code"] == 41
    assert "10000 shots x 3150 classical bits" in error["text"]
    # The same program with fewer shots fits.
    assert api.submit(program, machine="H2-1E", count=10).status_code == 200


def test_a_10000_shot_result_is_stored_small() -> None:
    program = (
        'OPENQASM 2.0;\ninclude "hqslib1.inc";\nqreg q[16];\ncreg a[8];\ncreg b[8];\n'
        "h q;\nmeasure q[0] -> a[0];\nmeasure q[1] -> a[1];\nmeasure q[2] -> a[2];\n"
        "measure q[3] -> a[3];\nmeasure q[4] -> a[4];\nmeasure q[5] -> a[5];\n"
        "measure q[6] -> a[6];\nmeasure q[7] -> a[7];\nmeasure q[8] -> b[0];\n"
        "measure q[9] -> b[1];\nmeasure q[10] -> b[2];\nmeasure q[11] -> b[3];\n"
        "measure q[12] -> b[4];\nmeasure q[13] -> b[5];\nmeasure q[14] -> b[6];\n"
        "measure q[15] -> b[7];\n"
    )
    with LocalServer(settings=fast_settings()) as server:
        api = Api(server, new_user(server)[0])
        api.wait(api.submit(BELL, count=1).json()["job"])
        server.stop()  # closing the database folds its log into the file
        before = server.db_path.stat().st_size
        server.start()
        doc = api.wait(api.submit(program, count=10000).json()["job"])
        server.stop()
        after = server.db_path.stat().st_size
    assert doc["status"] == "completed"
    assert [len(doc["results"][name]) for name in ("a", "b")] == [10000, 10000]
    assert len(set(doc["results"]["a"])) > 200  # random bits: nothing to compress away
    # 160,000 random bits are 20 KB packed; as JSON strings they took 2 x 110 KB.
    assert after - before < 50_000, after - before
