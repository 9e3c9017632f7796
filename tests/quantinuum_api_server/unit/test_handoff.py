"""Jobs prepared at submission are handed to their worker once, bounded in number."""

from __future__ import annotations

import pickle
from pathlib import Path

from quantinuum_api_server import _scheduler
from quantinuum_api_server._events import JobEvents
from quantinuum_api_server._jobs import JobService
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


def test_failed_at_submission_and_old_jobs_are_not_kept(tmp_path: Path) -> None:
    jobs, user = _service(tmp_path)
    failed, status = jobs.submit(user, _body(**{"max-cost": 0.0}), None)
    assert status == "failed"
    assert jobs.scheduler._handed_off(failed) is None
    ids = [jobs.submit(user, _body(), None)[0] for _ in range(_scheduler.HANDOFF_JOBS + 3)]
    assert all(jobs.scheduler._handed_off(job_id) is None for job_id in ids[:3])
    assert all(jobs.scheduler._handed_off(job_id) is not None for job_id in ids[3:])


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
    jobs.scheduler._chunk(job_id, *pack_chunk({"c": ["00", "11", "11", "00", "11"]}), True)
    assert store.commits == before + 1
    doc = jobs.document(jobs.owned_job(user, job_id))
    assert doc["status"] == "completed"
    assert doc["results"] == {"c": ["00", "11", "11", "00", "11"]}
    assert doc["last-shot"] == 4
    assert jobs.result_bits(jobs.owned_job(user, job_id)) == 10  # 5 shots x 2 bits
