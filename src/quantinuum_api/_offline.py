"""Opt-in local simulation for the offline backend: jobs run in-process, no network.

Uses the emulator's parser, cost formula and simulator (`quantinuum_emulator`, whose
dependencies come with the `emulator` extra; imported on first use). Jobs follow the
service's rules: syntax checkers (`…SC`) price and complete without results, emulators
(`…E`) run noiseless unless `options["error-model"]` is true, hardware names run with
their `noise_specs`; `options["seed"]` seeds the simulator, `options["simulator"]` picks the method.
Batches follow the service too: `batch-exec` a number starts one (its max cost), a job id
joins it (400 when there is no such batch or `batch-end` closed it), and a job that would
take the batch's cost beyond its max fails with code 42. Jobs run at submission, so a
cancel always finds its job done and is refused as the service refuses it. The rules
(`Emulator.prepare`, `max_cost_error`, the batch rules) and the job document's shape
(`job_document`) are the emulator's public API, which the service uses too.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["LocalSimulation"]


def _error(code: int, text: str) -> httpx.Response:
    return httpx.Response(400, json={"error": {"code": code, "text": text}})


def _emulator(machines: list[dict[str, Any]]) -> Any:
    try:
        import qiskit_aer  # noqa: F401  (the engine; checked now for a clear message)

        from quantinuum_emulator import Emulator
    except ImportError as exc:  # pragma: no cover - the dev install has the extra
        raise ImportError(
            "local simulation needs the `emulator` extra: pip install 'quantinuum-api[emulator]'"
            f" ({exc})"
        ) from exc
    return Emulator(machines)


class LocalSimulation:
    """An in-process stand-in for the job endpoints, over a list of machine documents.

    The rules (checks, cost, noise) and the engine are the service's own
    (`quantinuum_emulator.Emulator`).
    """

    def __init__(self, machines: list[dict[str, Any]]) -> None:
        self._emulator = _emulator(machines)  # fails now, clearly, if the extra is missing
        self._jobs: dict[str, dict[str, Any]] = {}
        #: batch id (its first job's id) -> {"max": max cost, "cost": cost so far, "ended"}
        self._batches: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def submit(self, body: Mapping[str, Any]) -> httpx.Response:
        """Run the job now; the reply is what the service would send (200 or an error)."""
        from quantinuum_emulator import (
            INVALID_REQUEST,
            JobRejected,
            batch_exec,
            max_cost_error,
            utc_now,
        )

        if not isinstance(body, Mapping):
            return _error(INVALID_REQUEST, "body must be an object")
        try:
            job = self._emulator.prepare(body)
            batch = batch_exec(body)
        except JobRejected as exc:
            return httpx.Response(400, json=exc.body())
        job_id = uuid.uuid4().hex
        submitted = utc_now()
        with self._lock:
            try:
                error = self._batch_of(job_id, batch, float(job.cost), body.get("batch-end"))
            except JobRejected as exc:
                return httpx.Response(400, json=exc.body())
        error = error or max_cost_error(job.cost, body.get("max-cost"))
        # syntax checkers run too: the emulator yields their all-zero results
        outcome = {"status": "failed", "error": error} if error is not None else self._run(job)
        doc = _document(job_id, body, job, outcome, submitted)
        with self._lock:
            self._jobs[job_id] = doc
        return httpx.Response(200, json={"job": job_id, "status": "queued"})

    def _run(self, job: Any) -> dict[str, Any]:
        """The outcome of running a prepared job: completed with results, or failed."""
        from quantinuum_emulator import JobRejected, signed_results

        results: dict[str, list[str]] = {name: [] for name in job.program.info.registers}
        try:
            for part in self._emulator.run(job):
                for name, shots in part.items():
                    results.setdefault(name, []).extend(shots)
        except JobRejected as exc:
            return {"status": "failed", "error": {"code": exc.code, "text": exc.text}}
        signed = signed_results(results)  # as the cloud writes 64-bit values
        return {"status": "completed", "results": signed, "last_shot": job.count - 1}

    def _batch_of(self, job_id: str, batch: Any, cost: float, end: object) -> dict[str, Any] | None:
        """Join or start the job's `batch` (a `quantinuum_emulator.BatchExec`, under the
        lock): the job's error when it would exceed the batch's cost, else None;
        `JobRejected` when it may not join the batch it names."""
        from quantinuum_emulator import batch_cost_error, batch_join_refusal

        if batch is None:
            return None
        if batch.join is not None:
            state = self._batches.get(batch.join)
            ended = state is not None and state["ended"]
            refusal = batch_join_refusal(batch.join, found=state is not None, ended=ended)
            if refusal is not None:
                raise refusal
        else:
            state = {"max": batch.max_cost, "cost": 0.0, "ended": False}
            self._batches[job_id] = state
        assert state is not None
        if end is True:
            state["ended"] = True
        error = batch_cost_error(state["cost"], cost, state["max"])
        if error is None:
            state["cost"] = round(state["cost"] + cost, 6)
        return error

    def job(self, job_id: str) -> dict[str, Any] | None:
        """A copy of the job's document, or None if no such job was submitted here."""
        with self._lock:
            doc = self._jobs.get(job_id)
            return copy.deepcopy(doc) if doc is not None else None


def _document(
    job_id: str, body: Mapping[str, Any], job: Any, outcome: Mapping[str, Any], submitted: str
) -> dict[str, Any]:
    """The job's document, in the service's shape (`quantinuum_emulator.job_document`)."""
    from quantinuum_emulator import job_document, utc_now

    group = body.get("group")
    return job_document(
        job_id,
        name=str(body.get("name", job_id)),
        status=outcome["status"],
        machine=job.machine,
        count=job.count,
        priority=str(body.get("priority", "normal")),
        group=group if isinstance(group, str) else None,
        results=outcome.get("results"),
        submit_date=submitted,
        start_date=submitted,
        result_date=utc_now(),
        cost=job.cost,
        last_shot=outcome.get("last_shot"),
        qubits=job.program.info.n_qubits,
        error=outcome.get("error"),
    )
