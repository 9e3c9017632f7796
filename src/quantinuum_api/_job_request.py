"""A job submission's request and reply, shared by both clients and `submit_many`.

`job_request` checks a submission's arguments (ValueError for bad input) and builds the
generated `JobRequest`; `submitted` turns the service's reply into the queued `Job`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from quantinuum_api_client import models
from quantinuum_api_client.types import UNSET, Response

from ._http import json_body
from ._results import Job, parse_model

__all__ = ["SubmitOptions", "build_job_request", "job_request", "queued_job", "submitted"]


class SubmitOptions(TypedDict, total=False):
    """The keyword arguments of a submission besides program, machine and shots (meaning:
    `job_request`)."""

    count: int | None
    name: str | None
    language: str
    options: Mapping[str, Any] | None
    priority: str | None
    group: str | None
    max_cost: float | None
    cfl: str | None
    batch_exec: float | str | None
    batch_end: bool | None


def job_request(
    program: str,
    machine: str,
    shots: int | None,
    *,
    count: int | None = None,
    name: str | None = None,
    language: str = "OPENQASM 2.0",
    options: Mapping[str, Any] | None = None,
    priority: str | None = None,
    group: str | None = None,
    max_cost: float | None = None,
    cfl: str | None = None,
    batch_exec: float | str | None = None,
    batch_end: bool | None = None,
) -> models.JobRequest:
    """The generated `JobRequest` of a submission, checked (ValueError for bad input).

    `cfl` is a base64 WASM module; `batch_exec` starts a batch (its maximum cost) or joins
    one (the first job's id), and `batch_end` closes it.
    """
    if shots is not None and count is not None and shots != count:
        raise ValueError("give the number of shots once: `shots` or `count`")
    n = shots if shots is not None else count
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"shots must be a positive integer, got {n!r}")
    if not isinstance(program, str) or not program.strip():
        raise ValueError("program must be a non-empty string")
    if not isinstance(machine, str) or not machine:
        raise ValueError(f"machine must be a non-empty string, got {machine!r}")
    try:
        lang = models.Language(language)
    except ValueError:
        choices = ", ".join(repr(v.value) for v in models.Language)
        raise ValueError(f"language must be one of {choices}, got {language!r}") from None
    try:
        prio = models.JobRequestPriority(priority) if priority is not None else UNSET
    except ValueError:
        choices = ", ".join(repr(v.value) for v in models.JobRequestPriority)
        raise ValueError(f"priority must be one of {choices}, got {priority!r}") from None
    if max_cost is not None and (
        isinstance(max_cost, bool) or not isinstance(max_cost, int | float) or max_cost < 0
    ):
        raise ValueError(f"max_cost must be a non-negative number, got {max_cost!r}")
    if options is not None and not isinstance(options, Mapping):
        raise ValueError(f"options must be a mapping, got {type(options).__name__}")
    if cfl is not None and not isinstance(cfl, str):
        raise ValueError(f"cfl must be a base64 string, got {type(cfl).__name__}")
    if batch_exec is not None and (
        isinstance(batch_exec, bool) or not isinstance(batch_exec, int | float | str)
    ):
        raise ValueError(f"batch_exec must be a cost or a job id, got {batch_exec!r}")
    return models.JobRequest(
        count=n,
        machine=machine,
        language=lang,
        program=program,
        name=name if name is not None else UNSET,
        priority=prio,
        options=models.JobOptions.from_dict(options) if options is not None else UNSET,
        group=group if group is not None else UNSET,
        max_cost=float(max_cost) if max_cost is not None else UNSET,
        cfl=cfl if cfl is not None else UNSET,
        batch_exec=batch_exec if batch_exec is not None else UNSET,
        batch_end=bool(batch_end) if batch_end is not None else UNSET,
    )


def build_job_request(program: str, machine: str, shots: int | None, **kw: Any) -> dict[str, Any]:
    """The JSON body of a job submission (see `job_request`)."""
    return job_request(program, machine, shots, **kw).to_dict()


def submitted(response: Response[Any], request: models.JobRequest) -> Job:
    """The queued `Job` of a submission's reply (with the request's machine, shots, name)."""
    reply = parse_model(models.JobSubmitted, json_body(response, "submit job"), "submit job")
    return queued_job(reply.job, str(reply.status) if reply.status else "queued", request)


def queued_job(job_id: str, status: str, request: models.JobRequest) -> Job:
    """The `Job` of an accepted submission: its id and status, with the request's machine,
    shots and name (one submission's reply, or one item of a job batch's)."""
    doc: dict[str, Any] = {
        "job": job_id,
        "status": status,
        "machine": request.machine,
        "count": request.count,
    }
    if isinstance(request.name, str):
        doc["name"] = request.name
    return Job.from_dict(doc, "submit job")
