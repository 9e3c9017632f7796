"""The package's public surface: every name in __all__ resolves (lazily) and is typed."""

from __future__ import annotations

import subprocess
import sys

import pytest

import quantinuum_api


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
        "import contextlib, io\nfrom quantinuum_api._cli import main\n"
        "with contextlib.redirect_stderr(io.StringIO()): main(['whoami'])"
    )
    assert _loaded_heavy_modules(code, HEAVY[:-1]) == []
