"""A realistic queue: jobs stay queued for `queue_delay` after submission, as on the cloud.

`qapi serve` holds each job 2 s by default (`--queue-delay 0`: at once); `fast_settings`
(the tests' and `LocalServer`'s default) starts jobs at once.
"""

from __future__ import annotations

import argparse
import time

import pytest

from quantinuum_api_server._cli import _seconds
from quantinuum_api_server._settings import ServerSettings
from quantinuum_api_server._store import Store
from quantinuum_api_server.testing import LocalServer, fast_settings

from ..conftest import job_row
from .conftest import Api, new_user


def test_qapi_serve_holds_jobs_in_the_queue_by_default() -> None:
    assert ServerSettings().queue_delay == 2.0
    assert fast_settings().queue_delay == 0.0


def test_a_job_can_be_canceled_before_it_starts_and_the_queue_is_visible() -> None:
    with LocalServer(settings=fast_settings(queue_delay=60.0)) as server:
        email, _ = new_user(server)
        api = Api(server, email)
        first = api.submit().json()["job"]
        second = api.submit().json()["job"]
        assert api.job(first)["status"] == "queued"
        assert api.job(first)["queue-position"] == 0
        assert api.job(second)["queue-position"] == 1
        state = api.http.get("v1/machine/H1-1E", headers=api.headers).json()
        assert state["queue-length"] == 2
        canceled = api.http.post(f"v1/job/{first}/cancel", headers=api.headers)
        assert canceled.status_code == 200, canceled.text
        doc = api.job(first)
        assert doc["status"] == "canceled"
        assert doc["start-date"] is None  # it never ran
        assert api.job(second)["queue-position"] == 0


def test_a_queued_job_starts_once_its_delay_has_passed() -> None:
    with LocalServer(settings=fast_settings(queue_delay=0.3)) as server:
        email, _ = new_user(server)
        api = Api(server, email)
        job = api.submit().json()["job"]
        assert api.wait(job)["status"] == "completed"


def test_claiming_respects_each_jobs_ready_time(store: Store) -> None:
    user = store.add_user("a@example.com", None, None)
    ready_at = time.time() + 100.0
    job = job_row(user, ready_at=ready_at)
    store.insert_job(job, None, None)
    assert store.claim_next_job("now", now=ready_at - 0.01) is None
    claimed = store.claim_next_job("now", now=ready_at)
    assert claimed is not None
    assert claimed["id"] == job["id"]


def test_queue_delay_option_takes_seconds() -> None:
    assert _seconds("0") == 0.0
    assert _seconds("2.5") == 2.5
    for bad in ("-1", "nan", "inf", "soon"):
        with pytest.raises(argparse.ArgumentTypeError, match=bad):
            _seconds(bad)
