"""`quantinuum_emulator`'s public API: every name of `__all__` resolves, and importing the
package loads none of the engine's dependencies (the SDK imports it for its machines)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import quantinuum_emulator

HEAVY = ("numpy", "qiskit", "qiskit_aer", "pyqir", "wasmtime", "stim", "pytket")


def test_importing_the_package_loads_no_engine() -> None:
    code = (
        "import sys, quantinuum_emulator as q; q.Emulator(); q.MachineCatalog();"
        f" print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"


def test_every_public_name_resolves() -> None:
    for name in quantinuum_emulator.__all__:
        assert getattr(quantinuum_emulator, name) is not None, name
    assert quantinuum_emulator.Simulator.__module__ == "quantinuum_emulator._simulator"


def test_an_unknown_name_is_an_attribute_error() -> None:
    name = "nope"
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        getattr(quantinuum_emulator, name)
