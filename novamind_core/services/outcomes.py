"""Clinic outcomes and measurement billing (docs/outcomes.md).

* ``report``: the clinic's outcome figures for one programme standard and period, in one transaction with one
  audit event (``outcomes.view``). Clinic leads and admins (``READ_CLINIC_OUTCOMES``) see every clinician of the
  clinic, as aggregates only; a clinician sees their own episodes' figures (scope "own"); analysts are refused.
* ``episodes``: one patient's episodes of care (care-team check, ``outcomes.episodes``). The chart view model
  (``services.charts.ChartService.patient_chart``) builds the same episodes inside its own unit of work through the
  same pure builder, :func:`patient_episodes` (one builder, two doors), and adds :func:`episode_outcomes`.
* ``measurement_events``: one patient's documented measurement events of one date, for the visit note's "Add
  measurements" button (care-team check, ``measurement.events``).
* ``billing`` / ``billing_csv``: the month's billable measurement events (CPT 96127), for clinic leads and admins
  (``EXPORT_BILLING``), audited as ``billing.export``; the export is identifiable (MRN), as a billing system needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from novamind_core.analytics.clinic_report import build_outcome_report
from novamind_core.analytics.clinic_report_types import GROUPINGS, PERIODS, STANDARDS, OutcomeReport
from novamind_core.domain.assessments import ChangeSummary, compare_to_baseline
from novamind_core.domain.episodes import DEFAULT_EPISODE_GAP_DAYS, Episode, ScoredContact, build_episodes
from novamind_core.domain.errors import PermissionDenied, ValidationError
from novamind_core.domain.outcome_records import (
    DEFAULT_UNITS_CAP_PER_ENCOUNTER,
    BillableEvent,
    MeasurementEvent,
    billable_events,
    billing_csv_text,
)
from novamind_core.domain.outcomes import (
    TALKING_THERAPIES_THRESHOLDS,
    TalkingTherapiesChange,
    TalkingTherapiesOutcome,
    episode_talking_therapies_outcome,
    talking_therapies_change,
)
from novamind_core.domain.users import Permission, Role, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, parse_date
from novamind_core.services.ports import UnitOfWork

MAX_REPORT_DAYS = 3 * 366
"""A report covers at most three years."""


def parse_standard(value: str) -> str:
    """``talking-therapies`` / ``talking_therapies`` / ``us`` (any case) -> the standard's key."""
    key = str(value or "").strip().lower().replace("-", "_").replace(" ", "_")
    if key not in STANDARDS:
        raise ValidationError(f"standard must be one of talking-therapies, us (got {value!r})", field="standard",
                              value=value)
    return key


def _choice(value: str | None, allowed: tuple[str, ...], name: str) -> str | None:
    if value is None or value == "":
        return None
    key = str(value).strip().lower()
    if key not in allowed:
        raise ValidationError(f"{name} must be one of {', '.join(allowed)} (got {value!r})", field=name, value=value)
    return key


