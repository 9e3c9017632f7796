"""Python SDK for the Quantinuum quantum-computing cloud API.

Typed API: `Client` / `AsyncClient` (`jobs`, `machines`, `calendar`, `cost`), returning
`Job` and the generated models. Seed-compatible API: `QuantinuumAPI`,
`QuantinuumAPIOffline`. Every error is a `QuantinuumAPIError`.
"""

from __future__ import annotations

from ._auth import QuantinuumAuth, TokenManager
from ._client import AsyncClient, AsyncJobs, AsyncMachines, Client, Jobs, Machines
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
from ._federated import microsoft_device_code_login, microsoft_provider
from ._http import HttpOptions
from ._legacy import QuantinuumAPI, QuantinuumAPIOffline
from ._machines import DEFAULT_MACHINES, default_machines
from ._prompts import DEFAULT_PROMPT
from ._results import FINAL_STATUSES, Job, is_final
from ._retry import RetryPolicy
from ._urls import DEFAULT_API_URL, ApiUrls, derive_urls
from ._version import __version__
from ._waiter import WaitPolicy

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
