"""Everything about one minute-level recording in one call: rhythm, sleep (per night and summary), wear, quality.

Non-wear for the report uses Choi et al. 2011's 90-minute zero run (see :mod:`novamind_core.biometrics.wear`),
because the 60-minute rule of Troiano et al. 2008 calls still wrist sleep non-wear. Non-wear minutes are removed
before sleep scoring (a watch on the table would otherwise score as sleep) and before the rhythm metrics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from novamind_core.biometrics.grid import check_minute_series
from novamind_core.biometrics.quality import DataQuality, activity_quality
from novamind_core.biometrics.rhythm import (
    CosinorFit,
    ExtremeWindows,
    cosinor,
    extreme_windows,
    interdaily_stability,
    intradaily_variability,
)
from novamind_core.biometrics.sleep import (
    NightSleep,
    score_sleep,
    sleep_nights,
    sleep_regularity_index,
    summarize_nights,
)
from novamind_core.biometrics.wear import _nonwear_mask

REPORT_NONWEAR_MIN_RUN_MIN = 90  # Choi et al. 2011


@dataclass(frozen=True)
class ActigraphyReport:
    """All metrics of one recording; :meth:`as_dict` is the CLI's JSON."""

    interdaily_stability: float
    intradaily_variability: float
    extremes: ExtremeWindows
    cosinor: CosinorFit
    nights: tuple[NightSleep, ...]
    sleep_regularity_index: float
    wear_time_percent: float
    days: float
    quality: DataQuality
    scoring_method: str

    def as_dict(self) -> dict:
        def clean(v):
            if isinstance(v, float) and not math.isfinite(v):
                return None
            return v

        sleep = summarize_nights(list(self.nights))
        return {
            "interdaily_stability": clean(self.interdaily_stability),
            "intradaily_variability": clean(self.intradaily_variability),
            "relative_amplitude": clean(self.extremes.relative_amplitude),
            "m10": clean(self.extremes.m10),
            "l5": clean(self.extremes.l5),
            "m10_onset": self.extremes.m10_onset,
            "l5_onset": self.extremes.l5_onset,
            "cosinor": {k: clean(v) for k, v in self.cosinor.as_dict().items()},
            "sleep": {
                "total_sleep_min": sleep["total_sleep_min"],
                "sleep_efficiency_percent": sleep["sleep_efficiency_percent"],
                "sleep_onset_latency_min": sleep["sleep_onset_latency_min"],
                "waso_min": sleep["waso_min"],
                "awakenings": sleep["awakenings"],
                "sleep_midpoint": sleep["sleep_midpoint"],
                "sleep_regularity_index": clean(self.sleep_regularity_index),
                "n_nights": sleep["n_nights"],
                "scoring_method": self.scoring_method,
            },
            "wear_time_percent": clean(self.wear_time_percent),
            "days": self.days,
            "completeness": clean(self.quality.completeness),
            "nights": [n.as_dict() for n in self.nights],
        }


def actigraphy_report(activity: pd.Series, method: str = "cole_kripke",
                      bed_intervals: list[tuple[pd.Timestamp, pd.Timestamp]] | None = None) -> ActigraphyReport:
    """Compute every metric of a regular 1-minute counts series (see :mod:`novamind_core.biometrics.grid`)."""
    x, idx = check_minute_series(activity)
    nw = _nonwear_mask(x, min_run_min=REPORT_NONWEAR_MIN_RUN_MIN)
    worn = np.where(nw, np.nan, x)
    worn_s = pd.Series(worn, index=idx, name="counts")
    state = score_sleep(worn_s, method)
    nights = sleep_nights(state, bed_intervals=bed_intervals)
    quality = activity_quality(activity, nonwear=pd.Series(nw, index=idx))
    worn_minutes = int(np.sum(~np.isnan(worn)))
    return ActigraphyReport(
        interdaily_stability=interdaily_stability(worn_s),
        intradaily_variability=intradaily_variability(worn_s),
        extremes=extreme_windows(worn_s),
        cosinor=cosinor(worn_s),
        nights=tuple(nights),
        sleep_regularity_index=sleep_regularity_index(state),
        wear_time_percent=100.0 * worn_minutes / x.size,
        days=round(x.size / 1440, 3),
        quality=quality,
        scoring_method=method,
    )
