"""Benchmarks: `python -m bench` runs them all (bench/__main__.py); bench/wait_estimates.py runs alone."""
