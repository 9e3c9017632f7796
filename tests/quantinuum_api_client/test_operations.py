"""Every operation of openapi.yaml: its generated function, and the SDK methods calling it.

The SDK has one REST layer, the generated operations; this test maps each operation of the
contract to its generated module and to the SDK methods that call it, and checks that no
endpoint URL is written by hand in `src/quantinuum_api`. An operation with no SDK method is
still reachable through `client.api` (see test_new_operation.py).
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from quantinuum_api import AsyncClient, Client
from quantinuum_api._auth import TokenManager
from quantinuum_api._client import AsyncJobs, AsyncMachines, Jobs, Machines
from tests.paths import ROOT, SPEC

#: operationId -> the SDK methods that call its generated function (sync and async twins;
#: the public methods and the seed's `QuantinuumAPI` go through these).
CALLERS: dict[str, list[Callable[..., Any]]] = {
    "login": [TokenManager._send, TokenManager._asend],
    "submit_job": [Jobs._post, AsyncJobs._post],
    "get_job": [Jobs._document, AsyncJobs._document],
    "cancel_job": [Jobs._cancel, AsyncJobs._cancel],
    "list_machines": [Machines._documents, AsyncMachines._documents],
    "get_machine_state": [Machines._state, AsyncMachines._state],
    "get_reservations": [Client._calendar_documents, AsyncClient._calendar_documents],
}

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def spec_operations() -> dict[str, tuple[str, str, str]]:
    """operationId -> (tag, method, path) for every operation of openapi.yaml."""
    spec = yaml.safe_load(SPEC.read_text())
    ops: dict[str, tuple[str, str, str]] = {}
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method in item:
                op = item[method]
                ops[op["operationId"]] = (op["tags"][0], method, path)
    return ops


OPERATIONS = spec_operations()


@pytest.mark.parametrize("operation_id", sorted(OPERATIONS))
def test_operation_has_a_generated_function(operation_id: str) -> None:
    tag, method, path = OPERATIONS[operation_id]
    module = importlib.import_module(f"quantinuum_api_client.api.{tag}.{operation_id}")
    for name in ("sync", "sync_detailed", "asyncio", "asyncio_detailed"):
        if name in ("sync", "asyncio") and not hasattr(module, name):
            continue  # an operation without a documented body has only the detailed pair
        assert callable(getattr(module, name)), f"{operation_id}.{name}"
    kwargs = inspect.getsource(module._get_kwargs)
    assert f'"method": "{method}"' in kwargs
    assert f'"{path}"' in kwargs


@pytest.mark.parametrize("operation_id", sorted(CALLERS))
def test_sdk_methods_call_the_generated_function(operation_id: str) -> None:
    assert operation_id in OPERATIONS, f"{operation_id} is no longer in openapi.yaml"
    for method in CALLERS[operation_id]:
        source = inspect.getsource(method)
        twin = "asyncio_detailed" if inspect.iscoroutinefunction(method) else "sync_detailed"
        uses = re.search(rf"\b\w*{operation_id}\w*\.{twin}\b|\blogin_op\.{twin}\b", source)
        assert uses, f"{method.__qualname__} does not call {operation_id}.{twin}"


def test_the_seed_facade_calls_no_operation_itself() -> None:
    source = inspect.getsource(importlib.import_module("quantinuum_api._legacy"))
    assert not re.search(r"\b(sync|asyncio)_detailed\b", source)
    assert "quantinuum_api_client.api" not in source


def test_no_endpoint_url_is_built_by_hand() -> None:
    segments = {
        re.sub(r"\{[^}]*\}", "", path).strip("/").split("/")[-1] or path
        for _, _, path in OPERATIONS.values()
    } | {path.strip("/").split("/")[1] for _, _, path in OPERATIONS.values() if path.count("/") > 1}
    segments.discard("")
    names = "|".join(map(re.escape, sorted(segments)))
    hand_built = re.compile(r"""(\}|["'/])(?:""" + names + r""")(?:/|["'{])""")
    offenders = []
    for source in sorted((ROOT / "src" / "quantinuum_api").glob("*.py")):
        for number, line in enumerate(source.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if hand_built.search(code) and ('f"' in code or "+ " in code or "url" in code):
                offenders.append(f"{source.name}:{number}: {line.strip()}")
    assert offenders == []
