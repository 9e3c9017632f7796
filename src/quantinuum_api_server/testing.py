"""`LocalServer`: the service on a free local port in a background thread, for tests and
demos.

    with LocalServer() as server:                   # temporary SQLite database
        secret = server.add_user("ada@example.com", "pw", mfa=True)
        client = QuantinuumAPI(api_url=server.base_url)
        ...
        server.stop(); server.start()               # a restart on the same database

Jobs run in worker processes (see `ServerSettings.workers`); `stop()` kills them and
queues their jobs again, as `qapi serve` does on SIGTERM.

`mint_provider_token(email)` signs a federated id token (RS256) with an identity-provider
key pair generated per `LocalServer`, whose public key is added to the settings'
`idp_public_keys`; the service accepts it as a `provider-token` login.
Unless `settings` are given, password hashing uses cheap argon2 parameters (tests only).
"""

from __future__ import annotations

import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path
from types import TracebackType
from typing import Any

import jwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ._app import Service, create_app
from ._auth import Authenticator
from ._serving import uvicorn_config
from ._settings import ServerSettings
from ._store import Store

__all__ = ["TEST_IDP_AUDIENCE", "TEST_IDP_ISSUER", "LocalServer", "fast_settings"]

TEST_IDP_ISSUER = "https://idp.qapi.test/"
TEST_IDP_AUDIENCE = "qapi-local-test"


def fast_settings(**changes: Any) -> ServerSettings:
    """Settings for tests: cheap password hashing, jobs start at once (`queue_delay` 0;
    `fast_settings(queue_delay=60)` keeps every job queued for a minute), everything else
    default."""
    base = ServerSettings(
        argon2_time_cost=1, argon2_memory_cost=1024, argon2_parallelism=1, queue_delay=0.0
    )
    return base.replace(**changes)


class LocalServer:
    """The local service on `127.0.0.1` (see the module docstring).

    The port is chosen once and kept across `stop()`/`start()`, so `base_url` stays valid.
    """

    def __init__(
        self, db_path: str | Path | None = None, settings: ServerSettings | None = None
    ) -> None:
        self._tempdir: tempfile.TemporaryDirectory[str] | None = None
        if db_path is None:
            self._tempdir = tempfile.TemporaryDirectory(prefix="qapi-server-")
            db_path = Path(self._tempdir.name) / "server.sqlite3"
        self.db_path = Path(db_path)
        self._idp_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public_pem = (
            self._idp_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        base = settings or fast_settings()
        self.settings = base.replace(
            idp_public_keys=(*base.idp_public_keys, public_pem),
            idp_issuer=base.idp_issuer or TEST_IDP_ISSUER,
            idp_audience=base.idp_audience or TEST_IDP_AUDIENCE,
        )
        self.port = 0
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._service: Service | None = None

    def __repr__(self) -> str:
        return f"<LocalServer {self.base_url if self.port else 'not started'}>"

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/` (REST under `v1/`, calendar under `beta/`)."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1/"

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self, timeout: float = 30.0) -> None:
        """Start serving (again) on the same database and port."""
        if self.running:
            raise RuntimeError("LocalServer is already running")
        # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY on accepted sockets only when the
        # listening socket names its protocol; without it every reply after the first on a
        # kept-alive connection waits ~40 ms for the client's delayed ACK.
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        self.port = int(sock.getsockname()[1])
        app = create_app(self.settings, self.db_path)
        self._service = app.state.service
        config = uvicorn_config(
            app, self.settings, log_level="warning", lifespan="on", timeout_graceful_shutdown=2
        )
        server = uvicorn.Server(config)
        self._server = server
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="qapi-local-server", daemon=True
        )
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                sock.close()
                raise RuntimeError("LocalServer failed to start")
            time.sleep(0.01)
        self._socket = sock

    def stop(self, timeout: float = 30.0) -> None:
        """Stop serving; running jobs stay `running` in the database (as after a crash)
        and are queued again by the next `start()`."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        if getattr(self, "_socket", None) is not None:
            self._socket.close()
        self._server = None
        self._thread = None
        self._service = None

    def close(self) -> None:
        """Stop and delete the temporary database, if any."""
        self.stop()
        if self._tempdir is not None:
            self._tempdir.cleanup()
            self._tempdir = None

    def __enter__(self) -> LocalServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- helpers ----------------------------------------------------------------------
    def add_user(self, email: str, password: str | None, *, mfa: bool = False) -> str | None:
        """Create (or reset) a user; returns the TOTP secret when `mfa`."""
        if self._service is not None:
            return self._service.auth.add_user(email, password, mfa=mfa)
        store = Store(self.db_path)
        try:
            return Authenticator(store, self.settings).add_user(email, password, mfa=mfa)
        finally:
            store.close()

    def worker_pid(self, job_id: str) -> int | None:
        """The process id of the worker process running `job_id` (None when it is not
        running), e.g. to check that a cancel ended it or to kill it as a crash would."""
        return None if self._service is None else self._service.jobs.worker_pid(job_id)

    def mint_provider_token(self, email: str, *, expires_in: int = 600, **claims: Any) -> str:
        """A federated id token for `email`, signed by this server's test IdP key."""
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": TEST_IDP_ISSUER,
            "aud": TEST_IDP_AUDIENCE,
            "sub": uuid.uuid5(uuid.NAMESPACE_URL, email).hex,
            "preferred_username": email,
            "email": email,
            "iat": now,
            "exp": now + expires_in,
            **claims,
        }
        return jwt.encode(payload, self._idp_key, algorithm="RS256")
