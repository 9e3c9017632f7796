"""Run coroutines for synchronous callers on a private event loop in a worker thread.

The sync API must work inside a running event loop (Jupyter) without patching it, so it
never calls `asyncio.run` on the caller's thread: coroutines run on one daemon thread with
its own loop. Ctrl-C in the caller cancels the coroutine and waits (briefly) for it to
unwind, so websockets and HTTP connections are closed before the interrupt propagates;
one that lands before the coroutine's first step closes it instead (it never runs, and
no "coroutine ... was never awaited" warning is left for the exit).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopThread", "run_sync"]

T = TypeVar("T")

#: How long an interrupted call waits for its coroutine to clean up.
CANCEL_GRACE = 5.0


class _Launch:
    """One start of the loop thread: its thread, its loop once built, and the event set
    when the loop is there (or could not be built).

    A Ctrl-C can land inside `Thread.start()` before or after the thread exists, and the
    caller cannot tell which. So the thread must take `claim` before it does anything, and
    a later call that finds a launch whose start never returned tries to take it first:
    if it gets it, the launch is dead (a thread that comes up late finds the claim gone
    and ends); if not, its thread is running and will be ready.
    """

    def __init__(self, name: str) -> None:
        self.ready = threading.Event()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pid = os.getpid()
        self.claim = threading.Lock()
        self.started = False  # set once Thread.start() returned
        self.thread = threading.Thread(target=self._serve, name=name, daemon=True)

    def _serve(self) -> None:
        if not self.claim.acquire(blocking=False):
            return  # given up by a later call before this thread ran
        try:
            loop = asyncio.new_event_loop()
            self.loop = loop
            asyncio.set_event_loop(loop)
        finally:
            self.ready.set()
        loop.run_forever()

    def usable(self) -> bool:
        """Running, or starting for certain, in this process (a thread from before a
        fork() is gone)."""
        if self.pid != os.getpid():
            return False
        if self.ready.is_set():
            return self.thread.is_alive()
        return self.started or not self.claim.acquire(blocking=False)


class LoopThread:
    """An event loop running forever in a daemon thread (started on first use)."""

    def __init__(self, name: str = "quantinuum-api-loop") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._launch: _Launch | None = None

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        """The running loop, starting its thread first if there is none.

        The loop is built on its own thread, not the caller's: Python raises
        KeyboardInterrupt only in the main thread, and one landing inside the loop's
        constructor left a half-made loop whose `__del__` failed at exit. A caller
        interrupted while it starts the thread or waits for it leaves a launch that the
        next call either waits for or, if its thread never ran, replaces (`_Launch`):
        one landing inside `Thread.start()` before the thread existed used to leave a
        launch that never became ready, and `Client.close` waited for it forever.
        """
        with self._lock:
            launch = self._launch
            if launch is None or not launch.usable():
                launch = self._launch = _Launch(self._name)
                launch.thread.start()
                launch.started = True
        launch.ready.wait()
        loop = launch.loop
        if loop is None:
            raise RuntimeError("the SDK's event loop could not be started")
        return loop

    @property
    def in_loop_thread(self) -> bool:
        """Whether the caller is running on this loop's own thread."""
        launch = self._launch
        return launch is not None and threading.current_thread() is launch.thread

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the loop and block until it finishes; return its result."""
        if self.in_loop_thread:
            coro.close()
            raise RuntimeError(
                "the synchronous client was called from its own event-loop thread "
                "(e.g. inside an on_update callback); use AsyncClient there instead"
            )
        finished = threading.Event()
        claim = threading.Lock()  # taken by whichever side owns `coro`: runner or caller

        async def runner() -> T:
            if not claim.acquire(blocking=False):  # the caller gave up before this step
                raise asyncio.CancelledError
            try:
                return await coro
            finally:
                finished.set()

        def abandon() -> bool:
            """Close `coro` if the runner has not started it (then it never will)."""
            if not claim.acquire(blocking=False):
                return False
            coro.close()
            return True

        job = runner()
        future: concurrent.futures.Future[T] | None = None
        try:
            loop = self._ensure_loop()
            future = asyncio.run_coroutine_threadsafe(job, loop)
            return future.result()
        except BaseException:
            if future is None:  # interrupted before the runner was handed to the loop
                with contextlib.suppress(ValueError):  # (it got there and is running)
                    job.close()
            if abandon():  # never started: nothing to unwind, nothing to wait for
                if future is not None:
                    future.cancel()
            elif future is None or not future.done():  # interrupted (Ctrl-C): unwind it
                if future is not None:
                    future.cancel()
                finished.wait(CANCEL_GRACE)
            raise

    def stop(self) -> None:
        """Stop the loop and join its thread (a later `run` starts a new one)."""
        with self._lock:
            launch, self._launch = self._launch, None
        if launch is None or not launch.usable():
            return
        launch.ready.wait()
        loop = launch.loop
        if loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        launch.thread.join()
        loop.close()


_default = LoopThread()


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` on the shared SDK loop thread and return its result."""
    return _default.run(coro)
