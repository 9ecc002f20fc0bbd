"""Benchmarks; each runs as `python -m bench.<module>`."""
