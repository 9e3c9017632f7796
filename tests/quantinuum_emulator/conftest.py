"""Shared fixtures for the simulator's unit tests."""

from __future__ import annotations

import pytest

from quantinuum_emulator._simulator import Simulator


@pytest.fixture(scope="session")
def simulator() -> Simulator:
    """One warm simulator for the whole session (as the service keeps one)."""
    return Simulator()
