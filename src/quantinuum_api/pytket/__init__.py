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

from pytket.extensions.quantinuum.backends.quantinuum import (
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

from ._backend import QuantinuumBackend

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
