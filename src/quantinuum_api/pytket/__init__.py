"""pytket on the Quantinuum API: today's pytket-quantinuum, submitting through this SDK.

```python
from pytket import Circuit
from quantinuum_api import Client
from quantinuum_api.pytket import QuantinuumBackend

backend = QuantinuumBackend("H1-1E", client=Client())
bell = backend.get_compiled_circuit(Circuit(2).H(0).CX(0, 1).measure_all())
handle = backend.process_circuit(bell, n_shots=100)
print(backend.get_result(handle).get_counts())
```

Needs the `pytket` extra (`pip install 'quantinuum-api[pytket]'`: pytket-quantinuum >= 0.59
and pytket-qir). `Language` and pytket-quantinuum's errors are re-exported.
"""

from __future__ import annotations

import importlib.metadata


def _check_pytket_quantinuum() -> None:
    """A clear ImportError without the `pytket` extra, or with pytket-quantinuum 0.55."""
    hint = "install the pytket extra: pip install 'quantinuum-api[pytket]'"
    try:
        version = importlib.metadata.version("pytket-quantinuum")
    except importlib.metadata.PackageNotFoundError:
        raise ImportError(
            f"quantinuum_api.pytket needs pytket-quantinuum >= 0.59: {hint}"
        ) from None
    major_minor = tuple(int(part) for part in version.split(".")[:2] if part.isdigit())
    if major_minor < (0, 59):
        raise ImportError(
            f"quantinuum_api.pytket needs pytket-quantinuum >= 0.59, found {version}: {hint} "
            "(with 0.55, pass quantinuum_api.QuantinuumAPI to its QuantinuumBackend as "
            "api_handler instead)"
        )


_check_pytket_quantinuum()

from pytket.extensions.quantinuum.backends.quantinuum import (  # noqa: E402
    BatchingUnsupported,
    DeviceNotAvailable,
    GetResultFailed,
    Language,
    LanguageUnsupported,
    MaxShotsExceeded,
    NoSyntaxChecker,
    QuantinuumBackendCompilationConfig,
    WasmUnsupported,
)

from ._backend import QuantinuumBackend  # noqa: E402

__all__ = [
    "BatchingUnsupported",
    "DeviceNotAvailable",
    "GetResultFailed",
    "Language",
    "LanguageUnsupported",
    "MaxShotsExceeded",
    "NoSyntaxChecker",
    "QuantinuumBackend",
    "QuantinuumBackendCompilationConfig",
    "WasmUnsupported",
]
