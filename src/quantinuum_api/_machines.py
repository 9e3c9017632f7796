"""The built-in machine documents: H1-1, H2-1, H2-2 and Helios-1 (hardware).

The offline backend's default machine list. The data lives with the job semantics in
`quantinuum_emulator` (its machine data is stdlib only, so this import stays light), where the local
service derives each system's emulator (`…E`) and syntax checker (`…SC`) from it.
"""

from __future__ import annotations

from quantinuum_emulator import DEFAULT_MACHINES, default_machines

__all__ = ["DEFAULT_MACHINES", "default_machines"]
