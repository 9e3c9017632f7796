"""An operation added to the contract is usable through `client.api` with no SDK change.

A copy of openapi.yaml gains an operation; `scripts/generate` turns it into a client in a
temporary folder; the SDK, importing that client, calls the new operation authenticated
and retried through `client.api` against a route added to a real local service.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import quantinuum_api_server.testing as server_testing
from quantinuum_api_server.testing import LocalServer
from tests.paths import GENERATE_SCRIPT, ROOT, SPEC

EMAIL = "new-operation@example.com"
PASSWORD = "correct horse battery staple"

NEW_PATH = "/v1/echo/{word}"
NEW_OPERATION: dict[str, Any] = {
    "get": {
        "tags": ["extras"],
        "operationId": "echo_word",
        "summary": "Echo a word with the caller's e-mail (added by a test)",
        "parameters": [
            {"name": "word", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "responses": {
            "200": {
                "description": "The word and who asked",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["word", "user"],
                            "properties": {
                                "word": {"type": "string"},
                                "user": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "401": {
                "description": "Not authenticated",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}
                },
            },
        },
    }
}


def _extended_spec(tmp_path: Path) -> Path:
    spec = yaml.safe_load(SPEC.read_text())
    spec["paths"][NEW_PATH] = NEW_OPERATION
    spec.setdefault("tags", []).append({"name": "extras", "description": "Added by a test"})
    path = tmp_path / "openapi.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    """A local service whose app has one more route, authenticated by the service itself.

    LocalServer builds its app in `start()` with no hook for extra routes, so the test wraps
    `create_app` (see the report: a `routes=` parameter would make this a supported hook).
    """
    seen: list[str] = []
    original = server_testing.create_app  # type: ignore[attr-defined]

    def create_app(*args: Any, **kwargs: Any) -> Any:
        app = original(*args, **kwargs)
        service = app.state.service

        async def echo(request: Request) -> Response:
            try:
                user = service.auth.authenticate(request.headers.get("authorization"))
            except Exception:
                return JSONResponse({"error": {"code": 20, "text": "unauthorized"}}, 401)
            seen.append(request.path_params["word"])
            return JSONResponse({"word": request.path_params["word"], "user": user["email"]})

        app.router.routes.insert(0, Route("/v1/echo/{word}", echo, methods=["GET"]))
        return app

    monkeypatch.setattr(server_testing, "create_app", create_app)
    with LocalServer() as srv:
        srv.add_user(EMAIL, PASSWORD)
        srv.seen = seen  # type: ignore[attr-defined]
        yield srv


CALLER = textwrap.dedent(
    """
    import json, sys
    from quantinuum_api import AsyncClient, Client, MemoryCredentialStorage
    from quantinuum_api_client.api.extras import echo_word

    base_url, email, password = sys.argv[1:4]
    with Client(base_url, email=email, password=password,
                token_store=MemoryCredentialStorage()) as client:
        reply = echo_word.sync("qubit", client=client.api)
        detailed = echo_word.sync_detailed("ion", client=client.api)

    async def main():
        async with AsyncClient(base_url, email=email, password=password,
                               token_store=MemoryCredentialStorage()) as aclient:
            return await echo_word.asyncio("trap", client=aclient.api)

    import asyncio
    areply = asyncio.run(main())
    print(json.dumps({"sync": reply.to_dict(), "status": int(detailed.status_code),
                      "async": areply.to_dict()}))
    """
)


def test_new_operation_is_callable_through_client_api(tmp_path: Path, server: LocalServer) -> None:
    out = tmp_path / "client"
    env = {
        **os.environ,
        "QAPI_VENV_BIN": str(Path(sys.executable).parent),
        "OPENAPI_SPEC": str(_extended_spec(tmp_path)),
    }
    run = subprocess.run([str(GENERATE_SCRIPT), str(out)], capture_output=True, text=True, env=env)
    assert run.returncode == 0, run.stderr
    assert (out / "quantinuum_api_client" / "api" / "extras" / "echo_word.py").is_file()

    # The SDK imports the freshly generated client instead of the committed one.
    env["PYTHONPATH"] = os.pathsep.join([str(out), str(ROOT / "src")])
    call = subprocess.run(
        [sys.executable, "-c", CALLER, server.base_url, EMAIL, PASSWORD],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert call.returncode == 0, call.stderr
    result = json.loads(call.stdout)
    assert result["sync"] == {"word": "qubit", "user": EMAIL}
    assert result["status"] == 200
    assert result["async"] == {"word": "trap", "user": EMAIL}
    assert server.seen == ["qubit", "ion", "trap"]  # type: ignore[attr-defined]
