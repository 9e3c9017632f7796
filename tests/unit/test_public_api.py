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
