"""Paths of the repository's files, for tests."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "openapi.yaml"
GENERATED = ROOT / "generated"
GENERATE_SCRIPT = ROOT / "scripts" / "generate"
GENERATE_SYNC_SCRIPT = ROOT / "scripts" / "generate_sync.py"
