"""Defaults shared by the SDK: URLs, timeouts, retry budget, token lifetimes, names."""

from __future__ import annotations

from typing import Final

__all__ = [
    "APP_NAME",
    "AZURE_AUTHORITY",
    "AZURE_CLIENT_ID",
    "AZURE_SCOPES",
    "DEFAULT_API_URL",
    "DEFAULT_BACKOFF_INITIAL",
    "DEFAULT_BACKOFF_MAX",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_ID_TOKEN_LIFETIME",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_RETRY_AFTER",
    "DEFAULT_REFRESH_TOKEN_LIFETIME",
    "DEFAULT_RETRY_STATUSES",
    "DEFAULT_TIMEOUT",
    "ENV_API_URL",
    "ENV_CONFIG_DIR",
    "ENV_EMAIL",
    "ENV_PASSWORD",
    "ENV_REFRESH_TOKEN",
    "ENV_USER_NAME",
    "ERROR_CODE_INVALID_MFA",
    "ERROR_CODE_INVALID_REFRESH_TOKEN",
    "ERROR_CODE_MFA_REQUIRED",
    "INVALID_REFRESH_TOKEN_TEXT",
    "KEYRING_SERVICE",
    "TOKEN_EXPIRY_MARGIN",
]

APP_NAME: Final = "quantinuum-api"
DEFAULT_API_URL: Final = "https://qapi.quantinuum.com/"

# HTTP
DEFAULT_TIMEOUT: Final = 30.0  # seconds, per read/write/pool wait
DEFAULT_CONNECT_TIMEOUT: Final = 10.0
DEFAULT_MAX_RETRIES: Final = 3
DEFAULT_BACKOFF_INITIAL: Final = 0.5
DEFAULT_BACKOFF_MAX: Final = 8.0
DEFAULT_MAX_RETRY_AFTER: Final = 60.0
DEFAULT_RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})

# Tokens
TOKEN_EXPIRY_MARGIN: Final = 60.0  # treat tokens as expired this many seconds early
DEFAULT_ID_TOKEN_LIFETIME: Final = 55 * 60.0  # when the JWT has no readable `exp`
DEFAULT_REFRESH_TOKEN_LIFETIME: Final = 29 * 24 * 3600.0

# Server error codes (openapi.yaml)
ERROR_CODE_INVALID_REFRESH_TOKEN: Final = 22
ERROR_CODE_MFA_REQUIRED: Final = 73
ERROR_CODE_INVALID_MFA: Final = 74
INVALID_REFRESH_TOKEN_TEXT: Final = "Invalid Refresh Token"  # noqa: S105

# Storage and configuration
KEYRING_SERVICE: Final = "quantinuum-api"
ENV_API_URL: Final = "QUANTINUUM_API_URL"
ENV_USER_NAME: Final = "QUANTINUUM_USER_NAME"
ENV_EMAIL: Final = "QUANTINUUM_EMAIL"
ENV_PASSWORD: Final = "QUANTINUUM_PASSWORD"  # noqa: S105 - a variable name, not a secret
ENV_REFRESH_TOKEN: Final = "QUANTINUUM_REFRESH_TOKEN"  # noqa: S105
ENV_CONFIG_DIR: Final = "QUANTINUUM_CONFIG_DIR"

# Microsoft federated login (MSAL device-code flow)
AZURE_CLIENT_ID: Final = "4ae73294-a491-45b7-bab4-945c236ee67a"
AZURE_AUTHORITY: Final = "https://login.microsoftonline.com/common"
AZURE_SCOPES: Final = ("User.Read",)
