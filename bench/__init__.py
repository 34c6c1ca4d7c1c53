"""Benchmarks: scripts that print a report; never timed asserts in tests."""
