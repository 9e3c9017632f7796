"""The bench's modules are the `bench` package under `scripts/` (as the runner imports them)."""

from __future__ import annotations

import sys

from tests.paths import ROOT

if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))
