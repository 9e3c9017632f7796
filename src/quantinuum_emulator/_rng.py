"""hqslib1's random number generator (`RNGseed`, `RNGbound`, `RNGindex`, `RNGnum()`).

As Quantinuum documents it: a 64-bit seed, an optional bound (inclusive, 32 bits) and a
32-bit stream index; `RNGnum()` returns the next 32-bit number of the stream selected by
(seed, index), so the same seed and index reproduce the same numbers. Each shot starts a
new stream: with an explicit `RNGseed` and no index change every shot draws the same
numbers (set `RNGindex` from `JOB_shotnum` to vary them); without `RNGseed` the stream is
seeded from the job's seed and the shot number. numpy's counter-based Philox generator
makes the (seed, index) -> stream mapping.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ShotRng"]

_MASK64 = (1 << 64) - 1
_MASK32 = (1 << 32) - 1


class ShotRng:
    """One shot's generator state."""

    def __init__(self, default_seed: int) -> None:
        self._seed = default_seed & _MASK64
        self._index = 0
        self._bound: int | None = None
        self._gen: np.random.Generator | None = None

    def seed(self, value: int) -> None:
        self._seed = value & _MASK64
        self._gen = None

    def index(self, value: int) -> None:
        self._index = value & _MASK32
        self._gen = None

    def bound(self, value: int) -> None:
        self._bound = value & _MASK32

    def num(self) -> int:
        if self._gen is None:
            bitgen = np.random.Philox(key=self._seed, counter=[0, 0, self._index, 0])
            self._gen = np.random.Generator(bitgen)
        if self._bound is None:
            return int(self._gen.integers(0, 1 << 32))
        return int(self._gen.integers(0, self._bound, endpoint=True))
