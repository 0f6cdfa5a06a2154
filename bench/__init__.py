"""Benchmarks: each prints the product's rate next to a raw baseline measured in the same run."""
