"""Authentication: the token manager (login, MFA, refresh, federated) and the httpx auth flow.

`_manager.TokenManager` keeps a valid id token (its docstring: renewal, refresh tokens and
the lost-reply grace window); its exchanges are written once in `_async` (the sync twin
`_sync` is generated); `_core` holds its state and `_helpers` the pieces with no state.
``QuantinuumAuth`` (`_flow`) puts the raw token in the ``Authorization`` header and, on a
401, renews it once and resends the request.
"""

from __future__ import annotations

from ._core import LOGIN_PATH
from ._flow import QuantinuumAuth
from ._manager import TokenManager

__all__ = ["LOGIN_PATH", "QuantinuumAuth", "TokenManager"]
