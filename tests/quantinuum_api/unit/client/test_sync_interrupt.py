"""Ctrl-C landing inside `LoopThread.run` before its coroutine ever ran leaves nothing behind.

A real SIGINT lands there only by timing, so the interrupt is raised at that point on
purpose (the only fault injected); the loop thread and the coroutines are real.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import warnings
from concurrent.futures import Future
from typing import Any

import pytest

from quantinuum_api import _sync


async def answer() -> int:
    await asyncio.sleep(0)
    return 42


def _never_awaited(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if "was never awaited" in str(w.message)]


@pytest.mark.parametrize("where", ["starting the loop", "scheduling the runner"])
def test_an_interrupt_before_the_runner_is_scheduled_closes_the_coroutine(
    monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    thread = _sync.LoopThread("test-interrupt")

    def interrupt(*args: Any, **kwargs: Any) -> Any:
        for value in args:
            if asyncio.iscoroutine(value):
                value.close()  # as the real call would never have seen it
        raise KeyboardInterrupt

    if where == "starting the loop":
        monkeypatch.setattr(thread, "_ensure_loop", interrupt)
    else:
        monkeypatch.setattr(asyncio, "run_coroutine_threadsafe", interrupt)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(KeyboardInterrupt):
            thread.run(answer())
        gc.collect()
    thread.stop()
    assert _never_awaited(caught) == []


def test_an_interrupt_after_scheduling_before_the_first_step_closes_the_coroutine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The runner is queued on a loop that is busy, and Ctrl-C arrives: the coroutine is
    closed at once (no wait for a loop that has not started it) and never runs."""
    thread = _sync.LoopThread("test-interrupt-queued")
    loop = thread._ensure_loop()
    release, blocked = threading.Event(), threading.Event()
    real = asyncio.run_coroutine_threadsafe
    ran: list[bool] = []

    def busy() -> None:  # holds the loop thread itself: nothing else runs meanwhile
        blocked.set()
        release.wait()

    async def job() -> int:
        ran.append(True)
        return 1

    loop.call_soon_threadsafe(busy)
    assert blocked.wait(10)

    class Interrupted(Future[Any]):
        def result(self, timeout: float | None = None) -> Any:
            raise KeyboardInterrupt

    def schedule_then_interrupt(coro: Any, on: asyncio.AbstractEventLoop) -> Future[Any]:
        inner = real(coro, on)
        outer: Interrupted = Interrupted()
        inner.add_done_callback(lambda f: outer.cancel() or None)
        outer.add_done_callback(lambda f: inner.cancel() or None)
        return outer

    monkeypatch.setattr(_sync, "CANCEL_GRACE", 60.0)  # a wait would show as a hang
    monkeypatch.setattr(asyncio, "run_coroutine_threadsafe", schedule_then_interrupt)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(KeyboardInterrupt):
            thread.run(job())
        release.set()
        monkeypatch.setattr(asyncio, "run_coroutine_threadsafe", real)
        assert thread.run(answer()) == 42  # the loop went on; the abandoned runner is gone
        gc.collect()
    thread.stop()
    assert ran == []
    assert _never_awaited(caught) == []
