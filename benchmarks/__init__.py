"""Benchmarks: the package vs the raw SDKs on one emulator (`python -m benchmarks`).

Not part of the test run; see README.md for the results and how to read them.
"""
