"""Typed replies: the generated models, checked at runtime, and the `Job` result helpers.

The generated `from_dict` methods trust their input; `parse_model` runs them and then checks
every field against the model's own type hints, so a malformed reply (missing key, wrong
type, not an object) raises `ResponseValidationError` naming the operation and the field,
never a bare `KeyError`.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import attrs

from quantinuum_api_client import models
from quantinuum_api_client.types import Unset

from ._exceptions import ResponseValidationError

__all__ = [
    "FINAL_STATUSES",
    "Job",
    "MachineState",
    "is_final",
    "parse_calendar",
    "parse_machine_state",
    "parse_machines",
    "parse_model",
]

#: Statuses that end a wait. Any other status, including one this SDK does not know,
#: means "not done yet": a wait keeps watching it (bounded by its timeout).
FINAL_STATUSES: frozenset[str] = frozenset(
    {"completed", "failed", "canceled", "depleted", "terminated"}
)
_KNOWN_STATUSES = frozenset(s.value for s in models.JobStatus)
_STR = frozenset({str})

M = TypeVar("M")


def is_final(status: str) -> bool:
    """Whether a job with this status is done (successfully or not)."""
    return status in FINAL_STATUSES


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(cls: type[Any]) -> dict[str, Any]:
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls, localns=vars(models))
    return hints


def _type_name(tp: Any) -> str:
    if tp is type(None):
        return "null"
    if isinstance(tp, type) and not typing.get_args(tp):
        return tp.__name__
    return str(tp).replace("quantinuum_api_client.types.", "").replace("datetime.", "")


@functools.cache
def _origin_args(tp: Any) -> tuple[Any, tuple[Any, ...]]:
    """`typing.get_origin`/`get_args` of an annotation, computed once per annotation."""
    return typing.get_origin(tp), typing.get_args(tp)


def _problem(value: Any, tp: Any, path: str) -> str | None:
    """Why `value` does not fit `tp`, or None when it does."""
    if tp is Any:
        return None
    origin, args = _origin_args(tp)
    if origin in (typing.Union, types.UnionType):
        arms = args
        for arm in arms:  # the common case: some arm fits; stop there
            if _accepts(value, arm) and _problem(value, arm, path) is None:
                return None
        problems = [_problem(value, arm, path) for arm in arms]
        fitting_type = [p for arm, p in zip(arms, problems, strict=True) if _accepts(value, arm)]
        if fitting_type:  # right container, wrong content: report the deeper problem
            return fitting_type[0]
        return f"{path} must be {_type_name(tp)}, got {type(value).__name__}"
    if origin is list:
        if not isinstance(value, list):
            return f"{path} must be a list, got {type(value).__name__}"
        (item,) = args
        if item is str and set(map(type, value)) <= _STR:
            return None  # fast path: results are long lists of bitstrings
        for i, v in enumerate(value):
            if (p := _problem(v, item, f"{path}[{i}]")) is not None:
                return p
        return None
    if origin is dict:
        if not isinstance(value, dict):
            return f"{path} must be an object, got {type(value).__name__}"
        _, item = args
        for k, v in value.items():
            if (p := _problem(v, item, f"{path}.{k}")) is not None:
                return p
        return None
    if not _accepts(value, tp):
        return f"{path} must be {_type_name(tp)}, got {type(value).__name__}"
    if _is_model(type(value)):
        return _model_problem(value, path)
    return None


_MODEL_TYPES: dict[type[Any], bool] = {}


def _is_model(cls: type[Any]) -> bool:
    known = _MODEL_TYPES.get(cls)
    if known is None:
        known = _MODEL_TYPES[cls] = attrs.has(cls)
    return known


def _accepts(value: Any, tp: Any) -> bool:
    """Shallow type test (containers by their outer type only)."""
    origin = _origin_args(tp)[0]
    if origin is not None:
        return isinstance(value, origin)
    if tp is type(None):
        return value is None
    if tp is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if tp is Any:
        return True
    if isinstance(tp, type):
        return isinstance(value, tp)
    return False  # pragma: no cover - no other annotation kinds in generated models


Fits = typing.Callable[[Any], bool]


@functools.cache
def _fits(tp: Any) -> Fits:
    """A test of whether a value fits `tp`, built once per annotation: what `_problem`
    decides, without the message. A reply is checked with these (tens of microseconds
    less per job document than `_problem`'s walk); `_problem` runs only on a misfit, to
    say what is wrong."""
    if tp is Any:
        return lambda value: True
    origin, args = _origin_args(tp)
    if origin in (typing.Union, types.UnionType):
        # Plain classes (str, None, Unset, enums, ...) in one isinstance; the rest each.
        plain = tuple(arm for arm in args if _plain(arm))
        arms = tuple(_fits(arm) for arm in args if not _plain(arm))
        if not arms:
            return lambda value: isinstance(value, plain)
        return lambda value: isinstance(value, plain) or any(fits(value) for fits in arms)
    if origin is list:
        (item,) = args
        if item is str:
            return lambda value: isinstance(value, list) and set(map(type, value)) <= _STR
        each = _fits(item)
        return lambda value: isinstance(value, list) and all(map(each, value))
    if origin is dict:
        each = _fits(args[1])
        return lambda value: isinstance(value, dict) and all(map(each, value.values()))
    if tp is type(None):
        return lambda value: value is None
    if tp is float:
        return lambda value: isinstance(value, int | float) and not isinstance(value, bool)
    if tp is int:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    if isinstance(tp, type) and attrs.has(tp):
        return lambda value: isinstance(value, tp) and _model_fits(value)
    if isinstance(tp, type):
        return lambda value: isinstance(value, tp)
    return lambda value: False  # pragma: no cover - no other annotation kinds


def _plain(tp: Any) -> bool:
    """Whether `tp` is fitted by an isinstance test alone."""
    return (
        isinstance(tp, type)
        and _origin_args(tp)[0] is None
        and tp not in (int, float)
        and not attrs.has(tp)
    )


_FIELD_TESTS: dict[type[Any], tuple[tuple[str, Fits], ...]] = {}


def _model_fits(instance: Any) -> bool:
    cls = type(instance)
    tests = _FIELD_TESTS.get(cls)
    if tests is None:
        hints, built = _hints(cls), []
        for field in attrs.fields(cls):
            tp = hints[field.name]
            if field.name == "additional_properties":
                item = _origin_args(tp)[1][1]
                if item is Any:
                    continue
                tp = dict[str, item]  # type: ignore[valid-type]
            built.append((field.name, _fits(tp)))
        tests = _FIELD_TESTS[cls] = tuple(built)
    return all(fits(getattr(instance, name)) for name, fits in tests)


def _model_problem(instance: Any, path: str) -> str | None:
    if _model_fits(instance):
        return None
    hints = _hints(type(instance))
    for field in attrs.fields(type(instance)):
        value = getattr(instance, field.name)
        tp = hints[field.name]
        if field.name == "additional_properties":
            _, item = _origin_args(tp)[1]
            if item is Any:
                continue
            for k, v in value.items():
                if (p := _problem(v, item, f"{path}.{k}")) is not None:
                    return p
            continue
        if (p := _problem(value, tp, f"{path}.{field.name}")) is not None:
            return p
    return None


_NESTED: dict[type[Any], tuple[tuple[tuple[str, ...], type[Any]], ...]] = {}


def _nested_fields(cls: type[Any]) -> tuple[tuple[tuple[str, ...], type[Any]], ...]:
    """(JSON keys, model class) of each field of `cls` that holds a nested model."""
    cached = _NESTED.get(cls)
    if cached is not None:
        return cached
    out = []
    for field in attrs.fields(cls):
        hint = _hints(cls)[field.name]
        arms = _origin_args(hint)[1] or (hint,)
        nested = [arm for arm in arms if isinstance(arm, type) and attrs.has(arm)]
        if nested:
            keys = tuple(dict.fromkeys((field.name, field.name.replace("_", "-"))))
            out.append((keys, nested[0]))
    _NESTED[cls] = tuple(out)
    return _NESTED[cls]


def _nested_problem(cls: type[Any], data: Mapping[str, Any], path: str) -> str | None:
    """Nested objects must be JSON objects (the generated `from_dict` would accept a list)."""
    for keys, nested in _nested_fields(cls):
        for key in keys:
            if key in data and data[key] is not None:
                value = data[key]
                if not isinstance(value, Mapping):
                    return f"{path}.{key} must be an object, got {type(value).__name__}"
                if (p := _nested_problem(nested, value, f"{path}.{key}")) is not None:
                    return p
    return None


def parse_model(cls: type[M], data: object, operation: str) -> M:
    """Build generated model `cls` from a decoded JSON value, checking every field."""
    if not isinstance(data, Mapping):
        raise ResponseValidationError(
            f"{operation}: expected a JSON object, got {type(data).__name__}",
            operation=operation,
        )
    if (problem := _nested_problem(cls, data, cls.__name__)) is not None:
        raise ResponseValidationError(f"{operation}: {problem}", operation=operation)
    try:
        instance: M = cls.from_dict(data)  # type: ignore[attr-defined]
    except KeyError as exc:
        raise ResponseValidationError(
            f"{operation}: reply is missing required key {exc.args[0]!r}", operation=operation
        ) from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise ResponseValidationError(
            f"{operation}: malformed reply ({exc})", operation=operation
        ) from None
    problem = _model_problem(instance, cls.__name__)
    if problem is not None:
        raise ResponseValidationError(f"{operation}: {problem}", operation=operation)
    return instance


def _parse_list(cls: type[M], data: object, operation: str) -> list[M]:
    if not isinstance(data, list):
        raise ResponseValidationError(
            f"{operation}: expected a JSON array, got {type(data).__name__}", operation=operation
        )
    return [parse_model(cls, item, operation) for item in data]


def parse_machines(data: object, operation: str = "list machines") -> list[models.Machine]:
    """A machine list reply as generated `Machine` models."""
    return _parse_list(models.Machine, data, operation)


def parse_calendar(data: object, operation: str = "get calendar") -> list[models.CalendarEvent]:
    """A reservation calendar reply as generated `CalendarEvent` models."""
    return _parse_list(models.CalendarEvent, data, operation)


@dataclasses.dataclass(frozen=True, eq=False)
class MachineState:
    """A machine's state and queue (`client.machines.state(name)`).

    `state` is `online`, `offline`, `in maintenance` or `reserved`; `queue_length` the jobs
    waiting on the machine (None where the service does not say: the cloud). For callers
    of the plain string it used to be, `str()` gives `state`, and it equals (and hashes
    as) that string: `client.machines.state("H1-1E") == "online"` still holds.
    """

    state: str
    queue_length: int | None = None

    def __str__(self) -> str:
        return self.state

    def __eq__(self, other: object) -> bool:
        if isinstance(other, MachineState):
            return (self.state, self.queue_length) == (other.state, other.queue_length)
        if isinstance(other, str):
            return self.state == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.state)


def parse_machine_state(data: object, operation: str = "get machine state") -> MachineState:
    """The state and queue length of a machine state reply."""
    reply = parse_model(models.MachineState, data, operation)
    queue = reply.queue_length
    return MachineState(reply.state, None if isinstance(queue, Unset) else queue)


def check_job_document(data: object, operation: str) -> dict[str, Any]:
    """A job document's shape where callers of the dict API index it (`job`, `status`,
    `results`, `error`), checked cheaply; `ResponseValidationError` otherwise.

    The dict-returning seed API uses this instead of the full model check of `Job`, which
    costs more than the rest of a status request.
    """

    def bad(problem: str) -> ResponseValidationError:
        return ResponseValidationError(f"{operation}: {problem}", operation=operation)

    if not isinstance(data, dict):
        raise bad(f"expected a JSON object, got {type(data).__name__}")
    for key in ("job", "status"):
        if not isinstance(data.get(key), str):
            raise bad(f"{key!r} must be a string, got {type(data.get(key)).__name__}")
    results = data.get("results")
    if results is not None:
        if not isinstance(results, dict):
            raise bad(f"'results' must be an object, got {type(results).__name__}")
        for register, shots in results.items():
            if not isinstance(shots, list) or not set(map(type, shots)) <= _STR:
                raise bad(f"'results.{register}' must be a list of bitstrings")
    error = data.get("error")
    if error is not None and not isinstance(error, dict):
        raise bad(f"'error' must be an object, got {type(error).__name__}")
    return data


def _opt(value: M | Unset) -> M | None:
    return None if isinstance(value, Unset) else value


class Job:
    """A job document: the generated `Job` model plus result helpers.

    `status` is the service's raw status string. A status this SDK does not know is kept
    as is (and counts as not done); the typed `model` then shows `running`.
    """

    __slots__ = ("_raw", "model", "status")

    def __init__(self, model: models.Job, status: str, raw: Mapping[str, Any]) -> None:
        self.model = model
        self.status = status
        self._raw = dict(raw)

    @classmethod
    def from_dict(cls, data: object, operation: str = "job document") -> Job:
        """Parse a job document (REST reply or websocket message)."""
        if not isinstance(data, Mapping):
            raise ResponseValidationError(
                f"{operation}: expected a JSON object, got {type(data).__name__}",
                operation=operation,
            )
        status = data.get("status")
        if not isinstance(status, str):
            raise ResponseValidationError(
                f"{operation}: 'status' must be a string, got {type(status).__name__}",
                operation=operation,
            )
        typed = data if status in _KNOWN_STATUSES else {**data, "status": "running"}
        return cls(parse_model(models.Job, typed, operation), status, data)

    # -- fields ---------------------------------------------------------------------------
    @property
    def id(self) -> str:
        """The job id."""
        return self.model.job

    @property
    def done(self) -> bool:
        """Whether the job has reached a final status."""
        return is_final(self.status)

    @property
    def succeeded(self) -> bool:
        """Whether the job completed successfully."""
        return self.status == "completed"

    @property
    def name(self) -> str | None:
        return _opt(self.model.name)

    @property
    def machine(self) -> str | None:
        return _opt(self.model.machine)

    @property
    def cost(self) -> float | None:
        """Cost in HQC, when the service has reported it."""
        return _opt(self.model.cost)

    @property
    def error(self) -> models.JobError | None:
        """The error of a failed job."""
        return _opt(self.model.error)

    @property
    def results(self) -> dict[str, list[str]]:
        """Register name → one bitstring per shot (partial while running; may be empty)."""
        results = _opt(self.model.results)
        return {} if results is None else dict(results.additional_properties)

    @property
    def registers(self) -> list[str]:
        """The classical registers present in the results, in the service's order."""
        return list(self.results)

    def to_dict(self) -> dict[str, Any]:
        """The job document as the service sent it."""
        return dict(self._raw)

    # -- result helpers -------------------------------------------------------------------
    def shots(self, register: str | None = None) -> list[str]:
        """Per-shot bitstrings of `register` (MSB first).

        With no register: the only register's shots, or, with several registers, each
        shot's registers joined by spaces in the results' order (e.g. `"01 1"`).
        """
        results = self.results
        if register is not None:
            if register not in results:
                raise KeyError(
                    f"job {self.id} has no register {register!r} (registers: {list(results)})"
                )
            return list(results[register])
        if not results:
            return []
        columns: Sequence[list[str]] = list(results.values())
        if len(columns) == 1:
            return list(columns[0])
        lengths = {len(c) for c in columns}
        if len(lengths) != 1:
            raise ValueError(
                f"job {self.id}: registers have different shot counts {sorted(lengths)}; "
                "ask for one register"
            )
        return [" ".join(shot) for shot in zip(*columns, strict=True)]

    def counts(self, register: str | None = None) -> collections.Counter[str]:
        """How often each outcome occurred (see `shots` for how registers combine)."""
        return collections.Counter(self.shots(register))

    def __repr__(self) -> str:
        return f"Job(id={self.id!r}, status={self.status!r}, machine={self.machine!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Job) and other._raw == self._raw

    __hash__ = None  # type: ignore[assignment]

    # -- analysis (quantinuum_api._analysis; optional packages imported on use) ----------
    @property
    def shots_done(self) -> int:
        """Shots with results so far (all of them once completed)."""
        from ._analysis import shots_done

        return shots_done(self)

    @property
    def charged_cost(self) -> float | None:
        """HQC charged: the quote when completed, the share of shots run otherwise."""
        from ._analysis import charged_cost

        return charged_cost(self)

    def counts_by_register(self) -> dict[str, collections.Counter[str]]:
        """Register name → outcome counts (`counts()` joins the registers)."""
        from ._analysis import counts_by_register

        return counts_by_register(self)

    def probabilities(self, register: str | None = None) -> dict[str, float]:
        """Outcome → share of shots, most frequent first."""
        from ._analysis import probabilities

        return probabilities(self, register)

    def shots_array(self, register: str | None = None) -> Any:
        """Shots as a `(shots, bits)` NumPy uint8 array (MSB first, registers side by side)."""
        from ._analysis import shots_array

        return shots_array(self, register)

    def to_pandas(self) -> Any:
        """A pandas DataFrame: one row per shot, one column per register (needs pandas)."""
        from ._analysis import to_pandas

        return to_pandas(self)

    def to_pytket(self) -> Any:
        """The results as a pytket `BackendResult` (needs pytket)."""
        from ._analysis import to_pytket

        return to_pytket(self)

    def to_qiskit_counts(self, register: str | None = None) -> Any:
        """The counts as a qiskit `Counts` (needs qiskit)."""
        from ._analysis import to_qiskit_counts

        return to_qiskit_counts(self, register)

    def plot(self, register: str | None = None, *, ax: Any = None, top: int = 32) -> Any:
        """A histogram of the `top` most frequent outcomes: the matplotlib Figure, so
        `job.plot().savefig("counts.png")` works (`plot` extra). The bar chart itself is
        `fig.axes[0]` (up to 0.1.0, `plot()` returned that Axes). With `ax`, draws there and
        returns `ax.figure`."""
        from ._analysis import plot_histogram

        return plot_histogram(self, register, ax=ax, top=top)

    def _repr_html_(self) -> str:
        from ._analysis import job_html

        return job_html(self)
