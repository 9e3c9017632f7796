"""`Spec`'s compiled validators (jsonschema_rs) change speed, not answers: for any body,
parameter or websocket message, the outcome (the converted value, or the 400's code and
text) is the one the `jsonschema`-only path gives."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.datastructures import QueryParams

from quantinuum_api_server._errors import ApiError
from quantinuum_api_server._spec import Spec, find_spec_path, load_spec


class _JsonschemaOnly(Spec):
    """The same spec without compiled validators, and bodies always given to the
    integer pass: the reference answers."""

    def _compiled(self, pointer: str) -> Callable[[Any], bool] | None:
        return None

    def _untouched(self, schema: Any) -> Callable[[Any], bool] | None:
        return None


FAST = load_spec()
with find_spec_path().open(encoding="utf-8") as _handle:
    REFERENCE = _JsonschemaOnly(yaml.safe_load(_handle))

TRICKY_STRINGS = [
    "",
    "a",
    "x" * 65,
    "x" * 257,
    "2026-11-25",
    "2026-02-30",
    "2026-11-25\n",
    "\u0662\u0660\u0662\u0666-11-25",  # Arabic-Indic digits
    "2026-11-25T00:00:00Z",
    "2026-11-25T00:00:00+01:00",
    "2026-11-25T00:00:00",
    "2026-11-25T00:00:00Z\n",
    "2026-11-25T24:00:00Z",
    "2026-11-25t00:00:00z",
    "abc\n",
    "a b",
    "\x7f",
    "\u00e9",
    "\ud800",  # a lone surrogate
    "OPENQASM 2.0",
    "QIR 1.0",
    "normal",
    "raw",
    "user",
    "OpenConnection",
    "true",
    "1",
]
NUMBERS = [0, 1, -1, 1.0, 0.5, -0.0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -(2**63), 2**64, 10**30]
NUMBERS += [float("inf"), -float("inf"), 1e308]

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from(NUMBERS)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(TRICKY_STRINGS)
)


def _json(keys: list[str]) -> st.SearchStrategy[Any]:
    names = st.sampled_from(keys) | st.text(max_size=6)
    return st.recursive(
        _scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(names, inner, max_size=4),
        max_leaves=10,
    )


def _outcome(call: Callable[[], Any]) -> tuple[Any, ...]:
    try:
        value = call()
    except ApiError as exc:
        return ("error", exc.status, exc.code, exc.text)
    return ("ok", json.dumps(value, sort_keys=True))  # tells 1 from 1.0 and from true


SUBMIT: dict[str, Any] = {
    "name": "bell",
    "count": 100,
    "machine": "H1-1E",
    "language": "OPENQASM 2.0",
    "program": "OPENQASM 2.0;\nqreg q[1];\n",
    "priority": "normal",
    "options": {"simulator": "state-vector", "error-model": False, "seed": 7, "tket": {}},
    "group": "g",
    "max-cost": 10,
    "batch-exec": 5,
    "batch-end": True,
}
LOGINS = [
    {"email": "a@b.c", "password": "pw", "code": "123456"},
    {"refresh-token": "r"},
    {"provider-token": "t"},
]
BODY_KEYS = sorted({*SUBMIT, *SUBMIT["options"], *(k for login in LOGINS for k in login)})


def _mutants(base: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """`base` with one key set to anything, or removed, or anything at all."""
    value = _json(BODY_KEYS)
    keys = st.sampled_from([*base, "extra"])
    options = st.sampled_from(sorted(SUBMIT["options"]))
    return (
        st.builds(lambda k, v: {**base, k: v}, keys, value)
        | st.builds(lambda k, v: {**base, "options": {**SUBMIT["options"], k: v}}, options, value)
        | st.builds(lambda k: {x: v for x, v in base.items() if x != k}, keys)
        | value
    )


_SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
_FEWER = settings(_SETTINGS, max_examples=80)


@_SETTINGS
@given(body=_mutants(SUBMIT))
@example(body={**SUBMIT, "count": 1.0})
@example(body={**SUBMIT, "count": True})
@example(body={**SUBMIT, "count": 2**63})
@example(body={**SUBMIT, "max-cost": 2**64})
@example(body={**SUBMIT, "max-cost": float("inf")})
@example(body={**SUBMIT, "options": {"seed": 2**31}})
@example(body={**SUBMIT, "options": {"tket": {"deep": [[[[[[[[[[1.5]]]]]]]]]]}}})
@example(body={**SUBMIT, "program": "\ud800"})
@example(body={**SUBMIT, "batch-exec": ""})
@example(body={**SUBMIT, "batch-exec": 2**64})  # the `number` branch of a oneOf
@example(body={**SUBMIT, "options": {**SUBMIT["options"], "seed": 3.0}})
def test_job_bodies_get_the_jsonschema_answer(body: Any) -> None:
    submit = "submit_job"
    fast = _outcome(lambda: FAST.validate_body(FAST.operations[submit], body))
    assert fast == _outcome(lambda: REFERENCE.validate_body(REFERENCE.operations[submit], body))


@_SETTINGS
@given(body=st.sampled_from(LOGINS).flatmap(_mutants))
@example(body={**LOGINS[0], "refresh-token": "r"})
@example(body={"email": "a@b.c", "password": "x" * 1025})
def test_login_bodies_get_the_jsonschema_answer(body: Any) -> None:
    fast = _outcome(lambda: FAST.validate_body(FAST.operations["login"], body))
    assert fast == _outcome(lambda: REFERENCE.validate_body(REFERENCE.operations["login"], body))


def _raw_parameters(operation_id: str) -> st.SearchStrategy[dict[str, str | None]]:
    names = [p.name for p in FAST.operations[operation_id].parameters]
    raw = st.none() | st.sampled_from(TRICKY_STRINGS) | st.text(max_size=10)
    return st.fixed_dictionaries(dict.fromkeys(names, raw))


def _parameters(spec: Spec, operation_id: str, raw: dict[str, str | None]) -> Callable[[], Any]:
    operation = spec.operations[operation_id]
    given_ = {p.name: (p.location, raw[p.name]) for p in operation.parameters}
    path = {n: v for n, (where, v) in given_.items() if where == "path" and v is not None}
    query = QueryParams([(n, v) for n, (where, v) in given_.items() if where == "query" and v])
    headers = {n: v for n, (where, v) in given_.items() if where == "header" and v is not None}
    return lambda: spec.validate_parameters(operation, path, query, headers)


@pytest.mark.parametrize(
    "operation_id",
    sorted(op for op, operation in FAST.operations.items() if operation.parameters),
)
def test_parameters_get_the_jsonschema_answer(operation_id: str) -> None:
    @_FEWER
    @given(raw=_raw_parameters(operation_id))
    def check(raw: dict[str, str | None]) -> None:
        fast = _outcome(_parameters(FAST, operation_id, raw))
        assert fast == _outcome(_parameters(REFERENCE, operation_id, raw))

    check()


@_SETTINGS
@given(
    message=_mutants(
        {"action": "OpenConnection", "task_token": "t", "executionArn": "a", "partial": True}
    )
)
def test_websocket_messages_get_the_jsonschema_answer(message: Any) -> None:
    name = "OpenConnectionRequest"
    assert FAST.validate(name, message) == REFERENCE.validate(name, message)


def test_every_request_schema_has_a_compiled_validator() -> None:
    """A schema jsonschema_rs could not build would silently fall back to the slow path."""
    for operation in FAST.operations.values():
        assert operation.body_validator is None or operation.body_check is not None
        assert all(p.check is not None for p in operation.parameters), operation.operation_id
    assert FAST._schema_validator("OpenConnectionRequest")[1] is not None


@_SETTINGS
@given(value=_mutants(SUBMIT))
def test_bodies_skipped_by_the_integer_pass_are_the_ones_it_leaves_alone(value: Any) -> None:
    operation = FAST.operations["submit_job"]
    assert operation.body_untouched is not None
    if operation.body_untouched(value):
        converted = FAST._integers(operation.body_validator.schema, value, "")
        assert json.dumps(converted, sort_keys=True) == json.dumps(value, sort_keys=True)


class _Untouchable(list[Any]):
    """A list that fails the test if Python code walks through it."""

    def __iter__(self) -> Iterator[Any]:
        raise AssertionError("walked through a part of the body no schema describes")


def test_a_valid_body_is_not_walked_where_its_schema_says_nothing() -> None:
    """Free-form options (`tket`) can hold a megabyte of numbers: a valid body must not
    cost a walk through them (the jsonschema path never made one either)."""
    body = {**SUBMIT, "options": {"tket": {"big": _Untouchable([0] * 1000)}}}
    assert FAST.validate_body(FAST.operations["submit_job"], body) is body


def test_deep_nesting_is_judged_without_a_crash() -> None:
    """Bodies nest as deep as the JSON parser allows (it stops near 1,000 levels)."""
    nested: Any = 1
    for _ in range(990):
        nested = [nested]
    body = {**SUBMIT, "options": {"tket": {"deep": nested}}}
    assert FAST.validate_body(FAST.operations["submit_job"], body) is body
    body["options"]["tket"]["deep"] = [nested, 0.5]
    assert FAST.validate_body(FAST.operations["submit_job"], body)["options"] == body["options"]
