"""Job documents and other replies: typed parsing, result helpers, malformed replies."""

from __future__ import annotations

from typing import Any

import pytest

from quantinuum_api import FINAL_STATUSES, Job, ResponseValidationError, is_final
from quantinuum_api._results import (
    check_job_document,
    parse_calendar,
    parse_machine_state,
    parse_machines,
)
from quantinuum_api_client import models

DOC: dict[str, Any] = {
    "job": "abc",
    "name": "bell",
    "status": "completed",
    "machine": "H1-1E",
    "count": 4,
    "results": {"c": ["00", "11", "11", "00"], "d": ["1", "0", "1", "1"]},
    "submit-date": "2026-11-25T12:00:00Z",
    "queue-position": None,
    "cost": 5,
    "last-shot": 3,
    "extra-field": {"kept": True},
}


def test_job_document_parses_into_the_generated_model() -> None:
    job = Job.from_dict(DOC)
    assert isinstance(job.model, models.Job)
    assert job.model.status is models.JobStatus.COMPLETED
    assert (job.id, job.name, job.machine, job.cost) == ("abc", "bell", "H1-1E", 5)
    assert job.done
    assert job.succeeded
    assert job.registers == ["c", "d"]
    assert job.to_dict() == DOC
    assert job.model["extra-field"] == {"kept": True}


def test_counts_and_shots_per_register_and_combined() -> None:
    job = Job.from_dict(DOC)
    assert job.shots("c") == ["00", "11", "11", "00"]
    assert job.counts("c") == {"00": 2, "11": 2}
    assert job.counts("d") == {"1": 3, "0": 1}
    assert job.shots() == ["00 1", "11 0", "11 1", "00 1"]
    assert job.counts() == {"00 1": 2, "11 0": 1, "11 1": 1}
    single = Job.from_dict({"job": "x", "status": "completed", "results": {"c": ["1", "1"]}})
    assert single.counts() == {"1": 2}
    empty = Job.from_dict({"job": "x", "status": "queued"})
    assert empty.counts() == {}
    assert empty.results == {}
    assert not empty.done


def test_unknown_register_and_ragged_results_are_clear_errors() -> None:
    job = Job.from_dict(DOC)
    with pytest.raises(KeyError, match="no register 'zz'"):
        job.shots("zz")
    ragged = Job.from_dict(
        {"job": "x", "status": "running", "results": {"a": ["0"], "b": ["0", "1"]}}
    )
    with pytest.raises(ValueError, match="different shot counts"):
        ragged.counts()


@pytest.mark.parametrize("status", sorted(FINAL_STATUSES))
def test_every_final_status_is_done(status: str) -> None:
    assert Job.from_dict({"job": "x", "status": status}).done
    assert is_final(status)


@pytest.mark.parametrize("status", ["queued", "running", "canceling", "paused-for-calibration"])
def test_other_statuses_are_not_done(status: str) -> None:
    job = Job.from_dict({"job": "x", "status": status})
    assert not job.done
    assert job.status == status  # the raw status is kept even when unknown


@pytest.mark.parametrize(
    ("status", "done"),
    [("retrying", False), ("cancelling", False), ("depleted", True), ("terminated", True)],
)
def test_the_clouds_other_statuses_parse_into_the_model(status: str, done: bool) -> None:
    job = Job.from_dict({"job": "x", "status": status})
    assert job.model.status is models.JobStatus(status)  # known, not mapped to `running`
    assert job.status == status
    assert job.done is done
    assert is_final(status) is done
    assert not job.succeeded


def test_unknown_status_keeps_raw_and_model_says_running() -> None:
    job = Job.from_dict({"job": "x", "status": "quantum-nap"})
    assert job.status == "quantum-nap"
    assert job.model.status is models.JobStatus.RUNNING


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (["not", "an", "object"], "expected a JSON object"),
        ({"status": "queued"}, "missing required key 'job'"),
        ({"job": "x"}, "'status' must be a string"),
        ({"job": 5, "status": "queued"}, "Job.job must be str"),
        ({"job": "x", "status": "queued", "count": "ten"}, "Job.count"),
        ({"job": "x", "status": "done", "results": {"c": [0, 1]}}, r"results.c\[0\]"),
        ({"job": "x", "status": "done", "results": ["00"]}, "results must be an object"),
        ({"job": "x", "status": "done", "websocket": "t"}, "websocket must be an object"),
        ({"job": "x", "status": "done", "submit-date": "yesterday"}, "submit_date"),
        ({"job": "x", "status": "done", "cost": True}, "Job.cost"),
        ({"job": "x", "status": "failed", "error": {"code": 3}}, "missing required key 'text'"),
    ],
)
def test_malformed_job_documents_raise_response_validation_error(doc: object, message: str) -> None:
    with pytest.raises(ResponseValidationError, match=message) as info:
        Job.from_dict(doc, "get job")
    assert info.value.operation == "get job"
    assert str(info.value).startswith("get job")


def test_machines_calendar_and_state_parse_and_validate() -> None:
    machines = parse_machines([{"name": "H1-1", "n_qubits": 20, "gateset": ["Rz"]}])
    assert machines[0].name == "H1-1"
    assert machines[0].n_qubits == 20
    with pytest.raises(ResponseValidationError, match="expected a JSON array"):
        parse_machines({"name": "H1-1"})
    with pytest.raises(ResponseValidationError, match=r"gateset\[0\]"):
        parse_machines([{"name": "H1-1", "gateset": [1]}])
    event = {"start-date": "a", "end-date": "b", "machine": "H1-1", "event-type": "online"}
    assert parse_calendar([event])[0].event_type == "online"
    with pytest.raises(ResponseValidationError, match="'machine'"):
        parse_calendar([{k: v for k, v in event.items() if k != "machine"}])
    assert parse_machine_state({"state": "online"}) == "online"
    assert parse_machine_state({"state": "online"}).queue_length is None  # the cloud's reply
    assert parse_machine_state({"state": "reserved", "queue-length": 3}).queue_length == 3
    with pytest.raises(ResponseValidationError, match="state"):
        parse_machine_state({"state": 1})


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (["job"], "expected a JSON object"),
        ({"status": "queued"}, "'job' must be a string"),
        ({"job": "j", "status": 3}, "'status' must be a string"),
        ({"job": "j", "status": "completed", "results": ["00"]}, "'results' must be an object"),
        ({"job": "j", "status": "completed", "results": {"c": ["0", 1]}}, "results.c"),
        ({"job": "j", "status": "failed", "error": "boom"}, "'error' must be an object"),
    ],
)
def test_the_dict_api_checks_what_callers_index(doc: object, message: str) -> None:
    with pytest.raises(ResponseValidationError, match=message) as info:
        check_job_document(doc, "job status")
    assert info.value.operation == "job status"


def test_the_dict_api_returns_the_document_itself() -> None:
    doc = {"job": "j", "status": "completed", "results": {"c": ["01"]}, "cost": 5.1}
    assert check_job_document(doc, "job status") is doc
