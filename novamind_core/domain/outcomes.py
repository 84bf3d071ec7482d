"""Clinic outcome definitions, as the national programmes publish them: NHS Talking Therapies (England) and the US
depression measures (NQF 0710/0711/0712, CMS eCQM 159/160, NQF 1884/1885). Each is computed per episode of care
(:mod:`novamind_core.domain.episodes`). Standard library only; ``docs/science.md`` §12 is the project summary.

These are programme definitions with fixed point thresholds. They sit beside, and do not replace, the
Jacobson-Truax reliable change index of :func:`novamind_core.domain.assessments.compare_to_baseline` (an
instrument-specific 95% criterion from its SD and test-retest reliability, docs/science.md §2).

References
----------
NHS England. NHS Talking Therapies for anxiety and depression Manual (v7, 2024), appendix on outcome measures; NHS
Digital (NHS England), NHS Talking Therapies for anxiety and depression annual reports, "Glossary" and
"Appendix: definition of a course of treatment" (caseness PHQ-9 >= 10, GAD-7 >= 8; reliable change PHQ-9 6 points,
GAD-7 4 points; recovery, reliable improvement, reliable deterioration, reliable recovery).
Gyani A, Shafran R, Layard R, Clark DM. Enhancing recovery rates: lessons from year one of IAPT. Behav Res Ther
2013;51:597-606. doi:10.1016/j.brat.2013.06.004 (the same definitions, and the reliable change amounts).
MN Community Measurement. Depression Remission at Twelve Months, CMS159 (NQF 0710e; CMS159v11-v14, 2023-2026);
Depression Remission at Six Months (NQF 0711); Depression Response at Six / Twelve Months - Progress Towards
Remission (NQF 1884 / 1885); Depression Utilization of the PHQ-9 Tool, CMS160v8 (NQF 0712e).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from novamind_core.domain.assessments import RESPONSE_MIN_REDUCTION_FRACTION
from novamind_core.domain.episodes import Episode, ScoredContact
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instruments import Instrument

# ======================================================================================== NHS Talking Therapies


@dataclass(frozen=True, slots=True)
class TalkingTherapiesThreshold:
    """Programme thresholds of one measure: a case at ``caseness_min`` or above; a change of
    ``reliable_change_points`` or more is reliable."""

    instrument: Instrument
    caseness_min: int
    reliable_change_points: int
    source: str


TALKING_THERAPIES_THRESHOLDS: dict[Instrument, TalkingTherapiesThreshold] = {
    Instrument.PHQ9: TalkingTherapiesThreshold(
        Instrument.PHQ9, caseness_min=10, reliable_change_points=6,
        source="NHS Talking Therapies Manual: PHQ-9 caseness 10 or more; reliable change 6 points or more"),
    Instrument.GAD7: TalkingTherapiesThreshold(
        Instrument.GAD7, caseness_min=8, reliable_change_points=4,
        source="NHS Talking Therapies Manual: GAD-7 caseness 8 or more; reliable change 4 points or more"),
}
"""The two measures NHS Talking Therapies pairs for every referral. The programme replaces GAD-7 with an
anxiety-disorder-specific measure (ADSM) for some problem descriptors; we have no ADSM and always use GAD-7."""


def _threshold(instrument: Instrument | str) -> TalkingTherapiesThreshold:
    parsed = Instrument.parse(instrument)
    if parsed not in TALKING_THERAPIES_THRESHOLDS:
        raise ValidationError(f"NHS Talking Therapies defines no caseness or reliable change for {parsed.value}: "
                              "only PHQ-9 and GAD-7", field="instrument", value=parsed.value)
    return TALKING_THERAPIES_THRESHOLDS[parsed]


def _check(instrument: Instrument, total: object, field: str) -> int:
    high = instrument.spec.max_total
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= high:
        raise ValidationError(f"{instrument.value} {field} total {total!r} must be a whole number 0-{high}",
                              field=field, value=total)
    return total


def is_case(instrument: Instrument | str, total: int) -> bool:
    """Talking Therapies caseness: PHQ-9 total >= 10, GAD-7 total >= 8 (NHS Talking Therapies Manual)."""
    t = _threshold(instrument)
    return _check(t.instrument, total, "score") >= t.caseness_min


@dataclass(frozen=True, slots=True)
class TalkingTherapiesChange:
    """Talking Therapies view of change on one instrument (the ``talking_therapies`` block of ``change --json``).

    ``reliable_improvement``: fell by at least the reliable amount (PHQ-9 6, GAD-7 4 points);
    ``reliable_deterioration``: rose by at least that amount. Single-instrument only: the programme's paired rule
    ("neither measure reliably worse") is :class:`TalkingTherapiesOutcome`.
    """

    instrument: Instrument
    baseline: int
    current: int
    caseness_baseline: bool
    caseness_current: bool
    reliable_improvement: bool
    reliable_deterioration: bool

    def to_json(self) -> dict[str, bool]:
        return {"caseness_baseline": self.caseness_baseline, "caseness_current": self.caseness_current,
                "reliable_improvement": self.reliable_improvement,
                "reliable_deterioration": self.reliable_deterioration}


def talking_therapies_change(instrument: Instrument | str, baseline: int, current: int) -> TalkingTherapiesChange:
    """Caseness at baseline and now, and reliable improvement / deterioration on one instrument.

    Raises
    ------
    ValidationError
        An instrument other than PHQ-9 or GAD-7, or a total out of range.
    """
    t = _threshold(instrument)
    b = _check(t.instrument, baseline, "baseline")
    c = _check(t.instrument, current, "current")
    return TalkingTherapiesChange(
        instrument=t.instrument, baseline=b, current=c,
        caseness_baseline=b >= t.caseness_min, caseness_current=c >= t.caseness_min,
        reliable_improvement=b - c >= t.reliable_change_points,
        reliable_deterioration=c - b >= t.reliable_change_points,
    )


@dataclass(frozen=True, slots=True)
class TalkingTherapiesOutcome:
    """The programme's outcome of one finished course of treatment (first and last paired PHQ-9 and GAD-7).

    Attributes
    ----------
    case_at_start : bool
        At caseness on PHQ-9 or GAD-7 (or both) at the first pair: the recovery denominator.
    case_at_end : bool
        At caseness on either measure at the last pair.
    reliable_improvement : bool
        Either measure fell by its reliable amount and neither rose by its reliable amount.
    reliable_deterioration : bool
        Either measure rose by its reliable amount and neither fell by its reliable amount.
    recovery : bool
        A case at the start and below caseness on both at the end (False when not a case at the start: such a
        course is outside the recovery denominator, see ``case_at_start``).
    reliable_recovery : bool
        Recovered and reliably improved.
    """

    phq9: TalkingTherapiesChange
    gad7: TalkingTherapiesChange
    case_at_start: bool
    case_at_end: bool
    reliable_improvement: bool
    reliable_deterioration: bool
    recovery: bool
    reliable_recovery: bool

    @property
    def no_reliable_change(self) -> bool:
        return not (self.reliable_improvement or self.reliable_deterioration)

    def to_json(self) -> dict[str, bool]:
        return {"case_at_start": self.case_at_start, "case_at_end": self.case_at_end,
                "reliable_improvement": self.reliable_improvement,
                "reliable_deterioration": self.reliable_deterioration,
                "recovery": self.recovery, "reliable_recovery": self.reliable_recovery}


def talking_therapies_outcome(phq9_baseline: int, phq9_final: int, gad7_baseline: int, gad7_final: int
                              ) -> TalkingTherapiesOutcome:
    """Classify a finished course by the NHS Talking Therapies definitions (module references).

    Both "reliable" rules look at the two measures together: improvement needs one measure down by its reliable
    amount and neither up by its reliable amount; deterioration the reverse. A course where one measure reliably
    improves and the other reliably worsens is neither.
    """
    phq = talking_therapies_change(Instrument.PHQ9, phq9_baseline, phq9_final)
    gad = talking_therapies_change(Instrument.GAD7, gad7_baseline, gad7_final)
    improved = phq.reliable_improvement or gad.reliable_improvement
    worse = phq.reliable_deterioration or gad.reliable_deterioration
    case_at_start = phq.caseness_baseline or gad.caseness_baseline
    case_at_end = phq.caseness_current or gad.caseness_current
    recovery = case_at_start and not case_at_end
    reliable_improvement = improved and not worse
    return TalkingTherapiesOutcome(
        phq9=phq, gad7=gad, case_at_start=case_at_start, case_at_end=case_at_end,
        reliable_improvement=reliable_improvement, reliable_deterioration=worse and not improved,
        recovery=recovery, reliable_recovery=recovery and reliable_improvement,
    )


def finished_course(episode: Episode) -> bool:
    """Whether an episode counts in the Talking Therapies outcome figures.

    The programme counts referrals that ended having had at least two attended treatment appointments, with
    outcomes from the first and last paired scores. We have no appointment types, so we count a **closed** episode
    with a PHQ-9 *and* a GAD-7 baseline and final on different dates (two scored contacts on each measure).
    """
    phq, gad = episode.score(Instrument.PHQ9), episode.score(Instrument.GAD7)
    return episode.is_closed and phq is not None and gad is not None and phq.has_pair and gad.has_pair


def episode_talking_therapies_outcome(episode: Episode) -> TalkingTherapiesOutcome | None:
    """The Talking Therapies outcome of an episode; None when it is not a finished course (:func:`finished_course`)."""
    if not finished_course(episode):
        return None
    phq, gad = episode.score(Instrument.PHQ9), episode.score(Instrument.GAD7)
    assert phq is not None and gad is not None
    return talking_therapies_outcome(phq.baseline, phq.final, gad.baseline, gad.final)


# ================================================================================================ US measures

US_INDEX_PHQ9_ABOVE = 9
"""CMS159 / NQF 0710-0711 denominator: an index PHQ-9 "greater than nine"."""
US_FOLLOW_UP_WINDOW_DAYS = 60
"""CMS159 / NQF 0711: the follow-up score is taken 12 (or 6) months "+/- 60 days" after the index date."""
US_FOLLOW_UP_MONTHS = (6, 12)
"""NQF 0711 (six months) and NQF 0710 / CMS159 (twelve months)."""
US_DENOMINATOR_EXCLUSIONS = (
    "died before the end of the assessment period",
    "hospice or palliative care",
    "permanent nursing-home resident",
    "bipolar disorder",
    "personality disorder, emotionally labile",
    "schizophrenia or psychotic disorder",
    "pervasive developmental disorder",
)
"""CMS159v11-v14 denominator exclusions; the caller says whether one applies (``excluded=True``)."""


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the end of a shorter month (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class FollowUp:
    """The follow-up PHQ-9 of a US measure ``months`` after the index date.

    ``window_start..window_end`` (inclusive) is the target date ± 60 days; ``score`` is the last PHQ-9 in it (None
    when there is none). ``remission`` (score < 5) and ``response`` (score at most half the index score) are False
    without a score, as in the measure (no follow-up counts as not met), and None while the window is still open on
    ``as_of``.
    """

    months: int
    window_start: date
    window_end: date
    score: int | None
    score_on: date | None
    remission: bool | None
    response: bool | None


@dataclass(frozen=True, slots=True)
class USDepressionOutcome:
    """Index PHQ-9 (the first above 9) and the 6- and 12-month follow-ups (NQF 0711 / 1884, NQF 0710 / 1885)."""

    index_on: date
    index_score: int
    six_months: FollowUp
    twelve_months: FollowUp


def _follow_up(readings: Sequence[ScoredContact], index_on: date, index_score: int, months: int,
               as_of: date | None) -> FollowUp:
    target = add_months(index_on, months)
    start = target - timedelta(days=US_FOLLOW_UP_WINDOW_DAYS)
    end = target + timedelta(days=US_FOLLOW_UP_WINDOW_DAYS)
    last = None
    for r in readings:  # readings are in date order; the last one in the window wins
        if start <= r.taken_on <= end:
            last = r
    score, score_on = (last.total, last.taken_on) if last is not None else (None, None)
    if as_of is not None and as_of < end:  # window still open: a later score may still change the result
        return FollowUp(months, start, end, score, score_on, None, None)
    if score is None:
        return FollowUp(months, start, end, None, None, False, False)
    remission = score <= Instrument.PHQ9.spec.remission_max_total  # PHQ-9 < 5
    response = (index_score - score) >= RESPONSE_MIN_REDUCTION_FRACTION * index_score
    return FollowUp(months, start, end, score, score_on, remission, response)


def us_depression_outcome(phq9: Iterable[ScoredContact], *, as_of: date | None = None, excluded: bool = False
                          ) -> USDepressionOutcome | None:
    """US remission and response at 6 and 12 months after the index PHQ-9; None outside the denominator.

    * **Index**: the first PHQ-9 above 9 among ``phq9`` (an episode's PHQ-9 scores, or a patient's). CMS159 also
      needs a depression or dysthymia diagnosis and an encounter within 7 days, and an index date in the
      denominator identification period: the caller chooses the readings and the period.
    * **Follow-up**: the last PHQ-9 in ``add_months(index, m) ± 60 days`` (inclusive) for m = 6 and 12.
    * **Remission**: that score below 5 (NQF 0710 / 0711; ``remission_max_total`` of the PHQ-9).
    * **Response**: that score at most half the index score (a reduction of 50% or more; NQF 1884 / 1885).
    * ``excluded``: one of :data:`US_DENOMINATOR_EXCLUSIONS` applies, so the patient leaves the denominator.

    Raises
    ------
    ValidationError
        A reading of another instrument.
    """
    if excluded:
        return None
    readings = sorted(phq9, key=lambda r: r.taken_on)
    for r in readings:
        if r.instrument is not Instrument.PHQ9:
            raise ValidationError(f"US depression measures use PHQ-9 scores only (got {r.instrument.value})",
                                  field="instrument", value=r.instrument.value)
    index = next((r for r in readings if r.total > US_INDEX_PHQ9_ABOVE), None)
    if index is None:
        return None
    after = [r for r in readings if r.taken_on > index.taken_on]
    six, twelve = (_follow_up(after, index.taken_on, index.total, m, as_of) for m in US_FOLLOW_UP_MONTHS)
    return USDepressionOutcome(index_on=index.taken_on, index_score=index.total, six_months=six, twelve_months=twelve)


def four_month_period(day: date) -> tuple[int, int]:
    """CMS160 / NQF 0712 period of a date: ``(year, 1)`` Jan-Apr, ``(year, 2)`` May-Aug, ``(year, 3)`` Sep-Dec."""
    return day.year, (day.month - 1) // 4 + 1


@dataclass(frozen=True, slots=True)
class PHQ9Utilisation:
    """PHQ-9 utilisation (CMS160v8 / NQF 0712): of the four-month periods with a depression contact
    (``periods_with_contact``, the denominator), those with a completed PHQ-9 (``periods_with_phq9``)."""

    periods_with_contact: tuple[tuple[int, int], ...]
    periods_with_phq9: tuple[tuple[int, int], ...]

    @property
    def denominator(self) -> int:
        return len(self.periods_with_contact)

    @property
    def numerator(self) -> int:
        return len(self.periods_with_phq9)

    @property
    def every_period_measured(self) -> bool:
        """At least one PHQ-9 in each four-month period that had a contact (True when there were none)."""
        return self.numerator == self.denominator


def phq9_utilisation(contact_dates: Iterable[date], phq9_dates: Iterable[date]) -> PHQ9Utilisation:
    """Count four-month periods with a contact and, of those, the periods with a PHQ-9.

    CMS160 counts periods with a qualifying depression encounter (and diagnosis); we count every contact date the
    caller passes (visits, or an episode's assessments). A PHQ-9 itself is a contact, so a period with a PHQ-9 is
    always in the denominator.
    """
    phq = {four_month_period(d) for d in phq9_dates}
    contact = {four_month_period(d) for d in contact_dates} | phq
    return PHQ9Utilisation(periods_with_contact=tuple(sorted(contact)), periods_with_phq9=tuple(sorted(phq)))


def days_to_response(phq9: Iterable[ScoredContact], censor_on: date | None = None) -> tuple[int, bool] | None:
    """Time to response for Kaplan-Meier: days from the first PHQ-9 to the first later one at most half of it.

    Returns ``(days, True)`` at response, else ``(days to the last reading or censor_on, False)``; None when there
    is no reading or the first is 0 (no reduction possible).
    """
    readings = sorted(phq9, key=lambda r: r.taken_on)
    if not readings or readings[0].total == 0:
        return None
    first = readings[0]
    for r in readings[1:]:
        if first.total - r.total >= RESPONSE_MIN_REDUCTION_FRACTION * first.total:
            return (r.taken_on - first.taken_on).days, True
    end = max(readings[-1].taken_on, censor_on) if censor_on is not None else readings[-1].taken_on
    return (end - first.taken_on).days, False
