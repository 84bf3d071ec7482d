"""Everything about one minute-level recording in one call: rhythm, sleep (per night and summary), wear, quality.

Non-wear for the report uses Choi et al. 2011's 90-minute zero run (see :mod:`novamind_core.biometrics.wear`),
because the 60-minute rule of Troiano et al. 2008 calls still wrist sleep non-wear. Non-wear minutes are removed
before sleep scoring (a watch on the table would otherwise score as sleep) and before the rhythm metrics.

A metric the data cannot support is not computed: it is ``None`` in :meth:`ActigraphyReport.as_dict` and listed in
``not_computable`` with the reason (:mod:`novamind_core.biometrics.computability`), never reported as 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from novamind_core.biometrics.computability import NotComputable, rhythm_limits, sleep_limits
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
    """All metrics of one recording; :meth:`as_dict` is the CLI's JSON.

    ``extremes`` and ``cosinor`` are ``None`` and IS/IV/SRI are NaN when not computable; ``not_computable`` says why.
    """

    interdaily_stability: float
    intradaily_variability: float
    extremes: ExtremeWindows | None
    cosinor: CosinorFit | None
    nights: tuple[NightSleep, ...]
    sleep_regularity_index: float
    wear_time_percent: float
    days: float
    quality: DataQuality
    scoring_method: str
    not_computable: tuple[NotComputable, ...] = ()

    def reason_not_computable(self, metric: str) -> str | None:
        """Why ``metric`` (e.g. ``"l5"``, ``"sleep"``) could not be computed, or ``None`` when it was."""
        return next((n.reason for n in self.not_computable if n.metric == metric), None)

    def as_dict(self) -> dict:
        def clean(v):
            if isinstance(v, float) and not math.isfinite(v):
                return None
            return v

        sleep = summarize_nights(list(self.nights))
        ext = self.extremes
        cos = self.cosinor.as_dict() if self.cosinor is not None else dict.fromkeys(
            ("mesor", "amplitude", "acrophase_h", "acrophase", "r_squared", "period_h"))
        return {
            "interdaily_stability": clean(self.interdaily_stability),
            "intradaily_variability": clean(self.intradaily_variability),
            "relative_amplitude": clean(ext.relative_amplitude) if ext else None,
            "m10": clean(ext.m10) if ext else None,
            "l5": clean(ext.l5) if ext else None,
            "m10_onset": ext.m10_onset if ext else None,
            "l5_onset": ext.l5_onset if ext else None,
            "cosinor": {k: clean(v) for k, v in cos.items()},
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
            "not_computable": {n.metric: n.reason for n in self.not_computable},
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
    limits = rhythm_limits(x, nw, idx) + sleep_limits(x, nw, idx, state.to_numpy(), len(nights))
    blocked = {n.metric for n in limits}
    nan = float("nan")
    return ActigraphyReport(
        interdaily_stability=nan if "interdaily_stability" in blocked else interdaily_stability(worn_s),
        intradaily_variability=nan if "intradaily_variability" in blocked else intradaily_variability(worn_s),
        extremes=None if "l5" in blocked else extreme_windows(worn_s),
        cosinor=None if "cosinor" in blocked else cosinor(worn_s),
        nights=tuple(nights),
        sleep_regularity_index=nan if "sleep_regularity_index" in blocked else sleep_regularity_index(state),
        wear_time_percent=100.0 * worn_minutes / x.size,
        days=round(x.size / 1440, 3),
        quality=quality,
        scoring_method=method,
        not_computable=limits,
    )
