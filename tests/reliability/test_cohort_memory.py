"""Cohort simulations larger than memory run in chunks: peak memory is set by ``chunk_size``, not by ``n``."""

from __future__ import annotations

import tracemalloc

from novamind_core.twin.cohort import simulate_cohort, unit_signal_library


def _peak_mb(n: int, chunk: int, libraries: dict) -> float:
    tracemalloc.start()
    simulate_cohort("sertraline", 100.0, n=n, weeks=8, seed=1, chunk_size=chunk, libraries=libraries)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def test_ten_times_more_virtual_patients_need_no_more_peak_memory():
    libraries = {"sertraline": unit_signal_library("sertraline", 100.0, 57)[:, 56]}
    small, large = _peak_mb(10_000, 5_000, libraries), _peak_mb(100_000, 5_000, libraries)
    assert large <= 1.2 * small + 0.5, (small, large)


def test_the_chunk_size_not_the_cohort_sets_the_peak():
    libraries = {"sertraline": unit_signal_library("sertraline", 100.0, 57)[:, 56]}
    assert _peak_mb(60_000, 2_000, libraries) < _peak_mb(60_000, 60_000, libraries) / 2
