"""Synthetic minute-level actigraphy and daily wearable summaries (seeded, vectorised).

Used by the demo seed and by the actigraphy model's training data. The numbers are chosen to look like a
wrist-worn ActiGraph in counts/min, not fitted to any cohort:

- Waking activity follows a 24-h cosine (peak mid-afternoon) around a mean of ``wake_mean_counts`` (500
  counts/min, in the range of wrist-worn ActiGraph counts while awake), gamma-distributed
  minute to minute, with short sedentary bouts of zero counts.
- Sleep is mostly zero counts with sparse movements. Bedtime about 23:00 and rise about 07:00 on weekdays; on
  weekends about 1 h later to bed and 1.5 h later up ("social jet lag", Wittmann et al. 2006, Chronobiol Int
  23:497).
- Depressive episodes (days listed in ``episode_days``) lower daytime activity, delay and scatter sleep timing,
  lengthen restless time in bed before sleep, and add awakenings, in proportion to ``episode_severity`` (0..1);
  lower amplitude and more fragmented rhythms are the direction reported in depression (e.g. Difrancesco et al.
  2019, Depress Anxiety 36:975), not their size.
- Non-wear: ``nonwear_per_week`` daytime gaps of 1-3 h with zero counts (watch off), like real charging breaks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from novamind_core.biometrics.grid import MINUTES_PER_DAY, fill_runs


@dataclass(frozen=True)
class SyntheticActigraphy:
    """Generated counts with the truth they were built from."""

    counts: pd.Series  # counts/min on a regular minute grid
    asleep: pd.Series  # 1.0 where the generator put the wearer asleep
    nonwear: pd.Series  # True where the generator took the watch off
    bed_intervals: tuple[tuple[pd.Timestamp, pd.Timestamp], ...]
    episode: np.ndarray  # bool per day: inside a depressive episode


def _episode_mask(n_days: int, episode_days: tuple[tuple[int, int], ...] | None) -> np.ndarray:
    mask = np.zeros(n_days, bool)
    for first, last in episode_days or ():  # a handful of episodes
        mask[max(first, 0) : min(last + 1, n_days)] = True
    return mask


def synthetic_actigraphy(
    n_days: int = 14,
    *,
    start: str | pd.Timestamp = "2024-01-01",
    tz: str | None = None,
    seed: int | np.random.Generator = 0,
    episode_days: tuple[tuple[int, int], ...] | None = None,
    episode_severity: float = 0.7,
    wake_mean_counts: float = 500.0,
    nonwear_per_week: float = 2.0,
) -> SyntheticActigraphy:
    """Minute counts for ``n_days`` days starting at local midnight of ``start``.

    Parameters
    ----------
    n_days : int
        Number of whole days (1440 minutes each).
    start, tz : first day and its time zone (``None`` gives naive local timestamps).
    seed : int or numpy.random.Generator
        Randomness; the same seed gives the same data.
    episode_days : tuple of (first_day, last_day), optional
        Zero-based inclusive day ranges in a depressive episode.
    episode_severity : float
        0 (no effect) .. 1 (strong effect) of an episode on activity and sleep.
    wake_mean_counts : float
        Mean counts/min while awake.
    nonwear_per_week : float
        Expected number of 1-3 h non-wear gaps per week (daytime).
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    n = n_days * MINUTES_PER_DAY
    start_ts = pd.Timestamp(start).normalize()
    idx = pd.date_range(start_ts, periods=n, freq="min", tz=tz)
    days = pd.date_range(start_ts, periods=n_days, freq="D")
    weekend = days.day_of_week.to_numpy() >= 5
    ep = _episode_mask(n_days, episode_days)
    sev = np.where(ep, float(np.clip(episode_severity, 0, 1)), 0.0)

    # Per-night timing (minutes after the evening's midnight): bed, sleep onset, rise. Night k starts on the
    # evening of day k; night -1 (the evening before the recording) makes the first morning start asleep.
    n_nights = n_days + 1
    night_day = np.arange(-1, n_days)
    night_sev = np.concatenate(([sev[0] if n_days else 0.0], sev))
    night_weekend = np.concatenate(([bool(pd.Timestamp(start_ts - pd.Timedelta(days=1)).day_of_week >= 5)], weekend))
    next_weekend = np.roll(night_weekend, -1)  # Friday and Saturday nights run late
    bed = 23 * 60 + rng.normal(0, 25, n_nights) + 60 * next_weekend + night_sev * rng.normal(60, 45, n_nights)
    sol = np.clip(rng.gamma(2.0, 6.0, n_nights) + night_sev * rng.gamma(2.0, 20.0, n_nights), 1, 180)
    rise = (24 * 60 + 7 * 60 + rng.normal(0, 20, n_nights) + 90 * next_weekend
            + night_sev * rng.normal(45, 40, n_nights))
    rise = np.maximum(rise, bed + sol + 180)
    day_start = night_day * MINUTES_PER_DAY
    bed_i = np.maximum(day_start + bed, 0).astype(np.int64)
    onset_i = np.maximum(day_start + bed + sol, 0).astype(np.int64)
    rise_i = (day_start + rise).astype(np.int64)
    inside = (rise_i <= n) & (rise_i > 0)  # nights that end inside the recording
    bed_i, onset_i, rise_i, night_sev = bed_i[inside], onset_i[inside], rise_i[inside], night_sev[inside]
    in_bed = fill_runs(np.zeros(n, bool), bed_i, rise_i - bed_i)
    asleep = fill_runs(np.zeros(n, bool), onset_i, rise_i - onset_i)

    # Awakenings: about 1 per night healthy, up to 6 more in an episode, 5-30 min each.
    n_wake = rng.poisson(1.0 + 5.0 * night_sev)
    night_of = np.repeat(np.arange(onset_i.size), n_wake)
    w_len = rng.integers(5, 31, night_of.size)
    span = np.maximum(rise_i[night_of] - onset_i[night_of] - w_len - 30, 1)
    w_start = onset_i[night_of] + 15 + (rng.random(night_of.size) * span).astype(np.int64)
    awake_in_bed = fill_runs(np.zeros(n, bool), w_start, w_len) & asleep
    asleep &= ~awake_in_bed

    # Waking activity: 24-h cosine peaking at 15:00, lower in episodes and on weekend mornings.
    mod = np.tile(np.arange(MINUTES_PER_DAY), n_days)
    day_of = np.repeat(np.arange(n_days), MINUTES_PER_DAY)
    level = wake_mean_counts * (1 - 0.45 * sev[day_of])
    shape = 1 + 0.45 * np.cos(2 * np.pi * (mod - 15 * 60) / MINUTES_PER_DAY)
    morning = (mod < 11 * 60) & weekend[day_of]
    mean_wake = level * shape * np.where(morning, 0.7, 1.0)
    counts = rng.gamma(1.5, mean_wake / 1.5)
    counts[rng.random(n) < 0.12] = 0.0  # sedentary minutes
    # In bed but awake (before sleep, awakenings): restless, about 200 counts/min.
    restless = in_bed & ~asleep
    counts[restless] = rng.gamma(2.0, 100.0, int(restless.sum()))
    # Asleep: mostly still, a movement in about one minute in five.
    # Posture shifts about every 20 min (101-150 counts for a minute) keep still sleep from looking like non-wear.
    n_sleep = int(asleep.sum())
    u = rng.random(n_sleep)
    sleep_counts = np.where(u < 0.2, rng.gamma(1.2, 25.0, n_sleep), 0.0)
    shift = u > 1 - 1 / 20
    sleep_counts[shift] = rng.uniform(101, 150, int(shift.sum()))
    counts[asleep] = sleep_counts

    # Non-wear gaps: daytime, 1-3 h, zero counts.
    n_gaps = rng.poisson(nonwear_per_week * n_days / 7)
    g_day = rng.integers(0, n_days, n_gaps)
    g_start = g_day * MINUTES_PER_DAY + rng.integers(9 * 60, 19 * 60, n_gaps)
    g_len = rng.integers(60, 181, n_gaps)
    nonwear = fill_runs(np.zeros(n, bool), g_start, np.minimum(g_len, n - g_start)) & ~in_bed
    counts[nonwear] = 0.0

    counts = np.round(counts)
    bed_intervals = tuple(
        (idx[b], idx[min(r, n - 1)]) for b, r in zip(bed_i, rise_i, strict=True)  # one per night
    )
    return SyntheticActigraphy(
        counts=pd.Series(counts, index=idx, name="counts"),
        asleep=pd.Series(asleep.astype(np.float64), index=idx, name="asleep"),
        nonwear=pd.Series(nonwear, index=idx, name="nonwear"),
        bed_intervals=bed_intervals,
        episode=ep,
    )


