"""Per-episode outcome facts for the clinic report: episodes built from each patient's inputs, then, for each
measure of a standard, whether the episode is in its denominator, whether it met it, the date it is counted on and
the inputs of its case-mix expectation. Pure (no database, no identifiers leave: episodes carry a patient id only
inside this layer).

Which episodes count (docs/outcomes.md, docs/science.md §12):

* **Talking Therapies**: episodes *closed* in the period; a finished course (closed, PHQ-9 and GAD-7 each scored
  on two dates) is "complete"; recovery and reliable recovery count courses at caseness at the start; reliable
  improvement and deterioration count every finished course. Counted on the closing date.
* **US**: episodes whose index PHQ-9 (> 9) 6- or 12-month window (± 60 days) *ends* in the period, so every
  counted result is final; "complete" when each such window holds a score. Counted on the window's end.
  PHQ-9 utilisation counts episodes with a contact in the period: met when each four-month period with a
  contact had a PHQ-9.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from novamind_core.analytics.clinic_report_types import MeasureDefinition
from novamind_core.domain.episodes import DEFAULT_EPISODE_GAP_DAYS, Episode, ScoredContact, build_episodes
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.outcome_records import UNASSIGNED, PatientOutcomeInputs
from novamind_core.domain.outcomes import (
    TalkingTherapiesOutcome,
    finished_course,
    phq9_utilisation,
    talking_therapies_outcome,
    us_depression_outcome,
)

_TT_SOURCE = ("NHS Talking Therapies for anxiety and depression Manual (NHS England, v7 2024) and annual report "
              "glossary; Gyani et al. 2013, Behav Res Ther 51:597")
TALKING_THERAPIES_MEASURES = (
    MeasureDefinition("recovery", "Recovery", "At caseness at the start (PHQ-9 >= 10 or GAD-7 >= 8) and below "
                      "caseness on both at the end, among finished courses at caseness.", _TT_SOURCE),
    MeasureDefinition("reliable_improvement", "Reliable improvement", "PHQ-9 down by 6 or more or GAD-7 down by 4 "
                      "or more, and neither up by its reliable amount, among finished courses.", _TT_SOURCE),
    MeasureDefinition("reliable_deterioration", "Reliable deterioration", "PHQ-9 up by 6 or more or GAD-7 up by 4 "
                      "or more, and neither down by its reliable amount, among finished courses.", _TT_SOURCE),
    MeasureDefinition("reliable_recovery", "Reliable recovery", "Recovered and reliably improved, among finished "
                      "courses at caseness at the start.", _TT_SOURCE),
)
US_MEASURES = (
    MeasureDefinition("remission_6m", "Remission at 6 months", "Last PHQ-9 in 6 months ± 60 days after an index "
                      "PHQ-9 above 9 is below 5 (no score counts as not in remission).",
                      "NQF 0711 (MN Community Measurement)"),
    MeasureDefinition("remission_12m", "Remission at 12 months", "Last PHQ-9 in 12 months ± 60 days after an index "
                      "PHQ-9 above 9 is below 5 (no score counts as not in remission).",
                      "NQF 0710 / CMS eCQM 159 (MN Community Measurement)"),
    MeasureDefinition("response_6m", "Response at 6 months", "That 6-month PHQ-9 is at most half the index score.",
                      "NQF 1884 (MN Community Measurement)"),
    MeasureDefinition("response_12m", "Response at 12 months", "That 12-month PHQ-9 is at most half the index "
                      "score.", "NQF 1885 (MN Community Measurement)"),
    MeasureDefinition("phq9_utilisation", "PHQ-9 utilisation", "At least one PHQ-9 in each four-month period "
                      "(Jan-Apr, May-Aug, Sep-Dec) with a contact.", "CMS eCQM 160 / NQF 0712 (retired eCQM)"),
)
MEASURES = {"talking_therapies": TALKING_THERAPIES_MEASURES, "us": US_MEASURES}
#: Case-mix outcome of each measure (``twin.case_mix.OUTCOMES``); utilisation has none.
CASE_MIX_OUTCOME = {"recovery": "recovery", "reliable_improvement": "reliable_improvement",
                    "reliable_deterioration": "reliable_deterioration", "reliable_recovery": "reliable_recovery",
                    "remission_6m": "remission", "remission_12m": "remission", "response_6m": "response",
                    "response_12m": "response"}
HEADLINE_MEASURE = {"talking_therapies": "reliable_recovery", "us": "remission_6m"}
_US_HORIZON_DAYS = {6: 182.0, 12: 365.0}


@dataclass(frozen=True)
class MeasureResult:
    """One episode on one measure: in the denominator, met, the date it is counted on, case-mix horizon."""

    eligible: bool
    met: bool
    counted_on: date | None
    horizon_days: float


@dataclass(frozen=True)
class EpisodeFacts:
    """One episode and what the report needs of it (``patient_id`` stays inside the analytics layer)."""

    patient_id: int
    clinician_id: int | None
    clinician: str
    drug: str
    diagnosis: str
    cyp2d6: str | None
    cyp2c19: str | None
    episode: Episode
    phq9: tuple[ScoredContact, ...]
    counted: bool
    counted_on: date | None
    complete: bool
    baseline_phq9: int
    baseline_gad7: int | None
    measures: dict[str, MeasureResult]

    def group(self, by: str | None) -> str:
        return {"clinician": self.clinician, "drug": self.drug, "diagnosis": self.diagnosis}.get(by or "", "All")


def _phq9_after(patient: PatientOutcomeInputs, opened_on: date, until: date | None) -> tuple[ScoredContact, ...]:
    return tuple(s.contact for s in patient.scores if s.instrument is Instrument.PHQ9 and s.taken_on >= opened_on
                 and (until is None or s.taken_on < until))


@lru_cache(maxsize=65_536)
def _tt_outcome(phq0: int, phq1: int, gad0: int, gad1: int) -> TalkingTherapiesOutcome:
    """:func:`talking_therapies_outcome`, memoised: it depends on four totals only (at most 28 x 28 x 22 x 22)."""
    return talking_therapies_outcome(phq0, phq1, gad0, gad1)


def _course_outcome(ep: Episode) -> TalkingTherapiesOutcome | None:
    """``domain.outcomes.episode_talking_therapies_outcome``, through the memoised classifier."""
    if not finished_course(ep):
        return None
    phq, gad = ep.score(Instrument.PHQ9), ep.score(Instrument.GAD7)
    assert phq is not None and gad is not None
    return _tt_outcome(phq.baseline, phq.final, gad.baseline, gad.final)


def _talking_therapies(ep: Episode, start: date, end: date) -> tuple[bool, bool, dict[str, MeasureResult]]:
    counted = ep.closed_on is not None and start <= ep.closed_on <= end
    outcome = _course_outcome(ep) if counted else None
    phq = ep.score(Instrument.PHQ9)
    horizon = float((phq.final_on - phq.baseline_on).days) if phq is not None else 0.0
    at_case = outcome is not None and outcome.case_at_start
    done = outcome is not None

    def result(eligible: bool, met: bool) -> MeasureResult:
        return MeasureResult(eligible, eligible and met, ep.closed_on if eligible else None, horizon)

    measures = {
        "recovery": result(at_case, bool(outcome and outcome.recovery)),
        "reliable_improvement": result(done, bool(outcome and outcome.reliable_improvement)),
        "reliable_deterioration": result(done, bool(outcome and outcome.reliable_deterioration)),
        "reliable_recovery": result(at_case, bool(outcome and outcome.reliable_recovery)),
    }
    return counted, counted and finished_course(ep), measures


def _us(ep: Episode, readings: tuple[ScoredContact, ...], start: date, end: date
        ) -> tuple[bool, bool, date | None, dict[str, MeasureResult]]:
    us = us_depression_outcome(readings, as_of=end)
    measures: dict[str, MeasureResult] = {}
    counted, complete, counted_on = False, True, None
    for months, follow in ((6, us.six_months if us else None), (12, us.twelve_months if us else None)):
        eligible = follow is not None and follow.remission is not None and start <= follow.window_end <= end
        on = follow.window_end if eligible and follow is not None else None
        measures[f"remission_{months}m"] = MeasureResult(eligible, eligible and bool(follow and follow.remission),
                                                         on, _US_HORIZON_DAYS[months])
        measures[f"response_{months}m"] = MeasureResult(eligible, eligible and bool(follow and follow.response),
                                                        on, _US_HORIZON_DAYS[months])
        if eligible and follow is not None:
            counted, counted_on = True, max(counted_on or follow.window_end, follow.window_end)
            complete = complete and follow.score is not None
    in_period = [r.taken_on for r in readings if start <= r.taken_on <= end and r.taken_on <= (ep.closed_on or end)]
    contacts = [d for d in (ep.opened_on, ep.last_contact_on) if start <= d <= end] + in_period
    utilisation = phq9_utilisation(contacts, in_period)
    measures["phq9_utilisation"] = MeasureResult(bool(contacts), bool(contacts) and utilisation.every_period_measured,
                                                 max(contacts) if contacts else None, 0.0)
    return counted, counted and complete, counted_on, measures


def episode_facts(patients: Sequence[PatientOutcomeInputs], clinicians: Mapping[int, str], *, standard: str,
                  start: date, end: date, gap_days: int = DEFAULT_EPISODE_GAP_DAYS) -> list[EpisodeFacts]:
    """Every episode of every patient (as of ``end``) with its measure results for ``standard``."""
    out: list[EpisodeFacts] = []
    for p in patients:
        episodes = build_episodes(p.patient_id, (s.contact for s in p.scores),
                                  referrals=() if p.registered_on is None else (p.registered_on,),
                                  discharges=() if p.discharged_on is None else (p.discharged_on,),
                                  gap_days=gap_days, as_of=end)
        for i, ep in enumerate(episodes):
            following = episodes[i + 1].opened_on if i + 1 < len(episodes) else None
            readings = _phq9_after(p, ep.opened_on, following)
            phq, gad = ep.score(Instrument.PHQ9), ep.score(Instrument.GAD7)
            if standard == "talking_therapies":
                counted, complete, measures = _talking_therapies(ep, start, end)
                counted_on = ep.closed_on if counted else None
            else:
                counted, complete, counted_on, measures = _us(ep, readings, start, end)
            index = next((r for r in readings if r.total > 9), None) if standard == "us" else None
            out.append(EpisodeFacts(
                patient_id=p.patient_id, clinician_id=p.clinician_id,
                clinician=clinicians.get(p.clinician_id, UNASSIGNED) if p.clinician_id is not None else UNASSIGNED,
                drug=p.index_drug(ep.opened_on, ep.closed_on) or "no drug recorded",
                diagnosis=p.primary_diagnosis or "no diagnosis recorded", cyp2d6=p.cyp2d6, cyp2c19=p.cyp2c19,
                episode=ep, phq9=readings, counted=counted, counted_on=counted_on, complete=complete,
                baseline_phq9=index.total if index is not None else (phq.baseline if phq is not None else 0),
                baseline_gad7=gad.baseline if gad is not None else None, measures=measures))
    return out


def response_time(fact: EpisodeFacts, end: date) -> tuple[int, bool] | None:
    """Kaplan-Meier input of one episode: days from its first PHQ-9 to response, censored at its close or ``end``."""
    from novamind_core.domain.outcomes import days_to_response

    stop = min(fact.episode.closed_on or end, end)
    readings = [r for r in fact.phq9 if r.taken_on <= stop]
    return days_to_response(readings, censor_on=stop) if readings else None


def period_bounds(day: date, period: str) -> tuple[str, date, date]:
    """The month ("2026-03") or quarter ("2026-Q1") containing ``day``: label, first and last date."""
    if period == "quarter":
        q = (day.month - 1) // 3
        first = date(day.year, 3 * q + 1, 1)
        label = f"{day.year}-Q{q + 1}"
        months = 3
    else:
        first = date(day.year, day.month, 1)
        label = f"{day.year}-{day.month:02d}"
        months = 1
    index = first.month - 1 + months
    after = date(first.year + index // 12, index % 12 + 1, 1)
    return label, first, after - timedelta(days=1)


def periods_between(start: date, end: date, period: str) -> list[tuple[str, date, date]]:
    """Every month or quarter from the one holding ``start`` to the one holding ``end``."""
    out = []
    day = start
    while day <= end:
        bounds = period_bounds(day, period)
        out.append(bounds)
        day = bounds[2] + timedelta(days=1)
    return out
