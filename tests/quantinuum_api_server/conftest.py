"""What the store tests of `unit/` and `integration/` share: a store on a fresh database
file and a job row to insert."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quantinuum_api_server._store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "db.sqlite3")
    try:
        yield opened
    finally:
        opened.close()


def job_row(user: int, **fields: Any) -> dict[str, Any]:
    """A queued job of `user` as `Store.insert_job` takes it (`fields` override)."""
    job: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "user_id": user,
        "machine": "H1-1E",
        "count": 10,
        "language": "OPENQASM 2.0",
        "program": "OPENQASM 2.0;",
        "priority": "normal",
        "options": {},
        "status": "queued",
        "submit_date": "2026-01-01T00:00:00.000000Z",
    }
    job.update(fields)
    return job
