"""`QuantinuumBackend`: today's pytket-quantinuum backend, running remotely through this SDK.

pytket-quantinuum 0.56+ keeps the compilation (passes, gate sets, predicates, leakage
detection) but cannot submit. This subclass keeps all of that and adds what 0.55 did over
the network, through `quantinuum_api.Client`: backend information from the service's
machine list, `process_circuits` (all circuits submitted concurrently, one request each),
`get_result`/`get_results` (many jobs waited on together), `circuit_status`, `cancel`,
`cost` on the syntax checker, batches, and handles that work in any process.

Results are converted with pytket-quantinuum's own `_convert_result`, from the handle's
results selection and post-processing circuit, so they are what 0.55 gave.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Sequence
from copy import copy
from typing import Any, cast

from pytket.backends.backend import Backend
from pytket.backends.backend_exceptions import CircuitNotRunError
from pytket.backends.backendinfo import BackendInfo
from pytket.backends.backendresult import BackendResult
from pytket.backends.resulthandle import ResultHandle
from pytket.backends.status import CircuitStatus, StatusEnum
from pytket.circuit import Circuit
from pytket.extensions.quantinuum.backends import quantinuum as _pq
from pytket.extensions.quantinuum.backends.data import QuantinuumBackendData
from pytket.extensions.quantinuum.backends.leakage_gadget import get_detection_circuit
from pytket.extensions.quantinuum.backends.quantinuum import (
    DeviceNotAvailable,
    GetResultFailed,
    Language,
    LanguageUnsupported,
    MaxShotsExceeded,
    NoSyntaxChecker,
    QuantinuumBackendCompilationConfig,
    _convert_result,
    _parse_status,
)
from pytket.utils.results import KwargTypes
from pytket.wasm.wasm import WasmFileHandler

from quantinuum_api_client.types import UNSET

from .._client import Client
from .._exceptions import JobFailedError, SubmitManyError
from .._results import Job
from ..models import JobRequest
from ._programs import Prepared, job_body, language_name, prepare

__all__ = ["QuantinuumBackend"]

#: Requests in flight at once when submitting or fetching many circuits' jobs.
MAX_CONCURRENCY = 32

#: Each client's machine documents, fetched once (backends on one client share them).
_machine_lists: weakref.WeakKeyDictionary[Client, list[dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


def machine_documents(client: Client) -> list[dict[str, Any]]:
    """The service's machine documents (`GET /v1/machine/?config=true`), cached per client."""
    docs = _machine_lists.get(client)
    if docs is None:
        docs = [m.to_dict() for m in client.machines.list()]
        _machine_lists[client] = docs
    return [copy(d) for d in docs]


def _default_client(provider: str | None) -> Client:
    """`Client()` from the environment and config file; `provider="microsoft"`: federated."""
    if provider is None:
        return Client()
    if provider.lower() != "microsoft":
        raise ValueError(f"Unsupported provider for login: {provider!r} (use 'microsoft')")
    from .._federated import microsoft_provider

    return Client(provider_token=microsoft_provider())


