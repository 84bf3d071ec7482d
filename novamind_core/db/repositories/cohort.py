"""Clinic-wide reads for the analyst views: every patient's identified record in five statements.

Returns :mod:`novamind_core.domain.cohort` records, never rows; the cohort service de-identifies them at once.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from novamind_core.db.models import AssessmentRow, CareTeamRow, DiagnosisRow, MedicationOrderRow, PatientRow, UserRow
from novamind_core.domain.cohort import ActiveClinician, IdentifiedAssessment, IdentifiedOrder, IdentifiedPatient
from novamind_core.domain.users import Role


class CohortRepository:
    def __init__(self, session: Session):
        self.session = session

    def identified_patients(self) -> list[IdentifiedPatient]:
        """Every patient (by id) with the primary diagnosis, the first clinician, assessments and orders in date
        order. No free text is read."""
        s = self.session
        base: dict[int, tuple[str, date, str]] = {
            pid: (mrn, date.fromisoformat(dob), sex)
            for pid, mrn, dob, sex in s.execute(select(PatientRow.id, PatientRow.mrn, PatientRow.date_of_birth,
                                                       PatientRow.sex_at_birth).order_by(PatientRow.id))}
        dx: dict[int, tuple[str, str]] = {}
        for pid, code, label in s.execute(select(DiagnosisRow.patient_id, DiagnosisRow.code, DiagnosisRow.label)
                                          .order_by(DiagnosisRow.patient_id, DiagnosisRow.is_primary.desc(),
                                                    DiagnosisRow.position)):
            dx.setdefault(pid, (code, label))
        clinician: dict[int, int] = {}
        for pid, uid in s.execute(select(CareTeamRow.patient_id, CareTeamRow.user_id)
                                  .join(UserRow, UserRow.id == CareTeamRow.user_id)
                                  .where(UserRow.role == Role.CLINICIAN.value)
                                  .order_by(CareTeamRow.patient_id, CareTeamRow.user_id)):
            clinician.setdefault(pid, uid)
        assessments: dict[int, list[IdentifiedAssessment]] = {}
        for pid, inst, on, total, answers in s.execute(
                select(AssessmentRow.patient_id, AssessmentRow.instrument, AssessmentRow.administered_on,
                       AssessmentRow.total, AssessmentRow.answers)
                .order_by(AssessmentRow.patient_id, AssessmentRow.administered_on, AssessmentRow.id)):
            assessments.setdefault(pid, []).append(
                IdentifiedAssessment(inst, on, int(total), tuple(json.loads(answers))))
        orders: dict[int, list[IdentifiedOrder]] = {}
        for r in s.execute(select(MedicationOrderRow.patient_id, MedicationOrderRow.id, MedicationOrderRow.drug,
                                  MedicationOrderRow.dose_mg, MedicationOrderRow.frequency,
                                  MedicationOrderRow.start_date, MedicationOrderRow.stop_date,
                                  MedicationOrderRow.change_kind, MedicationOrderRow.previous_id)
                           .order_by(MedicationOrderRow.patient_id, MedicationOrderRow.start_date,
                                     MedicationOrderRow.id)):
            orders.setdefault(r[0], []).append(IdentifiedOrder(*r[1:]))
        return [IdentifiedPatient(pid, mrn, dob, sex, dx.get(pid), clinician.get(pid),
                                  tuple(assessments.get(pid, ())), tuple(orders.get(pid, ())))
                for pid, (mrn, dob, sex) in base.items()]

    def active_patients_with_clinician(self) -> list[ActiveClinician]:
        """Active patients (by id) with the lowest-id active clinician on their care team; patients without one
        are left out."""
        stmt = (select(PatientRow.id, UserRow.id, UserRow.username, UserRow.display_name)
                .join(CareTeamRow, CareTeamRow.patient_id == PatientRow.id)
                .join(UserRow, UserRow.id == CareTeamRow.user_id)
                .where(PatientRow.status == "active", UserRow.active.is_(True),
                       UserRow.role == Role.CLINICIAN.value)
                .order_by(PatientRow.id, UserRow.id))
        out: dict[int, ActiveClinician] = {}
        for pid, uid, username, display_name in self.session.execute(stmt):
            out.setdefault(pid, ActiveClinician(pid, uid, username, display_name))
        return list(out.values())
