"""Python SDK for the Quantinuum quantum-computing cloud API."""

from __future__ import annotations

from ._machines import DEFAULT_MACHINES, default_machines
from ._version import __version__

__all__ = ["DEFAULT_MACHINES", "__version__", "default_machines"]
