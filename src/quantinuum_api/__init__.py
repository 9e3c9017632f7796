"""Python SDK for the Quantinuum quantum-computing cloud API.

Typed API: `Client` / `AsyncClient` (`jobs`, `machines`, `calendar`, `cost`), returning
`Job` and the generated models (`quantinuum_api.models`); `client.api` is the
authenticated, retrying generated client for any operation of the contract. Seed-compatible
API: `QuantinuumAPI`, `QuantinuumAPIOffline`. Every error is a `QuantinuumAPIError`.

Names are imported on first use (PEP 562), so `import quantinuum_api` stays fast and a
program pays only for what it touches (e.g. the offline class never loads websockets).
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from . import models
    from ._auth import (
        QuantinuumAuth,
        TokenManager,
    )
    from ._client import (
        NOT_GIVEN,
        AsyncClient,
        Client,
    )
    from ._config import (
        Config,
    )
    from ._credentials import (
        CredentialStorage,
        FileCredentialStorage,
        KeyringCredentialStorage,
        MemoryCredentialStorage,
        default_credential_storage,
    )
    from ._exceptions import (
        APIConnectionError,
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
        SubmitManyError,
        UnauthorizedError,
        WaitTimeoutError,
    )
    from ._federated import (
        microsoft_device_code_login,
        microsoft_provider,
    )
    from ._http import (
        HttpOptions,
    )
    from ._legacy import (
        QuantinuumAPI,
        QuantinuumAPIOffline,
    )
    from ._machines import (
        DEFAULT_MACHINES,
        default_machines,
    )
    from ._results import (
        FINAL_STATUSES,
        Job,
        is_final,
    )
    from ._retry import (
        RetryPolicy,
    )
    from ._urls import (
        DEFAULT_API_URL,
    )
    from ._waiter import (
        WaitPolicy,
    )

#: Where each public name lives; `__getattr__` imports the module on first access.
_LAZY: dict[str, str] = {
    "models": ".models",
    "QuantinuumAuth": "._auth",
    "TokenManager": "._auth",
    "NOT_GIVEN": "._client",
    "AsyncClient": "._client",
    "Client": "._client",
    "Config": "._config",
    "CredentialStorage": "._credentials",
    "FileCredentialStorage": "._credentials",
    "KeyringCredentialStorage": "._credentials",
    "MemoryCredentialStorage": "._credentials",
    "default_credential_storage": "._credentials",
    "APIConnectionError": "._exceptions",
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
    "SubmitManyError": "._exceptions",
    "UnauthorizedError": "._exceptions",
    "WaitTimeoutError": "._exceptions",
    "microsoft_device_code_login": "._federated",
    "microsoft_provider": "._federated",
    "HttpOptions": "._http",
    "QuantinuumAPI": "._legacy",
    "QuantinuumAPIOffline": "._legacy",
    "DEFAULT_MACHINES": "._machines",
    "default_machines": "._machines",
    "FINAL_STATUSES": "._results",
    "Job": "._results",
    "is_final": "._results",
    "RetryPolicy": "._retry",
    "DEFAULT_API_URL": "._urls",
    "WaitPolicy": "._waiter",
}

#: Old names, still importable for one release (with a DeprecationWarning): the new name,
#: or None for plumbing that stays importable from its module.
_DEPRECATED: dict[str, tuple[str, str | None]] = {
    "TimeoutError": ("._exceptions", "WaitTimeoutError"),
    "TransportError": ("._exceptions", "APIConnectionError"),
    "ApiUrls": ("._urls", None),
    "derive_urls": ("._urls", None),
    "DEFAULT_PROMPT": ("._prompts", None),
    "AsyncJobs": ("._client", None),
    "AsyncMachines": ("._client", None),
    "Jobs": ("._client", None),
    "Machines": ("._client", None),
}

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_MACHINES",
    "FINAL_STATUSES",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIStatusError",
    "AsyncClient",
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
    "KeyringCredentialStorage",
    "MFARequiredError",
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
    "SubmitManyError",
    "TokenManager",
    "UnauthorizedError",
    "WaitPolicy",
    "WaitTimeoutError",
    "__version__",
    "default_credential_storage",
    "default_machines",
    "is_final",
    "microsoft_device_code_login",
    "microsoft_provider",
    "models",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        old = _DEPRECATED.get(name)
        if old is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        module, new = old
        hint = f"use quantinuum_api.{new}" if new else f"import it from quantinuum_api.{module[1:]}"
        warnings.warn(
            f"quantinuum_api.{name} is deprecated; {hint}", DeprecationWarning, stacklevel=2
        )
        return getattr(importlib.import_module(module, __name__), name)
    imported = importlib.import_module(module, __name__)
    value = imported if module == f".{name}" else getattr(imported, name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
