"""The local reference service implementing openapi.yaml (`qapi serve`).

`create_app(settings, db_path)` builds the ASGI app; `quantinuum_api_server.testing`
has `LocalServer` for tests and demos. `create_app` is imported on first use, so importing
this package (e.g. for `qapi`'s command registration) does not load starlette.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._settings import ServerSettings, default_db_path

if TYPE_CHECKING:
    from ._app import create_app

__all__ = ["ServerSettings", "create_app", "default_db_path"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from ._app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
