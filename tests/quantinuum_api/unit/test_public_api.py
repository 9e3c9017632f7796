"""The package's public surface: every name in __all__ resolves (lazily) and is typed."""

from __future__ import annotations

import builtins
import inspect
import subprocess
import sys

import httpx
import pytest

import quantinuum_api
from quantinuum_api import AsyncClient, Client
from quantinuum_api._client import AsyncJobs, AsyncMachines, Jobs, Machines


def test_every_public_name_resolves() -> None:
    for name in quantinuum_api.__all__:
        assert getattr(quantinuum_api, name) is not None, name
    assert set(quantinuum_api.__all__) <= set(dir(quantinuum_api))


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        getattr(quantinuum_api, "NoSuchThing")  # noqa: B009


def test_importing_the_package_loads_no_network_stack() -> None:
    code = (
        "import sys, quantinuum_api; "
        "print(sorted(m for m in ('httpx', 'websockets', 'keyring', 'asyncio', "
        "'quantinuum_api_client') if m in sys.modules))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


#: Modules of the local service and the emulator's engine; the SDK must not load them.
HEAVY = ("starlette", "uvicorn", "jwt", "argon2", "qiskit", "qiskit_aer", "quantinuum_api_server")


def _loaded_heavy_modules(code: str, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    probe = (
        f"{code}\nimport sys\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r})))"
    )
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return list(eval(run.stdout.strip()))  # noqa: S307  (our own probe's repr of a list)


def test_the_sdk_loads_no_service_or_engine_module() -> None:
    assert _loaded_heavy_modules("from quantinuum_api import Client, QuantinuumAPI") == []
    assert _loaded_heavy_modules("import quantinuum_api; quantinuum_api.DEFAULT_MACHINES") == []


def test_qapi_whoami_loads_no_service_or_engine_module() -> None:
    """`qapi` registers the service's commands (a stdlib-only module) but loads nothing else."""
    code = (
        "import contextlib, io\nfrom quantinuum_api.cli import main\n"
        "with contextlib.redirect_stderr(io.StringIO()): main(['whoami'])"
    )
    assert _loaded_heavy_modules(code, HEAVY[:-1]) == []


# -- the exported members ------------------------------------------------------------------


def test_the_lazy_table_and_all_agree() -> None:
    assert set(quantinuum_api._LAZY) | {"__version__"} == set(quantinuum_api.__all__)
    assert len(quantinuum_api.__all__) == len(set(quantinuum_api.__all__))
    assert not set(quantinuum_api._DEPRECATED) & set(quantinuum_api.__all__)


def test_plumbing_is_not_exported_but_still_importable() -> None:
    from quantinuum_api._client import AsyncJobs, AsyncMachines, Jobs, Machines
    from quantinuum_api._prompts import DEFAULT_PROMPT
    from quantinuum_api._urls import ApiUrls, derive_urls

    plumbing = {
        "derive_urls": derive_urls,
        "ApiUrls": ApiUrls,
        "DEFAULT_PROMPT": DEFAULT_PROMPT,
        "AsyncJobs": AsyncJobs,
        "AsyncMachines": AsyncMachines,
        "Jobs": Jobs,
        "Machines": Machines,
    }
    for name, value in plumbing.items():
        assert name not in quantinuum_api.__all__
        with pytest.warns(DeprecationWarning, match="quantinuum_api._"):
            assert getattr(quantinuum_api, name) is value


def test_old_error_names_are_deprecated_aliases() -> None:
    with pytest.warns(DeprecationWarning, match="use quantinuum_api.WaitTimeoutError"):
        assert quantinuum_api.TimeoutError is quantinuum_api.WaitTimeoutError
    with pytest.warns(DeprecationWarning, match="use quantinuum_api.APIConnectionError"):
        assert quantinuum_api.TransportError is quantinuum_api.APIConnectionError
    assert issubclass(quantinuum_api.WaitTimeoutError, builtins.TimeoutError)


def test_no_exported_name_shadows_a_builtin_or_an_httpx_name() -> None:
    exported = set(quantinuum_api.__all__) - {"__version__"}
    assert not exported & set(dir(builtins))
    # Client/AsyncClient are the SDK's twins by design (as in openai, anthropic, ...).
    assert exported & set(httpx.__all__) == {"Client", "AsyncClient"}


def test_models_and_not_given_are_public() -> None:
    from quantinuum_api.models import JobRequest, Machine

    assert quantinuum_api.models.Machine is Machine
    assert JobRequest.__module__.startswith("quantinuum_api_client.models")
    assert repr(quantinuum_api.NOT_GIVEN) == "NOT_GIVEN"


def _public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in vars(cls).items()
        if callable(member) and not name.startswith("_") and name not in {"close", "aclose"}
    }


def _shape(sig: inspect.Signature) -> list[tuple[str, object, object]]:
    return [(p.name, p.kind, p.default) for p in sig.parameters.values()]


@pytest.mark.parametrize(
    ("sync", "asynchronous"),
    [(Client, AsyncClient), (Jobs, AsyncJobs), (Machines, AsyncMachines)],
)
def test_sync_and_async_twins_have_the_same_signatures(sync: type, asynchronous: type) -> None:
    ours, theirs = _public_methods(sync), _public_methods(asynchronous)
    assert set(ours) == set(theirs)
    for name, sig in ours.items():
        assert _shape(sig) == _shape(theirs[name]), name
        twin = getattr(asynchronous, name)
        # a coroutine, or an async generator for what is iterated (`jobs.list`)
        assert inspect.iscoroutinefunction(twin) or inspect.isasyncgenfunction(twin), name
        assert not inspect.iscoroutinefunction(getattr(sync, name)), name
        assert inspect.isgeneratorfunction(getattr(sync, name)) == inspect.isasyncgenfunction(
            twin
        ), name
    if sync is Client:
        assert callable(Client.close)
        assert inspect.iscoroutinefunction(AsyncClient.aclose)
