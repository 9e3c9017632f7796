"""The WASM sandbox: fresh state per shot, fuel, memory and time limits, no imports."""

from __future__ import annotations

import pytest
import wasmtime

from quantinuum_emulator._wasm import WasmError, WasmLimitError, WasmModule, decode_cfl

from .pytket_programs import cfl, wasm_bytes


def test_each_instance_starts_from_the_modules_initial_state() -> None:
    module = WasmModule(decode_cfl(cfl()))
    first = module.instance()
    assert first.call("add_one", [41]) == 42
    assert first.call("count", []) == 1
    assert module.instance().call("count", []) == 0


def test_register_values_wrap_to_the_parameter_type() -> None:
    module = WasmModule(wasm_bytes())
    assert module.instance().call("add_one", [2**32 - 1]) == 0  # -1 + 1 as an i32


def test_fuel_stops_an_endless_function() -> None:
    module = WasmModule(wasm_bytes(), fuel=10_000)
    with pytest.raises(WasmLimitError, match="fuel"):
        module.instance().call("spin", [0])


def test_memory_beyond_the_limit_is_refused() -> None:
    wat = '(module (memory 2000) (func (export "f") (result i32) (i32.const 0)))'
    module = WasmModule(bytes(wasmtime.wat2wasm(wat)), memory_bytes=64 * 2**20)
    with pytest.raises(WasmLimitError, match="memory"):
        module.instance()


def test_time_spent_in_wasm_is_bounded_per_job() -> None:
    module = WasmModule(wasm_bytes(), seconds=0.0)
    instance = module.instance()  # init() ran, and took some time
    with pytest.raises(WasmLimitError, match="WASM"):
        instance.call("add_one", [1])


def test_modules_may_not_import_anything() -> None:
    wat = '(module (import "env" "clock" (func $c (result i64))) (func (export "init")))'
    with pytest.raises(WasmError, match="import"):
        WasmModule(bytes(wasmtime.wat2wasm(wat)))
    with pytest.raises(WasmError, match="base64"):
        decode_cfl("not base64!")
