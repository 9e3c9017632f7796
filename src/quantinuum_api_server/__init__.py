"""The local reference service implementing openapi.yaml (`qapi serve`).

`create_app(settings, db_path)` builds the ASGI app; `quantinuum_api_server.testing`
has `LocalServer` for tests and demos.
"""

from __future__ import annotations

from ._app import create_app
from ._settings import ServerSettings, default_db_path

__all__ = ["ServerSettings", "create_app", "default_db_path"]
