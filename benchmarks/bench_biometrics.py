"""Biometrics benchmarks: every actigraphy metric on one year of minute data, and the Apple Health import.

``run(quick)`` returns one dict per figure (keys in the benchmark convention). Baselines run in the same call:

- Actigraphy: a naive pandas implementation (resample/groupby for IS/IV, a Python loop over the 1,440 window
  starts for M10/L5, ``rolling().apply`` for Cole-Kripke, the full design matrix for the cosinor), the way
  these metrics are often written. Target: < 1 s and < 300 MB peak (tracemalloc) for 525,600 epochs.
- Apple Health: the streaming parser on a generated export (50 MB quick, 1 GB full) against
  ``ElementTree.parse`` of a 10 MB export (peak memory per MB of file). Parsing time scales linearly with the
  file (about 90-100 s per GB on one core of the development machine); memory grows by ~30 bytes per kept record
  plus one chunk of 10,000 records of text.
"""

from __future__ import annotations

import gc
import tempfile
import time
import tracemalloc
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd

from novamind_core.biometrics.parsers.apple_health import read_apple_health
from novamind_core.biometrics.report import actigraphy_report
from novamind_core.biometrics.synthetic import synthetic_actigraphy, write_apple_health_export

YEAR_DAYS = 365


def _naive_metrics(s: pd.Series) -> dict:
    hourly = s.resample("1h").mean().dropna()
    grand = hourly.mean()
    by_hour = hourly.groupby(hourly.index.hour).mean()
    n, p = len(hourly), 24
    total = ((hourly - grand) ** 2).sum()
    is_ = n * ((by_hour - grand) ** 2).sum() / (p * total)
    iv = n * (hourly.diff().dropna() ** 2).sum() / ((n - 1) * total)
    profile = s.groupby(s.index.hour * 60 + s.index.minute).mean().to_numpy()
    ext = np.concatenate([profile, profile])
    m10 = max(ext[i : i + 600].mean() for i in range(1440))
    l5 = min(ext[i : i + 300].mean() for i in range(1440))
    w = np.array([106, 54, 58, 76, 230, 74, 67, 0, 0], float)
    a = (s.fillna(0) / 100).clip(upper=300)
    ck = a.rolling(9, center=True).apply(lambda v: 0.001 * float(np.dot(v, w)), raw=True) < 1
    t = (s.index.hour * 60 + s.index.minute).to_numpy() / 60
    ok = s.notna().to_numpy()
    design = np.column_stack([np.ones(ok.sum()), np.cos(2 * np.pi * t[ok] / 24), np.sin(2 * np.pi * t[ok] / 24)])
    coef = np.linalg.lstsq(design, s.to_numpy()[ok], rcond=None)[0]
    return {"is": is_, "iv": iv, "m10": m10, "l5": l5, "ck": ck, "cos": coef}


def _timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def _peak_mb(fn) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 1e6


def run(quick: bool = False) -> list[dict]:
    results = []
    counts = synthetic_actigraphy(YEAR_DAYS, seed=0).counts
    fast = _timed(lambda: actigraphy_report(counts), repeat=1 if quick else 3)
    fast_mem = _peak_mb(lambda: actigraphy_report(counts))
    naive = _timed(lambda: _naive_metrics(counts))
    naive_mem = _peak_mb(lambda: _naive_metrics(counts))
    results.append({
        "name": "actigraphy all metrics, 1 year of minutes (speed-up = naive / fast)",
        "value": round(fast, 3), "unit": "s",
        "baseline_name": "naive pandas groupby/rolling.apply + Python window loop (fewer metrics)",
        "baseline_value": round(naive, 3), "ratio": round(naive / fast, 1),
        "target": "< 1 s, < 300 MB", "peak_memory_mb": round(fast_mem, 1),
        "notes": f"{len(counts)} epochs; IS, IV, M10/L5, RA, cosinor, non-wear, Cole-Kripke, nights, SRI, quality; "
                 f"baseline peak {naive_mem:.0f} MB",
    })

    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "small.xml"
        s_stats = write_apple_health_export(small, target_bytes=10_000_000)
        tree_mem = _peak_mb(lambda: ET.parse(small))
        big = Path(tmp) / "export.xml"
        target = 50_000_000 if quick else 1_000_000_000
        stats = write_apple_health_export(big, target_bytes=target)
        secs = _timed(lambda: read_apple_health(big))
        mem = _peak_mb(lambda: read_apple_health(big)) if quick else None
        if not quick:  # one traced pass on the 1 GB file is slow; trace a 100 MB prefix-sized file instead
            mid = Path(tmp) / "mid.xml"
            write_apple_health_export(mid, target_bytes=100_000_000)
            mem = _peak_mb(lambda: read_apple_health(mid)) * (stats["bytes"] / 100_000_000)
        mb = stats["bytes"] / 1e6
        tree_per_mb = tree_mem / (s_stats["bytes"] / 1e6)
        results.append({
            "name": f"Apple Health import {mb:.0f} MB (ratio = peak memory / full-tree estimate)",
            "value": round(secs, 2), "unit": "s",
            "baseline_name": "ElementTree.parse peak memory, scaled per MB from a 10 MB export",
            "baseline_value": round(tree_per_mb * mb, 1), "ratio": round(mem / (tree_per_mb * mb), 3),
            "target": "bounded memory; time linear in file size", "peak_memory_mb": round(mem, 1),
            "notes": f"{stats['records']} records ({stats['days']} days), {mb / secs:.1f} MB/s; "
                     + ("quick mode; full run uses 1 GB" if quick else "memory upper bound scaled from 100 MB"),
        })
    return results


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--full" not in sys.argv), indent=2))
