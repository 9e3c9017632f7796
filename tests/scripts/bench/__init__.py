"""Tests of the benchmark harness (scripts/bench)."""
