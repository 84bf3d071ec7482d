"""Non-wear detection from runs of zero counts, and wear time per day.

Rule (Troiano et al. 2008, the NHANES 2003-2004 accelerometer rule): non-wear is an interval of at least
60 consecutive minutes of zero counts, allowing interruptions of 1-2 consecutive minutes with counts between
1 and 100 (each interruption bounded by zeros on both sides). Troiano RP, Berrigan D, Dodd KW, et al. Physical
activity in the United States measured by accelerometer. Med Sci Sports Exerc. 2008;40(1):181-188.
doi:10.1249/mss.0b013e31815a51b3.

Choi et al. 2011 (Med Sci Sports Exerc 43(2):357-364, doi:10.1249/MSS.0b013e3181ed61a3) lengthen the run to
90 minutes to avoid calling still sleep non-wear: ``detect_nonwear(x, min_run_min=90)`` gives their window length
(their extra 30-minute up/downstream check on interruptions is not implemented). A valid day has at least 10 h
(600 min) of wear (Troiano et al. 2008).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from novamind_core.biometrics.grid import check_minute_series, fill_runs, runs

#: Troiano et al. 2008: minimum length of a non-wear run, minutes.
NONWEAR_MIN_RUN_MIN = 60
#: Troiano et al. 2008: longest tolerated interruption, minutes, and its highest count.
SPIKE_TOLERANCE_MIN = 2
SPIKE_MAX_COUNTS = 100
#: Troiano et al. 2008: a day with at least this much wear is a valid day.
VALID_DAY_WEAR_MIN = 600


def detect_nonwear(
    activity: pd.Series,
    min_run_min: int = NONWEAR_MIN_RUN_MIN,
    spike_tolerance_min: int = SPIKE_TOLERANCE_MIN,
    spike_max_counts: float = SPIKE_MAX_COUNTS,
) -> pd.Series:
    """Boolean series, ``True`` at minutes judged non-wear (see the module docstring for the rule).

    Missing minutes (``NaN``) are not non-wear (there is no data to judge) and break a run.
    """
    x, idx = check_minute_series(activity)
    return pd.Series(_nonwear_mask(x, min_run_min, spike_tolerance_min, spike_max_counts), index=idx,
                     name="nonwear")


def _nonwear_mask(x: np.ndarray, min_run_min: int = NONWEAR_MIN_RUN_MIN,
                  spike_tolerance_min: int = SPIKE_TOLERANCE_MIN,
                  spike_max_counts: float = SPIKE_MAX_COUNTS) -> np.ndarray:
    valid = ~np.isnan(x)
    zero = valid & (x == 0)
    nonzero = valid & (x > 0)
    starts, lengths = runs(nonzero)
    candidate = zero
    if starts.size:
        run_max = np.maximum.reduceat(np.where(nonzero, x, 0.0), starts)
        ends = starts + lengths
        before_zero = np.zeros(starts.size, bool)
        has_before = starts > 0
        before_zero[has_before] = zero[starts[has_before] - 1]
        after_zero = np.zeros(starts.size, bool)
        has_after = ends < x.size
        after_zero[has_after] = zero[ends[has_after]]
        tolerated = (lengths <= spike_tolerance_min) & (run_max <= spike_max_counts) & before_zero & after_zero
        candidate = fill_runs(zero, starts[tolerated], lengths[tolerated])
    c_starts, c_lengths = runs(candidate)
    long = c_lengths >= min_run_min
    return fill_runs(np.zeros(x.size, bool), c_starts[long], c_lengths[long])


def wear_time_per_day(activity: pd.Series, nonwear: pd.Series | None = None) -> pd.DataFrame:
    """Minutes recorded and worn on each local calendar day.

    Returns
    -------
    pandas.DataFrame
        Indexed by date, columns ``recorded_min`` (minutes with data), ``wear_min`` (recorded and not non-wear),
        ``wear_percent`` (wear_min / 1440 * 100) and ``valid_day`` (wear_min >= 600, Troiano et al. 2008).
    """
    x, idx = check_minute_series(activity)
    nw = _nonwear_mask(x) if nonwear is None else nonwear.to_numpy(dtype=bool)
    valid = ~np.isnan(x)
    wear = valid & ~nw
    day = idx.normalize()
    codes, uniques = pd.factorize(day)
    recorded = np.bincount(codes, weights=valid, minlength=len(uniques))
    worn = np.bincount(codes, weights=wear, minlength=len(uniques))
    out = pd.DataFrame(
        {
            "recorded_min": recorded.astype(np.int64),
            "wear_min": worn.astype(np.int64),
        },
        index=pd.Index(uniques.date, name="date"),
    )
    out["wear_percent"] = out["wear_min"] / 1440 * 100
    out["valid_day"] = out["wear_min"] >= VALID_DAY_WEAR_MIN
    return out
