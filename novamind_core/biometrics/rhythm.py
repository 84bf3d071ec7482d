"""Rest-activity rhythm metrics from minute-level activity counts (non-parametric and cosinor).

All functions take a regular 1-minute ``pandas.Series`` of counts in local time (``NaN`` = missing; see
:mod:`novamind_core.biometrics.grid`) and are vectorised with numpy.

References
----------
- van Someren EJW, Swaab DF, Colenda CC, et al. Bright light therapy: improved sensitivity to its effects on
  rest-activity rhythms in Alzheimer patients by application of nonparametric methods. Chronobiol Int.
  1999;16(4):505-518. doi:10.3109/07420529908998724 (IS, IV, L5, M10).
- Witting W, Kwa IH, Eikelenboom P, Mirmiran M, Swaab DF. Alterations in the circadian rest-activity rhythm in
  aging and Alzheimer's disease. Biol Psychiatry. 1990;27(6):563-572. doi:10.1016/0006-3223(90)90523-5 (RA).
- Cornelissen G. Cosinor-based rhythmometry. Theor Biol Med Model. 2014;11:16. doi:10.1186/1742-4682-11-16.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from novamind_core.biometrics.grid import MINUTES_PER_DAY, check_minute_series, clock, minute_of_day
from novamind_core.domain.errors import ValidationError

HOURS_PER_DAY = 24


def hourly_means(activity: pd.Series, min_valid_minutes: int = 30) -> pd.Series:
    """Mean counts per minute in each clock hour.

    Parameters
    ----------
    activity : pandas.Series
        Regular 1-minute counts (``NaN`` = missing).
    min_valid_minutes : int
        An hour with fewer valid minutes than this is ``NaN`` (default 30, half the hour).

    Returns
    -------
    pandas.Series
        Mean counts/min, indexed by the start of each clock hour.
    """
    x, idx = check_minute_series(activity)
    first_hour = idx[0].floor("h")
    lead = int((idx[0] - first_hour) / pd.Timedelta(minutes=1))
    n_hours = -(-(lead + x.size) // 60)
    padded = np.full(n_hours * 60, np.nan)
    padded[lead : lead + x.size] = x
    blocks = padded.reshape(n_hours, 60)
    valid = ~np.isnan(blocks)
    n_valid = valid.sum(axis=1)
    sums = np.where(valid, blocks, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(n_valid >= min_valid_minutes, sums / np.maximum(n_valid, 1), np.nan)
    hours = pd.date_range(first_hour, periods=n_hours, freq="h")
    return pd.Series(means, index=hours, name="counts_per_min")


def _hourly_arrays(activity: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    hourly = hourly_means(activity)
    x = hourly.to_numpy()
    hour = hourly.index.hour.to_numpy()
    return x, hour


def interdaily_stability(activity: pd.Series) -> float:
    r"""Interdaily stability (IS): how closely each day repeats the average 24-hour profile (0..1).

    With hourly means :math:`x_i` (:math:`N` valid hours), grand mean :math:`\bar x` and the mean of clock hour
    :math:`h` over days :math:`\bar x_h` (:math:`p = 24` hours per day), van Someren et al. (1999) define

    .. math:: IS = \frac{N \sum_{h=1}^{p} (\bar x_h - \bar x)^2}{p \sum_{i=1}^{N} (x_i - \bar x)^2}.

    With missing hours each clock hour is weighted by its number of valid days :math:`n_h`,
    :math:`IS = \sum_h n_h (\bar x_h - \bar x)^2 / \sum_i (x_i - \bar x)^2`, which equals the formula above when
    every hour is present (:math:`n_h = N/p`). A signal that repeats exactly every 24 h has IS = 1; white noise
    has IS near 0. Returns ``NaN`` for a constant signal.
    """
    x, hour = _hourly_arrays(activity)
    ok = ~np.isnan(x)
    x, hour = x[ok], hour[ok]
    if x.size < 2:
        return float("nan")
    grand = x.mean()
    total = np.sum((x - grand) ** 2)
    if total == 0:
        return float("nan")
    n_h = np.bincount(hour, minlength=HOURS_PER_DAY)
    sum_h = np.bincount(hour, weights=x, minlength=HOURS_PER_DAY)
    present = n_h > 0
    mean_h = sum_h[present] / n_h[present]
    between = np.sum(n_h[present] * (mean_h - grand) ** 2)
    return float(between / total)


def intradaily_variability(activity: pd.Series) -> float:
    r"""Intradaily variability (IV): fragmentation of the rhythm, hour to hour (about 0..2, can exceed 2).

    van Someren et al. (1999), with hourly means :math:`x_i`:

    .. math:: IV = \frac{N \sum_{i=2}^{N} (x_i - x_{i-1})^2}{(N - 1) \sum_{i=1}^{N} (x_i - \bar x)^2}.

    That is the mean squared successive difference over the variance. With missing hours only differences
    between two consecutive valid hours count, and :math:`N - 1` becomes their number. A smooth sine gives IV
    near 0; white noise gives IV near 2 (:math:`E[(x_i - x_{i-1})^2] = 2\sigma^2`).
    """
    x, _ = _hourly_arrays(activity)
    valid = ~np.isnan(x)
    if valid.sum() < 3:
        return float("nan")
    xv = x[valid]
    grand = xv.mean()
    var = np.mean((xv - grand) ** 2)
    if var == 0:
        return float("nan")
    d = np.diff(x)
    d = d[~np.isnan(d)]
    if d.size == 0:
        return float("nan")
    return float(np.mean(d**2) / var)


def average_daily_profile(activity: pd.Series) -> np.ndarray:
    """Mean counts at each minute of the clock day (1440 values, ``NaN`` where never observed)."""
    x, idx = check_minute_series(activity)
    mod = minute_of_day(idx)
    ok = ~np.isnan(x)
    n = np.bincount(mod[ok], minlength=MINUTES_PER_DAY)
    s = np.bincount(mod[ok], weights=x[ok], minlength=MINUTES_PER_DAY)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, s / np.maximum(n, 1), np.nan)


@dataclass(frozen=True)
class ExtremeWindows:
    """M10 and L5: the most active 10 h and least active 5 h of the average day, with their onsets.

    ``m10`` and ``l5`` are mean counts/min; ``*_onset_min`` are minutes after midnight; ``*_onset`` are ``HH:MM``.
    """

    m10: float
    m10_onset_min: int
    l5: float
    l5_onset_min: int

    @property
    def m10_onset(self) -> str | None:
        return clock(self.m10_onset_min)

    @property
    def l5_onset(self) -> str | None:
        return clock(self.l5_onset_min)

    @property
    def relative_amplitude(self) -> float:
        r"""RA = (M10 - L5) / (M10 + L5) (Witting et al. 1990); 0..1, ``NaN`` when both are zero."""
        total = self.m10 + self.l5
        return float((self.m10 - self.l5) / total) if total > 0 else float("nan")


def _circular_window_means(profile: np.ndarray, width: int) -> np.ndarray:
    """Mean of each circular window of ``width`` minutes starting at each minute of the day (NaN-aware)."""
    ok = ~np.isnan(profile)
    vals = np.where(ok, profile, 0.0)
    ext_v = np.concatenate((vals, vals[: width - 1]))
    ext_n = np.concatenate((ok, ok[: width - 1])).astype(np.int64)
    cs_v = np.concatenate(([0.0], np.cumsum(ext_v)))
    cs_n = np.concatenate(([0], np.cumsum(ext_n)))
    sums = cs_v[width : width + profile.size] - cs_v[: profile.size]
    counts = cs_n[width : width + profile.size] - cs_n[: profile.size]
    with np.errstate(invalid="ignore", divide="ignore"):
        # A window counts when at least half its minutes were ever observed.
        return np.where(counts >= width / 2, sums / np.maximum(counts, 1), np.nan)


def extreme_windows(activity: pd.Series, m_hours: float = 10, l_hours: float = 5) -> ExtremeWindows:
    """M10 and L5 (van Someren et al. 1999) with their onset clock times.

    The average 24-h profile is built at minute resolution; M10 is the highest mean over any ``m_hours`` window
    of it and L5 the lowest over any ``l_hours`` window. Windows wrap around midnight (the profile is circular),
    so an L5 from 23:00 to 04:00 is found.
    """
    profile = average_daily_profile(activity)
    if np.all(np.isnan(profile)):
        raise ValidationError("activity has no valid minutes", field="counts")
    m = _circular_window_means(profile, int(round(m_hours * 60)))
    low = _circular_window_means(profile, int(round(l_hours * 60)))
    i_m = int(np.nanargmax(m))
    i_l = int(np.nanargmin(low))
    return ExtremeWindows(m10=float(m[i_m]), m10_onset_min=i_m, l5=float(low[i_l]), l5_onset_min=i_l)


def relative_amplitude(activity: pd.Series) -> float:
    r"""Relative amplitude RA = (M10 - L5) / (M10 + L5) (Witting et al. 1990). A square wave between a and b
    (b > a >= 0) with at least 10 h at b and 5 h at a gives (b - a) / (b + a)."""
    return extreme_windows(activity).relative_amplitude


@dataclass(frozen=True)
class CosinorFit:
    r"""Single-component 24-h cosinor: :math:`y(t) = M + A\cos(2\pi(t - \phi)/24) + e`.

    ``mesor`` (M) and ``amplitude`` (A) in counts/min; ``acrophase_h`` (:math:`\phi`) is the clock hour of the
    fitted peak (0 <= phi < 24); ``r_squared`` is the share of variance the cosine explains.
    """

    mesor: float
    amplitude: float
    acrophase_h: float
    r_squared: float
    period_h: float = 24.0

    @property
    def acrophase(self) -> str | None:
        return clock(self.acrophase_h * 60)

    def as_dict(self) -> dict:
        return {
            "mesor": self.mesor,
            "amplitude": self.amplitude,
            "acrophase_h": self.acrophase_h,
            "acrophase": self.acrophase,
            "r_squared": self.r_squared,
            "period_h": self.period_h,
        }


def cosinor(activity: pd.Series, period_h: float = 24.0) -> CosinorFit:
    r"""Fit a single-component cosinor by least squares (Cornelissen 2014).

    The model :math:`y = M + \beta\cos\omega t + \gamma\sin\omega t` with :math:`\omega = 2\pi / \tau` is linear
    in :math:`(M, \beta, \gamma)`; then :math:`A = \sqrt{\beta^2 + \gamma^2}` and the acrophase
    :math:`\phi = \operatorname{atan2}(\gamma, \beta) / \omega \bmod \tau` (in hours after local midnight, so the
    peak is at clock time :math:`\phi`). Time t is the wall-clock time of day plus whole days elapsed, in hours.
    The 3x3 normal equations are built from sums, so memory stays at a few arrays of the input's length.
    """
    x, idx = check_minute_series(activity)
    ok = ~np.isnan(x)
    if ok.sum() < 3:
        raise ValidationError("cosinor needs at least three valid minutes", field="counts")
    day0 = idx[0].normalize()
    days = ((idx.normalize() - day0) // pd.Timedelta(days=1)).to_numpy() if period_h != 24.0 else 0
    t_h = minute_of_day(idx) / 60.0 + 24.0 * np.asarray(days)
    omega = 2 * np.pi / period_h
    y = x[ok]
    t = t_h[ok]
    c = np.cos(omega * t)
    s = np.sin(omega * t)
    n = float(y.size)
    xtx = np.array(
        [
            [n, c.sum(), s.sum()],
            [c.sum(), (c * c).sum(), (c * s).sum()],
            [s.sum(), (c * s).sum(), (s * s).sum()],
        ]
    )
    xty = np.array([y.sum(), (c * y).sum(), (s * y).sum()])
    mesor, beta, gamma = np.linalg.solve(xtx, xty)
    amplitude = float(np.hypot(beta, gamma))
    acrophase_h = float((np.arctan2(gamma, beta) / omega) % period_h)
    fitted = mesor + beta * c + gamma * s
    ss_res = float(np.sum((y - fitted) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")
    return CosinorFit(mesor=float(mesor), amplitude=amplitude, acrophase_h=acrophase_h, r_squared=r2,
                      period_h=period_h)
