"""Opt-in local simulation for the offline backend: jobs run in-process, no network.

Uses the emulator's parser, cost formula and simulator (`quantinuum_emulator`, whose
dependencies come with the `emulator` extra; imported on first use). Jobs follow the
service's rules: syntax checkers (`…SC`) price and complete without results, emulators
(`…E`) run noiseless unless `options["error-model"]` is true, hardware names run with
their `noise_specs`; `options["seed"]` seeds the simulator, `options["simulator"]` picks the method.
Batches follow the service too: `batch-exec` a number starts one (its max cost), a job id
joins it (400 when there is no such batch or `batch-end` closed it), and a job that would
take the batch's cost beyond its max fails with code 42. Jobs run at submission, so a
cancel always finds its job done and is refused as the service refuses it.
"""

from __future__ import annotations

import copy
import datetime
import threading
import uuid
from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["LocalSimulation"]


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _error(code: int, text: str) -> httpx.Response:
    return httpx.Response(400, json={"error": {"code": code, "text": text}})


def _emulator(machines: list[dict[str, Any]]) -> Any:
    try:
        import qiskit_aer  # noqa: F401  (the engine; checked now for a clear message)

        from quantinuum_emulator._emulator import Emulator
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
        from quantinuum_emulator._errors import INVALID_REQUEST, JobRejected
        from quantinuum_emulator._execution import max_cost_error

        if not isinstance(body, Mapping):
            return _error(INVALID_REQUEST, "body must be an object")
        try:
            job = self._emulator.prepare(body)
        except JobRejected as exc:
            return httpx.Response(400, json=exc.body())
        job_id = uuid.uuid4().hex
        doc: dict[str, Any] = {
            "job": job_id,
            "name": body.get("name", job_id),
            "machine": job.machine,
            "count": job.count,
            "submit-date": _now(),
            "start-date": _now(),
            "cost": job.cost,
            "qubits": job.program.info.n_qubits,
        }
        if isinstance(body.get("group"), str):
            doc["group"] = body["group"]
        with self._lock:
            batch = self._batch_of(job_id, body, float(job.cost))
        if isinstance(batch, httpx.Response):
            return batch
        error = batch or max_cost_error(job.cost, body.get("max-cost"))
        if error is not None:
            doc.update(status="failed", error=error)
        else:  # syntax checkers too: the emulator yields their all-zero results
            doc.update(self._run(job))
        doc["result-date"] = _now()
        with self._lock:
            self._jobs[job_id] = doc
        return httpx.Response(200, json={"job": job_id, "status": "queued"})

    def _run(self, job: Any) -> dict[str, Any]:
        """The outcome of running a prepared job: completed with results, or failed."""
        from quantinuum_emulator._emulator import signed_results
        from quantinuum_emulator._errors import JobRejected

        results: dict[str, list[str]] = {name: [] for name in job.program.info.registers}
        try:
            for part in self._emulator.run(job):
                for name, shots in part.items():
                    results.setdefault(name, []).extend(shots)
        except JobRejected as exc:
            return {"status": "failed", "error": {"code": exc.code, "text": exc.text}}
        signed = signed_results(results)  # as the cloud writes 64-bit values
        return {"status": "completed", "results": signed, "last-shot": job.count - 1}

    def _batch_of(
        self, job_id: str, body: Mapping[str, Any], cost: float
    ) -> httpx.Response | dict[str, Any] | None:
        """Join or start the job's batch (under the lock): a 400 reply for a bad
        `batch-exec`, the job's error when it would exceed the batch's cost, else None."""
        from quantinuum_emulator._errors import INVALID_REQUEST, MAX_COST_EXCEEDED

        given = body.get("batch-exec")
        if given is None:
            return None
        if isinstance(given, str):
            batch = self._batches.get(given)
            if batch is None:
                return _error(
                    INVALID_REQUEST, f"Invalid request: batch-exec names no batch ({given})"
                )
            if batch["ended"]:
                return _error(
                    INVALID_REQUEST, f"Invalid request: batch {given} has ended (batch-end)"
                )
        elif isinstance(given, int | float) and not isinstance(given, bool):
            batch = {"max": float(given), "cost": 0.0, "ended": False}
            self._batches[job_id] = batch
        else:
            return _error(
                INVALID_REQUEST, "Invalid request: batch-exec must be a number or a job id"
            )
        if body.get("batch-end") is True:
            batch["ended"] = True
        total = round(batch["cost"] + cost, 6)
        if total > batch["max"]:
            return {
                "code": MAX_COST_EXCEEDED,
                "text": f"Batch cost {total} HQC would exceed the batch's max cost {batch['max']}",
            }
        batch["cost"] = total
        return None

    def job(self, job_id: str) -> dict[str, Any] | None:
        """A copy of the job's document, or None if no such job was submitted here."""
        with self._lock:
            doc = self._jobs.get(job_id)
            return copy.deepcopy(doc) if doc is not None else None
