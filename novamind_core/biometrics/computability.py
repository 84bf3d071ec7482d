"""Which actigraphy metrics the data can support, and why not when it cannot (never a silent 0 or a made-up value).

A metric computed from too little data is not a small value, it is no value: a report that says "L5 at 21:30" when
the night's still minutes were removed as non-wear puts the rest period in the hours of activity. The rules here
decide, before anything is computed, whether each metric is computable, and give the reason in words when it is not:

- **Rhythm (IS, IV, cosinor)** need at least :data:`MIN_VALID_DAYS` days with at least 600 worn minutes each (the
  valid-day rule of Troiano et al. 2008, doi:10.1249/mss.0b013e31815a51b3); IS compares days with each other, so one
  day gives IS = 1 whatever the rhythm.
- **M10, L5 and RA** also need every clock hour of the average day observed (at least
  :data:`MIN_WORN_MIN_PER_CLOCK_HOUR` worn minutes across the recording): with hours missing, the least active 5 h
  are searched only among the hours that remain, which are the active ones when the rest period was read as
  non-wear (90 min of zero counts, Choi et al. 2011, doi:10.1249/MSS.0b013e3181ed61a3).
- **Sleep (per night)** needs a main sleep period; when none is found the reason says whether the night hours
  were read as non-wear, were not recorded, or held no rest of 3 h.
- **Sleep Regularity Index** (Phillips et al. 2017) needs two days of scored states and at least one night's sleep
  found; an all-wake record would otherwise score a "perfectly regular" 100.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from novamind_core.biometrics.grid import MINUTES_PER_DAY, minute_of_day
from novamind_core.biometrics.wear import VALID_DAY_WEAR_MIN

#: Days with >= 600 worn minutes that the rhythm metrics need (IS compares days: one day always gives IS = 1).
MIN_VALID_DAYS = 2
#: Worn minutes each clock hour needs, over the whole recording, for M10/L5 (half an hour, as the window rule).
MIN_WORN_MIN_PER_CLOCK_HOUR = 30
#: Clock hours that count as the night when explaining a missing sleep period (20:00 to 10:00).
NIGHT_HOURS = (20, 21, 22, 23, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)

RHYTHM_METRICS = ("interdaily_stability", "intradaily_variability", "cosinor")
EXTREME_METRICS = ("relative_amplitude", "m10", "l5")


@dataclass(frozen=True)
class NotComputable:
    """A metric the data cannot support, with the reason in words (shown as "not computable: <reason>")."""

    metric: str
    reason: str


def _hour_span(hours: np.ndarray) -> str:
    """Clock hours (sorted, possibly wrapping midnight) as ``HH:00-HH:00`` spans."""
    if hours.size == 0:
        return ""
    present = np.zeros(24, bool)
    present[hours] = True
    if present.all():
        return "every hour"
    start = int(np.flatnonzero(~present)[0])  # begin the scan just after a hour that is not in the set
    order = [(start + k) % 24 for k in range(24)]
    spans, first = [], None
    for h in order + [start]:
        if present[h] and first is None:
            first = h
        elif not present[h] and first is not None:
            spans.append(f"{first:02d}:00-{h:02d}:00")
            first = None
    return ", ".join(spans)


def rhythm_limits(x: np.ndarray, nonwear: np.ndarray, idx: pd.DatetimeIndex) -> tuple[NotComputable, ...]:
    """Reasons the rhythm metrics (IS, IV, cosinor, M10/L5/RA) cannot be computed; empty when they can.

    Parameters
    ----------
    x : numpy.ndarray
        Minute counts (NaN = not recorded).
    nonwear : numpy.ndarray of bool
        Minutes judged non-wear.
    idx : pandas.DatetimeIndex
        The minutes' local clock times.
    """
    worn = ~np.isnan(x) & ~nonwear
    codes, uniques = pd.factorize(idx.normalize())
    worn_per_day = np.bincount(codes, weights=worn, minlength=len(uniques))
    valid_days = int(np.sum(worn_per_day >= VALID_DAY_WEAR_MIN))
    if valid_days < MIN_VALID_DAYS:
        reason = (f"too little wear: {valid_days} day(s) with at least {VALID_DAY_WEAR_MIN // 60} h worn (Troiano "
                  f"et al. 2008); the rhythm needs {MIN_VALID_DAYS} to compare days")
        return tuple(NotComputable(m, reason) for m in RHYTHM_METRICS + EXTREME_METRICS)
    hour = minute_of_day(idx) // 60
    worn_per_hour = np.bincount(hour[worn], minlength=24)
    missing = np.flatnonzero(worn_per_hour < MIN_WORN_MIN_PER_CLOCK_HOUR)
    if missing.size == 0:
        return ()
    nonwear_hours = np.flatnonzero(np.bincount(hour[nonwear], minlength=24) >= MIN_WORN_MIN_PER_CLOCK_HOUR)
    why = (" the rest period was probably read as non-wear (90 min or more of zero counts, Choi et al. 2011): a "
           "still sleeper and a watch on the table look the same" if np.intersect1d(missing, nonwear_hours).size
           else " the watch was not recorded then")
    reason = (f"no worn minutes at {_hour_span(missing)} on any day;{why}, so the least and most active hours "
              "cannot be placed")
    return tuple(NotComputable(m, reason) for m in EXTREME_METRICS)


def sleep_limits(x: np.ndarray, nonwear: np.ndarray, idx: pd.DatetimeIndex, state: np.ndarray,
                 n_nights: int) -> tuple[NotComputable, ...]:
    """Reasons the sleep metrics and the Sleep Regularity Index cannot be computed; empty when they can.

    ``state`` is the scored sleep/wake per minute (1, 0, NaN where not worn); ``n_nights`` the nights found.
    """
    out: list[NotComputable] = []
    if n_nights == 0:
        hour = minute_of_day(idx) // 60
        night = np.isin(hour, NIGHT_HOURS)
        n_night = max(int(night.sum()), 1)
        share_nonwear = float(np.sum(nonwear & night)) / n_night
        share_missing = float(np.sum(np.isnan(x) & night)) / n_night
        if share_nonwear >= 0.25:
            reason = (f"{share_nonwear:.0%} of the night hours (20:00-10:00) read as non-wear (90 min or more of "
                      "zero counts, Choi et al. 2011): a still rest period cannot be told from a watch taken off")
        elif share_missing >= 0.5:
            reason = f"{share_missing:.0%} of the night hours (20:00-10:00) were not recorded"
        else:
            reason = "no rest period of at least 3 h was scored as sleep (Cole-Kripke / Sadeh)"
        out.append(NotComputable("sleep", reason))
    scored = state[~np.isnan(state)]
    if state.size <= MINUTES_PER_DAY:
        out.append(NotComputable("sleep_regularity_index", "needs more than one day to compare each minute with "
                                                           "the same minute 24 h later"))
    elif n_nights == 0 or not np.any(scored == 1.0):
        out.append(NotComputable("sleep_regularity_index", "no night's sleep was found in the worn minutes, so "
                                                           "regularity would describe wake alone"))
    return tuple(out)
