"""Wearable biometrics: actigraphy rhythm and sleep metrics, non-wear, daily summaries, data quality, parsers.

Pure and vectorised (numpy/pandas); no database. Minute-level activity is a ``pandas.Series`` of counts on a
regular 1-minute ``DatetimeIndex`` in the wearer's local time (see :mod:`novamind_core.biometrics.grid`).
"""

from novamind_core.biometrics.daily import WearableRecords, daily_summaries, rmssd_ms
from novamind_core.biometrics.grid import to_minute_grid
from novamind_core.biometrics.problems import ImportProblems, Problem
from novamind_core.biometrics.quality import DataQuality, activity_quality, completeness_score, daily_completeness
from novamind_core.biometrics.report import ActigraphyReport, actigraphy_report
from novamind_core.biometrics.rhythm import (
    CosinorFit,
    ExtremeWindows,
    cosinor,
    extreme_windows,
    hourly_means,
    interdaily_stability,
    intradaily_variability,
    relative_amplitude,
)
from novamind_core.biometrics.sleep import (
    NightSleep,
    cole_kripke,
    sadeh,
    score_sleep,
    sleep_nights,
    sleep_regularity_index,
    summarize_nights,
)
from novamind_core.biometrics.wear import detect_nonwear, wear_time_per_day

__all__ = [
    "ActigraphyReport", "CosinorFit", "DataQuality", "ExtremeWindows", "ImportProblems", "NightSleep", "Problem",
    "WearableRecords", "activity_quality", "actigraphy_report", "cole_kripke", "completeness_score", "cosinor",
    "daily_completeness", "daily_summaries", "detect_nonwear", "extreme_windows", "hourly_means",
    "interdaily_stability", "intradaily_variability", "relative_amplitude", "rmssd_ms", "sadeh", "score_sleep",
    "sleep_nights", "sleep_regularity_index", "summarize_nights", "to_minute_grid", "wear_time_per_day",
]