def synthetic_daily_summaries(
    n_days: int = 28,
    *,
    start: str | pd.Timestamp = "2024-01-01",
    seed: int | np.random.Generator = 0,
    episode_days: tuple[tuple[int, int], ...] | None = None,
    episode_severity: float = 0.7,
    missing_fraction: float = 0.05,
) -> pd.DataFrame:
    """Daily device summaries: ``date, steps, sleep_minutes, resting_hr, hrv_rmssd`` (bpm and ms).

    Healthy-adult centres: about 8,000 steps/day (Tudor-Locke et al. 2011, IJBNPA 8:79), 7-7.5 h sleep,
    resting heart rate about 62 bpm and RMSSD about 40 ms (Nunan et al. 2010, PACE 33:1407). Episodes lower steps
    and RMSSD and raise resting HR (direction only). ``missing_fraction`` of cells are left empty (NaN), as when a
    device is not worn.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    dates = pd.date_range(pd.Timestamp(start).normalize(), periods=n_days, freq="D")
    sev = np.where(_episode_mask(n_days, episode_days), float(np.clip(episode_severity, 0, 1)), 0.0)
    weekend = dates.day_of_week.to_numpy() >= 5
    steps = np.maximum(rng.normal(8000, 2000, n_days) * (1 - 0.45 * sev) * np.where(weekend, 0.9, 1.0), 0)
    sleep = np.clip(rng.normal(440, 35, n_days) + sev * rng.normal(40, 70, n_days) + 40 * weekend, 120, 900)
    rhr = rng.normal(62, 2.5, n_days) + 6 * sev
    rmssd = np.clip(rng.normal(40, 6, n_days) * (1 - 0.3 * sev), 5, None)
    df = pd.DataFrame(
        {
            "date": dates.date,
            "steps": np.round(steps),
            "sleep_minutes": np.round(sleep),
            "resting_hr": np.round(rhr, 1),
            "hrv_rmssd": np.round(rmssd, 1),
        }
    )
    cols = ["steps", "sleep_minutes", "resting_hr", "hrv_rmssd"]
    holes = rng.random((n_days, len(cols))) < missing_fraction
    values = df[cols].to_numpy(dtype=np.float64, copy=True)
    values[holes] = np.nan
    df[cols] = values
    return df


_APPLE_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation|Workout|ActivitySummary|ClinicalRecord)*)>
<!ATTLIST HealthData locale CDATA #REQUIRED>
]>
<HealthData locale="en_US">
 <ExportDate value="2024-06-01 09:00:00 +0100"/>
 <Me HKCharacteristicTypeIdentifierDateOfBirth="" HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexNotSet"/>
"""
_APPLE_DEVICE = ("&lt;&lt;HKDevice: 0x283e1a0f0&gt;, name:Apple Watch, manufacturer:Apple Inc., model:Watch, "
                 "hardware:Watch6,2, software:10.0&gt;")


