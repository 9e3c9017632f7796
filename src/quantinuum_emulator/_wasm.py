"""WASM modules from a job's `cfl` field, run in wasmtime with fuel, memory and time limits.

The module is compiled once per job (validated in `prepare`). Each shot gets a fresh
instance, so module state (globals, linear memory) never leaks from one shot into the
next; `init()` is called at the start of every shot when the module exports it, as pytket
requires. A module may import nothing. Arguments and results are 32- or 64-bit integers;
a register's value is passed as its unsigned value wrapped to the parameter's type.
"""

from __future__ import annotations

import base64
import binascii
import time
from typing import Any

__all__ = [
    "DEFAULT_WASM_FUEL",
    "DEFAULT_WASM_MEMORY_BYTES",
    "DEFAULT_WASM_SECONDS",
    "WasmError",
    "WasmLimitError",
    "WasmModule",
    "decode_cfl",
]

DEFAULT_WASM_FUEL = 10_000_000
"""WASM instructions one shot may execute (wasmtime fuel) across all its calls."""

DEFAULT_WASM_MEMORY_BYTES = 64 * 1024 * 1024
"""Largest linear memory (and table growth) one instance may reach."""

DEFAULT_WASM_SECONDS = 60.0
"""Wall-clock time a job may spend inside WASM, all shots together."""

_INIT = "init"


class WasmError(ValueError):
    """The module is invalid, lacks a function, or a call trapped."""


class WasmLimitError(WasmError):
    """A call ran out of fuel, memory or time."""


def decode_cfl(cfl: object) -> bytes:
    """The module bytes of a job's `cfl` field (base64 text, as pytket sends it)."""
    if not isinstance(cfl, str):
        raise WasmError("'cfl' must be the base64 text of a WASM module")
    try:
        return base64.b64decode(cfl, validate=True)
    except (binascii.Error, ValueError):
        raise WasmError("'cfl' is not valid base64") from None


class WasmModule:
    """A compiled module; `instance()` makes a fresh sandboxed instance for one shot."""

    def __init__(
        self,
        data: bytes,
        *,
        fuel: int = DEFAULT_WASM_FUEL,
        memory_bytes: int = DEFAULT_WASM_MEMORY_BYTES,
        seconds: float = DEFAULT_WASM_SECONDS,
    ) -> None:
        import wasmtime

        config = wasmtime.Config()
        config.consume_fuel = True
        self._engine = wasmtime.Engine(config)
        try:
            self._module = wasmtime.Module(self._engine, data)
        except wasmtime.WasmtimeError as exc:
            raise WasmError(f"invalid WASM module: {_first_line(exc)}") from None
        if self._module.imports:
            names = ", ".join(f"{i.module}.{i.name}" for i in self._module.imports)
            raise WasmError(f"the WASM module may not import anything (imports {names})")
        self.functions: dict[str, tuple[int, int]] = {}
        for export in self._module.exports:
            kind = export.type
            if isinstance(kind, wasmtime.FuncType):
                self.functions[export.name] = (len(kind.params), len(kind.results))
        self.fuel = fuel
        self.memory_bytes = memory_bytes
        self.seconds = seconds
        self.spent = 0.0

    def check_function(self, name: str, n_inputs: int, n_outputs: int) -> None:
        """Refuse a call the module cannot answer (missing function or wrong arity)."""
        shape = self.functions.get(name)
        if shape is None:
            raise WasmError(f"the WASM module has no function '{name}'")
        if shape[0] != n_inputs or shape[1] > 1 or n_outputs > shape[1]:
            raise WasmError(
                f"WASM function '{name}' takes {shape[0]} arguments and returns {shape[1]}"
                f" values; the program passes {n_inputs} and reads {n_outputs}"
            )

    def instance(self) -> WasmInstance:
        """A fresh instance for one shot (its `init` already called)."""
        return WasmInstance(self)


class WasmInstance:
    """One shot's instance of a module."""

    def __init__(self, module: WasmModule) -> None:
        import wasmtime

        self._module = module
        self._store = wasmtime.Store(module._engine)
        self._store.set_fuel(module.fuel)
        self._store.set_limits(
            memory_size=module.memory_bytes, table_elements=100_000, instances=1, memories=1
        )
        try:
            self._instance = wasmtime.Instance(self._store, module._module, [])
        except (wasmtime.WasmtimeError, wasmtime.Trap) as exc:
            if "memory" in str(exc) or "limit" in str(exc):
                raise WasmLimitError(
                    f"the WASM module needs more memory than the limit ({module.memory_bytes}"
                    " bytes)"
                ) from None
            raise WasmError(f"the WASM module failed to start: {_trap_text(exc)}") from None
        self._exports = self._instance.exports(self._store)
        if _INIT in module.functions and module.functions[_INIT] == (0, 0):
            self.call(_INIT, [])

    def call(self, name: str, args: list[int]) -> int | None:
        """Call an exported function; its integer result, or None for a void function."""
        import wasmtime

        module = self._module
        if module.spent > module.seconds:
            raise WasmLimitError(f"the job spent more than {module.seconds:g} s in WASM")
        func = self._exports[name]
        assert isinstance(func, wasmtime.Func)
        ty = func.type(self._store)
        values = [_wrap(v, str(p)) for v, p in zip(args, ty.params, strict=True)]
        start = time.monotonic()
        try:
            result: Any = func(self._store, *values)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            full = str(exc)
            if "fuel" in full:
                raise WasmLimitError(
                    f"WASM function '{name}' ran out of fuel ({module.fuel} instructions per shot)"
                ) from None
            if "memory" in full and "grow" in full:
                raise WasmLimitError(
                    f"WASM function '{name}' exceeded the memory limit"
                    f" ({module.memory_bytes} bytes)"
                ) from None
            raise WasmError(f"WASM function '{name}' failed: {_trap_text(exc)}") from None
        finally:
            module.spent += time.monotonic() - start
        if result is None:
            return None
        if isinstance(result, int | float):
            return int(result)
        return int(result[0]) if result else None


def _wrap(value: int, type_name: str) -> int:
    """An unsigned register value as the signed integer wasmtime takes for an i32/i64."""
    bits = 64 if "64" in type_name else 32
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _trap_text(exc: BaseException) -> str:
    """The trap's reason (wasmtime puts it after the backtrace)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    for line in reversed(lines):
        if not line.startswith(("0:", "1:", "2:", "error while executing", "wasm backtrace")):
            return line[:200]
    return _first_line(exc)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
