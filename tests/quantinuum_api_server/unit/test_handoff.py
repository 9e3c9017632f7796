"""Jobs prepared at submission are handed to their worker once, bounded in bytes; a
batch of submissions is stored in one commit."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from quantinuum_api_server import _scheduler
from quantinuum_api_server._errors import ApiError
from quantinuum_api_server._events import JobEvents
from quantinuum_api_server._jobs import JobService
from quantinuum_api_server._scheduler import _Following
from quantinuum_api_server._settings import ServerSettings
from quantinuum_api_server._store import Store
from quantinuum_emulator import MachineCatalog, PreparedJob
from tests.programs import BELL


def _service(tmp_path: Path) -> tuple[JobService, int]:
    store = Store(tmp_path / "db.sqlite3")
    user = store.add_user("a@example.com", None, None)
    settings = ServerSettings(queue_delay=0.0)
    return JobService(store, MachineCatalog(), settings, JobEvents()), user


def _body(**extra: object) -> dict[str, object]:
    return {"machine": "H1-1E", "language": "OPENQASM 2.0", "program": BELL, "count": 5, **extra}


def test_a_submitted_job_is_handed_off_once(tmp_path: Path) -> None:
    jobs, user = _service(tmp_path)
    job_id, status = jobs.submit(user, _body(), None)
    assert status == "queued"
    handed = jobs.scheduler._handed_off(job_id)
    assert handed is not None
    prepared = pickle.loads(handed)  # noqa: S301 - made by this test's service
    assert isinstance(prepared, PreparedJob)
    assert prepared.count == 5
    assert jobs.scheduler._handed_off(job_id) is None  # a rerun prepares it again


def test_failed_at_submission_and_old_jobs_are_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs, user = _service(tmp_path)
    failed, status = jobs.submit(user, _body(**{"max-cost": 0.0}), None)
    assert status == "failed"
    assert jobs.scheduler._handed_off(failed) is None
    one = jobs.submit(user, _body(), None)[0]
    size = len(jobs.scheduler._handed_off(one) or b"")
    assert size > 0
    monkeypatch.setattr(_scheduler, "HANDOFF_BUDGET", 5 * size)  # room for 5 jobs
    ids = [jobs.submit(user, _body(), None)[0] for _ in range(8)]
    assert all(jobs.scheduler._handed_off(job_id) is None for job_id in ids[:3])
    assert all(jobs.scheduler._handed_off(job_id) is not None for job_id in ids[3:])
    assert jobs.scheduler._handoff_bytes == 0  # every kept byte was counted out again


def test_a_batch_is_checked_and_stored_in_one_commit(tmp_path: Path) -> None:
    """`submit_many`: one durable commit for all accepted items, each item's outcome in
    order, a refused item refusing nothing else, and every job handed off."""
    jobs, user = _service(tmp_path)
    store = jobs._store
    jobs.submit(user, _body(), None)  # (checkers started)
    items: list[tuple[dict[str, object], str | None]] = [(_body(), f"key-{i}") for i in range(6)]
    items[2] = (_body(program="OPENQASM 2.0; qreg q[1]; nonsense;"), None)
    items[4] = (_body(**{"max-cost": 0.0}), None)
    before = store.commits
    outcomes = jobs.submit_many(user, items)
    assert store.commits == before + 1
    assert isinstance(outcomes[2], ApiError)
    assert outcomes[2].status == 400
    ok = [o for i, o in enumerate(outcomes) if i != 2]
    assert all(isinstance(o, tuple) for o in ok)
    statuses = [o[1] for o in ok if isinstance(o, tuple)]
    assert statuses == ["queued", "queued", "queued", "failed", "queued"]
    queued = [o[0] for i, o in enumerate(outcomes) if isinstance(o, tuple) and i != 4]
    assert all(jobs.scheduler._handed_off(job_id) is not None for job_id in queued)
    assert [store.job(job_id)["status"] for job_id in queued] == ["queued"] * 4  # type: ignore[index]
    # The same keys again: the same jobs, still in one commit.
    again = jobs.submit_many(user, [items[0], items[1]])
    assert store.commits == before + 2
    assert [o[0] for o in again if isinstance(o, tuple)] == [outcomes[0][0], outcomes[1][0]]  # type: ignore[index]


def test_the_last_chunk_and_the_completion_are_one_commit(tmp_path: Path) -> None:
    from quantinuum_emulator import pack_chunk, utc_now

    jobs, user = _service(tmp_path)
    job_id, _ = jobs.submit(user, _body(), None)
    store = jobs._store
    assert jobs.result_bits(jobs.owned_job(user, job_id)) == 0
    claimed = store.claim_next_job(utc_now())
    assert claimed is not None
    assert claimed["id"] == job_id
    before = store.commits
    jobs.scheduler._chunk(
        job_id, *pack_chunk({"c": ["00", "11", "11", "00", "11"]}), True, _Following()
    )
    assert store.commits == before + 1
    doc = jobs.document(jobs.owned_job(user, job_id))
    assert doc["status"] == "completed"
    assert doc["results"] == {"c": ["00", "11", "11", "00", "11"]}
    assert doc["last-shot"] == 4
    assert jobs.result_bits(jobs.owned_job(user, job_id)) == 10  # 5 shots x 2 bits


def test_a_completion_claims_the_workers_next_job_in_its_commit(tmp_path: Path) -> None:
    from quantinuum_emulator import pack_chunk, utc_now

    jobs, user = _service(tmp_path)
    first, _ = jobs.submit(user, _body(), None)
    second, _ = jobs.submit(user, _body(), None)
    store = jobs._store
    claimed = store.claim_next_job(utc_now())
    assert claimed is not None
    assert claimed["id"] == first
    following = _Following()
    before = store.commits
    jobs.scheduler._chunk(first, *pack_chunk({"c": ["00", "11"]}), True, following)
    assert store.commits == before + 1
    row, _ = following.take()
    assert row is not None
    assert row["id"] == second
    assert store.job_status(first) == "completed"
    assert store.job_status(second) == "running"
    assert row["attempts"] == 1
    # Nothing more queued: the next completion claims nothing, and says it looked (so
    # its worker waits for the next job queued instead of looking again).
    again = _Following()
    jobs.scheduler._chunk(second, *pack_chunk({"c": ["11", "11"]}), True, again)
    assert (again.tried, again.row) == (True, None)
    assert store.job_status(second) == "completed"


def test_a_batch_checked_while_the_lane_pool_shuts_down_is_checked_inline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    jobs, user = _service(tmp_path)
    closed = ThreadPoolExecutor(1)
    closed.shutdown()
    monkeypatch.setattr(jobs, "_lanes", lambda: closed)  # as if stop() shut it meanwhile
    outcomes = jobs.submit_many(user, [(_body(), None), (_body(), None), (_body(), None)])
    assert [o[1] for o in outcomes if isinstance(o, tuple)] == ["queued"] * 3
