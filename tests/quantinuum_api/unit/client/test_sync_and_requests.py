"""The private loop thread, and validation of job submissions."""

from __future__ import annotations

import asyncio
import threading

import pytest

from quantinuum_api._client import build_job_request
from quantinuum_api._sync import LoopThread, run_sync

BELL = 'OPENQASM 2.0;\ninclude "qelib1.inc";\nqreg q[1];\ncreg c[1];\nmeasure q -> c;\n'


async def _where() -> str:
    await asyncio.sleep(0)
    return threading.current_thread().name


def test_run_sync_uses_a_dedicated_thread() -> None:
    assert run_sync(_where()) == "quantinuum-api-loop"


async def test_run_sync_works_inside_a_running_loop() -> None:
    assert asyncio.get_running_loop().is_running()
    assert run_sync(_where()) == "quantinuum-api-loop"


def test_calling_back_into_the_loop_thread_is_refused() -> None:
    portal = LoopThread("test-portal")

    async def nested() -> None:
        portal.run(_where())

    with pytest.raises(RuntimeError, match="own event-loop thread"):
        portal.run(nested())
    portal.stop()
    assert portal.run(_where()) == "test-portal"  # restarts on demand
    portal.stop()


def test_errors_propagate_unchanged() -> None:
    async def boom() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        run_sync(boom())


def test_job_request_body_uses_the_spec_names() -> None:
    body = build_job_request(
        BELL,
        "H1-1E",
        10,
        name="n",
        options={"error-model": False, "tket": {"opt_level": 0}},
        priority="high",
        max_cost=3,
    )
    assert body == {
        "count": 10,
        "machine": "H1-1E",
        "language": "OPENQASM 2.0",
        "program": BELL,
        "name": "n",
        "priority": "high",
        "options": {"error-model": False, "tket": {"opt_level": 0}},
        "max-cost": 3.0,
    }
    assert build_job_request(BELL, "H1-1E", None, count=5)["count"] == 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"shots": 0}, "positive integer"),
        ({"shots": None}, "positive integer"),
        ({"shots": True}, "positive integer"),
        ({"shots": 2, "count": 3}, "once"),
        ({"program": "  "}, "program"),
        ({"machine": ""}, "machine"),
        ({"language": "QASM 3"}, "language must be one of"),
        ({"priority": "urgent"}, "priority must be one of"),
        ({"max_cost": -1}, "max_cost"),
        ({"options": ["a"]}, "options"),
    ],
)
def test_bad_submissions_raise_value_error(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"program": BELL, "machine": "H1-1E", "shots": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        build_job_request(**args)  # type: ignore[arg-type]
