"""Assessments: record (raising alerts in the same transaction) and history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from novamind_core.domain.alerts import URGENT_PREFIX, AlertKind
from novamind_core.domain.assessments import (
    AssessmentScore,
    Instrument,
    compare_to_baseline,
    item9_answer,
    score_assessment,
)
from novamind_core.domain.dates import day_month_year
from novamind_core.domain.forms import FormName
from novamind_core.domain.records import AssessmentRecord, AssessmentResult
from novamind_core.domain.reporting import AssessmentSource
from novamind_core.domain.risk import cssrs_alert_reason
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, not_in_future, parse_date
from novamind_core.services.drafts import first_submission, remember_submission, settle_repeat
from novamind_core.services.ports import UnitOfWork


def screener_alert(score: AssessmentScore, on: date) -> tuple[AlertKind, str, int] | None:
    """The self-harm risk alert a positive C-SSRS screener raises: ``(ITEM9, reason in words, triage level)``.

    Any yes is a positive screen, as PHQ-9 item 9 alerts on any answer above 0. The screener's total is its triage
    level (``cssrs_triage_level`` in ``domain.instrument_screeners``, the published bands): low for a wish to be
    dead or thoughts of suicide, moderate for a method or behaviour more than 3 months ago, high for intent, a plan
    or behaviour in the past 3 months. The level and every yes answer are in the reason, in words. A total-only
    import (the level without its answers) raises it too. None for other instruments and for a screener answered no
    throughout.
    """
    if score.instrument is not Instrument.CSSRS or score.total <= 0:
        return None
    return AlertKind.ITEM9, cssrs_alert_reason(score.total, score.answers, on), score.total


def evaluate_alerts(score: AssessmentScore, on: date, earlier_totals: Sequence[int]
                    ) -> list[tuple[AlertKind, str, int]]:
    """The alerts a new score raises: ``[(kind, PHI-free message, value)]``.

    * PHQ-9 item 9 (thoughts of self-harm) above 0, regardless of the total (docs/science.md);
    * a positive C-SSRS screener (:func:`screener_alert`): the same self-harm risk alert, closed by a risk review;
    * worsening by at least the instrument's MCID (PHQ-9 5, GAD-7 4, ISI 6 points; sources in
      ``domain.instruments``) against the previous score or the baseline (first score), previous first.
    ``earlier_totals`` are the patient's earlier totals on the same instrument, oldest first.
    """
    inst = score.instrument
    out: list[tuple[AlertKind, str, int]] = []
    item9 = item9_answer(inst, score.answers)
    if score.item9_positive and item9 is not None:
        out.append((AlertKind.ITEM9, f"PHQ-9 item 9 (thoughts of self-harm) answered {item9} on "
                    f"{day_month_year(on)}", item9))
    screen = screener_alert(score, on)
    if screen is not None:
        out.append(screen)
    for label, earlier in (("previous score", earlier_totals[-1:]), ("baseline", earlier_totals[:1])):
        if earlier and compare_to_baseline(inst, earlier[0], score.total).mcid_worsened:
            out.append((AlertKind.WORSENING, f"{inst.value} rose from {earlier[0]} to {score.total} since the {label} "
                        f"(at least {inst.spec.mcid_points} points, the MCID)", score.total))
            break
    return out


def store_assessment(uow: UnitOfWork, patient_id: int, score: AssessmentScore, on: date, now: datetime,
                     recorded_by: int | None, *, source: AssessmentSource = AssessmentSource.CLINICIAN,
                     completed_at: datetime | None = None, request_id: int | None = None) -> AssessmentResult:
    """Store a scored assessment, raise its alerts and refresh the caseload figures, inside the caller's unit of work.

    The one path every assessment takes, whoever entered it (a clinician, the patient through a link or the clinic
    kiosk): the same scoring, the same alerts (:func:`evaluate_alerts`), the same summary. The caller authorises,
    audits and commits. A self-harm risk alert (PHQ-9 item 9, a positive C-SSRS screener) from a patient-reported
    answer is marked urgent in its message.
    """
    before = [t for t in uow.assessments.totals(patient_id, score.instrument) if t[1] <= on]
    record = uow.assessments.add(patient_id, score, on, now, recorded_by, source=source, completed_at=completed_at,
                                 request_id=request_id)
    inst = score.instrument
    raised = []
    for kind, message, value in evaluate_alerts(score, on, [t[2] for t in before]):
        if kind is AlertKind.ITEM9 and source in (AssessmentSource.PATIENT_REMOTE, AssessmentSource.KIOSK):
            message = f"{URGENT_PREFIX}{message} ({source.label.lower()})"
        raised.append(uow.alerts.add(patient_id, kind, now, message, instrument=inst.value, assessment_id=record.id,
                                     value=value, observed_on=on))
    vs_previous = compare_to_baseline(inst, before[-1][2], score.total) if before else None
    vs_baseline = compare_to_baseline(inst, before[0][2], score.total) if before else None
    uow.assessments.refresh_summary(patient_id)
    alerts = tuple(a for a in uow.alerts.list(patient_id) if a.id in raised)
    return AssessmentResult(record, alerts, vs_baseline, vs_previous)


def repeated_result(uow: UnitOfWork, patient_id: int, assessment_id: int) -> AssessmentResult:
    """The result of an assessment already stored (a repeated submission), with the alerts it raised."""
    record = next(a for a in uow.assessments.history(patient_id, None) if a.id == assessment_id)
    alerts = tuple(a for a in uow.alerts.list(patient_id) if a.assessment_id == assessment_id)
    return AssessmentResult(record, alerts, None, None)


class AssessmentService(BaseService):
    def record(self, user: User, patient_id: int, instrument: str | Instrument, answers: Sequence[int],
               administered_on: date | str | None = None, *, submission_token: str | None = None
               ) -> AssessmentResult:
        """Score and store a completed questionnaire; raise alerts when the data call for them.

        Alerts (docs/science.md): PHQ-9 item 9 above 0 (always, regardless of the total) and a positive C-SSRS
        screener (any yes; the reason names the triage level and each yes answer); worsening by at least the
        instrument's MCID against the previous score or the baseline (first score). Invalid answers raise
        ValidationError naming the item and the allowed range, and nothing is stored. A date in the future is
        refused (never replaced by today). With ``submission_token``, a repeat of the same confirmation returns the
        first result (its alerts included) instead of storing the questionnaire twice.
        """
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.ASSESSMENT_CREATE)
            repeat = first_submission(uow, submission_token, actor.id, FormName.ASSESSMENT)
            if repeat is not None:
                result = repeated_result(uow, patient_id, repeat)
                settle_repeat(uow, actor.id, patient_id, FormName.ASSESSMENT)
                return result
            score = score_assessment(instrument, answers)
            today = self.ctx.today()
            on = not_in_future(parse_date(administered_on, "administered_on", default=today), today,
                               "administered_on")
            result = store_assessment(uow, patient_id, score, on, self.ctx.now(), actor.id if actor.id > 0 else None)
            remember_submission(uow, submission_token, actor.id, FormName.ASSESSMENT, result.assessment.id,
                                self.ctx.now())
            if actor.id > 0:
                uow.drafts.delete(actor.id, patient_id, FormName.ASSESSMENT.value)
            self._audit(uow, actor, AuditAction.ASSESSMENT_CREATE, patient_id=patient_id,
                        detail=f"{score.instrument.value} alerts={len(result.alerts)}")
            uow.commit()
            return result

    def history(self, user: User, patient_id: int, instrument: str | Instrument | None = None
                ) -> tuple[AssessmentRecord, ...]:
        """Assessments oldest first (optionally one instrument)."""
        inst = Instrument.parse(instrument) if instrument is not None else None
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.ASSESSMENT_READ)
            rows = tuple(uow.assessments.history(patient_id, inst))
            self._audit(uow, actor, AuditAction.ASSESSMENT_READ, patient_id=patient_id)
            uow.commit()
            return rows