class QuantinuumBackend(_pq.QuantinuumBackend):
    """pytket-quantinuum's `QuantinuumBackend`, submitting through `quantinuum_api.Client`.

    `QuantinuumBackend(device_name, client=None, **kwargs)` takes pytket-quantinuum's
    keyword arguments (`label`, `simulator`, `group`, `provider`, `machine_debug`,
    `compilation_config`, `data`, `options`); without `client`, a `Client()` configured
    from the environment or config file is made on first use.
    """

    def __init__(
        self,
        device_name: str,
        client: Client | None = None,
        label: str | None = "job",
        simulator: str = "state-vector",
        group: str | None = None,
        provider: str | None = None,
        machine_debug: bool = False,
        compilation_config: QuantinuumBackendCompilationConfig | None = None,
        data: QuantinuumBackendData | None = None,
        **kwargs: Any,
    ) -> None:
        if client is not None and not isinstance(client, Client):
            raise TypeError(f"client must be a quantinuum_api.Client, got {type(client).__name__}")
        super().__init__(
            device_name,
            label=label,
            simulator=simulator,
            group=group,
            provider=provider,
            machine_debug=machine_debug,
            compilation_config=compilation_config,
            data=data,
            **kwargs,
        )
        self._client = client
        self._owns_client = client is None
        self._provider = provider

    @property
    def client(self) -> Client:
        """The SDK client this backend submits through."""
        if self._client is None:
            self._client = _default_client(self._provider)
        return self._client

    # -- backend information ------------------------------------------------------------
    @classmethod
    def available_devices(cls, **kwargs: Any) -> list[BackendInfo]:
        """Every machine of the service (`client=`, default `Client()`), as `BackendInfo`."""
        client = kwargs.get("client")
        if client is None:
            client = _default_client(kwargs.get("provider"))
        devices = []
        for doc in machine_documents(client):
            devices.append(cls._dict_to_backendinfo(copy(doc)))
            if _pq.have_pecos() and doc.get("system_type") == "hardware":
                devices.append(cls._dict_to_backendinfo(doc, local_emulator=True))
        return devices

    def _retrieve_backendinfo(self) -> BackendInfo:
        if self._data is not None:
            return super()._retrieve_backendinfo()
        infos = self.available_devices(client=self.client)
        try:
            info = next(i for i in infos if i.device_name == self._device_name)
        except StopIteration:
            raise DeviceNotAvailable(self._device_name) from None
        info.misc["options"] = self._process_circuits_options
        return info

    @classmethod
    def device_state(  # type: ignore[override]
        cls, device_name: str, client: Client | None = None, **kwargs: Any
    ) -> str:
        """The machine's state, e.g. "online" (`DeviceNotAvailable` for an unknown one)."""
        client = client if client is not None else _default_client(kwargs.get("provider"))
        info = next(
            (i for i in cls.available_devices(client=client) if i.device_name == device_name),
            None,
        )
        if info is None:
            raise DeviceNotAvailable(device_name)
        if info.get_misc("system_type") == "local_emulator":
            return "online"
        return client.machines.state(device_name).state

    def _offline_or_local(self) -> bool:
        return bool(self._MACHINE_DEBUG or self._data is not None or self.is_local_emulator)

    # -- submission -----------------------------------------------------------------------
    def process_circuits(
        self,
        circuits: Sequence[Circuit],
        n_shots: int | Sequence[int | None] | None = None,
        valid_check: bool = True,
        **kwargs: Any,
    ) -> list[ResultHandle]:
        """Submit the circuits, all at once (bounded concurrency); their handles.

        The keyword arguments are pytket-quantinuum's: `language` (default QIR),
        `noisy_simulation`, `postprocess`, `simplify_initial`, `group`,
        `wasm_file_handler`, `pytketpass`, `options`, `request_options`, `max_cost`,
        `leakage_detection`, `n_leakage_detection_qubits`, and `seed` (sent as
        `options["seed"]`, one more for each further circuit, as for pytket's local
        emulator). Batches: `max_batch_cost` starts one with the first circuit (the others
        join it), `batch_id` (the handle or job id of a batch's first job) joins one, and
        `batch_end=True` closes it with the last circuit; those first and last jobs are
        submitted on their own, before and after the others.
        """
        if self._offline_or_local():
            return super().process_circuits(circuits, n_shots, valid_check, **kwargs)
        circuits = self._leakage_circuits(list(circuits), kwargs)
        n_shots_list = Backend._get_n_shots_as_list(n_shots, len(circuits), optional=False)
        if valid_check:
            self._check_all_circuits(circuits)
        language = kwargs.get("language", Language.QIR)
        self._check_language(language)
        seed = kwargs.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError("seed must be an integer or None")
        prepared: list[Prepared] = []
        requests: list[JobRequest] = []
        for i, (circuit, shots) in enumerate(zip(circuits, n_shots_list, strict=True)):
            self._check_shots(shots)
            one = prepare(
                circuit,
                language,
                postprocess=bool(kwargs.get("postprocess", False)),
                simplify_initial=bool(kwargs.get("simplify_initial", False)),
            )
            body = self._body(one, circuit, shots, kwargs, None if seed is None else seed + i)
            prepared.append(one)
            requests.append(_job_request(body))
        jobs = self._submit_batched(requests, kwargs)
        handles = [ResultHandle(*p.handle_parts(j.id)) for p, j in zip(prepared, jobs, strict=True)]
        for handle in handles:
            self._cache[handle] = {}
        return handles

    def _leakage_circuits(self, circuits: list[Circuit], kwargs: dict[str, Any]) -> list[Circuit]:
        if not kwargs.get("leakage_detection", False):
            return circuits
        assert self.backend_info is not None
        n_nodes = self.backend_info.n_nodes
        n_detect = int(kwargs.get("n_leakage_detection_qubits", n_nodes))
        if n_detect > n_nodes:
            raise ValueError(
                "Number of qubits specified for leakage detection is larger than the number "
                "of qubits on the device."
            )
        return [
            self.get_compiled_circuit(get_detection_circuit(c, n_detect), optimisation_level=0)
            for c in circuits
        ]

    def _check_language(self, language: Any) -> None:
        if not isinstance(language, Language):
            raise ValueError(f"language must be a pytket-quantinuum Language, got {language!r}")
        supported = self.backend_info.misc.get("supported_languages") if self.backend_info else None
        if supported is not None and language_name(language) not in supported:
            raise LanguageUnsupported(
                f"Language {language_name(language)} unsupported for submissions to this backend."
            )

    def _check_shots(self, shots: int) -> None:
        misc = self.backend_info.misc if self.backend_info else {}
        limit = misc.get("n_shots", misc.get("max_n_shots"))
        if isinstance(limit, int) and shots > limit:
            raise MaxShotsExceeded(f"Number of shots {shots} exceeds maximum {limit}")

    def _body(
        self,
        prepared: Prepared,
        circuit: Circuit,
        shots: int,
        kwargs: dict[str, Any],
        seed: int | None,
    ) -> dict[str, Any]:
        options = {**self._process_circuits_options, **(kwargs.get("options") or {})}
        if seed is not None:
            options.setdefault("seed", seed)
        wasm = cast("WasmFileHandler | None", kwargs.get("wasm_file_handler"))
        misc = self.backend_info.misc if self.backend_info else {}
        return job_body(
            prepared,
            machine=self._device_name,
            n_shots=shots,
            name=circuit.name or f"{self._label}",
            simulator=self.simulator_type,
            noisy_simulation=bool(kwargs.get("noisy_simulation", True)),
            group=kwargs.get("group", self._group),
            wasm_file_handler=wasm,
            wasm_supported=bool(misc.get("wasm", False)),
            pytket_pass=kwargs.get("pytketpass"),
            max_cost=kwargs.get("max_cost"),
            options=options,
            request_options=kwargs.get("request_options") or {},
        )

    def _submit_batched(self, requests: list[JobRequest], kwargs: dict[str, Any]) -> list[Job]:
        """Submit, starting, joining or ending a batch as `kwargs` ask (see
        `process_circuits`): a batch's first job goes alone, its closing job last."""
        start = kwargs.get("max_batch_cost")
        join = kwargs.get("batch_id")
        if not requests:
            return []
        if start is not None and join is not None:
            raise ValueError("give max_batch_cost (start a batch) or batch_id (join one)")
        if start is None and join is None:
            if kwargs.get("batch_end"):
                raise ValueError("batch_end needs batch_id (or max_batch_cost)")
            return self._submit(requests)
        if start is not None and (
            isinstance(start, bool) or not isinstance(start, int | float) or start < 0
        ):
            raise ValueError(f"max_batch_cost must be a non-negative number, got {start!r}")
        if join is not None and not isinstance(join, str):
            join = self.get_jobid(self._update_result_handle(join))
        if not self.backend_info or not self.backend_info.misc.get("batching", False):
            raise _pq.BatchingUnsupported
        ending = bool(kwargs.get("batch_end"))
        jobs: list[Job] = []
        rest = list(requests)
        if start is not None:
            first = rest.pop(0)
            first.batch_exec = start
            first.batch_end = True if ending and not rest else UNSET  # one job: starts, ends
            jobs = self._submit([first])
            join = jobs[0].id
        batch = str(join)
        end = rest.pop() if ending and rest else None
        for request in rest:
            request.batch_exec = batch
        jobs += self._submit(rest) if rest else []
        if end is not None:
            end.batch_exec, end.batch_end = batch, True
            jobs += self._submit([end])
        return jobs

    def _submit(self, requests: list[JobRequest]) -> list[Job]:
        try:
            return self.client.jobs.submit_many(requests, max_concurrency=MAX_CONCURRENCY)
        except SubmitManyError as exc:
            if len(requests) == 1 and exc.errors[0] is not None:
                raise exc.errors[0] from None  # one circuit: its own error, nothing was made
            raise

    # -- batches --------------------------------------------------------------------------
    def start_batch(
        self,
        max_batch_cost: int,
        circuit: Circuit,
        n_shots: int | None = None,
        valid_check: bool = True,
        **kwargs: Any,
    ) -> ResultHandle:
        """Start a batch with this circuit's job; later jobs join with `add_to_batch`."""
        kwargs.pop("use_websocket", None)
        [handle] = self.process_circuits(
            [circuit], n_shots, valid_check, max_batch_cost=max_batch_cost, **kwargs
        )
        return handle

    def add_to_batch(
        self,
        batch_start_job: ResultHandle,
        circuit: Circuit,
        n_shots: int | None = None,
        batch_end: bool = False,
        valid_check: bool = True,
        **kwargs: Any,
    ) -> ResultHandle:
        """Add this circuit's job to the batch `batch_start_job` began; `batch_end` closes it."""
        kwargs.pop("use_websocket", None)
        [handle] = self.process_circuits(
            [circuit], n_shots, valid_check, batch_id=batch_start_job, batch_end=batch_end, **kwargs
        )
        return handle

    # -- results and status ---------------------------------------------------------------
    def _cached(self, handle: ResultHandle) -> BackendResult | None:
        try:
            return Backend.get_result(self, handle)
        except CircuitNotRunError:
            return None

    def _convert(self, handle: ResultHandle, job: Job) -> BackendResult:
        """The job's results as pytket-quantinuum converts them; cached on the handle."""
        doc = job.to_dict()
        status = _status(doc)
        if status.status not in (StatusEnum.COMPLETED, StatusEnum.CANCELLED):
            raise GetResultFailed(
                f"Cannot retrieve result; job status is {status}, jobid is {job.id}"
            )
        if "results" not in doc:
            raise GetResultFailed(f"Results missing in device return data, jobid is {job.id}")
        result = self._results_of(handle, doc["results"])
        self._update_cache_result(handle, result)
        return result

    def _results_of(self, handle: ResultHandle, results: dict[str, list[str]]) -> BackendResult:
        ppcirc_rep = self.get_ppcirc_rep(handle)
        ppcirc = Circuit.from_dict(ppcirc_rep) if ppcirc_rep is not None else None
        return _convert_result(
            results, ppcirc, self.get_results_width(handle), self.get_results_selection(handle)
        )

    def get_result(self, handle: ResultHandle, **kwargs: KwargTypes) -> BackendResult:
        """The handle's results, waiting for its job (kwargs `timeout`, `use_websocket`).

        `GetResultFailed` if the job failed; `quantinuum_api.WaitTimeoutError` if it was
        not done within `timeout` seconds.
        """
        handle = self._update_result_handle(handle)
        self._check_handle_type(handle)
        cached = self._cached(handle)
        if cached is not None:
            return cached
        if self._offline_or_local() or self.get_jobid(handle).startswith(_pq._DEBUG_HANDLE_PREFIX):
            return super().get_result(handle, **kwargs)
        job = self.client.jobs.wait(
            self.get_jobid(handle), timeout=_timeout(kwargs), use_websocket=_websocket(kwargs)
        )
        return self._convert(handle, job)

    def get_results(
        self, handles: Iterable[ResultHandle], **kwargs: KwargTypes
    ) -> list[BackendResult]:
        """Every handle's results, waiting for all their jobs together (see `get_result`)."""
        handles = [self._update_result_handle(h) for h in handles]
        for handle in handles:
            self._check_handle_type(handle)
        todo = [h for h in handles if self._cached(h) is None]
        if todo and not self._offline_or_local():
            ids = list(dict.fromkeys(self.get_jobid(h) for h in todo))
            jobs = self.client.jobs.wait_many(
                ids,
                timeout=_timeout(kwargs),
                use_websocket=_websocket(kwargs),
                max_concurrency=MAX_CONCURRENCY,
            )
            by_id = {job.id: job for job in jobs}
            for handle in todo:
                self._convert(handle, by_id[self.get_jobid(handle)])
        return [self.get_result(h, **kwargs) for h in handles]

    def circuit_status(self, handle: ResultHandle, **kwargs: KwargTypes) -> CircuitStatus:
        """The job's status: pytket-quantinuum's message (with `queue-position` and
        `last-shot`), `queue_position` and `error_detail` set; caches finished results."""
        handle = self._update_result_handle(handle)
        self._check_handle_type(handle)
        jobid = self.get_jobid(handle)
        if self._offline_or_local() or jobid.startswith(_pq._DEBUG_HANDLE_PREFIX):
            return CircuitStatus(StatusEnum.COMPLETED)
        job = self.client.jobs.get(jobid)
        doc = job.to_dict()
        status = _status(doc)
        if status.status is StatusEnum.COMPLETED and "results" in doc:
            self._update_cache_result(handle, self._results_of(handle, doc["results"]))
        position = doc.get("queue-position")
        error = job.error
        return CircuitStatus(
            status.status,
            status.message,
            error_detail=error.text if error is not None else None,
            queue_position=position if isinstance(position, int) else None,
        )

    def get_partial_result(
        self, handle: ResultHandle
    ) -> tuple[BackendResult | None, CircuitStatus]:
        """The results so far (None if none yet) and the job's status."""
        if self._offline_or_local():
            raise NotImplementedError("get_partial_result() not supported with local emulator")
        handle = self._update_result_handle(handle)
        job = self.client.jobs.get(self.get_jobid(handle))
        doc = job.to_dict()
        results = doc.get("results")
        status = _status(doc)
        return (None if results is None else self._results_of(handle, results)), status

    def cancel(self, handle: ResultHandle) -> None:
        """Ask the service to cancel the job (refused with an error once it is done)."""
        if self._offline_or_local():
            raise NotImplementedError("cancel() not supported with local emulator")
        self.client.jobs.cancel(self.get_jobid(self._update_result_handle(handle)))

    # -- cost and session -----------------------------------------------------------------
    def cost(
        self,
        circuit: Circuit,
        n_shots: int,
        syntax_checker: str | None = None,
        use_websocket: bool | None = None,
        **kwargs: Any,
    ) -> float | None:
        """The cost in HQC of `n_shots` of `circuit` here, priced by the syntax checker
        (0.0 on a syntax checker itself). Keyword arguments are `process_circuits`'s."""
        if self._data is not None:
            raise _pq.BackendOfflineError("cost() not available for this backend")
        if not self.valid_circuit(circuit):
            raise ValueError(
                "Circuit does not satisfy predicates of backend. Try running "
                "`backend.get_compiled_circuit` first"
            )
        if self._MACHINE_DEBUG:
            return 0.0
        assert self.backend_info is not None
        if self.backend_info.get_misc("system_type") == "syntax checker" or self.is_local_emulator:
            return 0.0
        checker = self._syntax_checker_name(syntax_checker)
        backend = QuantinuumBackend(checker, client=self.client)
        assert backend.backend_info is not None
        if backend.backend_info.get_misc("system_type") != "syntax checker":
            raise ValueError(f"Device {checker} is not a syntax checker.")
        handle = backend.process_circuit(circuit, n_shots=n_shots, valid_check=True, **kwargs)
        job = self.client.jobs.wait(backend.get_jobid(handle), use_websocket=use_websocket)
        if not job.succeeded:
            raise JobFailedError(
                f"cost: the syntax checker's job {job.id} ended {job.status}"
                + (f": {job.error.text}" if job.error is not None else ""),
                operation="cost",
                job=job.to_dict(),
            )
        return None if job.cost is None else float(job.cost)

    def _syntax_checker_name(self, given: str | None) -> str:
        assert self.backend_info is not None
        name = self.backend_info.misc.get("syntax_checker")
        if name is None:
            if given is None:
                raise NoSyntaxChecker(
                    "Could not find syntax checker for this backend, try setting one "
                    "explicitly with the ``syntax_checker`` parameter (it will normally have "
                    "a name ending in 'SC')."
                )
            return given
        if given is not None and given != name:
            raise ValueError(
                f"Device {self._device_name}'s syntax checker is {name} but a different "
                f"syntax checker ({given}) was specified. You should omit the "
                "`syntax_checker` argument to ensure the correct one is used."
            )
        return str(name)

    def login(self) -> None:
        """Log in now (otherwise the first request does)."""
        self.client.login()

    def logout(self) -> None:
        """End the session and forget its tokens."""
        self.client.logout()

    def close(self) -> None:
        """Close the connections of the client this backend made (not of one passed in)."""
        if self._client is not None and self._owns_client:
            self._client.close()
            self._client = None


#: The cloud's statuses pytket-quantinuum's `_parse_status` has no entry for.
_MORE_STATUSES = {"retrying": StatusEnum.RETRYING, "cancelling": StatusEnum.CANCELLING}


def _status(doc: dict[str, Any]) -> CircuitStatus:
    """pytket-quantinuum's `_parse_status`, also for `retrying` and `cancelling`."""
    more = _MORE_STATUSES.get(str(doc.get("status")))
    if more is None:
        return _parse_status(doc)
    return CircuitStatus(more, _parse_status({**doc, "status": "running"}).message)


def _job_request(body: dict[str, Any]) -> JobRequest:
    try:
        return JobRequest.from_dict(body)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a valid job request: {exc!r}") from None


def _timeout(kwargs: dict[str, Any]) -> float | None:
    timeout = kwargs.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int | float)):
        raise ValueError(f"timeout must be a number of seconds or None, got {timeout!r}")
    return None if timeout is None else float(timeout)


def _websocket(kwargs: dict[str, Any]) -> bool | None:
    value = kwargs.get("use_websocket")
    return None if value is None else bool(value)
