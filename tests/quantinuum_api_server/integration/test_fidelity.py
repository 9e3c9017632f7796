"""The service answers as the cloud does: cancel of a done job, `results_format=raw`,
batches, `group` (issue 11; results bounded and stored compactly: tests/security)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from quantinuum_api_server.testing import LocalServer, fast_settings

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