def _apple_record(rtype: str, source: str, unit: str | None, start: str, end: str, value: str) -> str:
    unit_attr = f' unit="{unit}"' if unit else ""
    return (f' <Record type="{rtype}" sourceName="{source}" sourceVersion="10.0" device="{_APPLE_DEVICE}"'
            f'{unit_attr} creationDate="{end}" startDate="{start}" endDate="{end}" value="{value}">\n'
            f'  <MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/>\n </Record>\n')


def write_apple_health_export(
    path,
    *,
    n_days: int | None = None,
    target_bytes: int | None = None,
    start: str = "2024-01-01",
    seed: int = 0,
    heart_rate_every_min: int = 5,
) -> dict[str, int]:
    """Write a synthetic Apple Health ``export.xml`` (for tests and the import benchmark).

    Each day holds heart-rate samples every ``heart_rate_every_min`` minutes (Apple Watch), step counts per
    10 minutes from both a watch and a phone, one resting heart rate, a few SDNN values and the night's sleep
    stages. Give ``n_days``, or ``target_bytes`` to write days until the file reaches that size.

    Returns
    -------
    dict
        Numbers written: ``days``, ``records``, ``bytes``, and per kind.
    """
    if (n_days is None) == (target_bytes is None):
        raise ValueError("give exactly one of n_days or target_bytes")
    rng = np.random.default_rng(seed)
    day0 = pd.Timestamp(start).normalize()
    stats = {"days": 0, "records": 0, "steps": 0, "heart_rate": 0, "resting_hr": 0, "hrv": 0, "sleep": 0}
    fmt = "%Y-%m-%d %H:%M:%S +0100"
    hr_offsets = np.arange(0, MINUTES_PER_DAY, heart_rate_every_min)
    step_offsets = np.arange(7 * 60, 23 * 60, 10)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(_APPLE_HEADER)
        written = len(_APPLE_HEADER)
        d = 0
        while (n_days is not None and d < n_days) or (target_bytes is not None and written < target_bytes):
            day = day0 + pd.Timedelta(days=d)
            parts: list[str] = []
            times = (day + pd.to_timedelta(hr_offsets, unit="min")).strftime(fmt)
            bpm = np.round(65 + 10 * np.sin(2 * np.pi * (hr_offsets - 15 * 60) / MINUTES_PER_DAY)
                           + rng.normal(0, 4, hr_offsets.size))
            parts += [_apple_record("HKQuantityTypeIdentifierHeartRate", "Apple Watch", "count/min", t, t, f"{b:g}")
                      for t, b in zip(times, bpm, strict=True)]
            s_start = (day + pd.to_timedelta(step_offsets, unit="min")).strftime(fmt)
            s_end = (day + pd.to_timedelta(step_offsets + 10, unit="min")).strftime(fmt)
            steps = rng.poisson(80, step_offsets.size)
            for source, factor in (("Apple Watch", 1.0), ("iPhone", 0.8)):
                parts += [_apple_record("HKQuantityTypeIdentifierStepCount", source, "count", a, b,
                                        str(int(n * factor))) for a, b, n in zip(s_start, s_end, steps, strict=True)]
            rest_t = (day + pd.Timedelta(hours=12)).strftime(fmt)
            parts.append(_apple_record("HKQuantityTypeIdentifierRestingHeartRate", "Apple Watch", "count/min",
                                       rest_t, rest_t, f"{rng.normal(60, 2):.0f}"))
            for h in (3, 9, 15, 21):
                t = (day + pd.Timedelta(hours=h)).strftime(fmt)
                parts.append(_apple_record("HKQuantityTypeIdentifierHeartRateVariabilitySDNN", "Apple Watch", "ms",
                                           t, t, f"{rng.normal(45, 8):.1f}"))
            bed = day + pd.Timedelta(hours=23) + pd.Timedelta(minutes=float(rng.normal(0, 20)))
            stages = ["AsleepCore", "AsleepDeep", "AsleepCore", "AsleepREM", "Awake", "AsleepCore", "AsleepREM"]
            lengths = rng.integers(30, 90, len(stages))
            edges = bed + pd.to_timedelta(np.concatenate(([0], np.cumsum(lengths))), unit="min")
            parts.append(_apple_record(SLEEP_APPLE_TYPE, "Apple Watch", None, bed.strftime(fmt),
                                       edges[-1].strftime(fmt), "HKCategoryValueSleepAnalysisInBed"))
            parts += [_apple_record(SLEEP_APPLE_TYPE, "Apple Watch", None, a.strftime(fmt), b.strftime(fmt),
                                    f"HKCategoryValueSleepAnalysis{stage}")
                      for a, b, stage in zip(edges[:-1], edges[1:], stages, strict=True)]
            chunk = "".join(parts)
            fh.write(chunk)
            written += len(chunk)
            stats["heart_rate"] += hr_offsets.size
            stats["steps"] += 2 * step_offsets.size
            stats["resting_hr"] += 1
            stats["hrv"] += 4
            stats["sleep"] += len(stages) + 1
            d += 1
        fh.write("</HealthData>\n")
        written += len("</HealthData>\n")
    stats["days"] = d
    stats["records"] = sum(stats[k] for k in ("steps", "heart_rate", "resting_hr", "hrv", "sleep"))
    stats["bytes"] = written
    return stats


SLEEP_APPLE_TYPE = "HKCategoryTypeIdentifierSleepAnalysis"
