"""Minute-level activity as stored: one day is 1,440 counts, packed as compressed int32 with -1 for "no data".

Pure (numpy and zlib); the wearable repository packs on write and unpacks on read, so services and pages only ever
see :class:`MinuteDay` values with a float array (NaN = no data this minute).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import date

import numpy as np

MINUTES_PER_DAY = 1440
#: Stored sentinel for "no data this minute" (distinct from a zero count, which is non-wear or rest).
MISSING = -1


@dataclass(frozen=True, eq=False)
class MinuteDay:
    """One stored day of minute activity: ``counts[m]`` for minute ``m`` (0 = 00:00 local), NaN = no data."""

    day: date
    source: str
    counts: np.ndarray = field(repr=False)


def pack_counts(counts: np.ndarray) -> bytes:
    """1,440 counts (NaN = missing) -> zlib-compressed little-endian int32 (missing stored as -1)."""
    arr = np.asarray(counts, dtype=float)
    out = np.where(np.isnan(arr), MISSING, np.round(arr)).astype("<i4")
    return zlib.compress(out.tobytes(), level=6)


def unpack_counts(blob: bytes) -> np.ndarray:
    """The inverse of :func:`pack_counts`: float counts with NaN where no data was recorded."""
    arr = np.frombuffer(zlib.decompress(blob), dtype="<i4").astype(float)
    arr[arr == MISSING] = np.nan
    return arr


def stack_days(days: tuple[MinuteDay, ...] | list[MinuteDay]) -> np.ndarray:
    """Stored days as one ``(n_days, 1440)`` array (empty days give shape ``(0, 1440)``)."""
    return np.vstack([d.counts for d in days]) if days else np.empty((0, MINUTES_PER_DAY))


__all__ = ["MINUTES_PER_DAY", "MISSING", "MinuteDay", "pack_counts", "stack_days", "unpack_counts"]
