"""hqslib1's random number generator (`RNGseed`, `RNGbound`, `RNGindex`, `RNGnum()`).

As Quantinuum documents it: a 64-bit seed, an optional bound (inclusive, 32 bits) and a
32-bit stream index; `RNGnum()` returns the next 32-bit number of the stream selected by
(seed, index), so the same seed and index reproduce the same numbers. As on the cloud, the
bound is the register given to `RNGbound`, read at each `RNGnum()` call: changing its bits
later changes the range of the next numbers without another `RNGbound`. Each shot starts a
new stream: with an explicit `RNGseed` and no index change every shot draws the same
numbers (set `RNGindex` from `JOB_shotnum` to vary them); without `RNGseed` the stream is
seeded from the job's seed and the shot number. numpy's counter-based Philox generator
makes the (seed, index) -> stream mapping.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["ShotRng"]

_MASK64 = (1 << 64) - 1
_MASK32 = (1 << 32) - 1


class ShotRng:
    """One shot's generator state."""

    def __init__(self, default_seed: int) -> None:
        self._seed = default_seed & _MASK64
        self._index = 0
        self._bound: Callable[[], int] | None = None
        self._gen: np.random.Generator | None = None

    def seed(self, value: int) -> None:
        self._seed = value & _MASK64
        self._gen = None

    def index(self, value: int) -> None:
        self._index = value & _MASK32
        self._gen = None

    def bound(self, read: Callable[[], int]) -> None:
        """Bound the next numbers by `read()`, called at each draw (the bound register)."""
        self._bound = read

    def num(self, bound: int | None = None) -> int:
        """The next number, in [0, bound] (default: the `bound` register's value now)."""
        if self._gen is None:
            bitgen = np.random.Philox(key=self._seed, counter=[0, 0, self._index, 0])
            self._gen = np.random.Generator(bitgen)
        if bound is None and self._bound is not None:
            bound = self._bound()
        if bound is None:
            return int(self._gen.integers(0, 1 << 32))
        return int(self._gen.integers(0, bound & _MASK32, endpoint=True))
