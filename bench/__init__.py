"""Benchmarks: each script prints one JSON object with its figures and same-run baselines."""
