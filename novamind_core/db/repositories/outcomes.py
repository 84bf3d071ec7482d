"""Clinic-outcome reads: per-patient episode inputs, questionnaire requests and measurement events (billing).

A fixed number of statements whatever the number of patients (no query per patient); no free text and no name is
read; the MRN is decrypted only for the measurement events of the month being billed. Returns
:mod:`novamind_core.domain.outcome_records` records, never rows (docs/outcomes.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from novamind_core.db.models import (
    AlertRow,
    AssessmentRow,
    AuditRow,
    CareTeamRow,
    DiagnosisRow,
    MedicationOrderRow,
    PatientRow,
    PatientSummaryRow,
    QuestionnaireRequestRow,
    UserRow,
    VisitRow,
)
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.outcome_records import (
    ClinicianRef,
    DrugPeriod,
    MeasuredScore,
    MeasurementEvent,
    PatientOutcomeInputs,
    QuestionnaireRequestFact,
)
from novamind_core.domain.users import Role

CASELOAD_ROLES = (Role.CLINICIAN.value, Role.CLINIC_LEAD.value)
"""Roles that carry a caseload: an episode is attributed to one of them."""
_COMPLETED = "completed"
_DEMO_SEED_ACTION = "demo.seed"


def _in(stmt: Select, column: object, ids: Sequence[int] | None) -> Select:
    return stmt if ids is None else stmt.where(column.in_(list(ids)))  # type: ignore[attr-defined]


class OutcomeRepository:
    """Reads for :class:`novamind_core.services.outcomes.OutcomeService`."""

    def __init__(self, session: Session):
        self.session = session

    # ------------------------------------------------------------------ staff
    def clinicians(self) -> list[ClinicianRef]:
        """Every clinician and clinic lead (active or not: past episodes keep their clinician), by id."""
        stmt = select(UserRow.id, UserRow.display_name).where(UserRow.role.in_(CASELOAD_ROLES)).order_by(UserRow.id)
        return [ClinicianRef(uid, name) for uid, name in self.session.execute(stmt)]

    def attributed_clinicians(self, patient_ids: Sequence[int] | None = None) -> dict[int, int]:
        """``{patient id: clinician id}``: the lowest-id clinician or clinic lead on each patient's care team."""
        stmt = (select(CareTeamRow.patient_id, CareTeamRow.user_id).join(UserRow, UserRow.id == CareTeamRow.user_id)
                .where(UserRow.role.in_(CASELOAD_ROLES)).order_by(CareTeamRow.patient_id, CareTeamRow.user_id))
        out: dict[int, int] = {}
        for pid, uid in self.session.execute(_in(stmt, CareTeamRow.patient_id, patient_ids)):
            out.setdefault(pid, uid)
        return out

    # ------------------------------------------------------------------ episode inputs
    def patient_inputs(self, patient_ids: Sequence[int] | None = None) -> list[PatientOutcomeInputs]:
        """Episode inputs of every patient (or of ``patient_ids``), by patient id, in six statements."""
        s = self.session
        base = _in(select(PatientRow.id, PatientRow.discharged_on, PatientRow.cyp2d6, PatientRow.cyp2c19,
                          PatientSummaryRow.registered_on)
                   .outerjoin(PatientSummaryRow, PatientSummaryRow.patient_id == PatientRow.id)
                   .order_by(PatientRow.id), PatientRow.id, patient_ids)
        rows = list(s.execute(base))
        ids = [r[0] for r in rows] if patient_ids is None else list(patient_ids)
        clinician = self.attributed_clinicians(None if patient_ids is None else ids)
        dx: dict[int, str] = {}
        names: dict[str, str] = {}  # one wording per ICD-10 code, so a group is one code however it was typed
        for pid, code, label in s.execute(_in(select(DiagnosisRow.patient_id, DiagnosisRow.code, DiagnosisRow.label)
                                              .order_by(DiagnosisRow.patient_id, DiagnosisRow.is_primary.desc(),
                                                        DiagnosisRow.position), DiagnosisRow.patient_id,
                                              None if patient_ids is None else ids)):
            if pid not in dx:
                dx[pid] = f"{code} {names.setdefault(code, label)}".strip()
        drugs: dict[int, list[DrugPeriod]] = {}
        for pid, drug, start, stop in s.execute(_in(
                select(MedicationOrderRow.patient_id, MedicationOrderRow.drug, MedicationOrderRow.start_date,
                       MedicationOrderRow.stop_date).order_by(MedicationOrderRow.patient_id,
                                                              MedicationOrderRow.start_date, MedicationOrderRow.id),
                MedicationOrderRow.patient_id, None if patient_ids is None else ids)):
            drugs.setdefault(pid, []).append(DrugPeriod(drug, start, stop))
        scores: dict[int, list[MeasuredScore]] = {}
        for pid, instrument, on, total, source in s.execute(_in(
                select(AssessmentRow.patient_id, AssessmentRow.instrument, AssessmentRow.administered_on,
                       AssessmentRow.total, AssessmentRow.source)
                .order_by(AssessmentRow.patient_id, AssessmentRow.administered_on, AssessmentRow.id),
                AssessmentRow.patient_id, None if patient_ids is None else ids)):
            scores.setdefault(pid, []).append(MeasuredScore(Instrument.parse(instrument), on, int(total),
                                                            source or "clinician"))
        return [PatientOutcomeInputs(
            patient_id=pid, registered_on=registered, discharged_on=discharged, clinician_id=clinician.get(pid),
            primary_diagnosis=dx.get(pid), cyp2d6=cyp2d6, cyp2c19=cyp2c19, drugs=tuple(drugs.get(pid, ())),
            scores=tuple(scores.get(pid, ()))) for pid, discharged, cyp2d6, cyp2c19, registered in rows]

    # ------------------------------------------------------------------ measurement completion (step 10)
    def questionnaire_requests(self, start: date, end: date) -> list[QuestionnaireRequestFact]:
        """Questionnaire requests due from ``start`` to ``end`` (inclusive) and whether each was completed."""
        stmt = (select(QuestionnaireRequestRow.patient_id, QuestionnaireRequestRow.due_on,
                       QuestionnaireRequestRow.status)
                .where(QuestionnaireRequestRow.due_on >= start, QuestionnaireRequestRow.due_on <= end)
                .order_by(QuestionnaireRequestRow.due_on, QuestionnaireRequestRow.id))
        return [QuestionnaireRequestFact(pid, due, status == _COMPLETED)
                for pid, due, status in self.session.execute(stmt)]

    # ------------------------------------------------------------------ billing
    def measurement_events(self, start: date, end: date, patient_ids: Sequence[int] | None = None
                           ) -> list[MeasurementEvent]:
        """Every scored instrument administered from ``start`` to ``end`` (inclusive), of every patient (billing) or
        of ``patient_ids`` (the visit note), with its interpretation, the action the record shows that day and the
        visit of that day, by date and patient."""
        s = self.session
        rows = list(s.execute(_in(
            select(AssessmentRow.id, AssessmentRow.patient_id, AssessmentRow.administered_on,
                   AssessmentRow.instrument, AssessmentRow.total, AssessmentRow.severity, AssessmentRow.source)
            .where(AssessmentRow.administered_on >= start, AssessmentRow.administered_on <= end)
            .order_by(AssessmentRow.administered_on, AssessmentRow.patient_id, AssessmentRow.id),
            AssessmentRow.patient_id, patient_ids)))
        if not rows:
            return []
        pids = sorted({r[1] for r in rows})
        mrn: dict[int, str] = {pid: m for pid, m in s.execute(select(PatientRow.id, PatientRow.mrn).where(
            PatientRow.id.in_(pids)))}
        clinician = self.attributed_clinicians(pids)
        alerted = {aid for (aid,) in s.execute(select(AlertRow.assessment_id).where(
            AlertRow.assessment_id.in_([r[0] for r in rows])))}
        changed: set[tuple[int, date]] = set(s.execute(
            select(MedicationOrderRow.patient_id, MedicationOrderRow.start_date).where(
                MedicationOrderRow.patient_id.in_(pids), MedicationOrderRow.start_date >= start,
                MedicationOrderRow.start_date <= end)).all())
        changed |= set(s.execute(
            select(MedicationOrderRow.patient_id, MedicationOrderRow.stop_date).where(
                MedicationOrderRow.patient_id.in_(pids), MedicationOrderRow.stop_date >= start,
                MedicationOrderRow.stop_date <= end)).all())
        visits: dict[tuple[int, date], int] = {}
        lo = datetime.combine(start - timedelta(days=1), time.min, tzinfo=UTC)
        hi = datetime.combine(end + timedelta(days=2), time.min, tzinfo=UTC)
        for vid, pid, at in s.execute(select(VisitRow.id, VisitRow.patient_id, VisitRow.scheduled_for).where(
                and_(VisitRow.patient_id.in_(pids), VisitRow.scheduled_for >= lo, VisitRow.scheduled_for < hi,
                     VisitRow.status != "cancelled")).order_by(VisitRow.scheduled_for)):
            visits.setdefault((pid, at.date()), vid)
        out = []
        for aid, pid, on, instrument, total, severity, source in rows:
            if aid in alerted:
                action = "urgent alert raised for the care team"
            elif (pid, on) in changed:
                action = "medication started or changed"
            else:
                action = "score reviewed; plan continued"
            out.append(MeasurementEvent(patient_id=pid, mrn=mrn[pid], taken_on=on,
                                        instrument=Instrument.parse(instrument),
                                        total=int(total), interpretation=severity, action_taken=action,
                                        source=source or "clinician", visit_id=visits.get((pid, on)),
                                        clinician_id=clinician.get(pid)))
        return out

    # ------------------------------------------------------------------ provenance
    def demo_seeded(self) -> bool:
        """Whether the synthetic demo cohort was ever seeded into this database (its audit event exists)."""
        return self.session.scalar(select(AuditRow.id).where(AuditRow.action == _DEMO_SEED_ACTION).limit(1)) is not None
