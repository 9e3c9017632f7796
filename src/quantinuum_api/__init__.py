"""Python SDK for the Quantinuum quantum-computing cloud API.

Typed API: `Client` / `AsyncClient` (`jobs`, `machines`, `calendar`, `cost`), returning
`Job` and the generated models. Seed-compatible API: `QuantinuumAPI`,
`QuantinuumAPIOffline`. Every error is a `QuantinuumAPIError`.

Names are imported on first use (PEP 562), so `import quantinuum_api` stays fast and a
program pays only for what it touches (e.g. the offline class never loads websockets).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._auth import (
        QuantinuumAuth,
        TokenManager,
    )
    from ._client import (
        AsyncClient,
        AsyncJobs,
        AsyncMachines,
        Client,
        Jobs,
        Machines,
    )
    from ._config import Config
    from ._credentials import (
        CredentialStorage,
        FileCredentialStorage,
        KeyringCredentialStorage,
        MemoryCredentialStorage,
        default_credential_storage,
    )
    from ._exceptions import (
        APIStatusError,
        AuthenticationError,
        BadRequestError,
        ConfigError,
        CredentialsRequiredError,
        InvalidRefreshTokenError,
        JobFailedError,
        MFARequiredError,
        NotFoundError,
        PermissionDeniedError,
        QuantinuumAPIError,
        RateLimitError,
        ResponseValidationError,
        ServerError,
        TimeoutError,
        TransportError,
    )
    from ._federated import (
        microsoft_device_code_login,
        microsoft_provider,
    )
    from ._http import HttpOptions
    from ._legacy import (
        QuantinuumAPI,
        QuantinuumAPIOffline,
    )
    from ._machines import (
        DEFAULT_MACHINES,
        default_machines,
    )
    from ._prompts import DEFAULT_PROMPT
    from ._results import (
        FINAL_STATUSES,
        Job,
        is_final,
    )
    from ._retry import RetryPolicy
    from ._urls import (
        DEFAULT_API_URL,
        ApiUrls,
        derive_urls,
    )
    from ._waiter import WaitPolicy

#: Where each public name lives; `__getattr__` imports the module on first access.
_LAZY: dict[str, str] = {
    "QuantinuumAuth": "._auth",
    "TokenManager": "._auth",
    "AsyncClient": "._client",
    "AsyncJobs": "._client",
    "AsyncMachines": "._client",
    "Client": "._client",
    "Jobs": "._client",
    "Machines": "._client",
    "Config": "._config",
    "CredentialStorage": "._credentials",
    "FileCredentialStorage": "._credentials",
    "KeyringCredentialStorage": "._credentials",
    "MemoryCredentialStorage": "._credentials",
    "default_credential_storage": "._credentials",
    "APIStatusError": "._exceptions",
    "AuthenticationError": "._exceptions",
    "BadRequestError": "._exceptions",
    "ConfigError": "._exceptions",
    "CredentialsRequiredError": "._exceptions",
    "InvalidRefreshTokenError": "._exceptions",
    "JobFailedError": "._exceptions",
    "MFARequiredError": "._exceptions",
    "NotFoundError": "._exceptions",
    "PermissionDeniedError": "._exceptions",
    "QuantinuumAPIError": "._exceptions",
    "RateLimitError": "._exceptions",
    "ResponseValidationError": "._exceptions",
    "ServerError": "._exceptions",
    "TimeoutError": "._exceptions",
    "TransportError": "._exceptions",
    "microsoft_device_code_login": "._federated",
    "microsoft_provider": "._federated",
    "HttpOptions": "._http",
    "QuantinuumAPI": "._legacy",
    "QuantinuumAPIOffline": "._legacy",
    "DEFAULT_MACHINES": "._machines",
    "default_machines": "._machines",
    "DEFAULT_PROMPT": "._prompts",
    "FINAL_STATUSES": "._results",
    "Job": "._results",
    "is_final": "._results",
    "RetryPolicy": "._retry",
    "DEFAULT_API_URL": "._urls",
    "ApiUrls": "._urls",
    "derive_urls": "._urls",
    "WaitPolicy": "._waiter",
}

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_MACHINES",
    "DEFAULT_PROMPT",
    "FINAL_STATUSES",
    "APIStatusError",
    "ApiUrls",
    "AsyncClient",
    "AsyncJobs",
    "AsyncMachines",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "Config",
    "ConfigError",
    "CredentialStorage",
    "CredentialsRequiredError",
    "FileCredentialStorage",
    "HttpOptions",
    "InvalidRefreshTokenError",
    "Job",
    "JobFailedError",
    "Jobs",
    "KeyringCredentialStorage",
    "MFARequiredError",
    "Machines",
    "MemoryCredentialStorage",
    "NotFoundError",
    "PermissionDeniedError",
    "QuantinuumAPI",
    "QuantinuumAPIError",
    "QuantinuumAPIOffline",
    "QuantinuumAuth",
    "RateLimitError",
    "ResponseValidationError",
    "RetryPolicy",
    "ServerError",
    "TimeoutError",
    "TokenManager",
    "TransportError",
    "WaitPolicy",
    "__version__",
    "default_credential_storage",
    "default_machines",
    "derive_urls",
    "is_final",
    "microsoft_device_code_login",
    "microsoft_provider",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
