"""`ServerSettings`: every tunable of the local reference service in one frozen dataclass."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from quantinuum_emulator._execution import DEFAULT_MAX_PROGRAM_BYTES

__all__ = ["ServerSettings", "default_db_path"]


@dataclass(frozen=True)
class ServerSettings:
    """Configuration of the local service. The defaults suit `qapi serve`.

    Times are in seconds. `idp_public_keys` are PEM-encoded RSA public keys of the
    identity providers whose RS256 `provider-token`s are accepted (none: federated login
    is off and every provider token gets 401 code 23).
    """

    id_token_ttl: int = 3600
    refresh_token_ttl: int = 30 * 86400
    max_body_bytes: int = 1_048_576
    max_program_bytes: int = DEFAULT_MAX_PROGRAM_BYTES
    login_max_failures: int = 5
    login_failure_window: float = 900.0
    workers: int = 1
    chunk_shots: int = 100  # shots of a job's first chunk of results
    chunk_growth: float = 2.0  # each next chunk this many times larger (1.0: fixed size)
    chunk_delay: float = 0.0
    ticket_ttl: int = 900
    websocket_open_timeout: float = 30.0
    calendar_max_days: int = 62
    idp_public_keys: tuple[str, ...] = ()
    idp_issuer: str | None = None
    idp_audience: str | None = None
    provider_auto_create: bool = True
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536
    argon2_parallelism: int = 4
    spec_path: Path | None = None

    def replace(self, **changes: object) -> ServerSettings:
        """A copy with `changes` applied."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def default_db_path() -> Path:
    """The default SQLite file: `<user data dir>/quantinuum-api/server.sqlite3`."""
    import platformdirs

    return Path(platformdirs.user_data_dir("quantinuum-api")) / "server.sqlite3"