def month_bounds(month: date | str) -> tuple[date, date]:
    """First and last day of the month of ``month`` (a date, or ``YYYY-MM`` / ``YYYY-MM-DD`` text)."""
    if isinstance(month, str):
        text = month.strip()
        try:
            first = date.fromisoformat(f"{text}-01" if len(text) == 7 else text).replace(day=1)
        except ValueError:
            raise ValidationError(f"month {month!r} is not a month (YYYY-MM)", field="month", value=month) from None
    else:
        first = month.replace(day=1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return first, after - timedelta(days=1)


class OutcomeService(BaseService):
    """The clinic lead's outcome figures, a patient's episodes, and the measurement-billing export."""

    def report(self, user: User, *, standard: str, start: date | str, end: date | str, by: str | None = None,
               period: str = "month", funnel_measure: str | None = None,
               gap_days: int = DEFAULT_EPISODE_GAP_DAYS) -> OutcomeReport:
        """The outcome report for ``standard`` ("talking_therapies" or "us") from ``start`` to ``end`` inclusive,
        grouped ``by`` None, "clinician", "drug" or "diagnosis", over time by "month" or "quarter"."""
        key = parse_standard(standard)
        first, last = parse_date(start, "start"), parse_date(end, "end")
        if last < first or (last - first).days > MAX_REPORT_DAYS:
            raise ValidationError("the period must end on or after its start and cover at most three years",
                                  field="end", value=last.isoformat())
        grouping = _choice(by, GROUPINGS, "by")
        bucket = _choice(period, PERIODS, "period") or "month"
        with self._tx() as uow:
            actor = self._scope(uow, user)
            own = None if actor.can(Permission.READ_CLINIC_OUTCOMES) else actor.id
            from novamind_core.twin.case_mix import expected_probabilities

            clinicians = {c.id: c.display_name for c in uow.outcomes.clinicians()}
            report = build_outcome_report(
                uow.outcomes.patient_inputs(), clinicians, standard=key, start=first, end=last, by=grouping,
                period=bucket, own_clinician_id=own, requests=uow.outcomes.questionnaire_requests(first, last),
                clinic_name=str(getattr(self.ctx.settings, "clinic_name", "") or ""),
                synthetic_data=uow.outcomes.demo_seeded(), gap_days=gap_days, expected=expected_probabilities,
                funnel_measure=funnel_measure)
            self._audit(uow, actor, AuditAction.OUTCOMES_VIEW,
                        detail=f"{key} {first.isoformat()}..{last.isoformat()} by={grouping or 'none'} "
                               f"period={bucket} scope={report.scope} episodes={report.overall.episodes}")
            uow.commit()
            return report

    def episodes(self, user: User, patient_id: int, *, gap_days: int = DEFAULT_EPISODE_GAP_DAYS
                 ) -> tuple[Episode, ...]:
        """The patient's episodes of care as of today (care team only)."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.OUTCOMES_EPISODES)
            inputs = uow.outcomes.patient_inputs([patient_id])
            found: tuple[Episode, ...] = ()
            if inputs:
                p = inputs[0]
                found = patient_episodes(patient_id, (s.contact for s in p.scores), p.registered_on,
                                         p.discharged_on, as_of=self.ctx.today(), gap_days=gap_days)
            self._audit(uow, actor, AuditAction.OUTCOMES_EPISODES, patient_id=patient_id,
                        detail=f"{len(found)} episodes")
            uow.commit()
            return found

    def measurement_events(self, user: User, patient_id: int, on: date | str) -> tuple[MeasurementEvent, ...]:
        """The patient's documented measurement events of ``on`` (each administered and scored instrument: score,
        interpretation, action taken), for the visit note (care team only; audited as ``measurement.events``)."""
        day = parse_date(on, "date")
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI,
                                            AuditAction.MEASUREMENT_EVENTS)
            events = tuple(uow.outcomes.measurement_events(day, day, patient_ids=[patient_id]))
            self._audit(uow, actor, AuditAction.MEASUREMENT_EVENTS, patient_id=patient_id,
                        detail=f"{day.isoformat()} for the visit note: {len(events)} events"
                               + (f" ({', '.join(e.instrument.value for e in events)})" if events else ""))
            uow.commit()
            return events

    def billing(self, user: User, month: date | str,
                cap_per_encounter: int = DEFAULT_UNITS_CAP_PER_ENCOUNTER) -> tuple[BillableEvent, ...]:
        """Billable measurement events of ``month``: CPT 96127, one unit per instrument per patient per date,
        units past ``cap_per_encounter`` listed as not billed."""
        return self._billing(user, month, cap_per_encounter, "list")

    def billing_csv(self, user: User, month: date | str,
                    cap_per_encounter: int = DEFAULT_UNITS_CAP_PER_ENCOUNTER) -> bytes:
        """The month's billing export as CSV (UTF-8; spreadsheet formulae neutralised)."""
        return billing_csv_text(self._billing(user, month, cap_per_encounter, "csv")).encode("utf-8")

    def _billing(self, user: User, month: date | str, cap: int, form: str) -> tuple[BillableEvent, ...]:
        first, last = month_bounds(month)
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.EXPORT_BILLING, AuditAction.BILLING_EXPORT)
            events = billable_events(uow.outcomes.measurement_events(first, last), cap)
            self._audit(uow, actor, AuditAction.BILLING_EXPORT,
                        detail=f"{first.strftime('%Y-%m')} {form} cap={cap} units={sum(e.billed for e in events)} "
                               f"lines={len(events)}")
            uow.commit()
            return events

    def _scope(self, uow: UnitOfWork, user: User) -> User:
        """Clinic leads and admins: the clinic; clinicians (and clinic leads) their own figures; others refused."""
        fresh = self._fresh(uow, user)
        allowed = fresh.active and (fresh.can(Permission.READ_CLINIC_OUTCOMES) or fresh.role is Role.CLINICIAN)
        if not allowed:
            reason = (f"account '{fresh.username}' is deactivated and may not read outcome figures" if not fresh.active
                      else f"role '{fresh.role.value}' may not read the clinic's outcome figures")
            self._deny(uow, fresh, AuditAction.OUTCOMES_VIEW, None, PermissionDenied(reason))
        return fresh


