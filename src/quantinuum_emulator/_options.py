"""`check_options`: a job request's `options`, bounded, with their known keys checked.

The rules (openapi.yaml's `JobOptions` says the same):

- `options` is a JSON object (absent or null: no options);
- as compact JSON (UTF-8) it takes at most `MAX_OPTIONS_BYTES` bytes and has at most
  `MAX_OPTIONS_KEYS` keys: JobRejected code 41 beyond (a limit, as for the program size);
- the known keys have their documented types and ranges, JobRejected code 10 otherwise:
  `simulator` one of `METHODS`, `error-model`, `no-opt` and `noreduce` booleans, `seed` an
  integer in [0, 2**31), `tket` an object;
- unknown keys are kept as given, inside those bounds: the cloud takes free-form options
  (pytket sends its compiler settings), and a client must not fail on a key only the cloud
  knows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ._errors import INVALID_REQUEST, LIMIT_EXCEEDED, JobRejected

__all__ = ["MAX_OPTIONS_BYTES", "MAX_OPTIONS_KEYS", "METHODS", "check_options"]

#: The largest `options` object accepted, as compact JSON (16 KiB).
MAX_OPTIONS_BYTES = 16_384
#: The most keys an `options` object may have.
MAX_OPTIONS_KEYS = 64

#: `options.simulator` values → the simulator's method.
METHODS = {"state-vector": "statevector", "statevector": "statevector", "stabilizer": "stabilizer"}

_BOOLEANS = ("error-model", "no-opt", "noreduce")
_SEED_LIMIT = 2**31


def _invalid(text: str) -> JobRejected:
    return JobRejected(INVALID_REQUEST, f"Invalid request: {text}")


def check_options(options: object) -> dict[str, Any]:
    """A copy of `options` if they follow the rules above; `JobRejected` otherwise."""
    if options is None:
        return {}
    if not isinstance(options, Mapping):
        raise _invalid("'options' must be an object")
    if len(options) > MAX_OPTIONS_KEYS:
        raise JobRejected(
            LIMIT_EXCEEDED, f"options has {len(options)} keys; at most {MAX_OPTIONS_KEYS} allowed"
        )
    try:
        size = len(json.dumps(options, separators=(",", ":"), ensure_ascii=False).encode())
    except (TypeError, ValueError, UnicodeEncodeError):
        raise _invalid("'options' must be plain JSON") from None
    if size > MAX_OPTIONS_BYTES:
        raise JobRejected(
            LIMIT_EXCEEDED, f"options is {size} bytes as JSON; the limit is {MAX_OPTIONS_BYTES}"
        )
    simulator = options.get("simulator", "state-vector")
    if not isinstance(simulator, str) or simulator not in METHODS:
        raise _invalid(
            f"options.simulator must be one of {', '.join(sorted(METHODS))},"
            f" got {repr(simulator)[:40]}"
        )
    for key in _BOOLEANS:
        if key in options and not isinstance(options[key], bool):
            raise _invalid(f"options.{key} must be true or false")
    seed = options.get("seed")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < _SEED_LIMIT
    ):
        raise _invalid("options.seed must be an integer in [0, 2**31)")
    if "tket" in options and not isinstance(options["tket"], Mapping):
        raise _invalid("options.tket must be an object")
    return dict(options)
