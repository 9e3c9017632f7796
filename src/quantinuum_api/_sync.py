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


class LoopThread:
    """An event loop running forever in a daemon thread (started on first use)."""

    def __init__(self, name: str = "quantinuum-api-loop") -> None:
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._pid = os.getpid()

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        """The running loop, starting its thread first if there is none.

        The loop is built on its own thread, not the caller's: Python raises
        KeyboardInterrupt only in the main thread, and one landing inside the loop's
        constructor left a half-made loop whose `__del__` failed at exit. A caller
        interrupted while it waits here leaves the thread starting; the next call waits
        for that same thread instead of starting another.
        """
        with self._lock:
            if not self._starting_or_running():
                self._loop, self._ready, self._pid = None, threading.Event(), os.getpid()
                self._thread = threading.Thread(
                    target=self._serve, args=(self._ready,), name=self._name, daemon=True
                )
                self._thread.start()
            ready = self._ready
        ready.wait()
        loop = self._loop
        if loop is None:
            raise RuntimeError("the SDK's event loop could not be started")
        return loop

    def _starting_or_running(self) -> bool:
        # A thread still starting is not yet alive; one from before a fork() is gone.
        thread = self._thread
        if thread is None or self._pid != os.getpid():
            return False
        return thread.is_alive() or not self._ready.is_set()

    def _serve(self, ready: threading.Event) -> None:
        try:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
        finally:
            ready.set()
        loop.run_forever()

    @property
    def in_loop_thread(self) -> bool:
        """Whether the caller is running on this loop's own thread."""
        return self._thread is not None and threading.current_thread() is self._thread

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
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None or thread is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()


_default = LoopThread()


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` on the shared SDK loop thread and return its result."""
    return _default.run(coro)
