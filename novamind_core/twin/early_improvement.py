"""Early improvement as evidence: a >= 20% PHQ-9 fall by week 2 of a drug predicts response (docs/science.md §16).

Wagner et al. 2017 (J Psychiatr Res 94:96, systematic review and meta-analysis; verify): across antidepressant
trials, early improvement (>= 20% reduction by week 2) predicted later response with sensitivity 0.85
and specificity 0.54. As a likelihood ratio on the odds of response::

    LR+ = sens / (1 - spec) = 0.85 / 0.46 = 1.85        (early improvement seen)
    LR- = (1 - sens) / spec = 0.15 / 0.54 = 0.28        (no early improvement)
    posterior odds = prior odds x LR

The absence of early improvement lowers the odds but does not settle the question: 29-43% of early non-improvers
still respond (de Vries et al., Br J Psychiatry 2019; 214:4, individual-patient meta-analysis; verify), so the
wording is "consider", never "switch".
"""

from __future__ import annotations

from dataclasses import dataclass

EARLY_IMPROVEMENT_FRACTION = 0.20
EARLY_WINDOW_DAYS = (10.0, 17.0)  # a week-2 visit: day 14 +/- 3-4
WAGNER_SENSITIVITY = 0.85
WAGNER_SPECIFICITY = 0.54
WAGNER_SOURCE = ("Wagner et al. 2017: >= 20% PHQ-9 improvement by week 2 predicts response (sensitivity 85%, "
                 "specificity 54%); de Vries et al. 2018: 29-43% of early non-improvers still respond")
CONSIDER_NO_EARLY_IMPROVEMENT = ("No early improvement by week 2 (< 20% fall in PHQ-9): response is less likely; "
                                 "consider checking dose, adherence and level before changing treatment "
                                 "(29-43% of early non-improvers still respond).")
CONSIDER_EARLY_IMPROVEMENT = "Early improvement by week 2 (>= 20% fall in PHQ-9): response is more likely; continue."


@dataclass(frozen=True)
class EarlyImprovement:
    """Whether the patient improved early on the current drug, and what that does to the odds of response."""

    baseline_phq9: float
    week2_phq9: float
    improvement_fraction: float
    improved: bool
    likelihood_ratio: float
    wording: str
    source: str = WAGNER_SOURCE

    def response_probability(self, prior_probability: float) -> float:
        """Probability of response after this evidence, from a prior probability (Bayes on the odds)."""
        p = min(max(float(prior_probability), 1e-6), 1.0 - 1e-6)
        odds = p / (1.0 - p) * self.likelihood_ratio
        return odds / (1.0 + odds)

    def to_dict(self) -> dict:
        return {"baseline_phq9": self.baseline_phq9, "week2_phq9": self.week2_phq9,
                "improvement_fraction": round(self.improvement_fraction, 3), "improved": self.improved,
                "likelihood_ratio": round(self.likelihood_ratio, 3), "wording": self.wording, "source": self.source}


def likelihood_ratio(improved: bool, sensitivity: float = WAGNER_SENSITIVITY,
                     specificity: float = WAGNER_SPECIFICITY) -> float:
    """``sens / (1 - spec)`` when improvement was seen, ``(1 - sens) / spec`` when it was not."""
    return sensitivity / (1.0 - specificity) if improved else (1.0 - sensitivity) / specificity


def early_improvement(phq9: tuple[tuple[float, float], ...], drug_start_day: float = 0.0) -> EarlyImprovement | None:
    """Early-improvement evidence from PHQ-9 totals ``(day, total)``; ``None`` without a baseline and a week-2 score.

    Baseline: the last total on or before the drug's start day. Week 2: the total nearest day 14 after the start
    within :data:`EARLY_WINDOW_DAYS`. A baseline of 0 carries no evidence (``None``).
    """
    before = [(t, y) for t, y in phq9 if t <= drug_start_day]
    lo, hi = EARLY_WINDOW_DAYS
    window = [(t, y) for t, y in phq9 if lo <= t - drug_start_day <= hi]
    if not before or not window:
        return None
    baseline = float(before[-1][1])
    if baseline <= 0:
        return None
    week2 = float(min(window, key=lambda p: abs(p[0] - drug_start_day - 14.0))[1])
    frac = (baseline - week2) / baseline
    improved = frac >= EARLY_IMPROVEMENT_FRACTION
    return EarlyImprovement(baseline, week2, frac, improved, likelihood_ratio(improved),
                            CONSIDER_EARLY_IMPROVEMENT if improved else CONSIDER_NO_EARLY_IMPROVEMENT)


__all__ = ["EarlyImprovement", "early_improvement", "likelihood_ratio"]
