"""Sleep/wake scoring from minute counts, per-night sleep metrics and the Sleep Regularity Index.

Scoring (1-minute epochs; counts are first capped, as in ActiGraph's ActiLife implementation of both
algorithms, because both were derived on other devices):

- Cole-Kripke (Cole RJ, Kripke DF, Gruen W, Mullaney DJ, Gillin JC. Automatic sleep/wake identification from
  wrist activity. Sleep. 1992;15(5):461-469. doi:10.1093/sleep/15.5.461), 1-minute mean-activity coefficients:
  ``D = 0.001 (106 A[-4] + 54 A[-3] + 58 A[-2] + 76 A[-1] + 230 A[0] + 74 A[+1] + 67 A[+2])`` with
  ``A = min(counts / 100, 300)``; ``D < 1`` is sleep.
- Sadeh (Sadeh A, Sharkey KM, Carskadon MA. Activity-based sleep-wake identification: an empirical test of
  methodological issues. Sleep. 1994;17(3):201-207. doi:10.1093/sleep/17.3.201):
  ``PS = 7.601 - 0.065 MEAN - 1.08 NAT - 0.056 SD - 0.703 LG``, with counts capped at 300; MEAN = mean count of
  the 11-minute window centred on the epoch, NAT = number of its epochs with 50 <= count < 100, SD = standard
  deviation (n - 1) of the epoch and the five before it, LG = ln(count + 1); ``PS >= 0`` is sleep.

Nights: a night is labelled by the date of its evening and runs from 12:00 to 12:00 the next day. Without a
sleep diary the time in bed is estimated as the main sleep period: runs of at least ``min_bout_min`` (5) sleep-scored
minutes (shorter runs in the daytime are mostly still wake) joined across
wake bouts of at most ``max_wake_gap_min`` (60) minutes; the longest joined block (at least
``min_sleep_period_min``, 180) whose midpoint falls in the night window. A wake bout holding sustained activity
(``sustained_wake_min``, 30, consecutive minutes scored wake: Cole-Kripke scores wake only with hundreds of counts
a minute, and quiet wake in bed reads as sleep) is never bridged, so a sleep period never spans hours of activity.
Sleep onset is the first minute of persistent sleep, the first run of ``onset_run_min`` (10) consecutive sleep
minutes (the "latency to persistent sleep" convention of polysomnography); the final awakening follows the last
sleep minute before leaving bed.
Actigraphy cannot see quiet wake in bed, so without diary times (``bed_intervals``) sleep onset latency is only
the time from the first sleep minute of the period to persistent sleep, and usually small.

Metrics per night (minutes): TIB = out of bed - into bed; TST = sleep minutes from onset to final awakening;
SE = TST / TIB * 100; SOL = onset - into bed; WASO = wake minutes between onset and final awakening;
awakenings = number of wake bouts between them; sleep midpoint = halfway between onset and final awakening.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from novamind_core.biometrics.grid import MINUTES_PER_DAY, check_minute_series, fill_runs, runs
from novamind_core.domain.errors import ValidationError

#: ActiLife caps counts at 300 (after /100 for Cole-Kripke) before applying the published coefficients.
CK_COUNTS_SCALE = 100.0
CK_A_CAP = 300.0
CK_WEIGHTS = np.array([106, 54, 58, 76, 230, 74, 67], dtype=np.float64)  # A[-4] .. A[+2], Cole et al. 1992
CK_SCALE = 0.001
SADEH_COUNTS_CAP = 300.0

MAX_WAKE_GAP_MIN = 60
MIN_SLEEP_PERIOD_MIN = 180
ONSET_RUN_MIN = 10
MIN_BOUT_MIN = 5
#: Consecutive wake-scored minutes that count as sustained activity: a sleep period is never joined across them.
SUSTAINED_WAKE_MIN = 30


def _window_sum(v: np.ndarray, before: int, after: int) -> np.ndarray:
    """Sum of ``v[t-before .. t+after]`` for each t, the window clipped at the ends (cumulative sums)."""
    n = v.size
    cs = np.concatenate(([0.0], np.cumsum(v, dtype=np.float64)))
    t = np.arange(n)
    lo = np.clip(t - before, 0, n)
    hi = np.clip(t + after + 1, 0, n)
    return cs[hi] - cs[lo]


def _as_state(scores_sleep: np.ndarray, missing: np.ndarray, idx: pd.DatetimeIndex, name: str) -> pd.Series:
    state = scores_sleep.astype(np.float64)
    state[missing] = np.nan
    return pd.Series(state, index=idx, name=name)


def cole_kripke(activity: pd.Series, counts_scale: float = CK_COUNTS_SCALE, cap: float = CK_A_CAP) -> pd.Series:
    """Score each minute sleep (1.0) or wake (0.0) with Cole-Kripke 1992; ``NaN`` where counts are missing.

    Missing neighbours count as zero activity. See the module docstring for the formula.
    """
    x, idx = check_minute_series(activity)
    missing = np.isnan(x)
    a = np.minimum(np.where(missing, 0.0, x) / counts_scale, cap)
    padded = np.concatenate((np.zeros(4), a, np.zeros(2)))
    n = a.size
    d = np.zeros(n)
    for k, w in enumerate(CK_WEIGHTS):  # 7 fixed taps, not a loop over time
        d += w * padded[k : k + n]
    d *= CK_SCALE
    return _as_state(d < 1.0, missing, idx, "sleep")


def sadeh(activity: pd.Series, cap: float = SADEH_COUNTS_CAP) -> pd.Series:
    """Score each minute sleep (1.0) or wake (0.0) with Sadeh 1994; ``NaN`` where counts are missing.

    Windows are clipped at the ends of the recording and skip missing minutes.
    """
    x, idx = check_minute_series(activity)
    missing = np.isnan(x)
    ok = (~missing).astype(np.float64)
    c = np.minimum(np.where(missing, 0.0, x), cap)
    n11 = _window_sum(ok, 5, 5)
    mean11 = _window_sum(c, 5, 5) / np.maximum(n11, 1)
    nat = _window_sum(((c >= 50) & (c < 100)).astype(np.float64), 5, 5)
    n6 = _window_sum(ok, 5, 0)
    s1 = _window_sum(c, 5, 0)
    s2 = _window_sum(c * c, 5, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        var6 = (s2 - s1 * s1 / np.maximum(n6, 1)) / np.maximum(n6 - 1, 1)
    sd6 = np.sqrt(np.clip(var6, 0, None))
    sd6[n6 < 2] = 0.0
    lg = np.log(c + 1.0)
    ps = 7.601 - 0.065 * mean11 - 1.08 * nat - 0.056 * sd6 - 0.703 * lg
    return _as_state(ps >= 0.0, missing, idx, "sleep")


SCORERS = {"cole_kripke": cole_kripke, "sadeh": sadeh}


def score_sleep(activity: pd.Series, method: str = "cole_kripke") -> pd.Series:
    """Sleep/wake per minute with the named algorithm (``"cole_kripke"`` or ``"sadeh"``)."""
    try:
        scorer = SCORERS[method]
    except KeyError:
        raise ValidationError(f"unknown sleep scoring method {method!r}; choose one of {sorted(SCORERS)}",
                              field="method", value=method) from None
    return scorer(activity)


@dataclass(frozen=True)
class NightSleep:
    """Sleep metrics of one night (minutes unless named otherwise; times in the recording's local time)."""

    night: object  # datetime.date of the evening
    in_bed: pd.Timestamp
    out_of_bed: pd.Timestamp
    sleep_onset: pd.Timestamp
    final_awakening: pd.Timestamp
    time_in_bed_min: float
    total_sleep_min: float
    sleep_efficiency_percent: float
    sleep_onset_latency_min: float
    waso_min: float
    awakenings: int
    sleep_midpoint: pd.Timestamp

    @property
    def sleep_midpoint_clock(self) -> str:
        return self.sleep_midpoint.strftime("%H:%M")

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("in_bed", "out_of_bed", "sleep_onset", "final_awakening", "sleep_midpoint"):
            d[k] = d[k].isoformat()
        d["night"] = str(self.night)
        d["sleep_midpoint_clock"] = self.sleep_midpoint_clock
        return d


def _main_sleep_periods(sleep: np.ndarray, idx: pd.DatetimeIndex, max_wake_gap_min: int,
                        min_sleep_period_min: int, min_bout_min: int, wake: np.ndarray | None = None,
                        sustained_wake_min: int = SUSTAINED_WAKE_MIN) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) indices of the main sleep period of each night (vectorised over runs).

    Two sleep runs are joined across a gap of at most ``max_wake_gap_min`` minutes unless the gap holds a run of
    ``sustained_wake_min`` wake-scored minutes (sustained activity).
    """
    s_starts, s_len = runs(sleep)
    long_enough = s_len >= min_bout_min
    s_starts, s_len = s_starts[long_enough], s_len[long_enough]
    if s_starts.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    s_ends = s_starts + s_len
    gaps = s_starts[1:] - s_ends[:-1]
    active_gap = np.zeros(gaps.size, bool)
    if wake is not None and gaps.size:
        w_starts, w_len = runs(wake)
        w_starts = w_starts[w_len >= sustained_wake_min]
        # a long wake run lies inside one gap: count its starts in [end of run i, start of run i + 1)
        active_gap = np.searchsorted(w_starts, s_starts[1:]) > np.searchsorted(w_starts, s_ends[:-1])
    new_block = np.concatenate(([True], (gaps > max_wake_gap_min) | active_gap))
    first = np.flatnonzero(new_block)
    b_start = s_starts[first]
    b_end = np.maximum.reduceat(s_ends, first)
    b_len = b_end - b_start
    mid = idx[(b_start + b_end - 1) // 2]
    night = (mid - pd.Timedelta(hours=12)).normalize().asi8
    keep = b_len >= min_sleep_period_min
    b_start, b_end, b_len, night = b_start[keep], b_end[keep], b_len[keep], night[keep]
    if b_start.size == 0:
        return b_start, b_end
    order = np.lexsort((-b_len, night))
    night_sorted = night[order]
    first_of_night = np.concatenate(([True], night_sorted[1:] != night_sorted[:-1]))
    chosen = np.sort(order[first_of_night])
    return b_start[chosen], b_end[chosen]


def sleep_nights(
    sleep_state: pd.Series,
    bed_intervals: list[tuple[pd.Timestamp, pd.Timestamp]] | None = None,
    max_wake_gap_min: int = MAX_WAKE_GAP_MIN,
    min_sleep_period_min: int = MIN_SLEEP_PERIOD_MIN,
    onset_run_min: int = ONSET_RUN_MIN,
    min_bout_min: int = MIN_BOUT_MIN,
) -> list[NightSleep]:
    """Per-night sleep metrics from a scored sleep/wake series (1 = sleep, 0 = wake, NaN = missing).

    Parameters
    ----------
    sleep_state : pandas.Series
        Output of :func:`cole_kripke`, :func:`sadeh` or :func:`score_sleep`.
    bed_intervals : list of (in_bed, out_of_bed), optional
        Time-in-bed intervals from a diary or the device; when given they replace the estimated main sleep period.
    max_wake_gap_min, min_sleep_period_min, onset_run_min, min_bout_min : int
        See the module docstring.

    Returns
    -------
    list of NightSleep
        One per night with a main sleep period (nights without one are left out).
    """
    state, idx = check_minute_series(sleep_state)
    sleep = state == 1.0
    wake = state == 0.0
    n = state.size
    if bed_intervals is None:
        starts, ends = _main_sleep_periods(sleep, idx, max_wake_gap_min, min_sleep_period_min, min_bout_min, wake)
    else:
        if not bed_intervals:
            return []
        t_in = pd.DatetimeIndex([pd.Timestamp(a) for a, _ in bed_intervals])
        t_out = pd.DatetimeIndex([pd.Timestamp(b) for _, b in bed_intervals])
        if idx.tz is not None and t_in.tz is None:
            t_in, t_out = t_in.tz_localize(idx.tz), t_out.tz_localize(idx.tz)
        starts = np.clip(idx.searchsorted(t_in), 0, n)
        ends = np.clip(idx.searchsorted(t_out), 0, n)
    if starts.size == 0:
        return []
    q_starts, q_len = runs(sleep)
    qual = q_len >= onset_run_min
    persistent = np.flatnonzero(fill_runs(np.zeros(n, bool), q_starts[qual], q_len[qual]))
    sleep_idx = np.flatnonzero(sleep)
    w_starts, _ = runs(wake)
    cs_sleep = np.concatenate(([0], np.cumsum(sleep)))
    cs_wake = np.concatenate(([0], np.cumsum(wake)))

    if persistent.size == 0:
        return []
    k = np.searchsorted(persistent, starts)
    has_onset = k < persistent.size
    onset = np.where(has_onset, persistent[np.minimum(k, persistent.size - 1)], n)
    k_end = np.searchsorted(sleep_idx, ends) - 1
    final = np.where(k_end >= 0, sleep_idx[np.clip(k_end, 0, sleep_idx.size - 1)] + 1, 0)
    good = has_onset & (onset < ends) & (final > onset)
    starts, ends, onset, final = starts[good], ends[good], onset[good], final[good]
    tib = (ends - starts).astype(np.float64)
    tst = (cs_sleep[final] - cs_sleep[onset]).astype(np.float64)
    waso = (cs_wake[final] - cs_wake[onset]).astype(np.float64)
    awakenings = np.searchsorted(w_starts, final) - np.searchsorted(w_starts, onset, side="right")
    sol = (onset - starts).astype(np.float64)
    se = np.where(tib > 0, tst / np.maximum(tib, 1) * 100, np.nan)
    epoch = pd.Timedelta(minutes=1)
    t_start = idx[starts]
    t_end = idx[np.minimum(ends, n - 1)] + pd.to_timedelta((ends == n).astype(np.int64), unit="min")
    t_onset = idx[onset]
    t_final = idx[final - 1] + epoch
    t_mid = t_onset + (t_final - t_onset) / 2
    night = (t_mid - pd.Timedelta(hours=12)).normalize()
    return [
        NightSleep(
            night=night[i].date(),
            in_bed=t_start[i],
            out_of_bed=t_end[i],
            sleep_onset=t_onset[i],
            final_awakening=t_final[i],
            time_in_bed_min=float(tib[i]),
            total_sleep_min=float(tst[i]),
            sleep_efficiency_percent=float(se[i]),
            sleep_onset_latency_min=float(sol[i]),
            waso_min=float(waso[i]),
            awakenings=int(awakenings[i]),
            sleep_midpoint=t_mid[i],
        )
        for i in range(len(starts))  # one object per night (tens to hundreds), not per epoch
    ]


def sleep_regularity_index(sleep_state: pd.Series) -> float:
    r"""Sleep Regularity Index (Phillips et al. 2017), -100..100.

    .. math:: SRI = -100 + \frac{200}{M (N - 1)} \sum_{j=1}^{M} \sum_{i=1}^{N-1} \delta(s_{i,j}, s_{i+1,j})

    where :math:`s_{i,j}` is the sleep/wake state at minute j of day i (M = 1440 minutes, N days) and
    :math:`\delta = 1` when the states match. Each minute is compared with the same minute 24 h later; pairs with a
    missing state are left out and the sum is averaged over the pairs that remain. 100 means the same schedule
    every day, 0 a random one. Phillips AJK, Clerx WM, O'Brien CS, et al. Irregular sleep/wake patterns are
    associated with poorer academic performance and delayed circadian and sleep/wake timing. Sci Rep.
    2017;7:3216. doi:10.1038/s41598-017-03171-4.
    """
    state, _ = check_minute_series(sleep_state)
    if state.size <= MINUTES_PER_DAY:
        return float("nan")
    a, b = state[:-MINUTES_PER_DAY], state[MINUTES_PER_DAY:]
    ok = ~np.isnan(a) & ~np.isnan(b)
    if not ok.any():
        return float("nan")
    agree = np.mean(a[ok] == b[ok])
    return float(-100.0 + 200.0 * agree)


def summarize_nights(nights: list[NightSleep]) -> dict:
    """Means over nights of each metric; the midpoint is averaged as hours after noon (no midnight wrap)."""
    keys = ("total_sleep_min", "sleep_efficiency_percent", "sleep_onset_latency_min", "waso_min", "awakenings")
    if not nights:
        return {k: None for k in keys} | {"sleep_midpoint": None, "time_in_bed_min": None, "n_nights": 0}
    out = {k: float(np.mean([getattr(n, k) for n in nights])) for k in keys}
    out["time_in_bed_min"] = float(np.mean([n.time_in_bed_min for n in nights]))
    after_noon_min = [
        ((n.sleep_midpoint.hour * 60 + n.sleep_midpoint.minute + n.sleep_midpoint.second / 60) - 720) % 1440
        for n in nights
    ]
    mean_min = (float(np.mean(after_noon_min)) + 720) % 1440
    out["sleep_midpoint"] = f"{int(round(mean_min)) // 60 % 24:02d}:{int(round(mean_min)) % 60:02d}"
    out["n_nights"] = len(nights)
    return out
