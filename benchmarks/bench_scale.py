"""Scale benchmark: a virtual cohort larger than memory-per-patient budgets, run in chunks with bounded memory.

``novamind_core.twin.simulate_cohort(drug, n=..., chunk_size=...)`` processes virtual patients ``chunk_size`` at a
time (:mod:`novamind_core.twin.cohort`), so its peak memory is set by the chunk, not by ``n``. This benchmark runs
the same simulation for n = 1,000,000 (full) and the baseline n = 100,000 (quick: 200,000 vs 20,000) with the same
chunk size and reports, in the same run:

* wall time of the large run and its ratio to the baseline (about n_large / n_small when time is linear in n);
* peak traced memory (``tracemalloc``, which numpy reports its buffers to) of both; the ratio must stay near 1:
  memory does not grow with n. The PK unit-signal library (a fixed 200 PK patients per drug) is computed once and
  passed in, so both runs measure the per-patient chunk loop only.

Target: peak memory ratio (large / small) <= 1.2 and time ratio close to linear.
"""

from __future__ import annotations

import gc
import time
import tracemalloc

from novamind_core.twin.cohort import simulate_cohort, unit_signal_library

DRUG, DOSE_MG, WEEKS = "sertraline", 100.0, 8
CHUNK = 50_000


def _measure(n: int, libraries: dict, chunk: int) -> tuple[float, float, object]:
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    result = simulate_cohort(DRUG, DOSE_MG, n=n, weeks=WEEKS, seed=1, chunk_size=chunk, libraries=libraries)
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 2**20, result


def run(quick: bool = False) -> list[dict]:
    n_small, n_large = (20_000, 200_000) if quick else (100_000, 1_000_000)
    chunk = 10_000 if quick else CHUNK
    day = 7 * WEEKS
    libraries = {DRUG: unit_signal_library(DRUG, DOSE_MG, day + 1)[:, day]}
    t_small, mem_small, _ = _measure(n_small, libraries, chunk)
    t_large, mem_large, result = _measure(n_large, libraries, chunk)
    notes = (f"simulate_cohort({DRUG!r}, {DOSE_MG:g} mg, {WEEKS} weeks, chunk_size={chunk:,}); PK library computed "
             f"once and passed in. Large-run response rate {getattr(result, 'response_rate', float('nan')):.3f}.")
    return [
        {"name": f"cohort simulation, {n_large:,} virtual patients in chunks: time (ratio = large/baseline time)",
         "value": round(t_large, 3), "unit": "s", "baseline_name": f"same simulation, {n_small:,} patients",
         "baseline_value": round(t_small, 3), "ratio": round(t_large / t_small, 2),
         "target": f"about {n_large // n_small}x (linear in n)", "peak_memory_mb": round(mem_large, 1),
         "notes": notes},
        {"name": f"cohort simulation, {n_large:,} virtual patients: peak memory (ratio = large/baseline peak)",
         "value": round(mem_large, 1), "unit": "MB", "baseline_name": f"peak memory with {n_small:,} patients",
         "baseline_value": round(mem_small, 1), "ratio": round(mem_large / mem_small, 2),
         "target": "<= 1.2 (memory bounded by the chunk, not by n)", "peak_memory_mb": round(mem_large, 1),
         "notes": "tracemalloc peak during simulate_cohort (numpy buffers included)."},
    ]


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
