"""Opt-in local simulation for the offline backend: jobs run in-process, no network.

Uses the local service's parser, cost formula and simulator (`quantinuum_api_server`,
installed with the `server` extra, imported on first use). Jobs follow the service's rules:
syntax checkers (`…SC`) price and complete without results, emulators (`…E`) run noiseless
unless `options["error-model"]` is true, hardware names run with their `noise_specs`;
`options["seed"]` seeds the simulator, `options["simulator"]` picks the method.
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

_INVALID_REQUEST = 10
_MACHINE_NOT_FOUND = 31
_INVALID_PROGRAM = 40
_LIMIT = 41


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def _error(status: int, code: int, text: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"code": code, "text": text}})


def _server() -> Any:
    try:
        from quantinuum_api_server import _cost, _qasm, _simulator
    except ImportError as exc:  # pragma: no cover - the dev install has the extra
        raise ImportError(
            "local simulation needs the `server` extra: pip install 'quantinuum-api[server]'"
            f" ({exc})"
        ) from exc
    return _cost, _qasm, _simulator


class LocalSimulation:
    """An in-process stand-in for the job endpoints, over a list of machine documents."""

    def __init__(self, machines: list[dict[str, Any]]) -> None:
        self._machines = machines
        self._jobs: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._simulator: Any = None
        self._modules = _server()  # fail now, with a clear message, if the extra is missing

    def _placement(self, name: str) -> tuple[str, dict[str, Any]] | None:
        """(`hardware` | `emulator` | `syntax checker`, hardware document) for `name`."""
        for doc in self._machines:
            base = doc.get("name")
            if name == base:
                return str(doc.get("system_type", "hardware")), doc
            if name == doc.get("emulator", f"{base}E"):
                return "emulator", doc
            if name == doc.get("syntax_checker", f"{base}SC"):
                return "syntax checker", doc
        return None

    def submit(self, body: Mapping[str, Any]) -> httpx.Response:
        """Run the job now; the reply is what the service would send (200 or an error)."""
        cost_mod, qasm, sim = self._modules
        if not isinstance(body, Mapping):
            return _error(400, _INVALID_REQUEST, "Invalid request: body must be an object")
        machine, count, program = body.get("machine"), body.get("count"), body.get("program")
        if not isinstance(machine, str) or not isinstance(program, str):
            return _error(400, _INVALID_REQUEST, "Invalid request: machine and program needed")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            return _error(400, _INVALID_REQUEST, "Invalid request: count must be >= 1")
        if body.get("language", "OPENQASM 2.0") != "OPENQASM 2.0":
            return _error(400, _INVALID_PROGRAM, "Local simulation runs OPENQASM 2.0 only")
        placement = self._placement(machine)
        if placement is None:
            return _error(404, _MACHINE_NOT_FOUND, f"Machine not found: {machine}")
        kind, hardware = placement
        max_shots = hardware.get("max_n_shots")
        if isinstance(max_shots, int) and count > max_shots:
            return _error(400, _LIMIT, f"count {count} exceeds {machine}'s limit {max_shots}")
        try:
            parsed = qasm.parse_program(program)
        except qasm.ProgramError as exc:
            return _error(400, _INVALID_PROGRAM, f"Invalid program: {exc}")
        n_qubits = hardware.get("n_qubits")
        if isinstance(n_qubits, int) and parsed.info.n_qubits > n_qubits:
            return _error(
                400, _LIMIT, f"program uses {parsed.info.n_qubits} qubits; {machine} has {n_qubits}"
            )
        cost = cost_mod.hqc_cost(parsed.info, count)
        max_cost = body.get("max-cost")
        job_id = uuid.uuid4().hex
        doc: dict[str, Any] = {
            "job": job_id,
            "name": body.get("name", job_id),
            "machine": machine,
            "count": count,
            "submit-date": _now(),
            "start-date": _now(),
            "cost": cost,
            "qubits": parsed.info.n_qubits,
        }
        if isinstance(max_cost, int | float) and cost > max_cost:
            doc.update(
                status="failed",
                error={"code": 42, "text": f"Job cost {cost} HQC exceeds max-cost {max_cost}"},
            )
        elif kind == "syntax checker":
            doc.update(status="completed", results={})
        else:
            options = body.get("options") or {}
            noisy = kind == "hardware" or options.get("error-model") is True
            seed = options.get("seed")
            with self._lock:
                if self._simulator is None:
                    self._simulator = sim.Simulator()
                simulator = self._simulator
            results = simulator.run(
                parsed,
                count,
                noise_specs=hardware.get("noise_specs") if noisy else None,
                seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
                method=sim.simulator_method(options.get("simulator", "state-vector")),
            )
            doc.update(status="completed", results=results, **{"last-shot": count - 1})
        doc["result-date"] = _now()
        with self._lock:
            self._jobs[job_id] = doc
        return httpx.Response(200, json={"job": job_id, "status": "queued"})

    def job(self, job_id: str) -> dict[str, Any] | None:
        """A copy of the job's document, or None if no such job was submitted here."""
        with self._lock:
            doc = self._jobs.get(job_id)
            return copy.deepcopy(doc) if doc is not None else None
