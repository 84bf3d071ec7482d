"""Clinic outcome statistics (numpy/scipy, no database, no PHI): rates with Wilson intervals and small-number
suppression, funnel-plot control limits for a proportion (Spiegelhalter 2005), case-mix-adjusted observed/expected
ratios with their intervals and funnel limits, and time to response (Kaplan-Meier).

The outcome of each episode is decided in :mod:`novamind_core.domain.outcomes`; this module only counts. Interval and
Kaplan-Meier code is reused from :mod:`novamind_core.analytics.cohort_stats`. ``docs/science.md`` §12.

References
----------
Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med 2005;24:1185-1202.
doi:10.1002/sim.1970 (exact binomial limits with interpolation, Appendix A.1.1; indirectly standardised ratios, §4).
Wilson EB. Probable inference, the law of succession, and statistical inference. J Am Stat Assoc 1927;22:209-212.
Hong Y. On computing the distribution function for the Poisson binomial distribution. Comput Stat Data Anal
2013;59:41-51. doi:10.1016/j.csda.2012.10.006 (the distribution of a sum of independent, unequal Bernoulli trials).
Office for National Statistics / NHS England statistical disclosure control: counts below 5 are not published, and a
second cell is hidden where a total would reveal the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from novamind_core.analytics.cohort_stats import Z_95, KaplanMeierCurve, Proportion, kaplan_meier, wilson_interval
from novamind_core.domain.errors import ValidationError

SUPPRESSION_MIN_COUNT = 5
"""Counts from 1 to 4 are shown as suppressed (official-statistics practice for health data; zero is shown)."""
FUNNEL_LEVELS = (0.95, 0.998)
"""Funnel control limits: about 2 and 3 standard deviations (Spiegelhalter 2005)."""


# ============================================================================================ rates and suppression
@dataclass(frozen=True)
class OutcomeRate:
    """``numerator / denominator`` with its Wilson 95% interval; ``suppressed`` hides the figures when displayed."""

    label: str
    rate: Proportion
    suppressed: bool

    @property
    def numerator(self) -> int:
        return self.rate.successes

    @property
    def denominator(self) -> int:
        return self.rate.n

    @property
    def shown_numerator(self) -> int | None:
        """The numerator as published: None when suppressed."""
        return None if self.suppressed else self.rate.successes

    @property
    def shown_estimate(self) -> float | None:
        return None if self.suppressed else self.rate.estimate


def _small(count: int) -> bool:
    return 0 < count < SUPPRESSION_MIN_COUNT


def outcome_rate(numerator: int, denominator: int, label: str = "") -> OutcomeRate:
    """A rate with its Wilson 95% interval (``cohort_stats.wilson_interval``); suppressed when the numerator or the
    denominator is from 1 to 4 (primary suppression only: use :func:`rates_by_group` for a table with a total)."""
    rate = wilson_interval(int(numerator), int(denominator))
    return OutcomeRate(label=label, rate=rate, suppressed=_small(rate.successes) or _small(rate.n))


@dataclass(frozen=True)
class SuppressedCells:
    """Which cells of one row (and whether its total) to hide."""

    cells: tuple[bool, ...]
    total: bool


def suppress_cells(counts: Sequence[int], total_shown: bool = True) -> SuppressedCells:
    """Primary and secondary suppression of one row of counts.

    Primary: every count from 1 to 4. Secondary, when the row's total is shown: if exactly one cell is hidden, the
    total minus the others would reveal it, so the smallest other cell (the first on a tie) is hidden too; a row
    with a single cell hides its total instead.
    """
    values = [int(c) for c in counts]
    hidden = [_small(c) for c in values]
    total_hidden = _small(sum(values))
    if total_shown and sum(hidden) == 1:
        others = [(v, i) for i, v in enumerate(values) if not hidden[i]]
        if others:
            hidden[min(others)[1]] = True
        else:
            total_hidden = True
    return SuppressedCells(cells=tuple(hidden), total=total_hidden)


def rates_by_group(groups: Sequence[str], outcome: ArrayLike, eligible: ArrayLike | None = None
                   ) -> tuple[OutcomeRate, ...]:
    """Per-group rates (e.g. per clinician) of ``outcome`` among ``eligible`` episodes, vectorised.

    Groups are returned in sorted order. Numerators and denominators are each suppressed as one row with a total
    (:func:`suppress_cells`); a group is suppressed when either of its counts is.
    """
    y = np.asarray(outcome, dtype=bool)
    keep = np.ones(y.shape, dtype=bool) if eligible is None else np.asarray(eligible, dtype=bool)
    if y.ndim != 1 or keep.shape != y.shape or len(groups) != y.size:
        raise ValidationError("groups, outcome and eligible must be 1-D and the same length", field="outcome")
    names, inverse = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    den = np.bincount(inverse, weights=keep, minlength=names.size).astype(int)
    num = np.bincount(inverse, weights=keep & y, minlength=names.size).astype(int)
    hide_num = suppress_cells(num.tolist()).cells
    hide_den = suppress_cells(den.tolist()).cells
    return tuple(OutcomeRate(label=str(name), rate=wilson_interval(int(k), int(n)), suppressed=a or b)
                 for name, k, n, a, b in zip(names, num, den, hide_num, hide_den, strict=True))


def data_completeness(with_baseline_and_final: int, all_episodes: int) -> OutcomeRate:
    """Share of episodes with a baseline and a final score (what every outcome rate rests on)."""
    return outcome_rate(with_baseline_and_final, all_episodes, label="data completeness")


def time_to_response(durations_days: Sequence[float], responded: Sequence[bool], label: str = ""
                     ) -> KaplanMeierCurve:
    """Kaplan-Meier time to response (``cohort_stats.kaplan_meier``).

    Inputs come from ``domain.outcomes.days_to_response``.
    """
    return kaplan_meier(durations_days, responded, label=label)


# ==================================================================================================== funnel plots
@dataclass(frozen=True, eq=False)
class FunnelLimits:
    """Control limits at each ``x`` (episodes for a proportion, expected count for O/E): 95% and 99.8%."""

    x: np.ndarray
    target: float
    lower_95: np.ndarray
    upper_95: np.ndarray
    lower_998: np.ndarray
    upper_998: np.ndarray


def _interpolated_quantile(p: float, cdf_at: np.ndarray, cdf_below: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Spiegelhalter 2005 Appendix A.1.1: ``r_p - alpha`` with ``alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1))``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(cdf_at > cdf_below, (cdf_at - p) / (cdf_at - cdf_below), 0.0)
    return r - alpha


def proportion_funnel_limits(target: float, n: ArrayLike) -> FunnelLimits:
    """Exact binomial funnel limits for a proportion around ``target`` (the clinic's or national rate).

    For each ``n`` and tail probability p (0.025, 0.975, 0.001, 0.999), ``r_p`` is the smallest r with
    ``P(R <= r) >= p`` under ``Binomial(n, target)``, and the limit is ``(r_p - alpha) / n`` with the interpolation
    ``alpha`` above, so the limits are smooth in n (Spiegelhalter 2005), clipped to 0..1 (the interpolation can
    step past them for very small n). Vectorised over ``n``; NaN where n is 0.
    """
    if not 0.0 < float(target) < 1.0:
        raise ValidationError(f"the funnel target must be strictly between 0 and 1 (got {target})", field="target")
    size = np.asarray(n, dtype=float)
    if np.any(size < 0) or np.any(size != np.round(size)):
        raise ValidationError("the number of episodes must be whole and not negative", field="n")
    safe = np.maximum(size, 1.0)
    out = []
    for level in FUNNEL_LEVELS:
        for p in ((1.0 - level) / 2.0, (1.0 + level) / 2.0):
            r = stats.binom.ppf(p, safe, target)
            limit = _interpolated_quantile(p, stats.binom.cdf(r, safe, target), stats.binom.cdf(r - 1, safe, target),
                                           r) / safe
            out.append(np.where(size > 0, np.clip(limit, 0.0, 1.0), np.nan))
    return FunnelLimits(x=size, target=float(target), lower_95=out[0], upper_95=out[1], lower_998=out[2],
                        upper_998=out[3])


def funnel_position(value: float, lower_95: float, upper_95: float, lower_998: float, upper_998: float) -> str:
    """Where a point falls: ``"above 99.8%"``, ``"above 95%"``, ``"within"``, ``"below 95%"`` or ``"below 99.8%"``.

    "Above"/"below" need the point strictly outside the limit.
    """
    if value > upper_998:
        return "above 99.8%"
    if value > upper_95:
        return "above 95%"
    if value < lower_998:
        return "below 99.8%"
    if value < lower_95:
        return "below 95%"
    return "within"


# ===================================================================================== observed / expected (case mix)
@dataclass(frozen=True)
class ObservedExpected:
    """Observed count O, expected count E = sum of the episodes' expected probabilities, the Poisson-binomial
    variance V = sum p (1 - p) of O under the expectation, and ``O / E`` with its 95% interval ``(O +- z sqrt(V)) / E``
    (lower bound not below 0). Ratio and bounds are None when E is 0."""

    label: str
    n: int
    observed: int
    expected: float
    variance: float
    ratio: float | None
    lower: float | None
    upper: float | None


def _oe(label: str, n: int, observed: int, expected: float, variance: float, z: float) -> ObservedExpected:
    if expected <= 0:
        return ObservedExpected(label, n, observed, expected, variance, None, None, None)
    half = z * float(np.sqrt(variance))
    return ObservedExpected(label, n, observed, expected, variance, observed / expected,
                            max(0.0, (observed - half) / expected), (observed + half) / expected)


def _check_probabilities(p: np.ndarray) -> None:
    if p.ndim != 1 or np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValidationError("expected probabilities must be a 1-D array of numbers from 0 to 1",
                              field="expected_probabilities")


def observed_expected(outcomes: ArrayLike, expected_probabilities: ArrayLike, label: str = "", z: float = Z_95
                      ) -> ObservedExpected:
    """Indirectly standardised O/E for one unit (a clinician, a clinic): see :class:`ObservedExpected`."""
    y = np.asarray(outcomes, dtype=bool)
    p = np.asarray(expected_probabilities, dtype=float)
    _check_probabilities(p)
    if y.shape != p.shape:
        raise ValidationError("outcomes and expected probabilities must be the same length", field="outcomes")
    return _oe(label, int(y.size), int(y.sum()), float(p.sum()), float((p * (1 - p)).sum()), z)


def observed_expected_by_group(groups: Sequence[str], outcomes: ArrayLike, expected_probabilities: ArrayLike,
                               z: float = Z_95) -> tuple[ObservedExpected, ...]:
    """:func:`observed_expected` for every group at once (vectorised with ``bincount``), groups in sorted order."""
    y = np.asarray(outcomes, dtype=bool)
    p = np.asarray(expected_probabilities, dtype=float)
    _check_probabilities(p)
    if y.shape != p.shape or len(groups) != y.size:
        raise ValidationError("groups, outcomes and expected probabilities must be the same length", field="groups")
    names, inverse = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    n = np.bincount(inverse, minlength=names.size)
    o = np.bincount(inverse, weights=y, minlength=names.size)
    e = np.bincount(inverse, weights=p, minlength=names.size)
    v = np.bincount(inverse, weights=p * (1 - p), minlength=names.size)
    return tuple(_oe(str(names[i]), int(n[i]), int(round(o[i])), float(e[i]), float(v[i]), z)
                 for i in range(names.size))


def oe_funnel_limits(expected: ArrayLike, variance: ArrayLike) -> FunnelLimits:
    """Funnel limits for O/E around 1, plotted against E: ``1 +- z sqrt(V) / E`` (normal approximation to the
    Poisson-binomial distribution of O under the expectation; Spiegelhalter 2005 §4). Vectorised; NaN where E is 0.
    For few episodes prefer :func:`oe_exact_limits`."""
    e = np.asarray(expected, dtype=float)
    v = np.asarray(variance, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.where(e > 0, np.sqrt(v) / e, np.nan)
    z95, z998 = (stats.norm.ppf((1 + level) / 2) for level in FUNNEL_LEVELS)
    return FunnelLimits(x=e, target=1.0, lower_95=np.maximum(0.0, 1 - z95 * spread), upper_95=1 + z95 * spread,
                        lower_998=np.maximum(0.0, 1 - z998 * spread), upper_998=1 + z998 * spread)


def poisson_binomial_pmf(probabilities: ArrayLike) -> np.ndarray:
    """``P(O = k)`` for k = 0..n, O the number of successes of independent trials with the given probabilities.

    Exact recursion (one trial at a time, O(n^2) arithmetic, vectorised over k); Hong 2013 describes it and faster
    alternatives.
    """
    p = np.asarray(probabilities, dtype=float)
    _check_probabilities(p)
    pmf = np.zeros(p.size + 1)
    pmf[0] = 1.0
    for i, pi in enumerate(p, start=1):
        pmf[1:i + 1] = pmf[1:i + 1] * (1 - pi) + pmf[:i] * pi
        pmf[0] *= 1 - pi
    return pmf


def oe_exact_limits(probabilities: ArrayLike) -> tuple[float, float, float, float]:
    """Exact funnel limits for one unit's O/E: ``(lower_95, upper_95, lower_998, upper_998)``.

    The quantiles of the Poisson-binomial distribution of O under the expectation, smoothed with Spiegelhalter's
    interpolation (Appendix A.1.1, there for the binomial; applying it to the Poisson-binomial is ours), divided
    by E. NaN when E is 0.
    """
    p = np.asarray(probabilities, dtype=float)
    expected = float(p.sum())
    if expected <= 0:
        return (float("nan"),) * 4
    cdf = np.minimum(np.cumsum(poisson_binomial_pmf(p)), 1.0)
    out = []
    for level in FUNNEL_LEVELS:
        for q in ((1.0 - level) / 2.0, (1.0 + level) / 2.0):
            r = int(np.searchsorted(cdf, q - 1e-12, side="left"))
            below = cdf[r - 1] if r > 0 else 0.0
            quantile = float(_interpolated_quantile(q, np.asarray(cdf[r]), np.asarray(below), np.asarray(r)))
            out.append(max(0.0, quantile) / expected)
    return out[0], out[1], out[2], out[3]