# ---------------------------------------------------------------------------------------------- pure builders
@dataclass(frozen=True)
class EpisodeOutcomes:
    """One episode of care as the chart shows it: the episode, and its outcome by each definition, labelled apart.

    Attributes
    ----------
    episode : Episode
    talking_therapies : TalkingTherapiesOutcome or None
        The NHS Talking Therapies outcome of a finished course (closed, PHQ-9 and GAD-7 each scored on two dates);
        None otherwise (:func:`novamind_core.domain.outcomes.finished_course`).
    talking_therapies_changes : tuple[TalkingTherapiesChange, ...]
        Caseness and the programme's reliable change (fixed points) for PHQ-9 and GAD-7 with a baseline and a final
        score on different dates, open episodes included.
    reliable_change : tuple[ChangeSummary, ...]
        The Jacobson-Truax reliable change index (and response, remission), per instrument with such a pair.
    """

    episode: Episode
    talking_therapies: TalkingTherapiesOutcome | None
    talking_therapies_changes: tuple[TalkingTherapiesChange, ...]
    reliable_change: tuple[ChangeSummary, ...]


def patient_episodes(patient_id: int, scores: Iterable[ScoredContact], registered_on: date | None,
                     discharged_on: date | None, *, as_of: date,
                     gap_days: int = DEFAULT_EPISODE_GAP_DAYS) -> tuple[Episode, ...]:
    """One patient's episodes of care from their scored questionnaires (date order), registration (the referral)
    and discharge, as of ``as_of``: the one builder behind ``OutcomeService.episodes`` and the chart."""
    return build_episodes(str(patient_id), scores,
                          referrals=() if registered_on is None else (registered_on,),
                          discharges=() if discharged_on is None else (discharged_on,),
                          gap_days=gap_days, as_of=as_of)


def episode_outcomes(episodes: Iterable[Episode]) -> tuple[EpisodeOutcomes, ...]:
    """Each episode with its Talking Therapies outcome and per-instrument change (newest episode first)."""
    out = []
    for e in episodes:
        pairs = [s for s in e.scores if s.has_pair]
        out.append(EpisodeOutcomes(
            episode=e, talking_therapies=episode_talking_therapies_outcome(e),
            talking_therapies_changes=tuple(talking_therapies_change(s.instrument, s.baseline, s.final)
                                            for s in pairs if s.instrument in TALKING_THERAPIES_THRESHOLDS),
            reliable_change=tuple(compare_to_baseline(s.instrument, s.baseline, s.final) for s in pairs)))
    return tuple(sorted(out, key=lambda o: o.episode.number, reverse=True))
