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


def test_ctrl_c_cannot_cut_the_loop_s_construction_short(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Python raises KeyboardInterrupt only in the main thread. A Ctrl-C landing while the
    loop is being built there left a half-made loop whose `__del__` printed
    "Exception ignored ... has no attribute '_closed'" at exit (seen in `qapi wait`). The
    model: new_event_loop, called on the main thread, is interrupted before its __init__
    finished; the loop must be built where no KeyboardInterrupt can land."""
    real = asyncio.new_event_loop
    unraisable: list[Any] = []

    def interrupted_on_the_main_thread() -> asyncio.AbstractEventLoop:
        if threading.current_thread() is threading.main_thread():
            half_made = asyncio.SelectorEventLoop.__new__(asyncio.SelectorEventLoop)
            del half_made  # what the interrupt leaves to the garbage collector
            raise KeyboardInterrupt
        return real()

    monkeypatch.setattr(asyncio, "new_event_loop", interrupted_on_the_main_thread)
    monkeypatch.setattr("sys.unraisablehook", unraisable.append)
    thread = _sync.LoopThread("test-interrupt-construction")
    try:
        assert thread.run(answer()) == 42
    except KeyboardInterrupt:
        pytest.fail("the loop was built on the caller's thread, where Ctrl-C lands")
    finally:
        thread.stop()
    gc.collect()
    assert unraisable == []


def test_an_interrupt_while_the_loop_starts_leaves_one_loop_for_the_next_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C while the caller waits for the new loop thread (`Thread.start()` waits on
    an Event once the thread exists): the next call works, and no thread is left over.
    (It uses that thread, or, if the thread had not run yet, a new one: the first then
    finds its launch given up and ends.)"""
    thread = _sync.LoopThread("test-interrupt-ready")
    real_wait = threading.Event.wait
    calls: list[int] = []

    def interrupted_once(self: threading.Event, timeout: float | None = None) -> bool:
        if not calls and threading.current_thread() is threading.main_thread():
            calls.append(1)
            raise KeyboardInterrupt
        return real_wait(self, timeout)

    monkeypatch.setattr(threading.Event, "wait", interrupted_once)
    before = {t.name for t in threading.enumerate()}
    with pytest.raises(KeyboardInterrupt):
        thread.run(answer())
    monkeypatch.setattr(threading.Event, "wait", real_wait)
    try:
        assert thread.run(answer()) == 42
    finally:
        thread.stop()
    assert "test-interrupt-ready" not in before
    for left in [t for t in threading.enumerate() if t.name == "test-interrupt-ready"]:
        left.join(60)  # a given-up thread ends at once; one still serving never would
        assert not left.is_alive(), "a loop thread was left running after stop()"


@pytest.mark.parametrize("launches_before", [0, 1], ids=["first-launch", "after-a-stop"])
def test_an_interrupt_inside_thread_start_leaves_no_launch_to_wait_for(
    monkeypatch: pytest.MonkeyPatch, launches_before: int
) -> None:
    """Ctrl-C landing inside `Thread.start()` before the thread existed (seen in `qapi
    wait`: 5 hangs in 60 interrupts). The launch it left behind was taken for one still
    starting, so the next call (`Client.close` on the way out) waited for it forever."""
    thread = _sync.LoopThread("test-interrupt-start")
    if launches_before:  # a loop that ran and was stopped: the next call starts anew
        assert thread.run(answer()) == 42
        thread.stop()
    real_start = threading.Thread.start

    def interrupted_before_the_thread_exists(self: threading.Thread) -> None:
        if self.name == "test-interrupt-start":
            monkeypatch.setattr(threading.Thread, "start", real_start)
            raise KeyboardInterrupt
        real_start(self)

    monkeypatch.setattr(threading.Thread, "start", interrupted_before_the_thread_exists)
    with pytest.raises(KeyboardInterrupt):
        thread.run(answer())
    answers: list[int] = []
    caller = threading.Thread(target=lambda: answers.append(thread.run(answer())), daemon=True)
    caller.start()
    caller.join(60)  # the call takes milliseconds; a hang is a wait with no end
    try:
        assert answers == [42], "the next call waited for a thread that never started"
    finally:
        if answers:
            thread.stop()
