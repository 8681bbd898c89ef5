"""Benchmarks: our models beside baseline systems (`hotich bench`)."""
