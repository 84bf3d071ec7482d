"""Patient repository: encrypted demographics, blind-index search, care teams, the caseload query and each patient's
stored summary figures. It takes and returns domain objects (``novamind_core.domain``), never rows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from novamind_core.db.models import (
    AlertRow,
    CareTeamRow,
    DiagnosisRow,
    MeasurementPlanRow,
    MedicationOrderRow,
    NoteRow,
    PatientRow,
    PatientSummaryRow,
    QuestionnaireRequestRow,
    VisitRow,
)
from novamind_core.db.repositories.caseload import CaseloadReader, overdue_clause, summary_of
from novamind_core.domain.caseload import CaseloadMatch, CaseloadQuery, PatientSummary
from novamind_core.domain.errors import NotFoundError, StaleWriteError
from novamind_core.domain.patients import (
    Contact,
    Diagnosis,
    MetaboliserPhenotype,
    Patient,
    PatientStatus,
    SexAtBirth,
)
from novamind_core.domain.reporting import RequestStatus, RequestSummary

#: Blind-index kinds (each derives its own HMAC key in BlindIndexer).
KIND_MRN = "mrn"
KIND_GIVEN = "given_name"
KIND_FAMILY = "family_name"
KIND_FULL = "full_name"

#: Record kinds :meth:`PatientRepository.id_for` can resolve to their patient.
RECORD_KINDS = {"alert": AlertRow, "note": NoteRow, "visit": VisitRow, "medication_order": MedicationOrderRow}


class PatientRepository:
    def __init__(self, session: Session, indexer: Any):
        self.session = session
        self.indexer = indexer

    # ------------------------------------------------------------------ blind indexes
    def name_indexes(self, given: str, family: str) -> dict[str, str]:
        ix = self.indexer.index
        return {
            "given_name_bidx": ix(given, KIND_GIVEN),
            "family_name_bidx": ix(family, KIND_FAMILY),
            "full_name_bidx": ix(f"{given} {family}", KIND_FULL),
        }

    def search_indexes(self, text: str) -> tuple[str, ...]:
        """Blind indexes a search term could match: MRN, given, family or full name (exact, normalised)."""
        ix = self.indexer.index
        value = text.strip()
        return (ix(value, KIND_MRN), ix(value, KIND_GIVEN), ix(value, KIND_FAMILY), ix(value, KIND_FULL))

    def mrn_index(self, mrn: str) -> str:
        return self.indexer.index(mrn, KIND_MRN)

    # ------------------------------------------------------------------ reads
    def _row(self, patient_id: int) -> PatientRow:
        row = self.session.get(PatientRow, patient_id)
        if row is None:
            raise NotFoundError(f"patient {patient_id} does not exist")
        return row

    def lock(self, patient_id: int) -> None:
        """Hold the patient's row until the transaction ends (``SELECT ... FOR UPDATE`` on PostgreSQL), so writes to
        one chart that read before they write (imports, medication changes) run one after the other. SQLite needs no
        lock: every transaction there is ``BEGIN IMMEDIATE``."""
        self.session.execute(select(PatientRow.id).where(PatientRow.id == patient_id).with_for_update())

    def exists(self, patient_id: int) -> bool:
        return self.session.scalar(select(PatientRow.id).where(PatientRow.id == patient_id)) is not None

    def status(self, patient_id: int) -> PatientStatus:
        """Active or discharged, without decrypting anything."""
        value = self.session.scalar(select(PatientRow.status).where(PatientRow.id == patient_id))
        if value is None:
            raise NotFoundError(f"patient {patient_id} does not exist")
        return PatientStatus(value)

    def id_for_mrn(self, mrn: str) -> int | None:
        return self.session.scalar(select(PatientRow.id).where(PatientRow.mrn_bidx == self.mrn_index(mrn)))

    def id_for(self, kind: str, record_id: int) -> int | None:
        """The patient a record belongs to (``kind``: alert, note, visit, medication_order), or None when the record
        does not exist; lets a service check the care team before it touches the record."""
        model = RECORD_KINDS[kind]
        if not isinstance(record_id, int) or isinstance(record_id, bool):
            return None
        return self.session.scalar(select(model.patient_id).where(model.id == record_id))

    def care_team(self, patient_id: int) -> tuple[int, ...]:
        rows = self.session.scalars(
            select(CareTeamRow.user_id).where(CareTeamRow.patient_id == patient_id).order_by(CareTeamRow.user_id)
        )
        return tuple(rows)

    def diagnoses(self, patient_ids: Sequence[int]) -> dict[int, tuple[Diagnosis, ...]]:
        out: dict[int, list[Diagnosis]] = {pid: [] for pid in patient_ids}
        if not patient_ids:
            return {}
        stmt = (
            select(DiagnosisRow)
            .where(DiagnosisRow.patient_id.in_(list(patient_ids)))
            .order_by(DiagnosisRow.patient_id, DiagnosisRow.position)
        )
        for row in self.session.scalars(stmt):
            out[row.patient_id].append(Diagnosis(row.code, row.label, primary=row.is_primary))
        return {pid: tuple(v) for pid, v in out.items()}

    def get(self, patient_id: int) -> Patient:
        row = self._row(patient_id)
        return self.to_domain(row, self.diagnoses([patient_id])[patient_id], self.care_team(patient_id))

    @staticmethod
    def to_domain(row: PatientRow, diagnoses: tuple[Diagnosis, ...], care_team: tuple[int, ...]) -> Patient:
        return Patient(
            id=row.id,
            mrn=row.mrn,
            given_name=row.given_name,
            family_name=row.family_name,
            date_of_birth=date.fromisoformat(row.date_of_birth),
            sex_at_birth=SexAtBirth(row.sex_at_birth),
            gender_identity=row.gender_identity,
            contact=Contact(phone=row.phone, email=row.email, address=row.address),
            diagnoses=diagnoses,
            status=PatientStatus(row.status),
            care_team=care_team,
            cyp2d6=MetaboliserPhenotype(row.cyp2d6) if row.cyp2d6 else None,
            cyp2c19=MetaboliserPhenotype(row.cyp2c19) if row.cyp2c19 else None,
            version=row.version,
            created_at=row.created_at,
            discharged_on=row.discharged_on,
        )

    # ------------------------------------------------------------------ writes
    def add(
        self,
        *,
        mrn: str,
        given_name: str,
        family_name: str,
        date_of_birth: date,
        sex_at_birth: SexAtBirth,
        gender_identity: str | None,
        contact: Contact,
        diagnoses: Sequence[Diagnosis],
        care_team: Iterable[int],
        cyp2d6: MetaboliserPhenotype | None,
        cyp2c19: MetaboliserPhenotype | None,
        now: datetime,
        registered_on: date,
    ) -> int:
        row = PatientRow(
            mrn=mrn,
            mrn_bidx=self.mrn_index(mrn),
            given_name=given_name,
            family_name=family_name,
            **self.name_indexes(given_name, family_name),
            date_of_birth=date_of_birth.isoformat(),
            birth_year=date_of_birth.year,
            sex_at_birth=sex_at_birth.value,
            gender_identity=gender_identity,
            phone=contact.phone,
            email=contact.email,
            address=contact.address,
            status=PatientStatus.ACTIVE.value,
            cyp2d6=cyp2d6.value if cyp2d6 else None,
            cyp2c19=cyp2c19.value if cyp2c19 else None,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        self.session.flush()
        self.session.add(PatientSummaryRow(patient_id=row.id, registered_on=registered_on, open_alerts=0,
                                           open_item9_alerts=0))
        self.replace_diagnoses(row.id, diagnoses)
        self.set_care_team(row.id, care_team)
        return row.id

    def replace_diagnoses(self, patient_id: int, diagnoses: Sequence[Diagnosis]) -> None:
        self.session.execute(delete(DiagnosisRow).where(DiagnosisRow.patient_id == patient_id))
        has_primary = any(d.primary for d in diagnoses)
        for position, d in enumerate(diagnoses):
            self.session.add(DiagnosisRow(patient_id=patient_id, code=d.code, label=d.label,
                                          is_primary=d.primary or (not has_primary and position == 0),
                                          position=position))

    def set_care_team(self, patient_id: int, user_ids: Iterable[int]) -> None:
        self.session.execute(delete(CareTeamRow).where(CareTeamRow.patient_id == patient_id))
        for uid in sorted(set(user_ids)):
            self.session.add(CareTeamRow(patient_id=patient_id, user_id=uid))
        self.session.flush()

    def _locked(self, patient_id: int, expected_version: int | None) -> PatientRow:
        """The row to change; raises StaleWriteError when ``expected_version`` is not the stored version."""
        row = self._row(patient_id)
        if expected_version is not None and row.version != expected_version:
            raise StaleWriteError(
                f"patient {patient_id} was changed by someone else (version {row.version}, you edited version "
                f"{expected_version}); reload the chart and apply your change again"
            )
        return row

    def update(self, patient_id: int, expected_version: int | None, changed: Patient, now: datetime) -> Patient:
        """Store ``changed`` (the patient with the edits applied) over version ``expected_version``.

        Only the fields that differ are written (names re-indexed when they change); the version always moves on.
        Raises StaleWriteError when someone saved in between.
        """
        row = self._locked(patient_id, expected_version)
        if (changed.given_name, changed.family_name) != (row.given_name, row.family_name):
            row.given_name, row.family_name = changed.given_name, changed.family_name
            for key, value in self.name_indexes(changed.given_name, changed.family_name).items():
                setattr(row, key, value)
        if changed.date_of_birth.isoformat() != row.date_of_birth:
            row.date_of_birth, row.birth_year = changed.date_of_birth.isoformat(), changed.date_of_birth.year
        values = {
            "sex_at_birth": changed.sex_at_birth.value, "gender_identity": changed.gender_identity,
            "phone": changed.contact.phone, "email": changed.contact.email, "address": changed.contact.address,
            "cyp2d6": changed.cyp2d6.value if changed.cyp2d6 else None,
            "cyp2c19": changed.cyp2c19.value if changed.cyp2c19 else None,
        }
        for key, value in values.items():
            if getattr(row, key) != value:
                setattr(row, key, value)
        if changed.diagnoses != self.diagnoses([patient_id])[patient_id]:
            self.replace_diagnoses(patient_id, changed.diagnoses)
        row.updated_at = now
        flag_modified(row, "updated_at")  # always an UPDATE, so the version always moves on
        self.session.flush()
        return self.get(patient_id)

    def discharge(self, patient_id: int, expected_version: int | None, discharged_on: date, now: datetime) -> Patient:
        """Mark the patient discharged on ``discharged_on`` (StaleWriteError when someone saved in between)."""
        row = self._locked(patient_id, expected_version)
        row.status = PatientStatus.DISCHARGED.value
        row.discharged_on = discharged_on
        row.updated_at = now
        self.session.flush()
        return self.get(patient_id)

    # ------------------------------------------------------------------ caseload
    def caseload(self, q: CaseloadQuery) -> tuple[int, list[CaseloadMatch]]:
        """Total matching patients and the patients of one page: ids first in the sort's order, then only the
        page's rows fetched and decrypted (:mod:`novamind_core.db.repositories.caseload`)."""
        return CaseloadReader(self.session).caseload(q)

    def planned_patient_ids(self, user_id: int | None, status: str | None) -> list[int]:
        """Patients (on ``user_id``'s care team; all when None) with an active measurement plan, in one statement:
        the only ones whose questionnaires can be due or overdue (the caseload's "Questionnaire overdue" filter)."""
        M = MeasurementPlanRow
        stmt = select(M.patient_id).join(PatientRow, PatientRow.id == M.patient_id).where(M.active.is_(True))
        if user_id is not None:
            stmt = stmt.where(M.patient_id.in_(select(CareTeamRow.patient_id).where(CareTeamRow.user_id == user_id)))
        if status:
            stmt = stmt.where(PatientRow.status == status)
        return list(self.session.scalars(stmt.order_by(M.patient_id)))

    def request_summaries(self, patient_ids: Sequence[int]) -> dict[int, tuple[RequestSummary, ...]]:
        """``{patient_id: (RequestSummary, ...)}`` of questionnaire requests, in one statement: with the plans, what
        ``domain.reporting.measurement_state`` needs for each caseload row (no token, no PHI)."""
        out: dict[int, list[RequestSummary]] = {pid: [] for pid in patient_ids}
        R = QuestionnaireRequestRow
        stmt = select(R.patient_id, R.id, R.due_on, R.status, R.expires_at, R.completed_at)
        for pid, rid, due, status, expires, completed in (self.session.execute(
                stmt.where(R.patient_id.in_(list(patient_ids)))) if patient_ids else ()):
            out[pid].append(RequestSummary(id=rid, due_on=due, status=RequestStatus(status), expires_at=expires,
                                           completed_at=completed))
        return {pid: tuple(v) for pid, v in out.items()}

    overdue_clause = staticmethod(overdue_clause)

    def active_medications(self, patient_ids: Sequence[int]) -> dict[int, list[tuple[str, float, str, date]]]:
        """``{patient_id: [(drug, dose_mg, frequency, start_date), ...]}`` for active orders, in one statement."""
        out: dict[int, list[tuple[str, float, str, date]]] = {pid: [] for pid in patient_ids}
        if not patient_ids:
            return out
        M = MedicationOrderRow
        stmt = (
            select(M.patient_id, M.drug, M.dose_mg, M.frequency, M.start_date)
            .where(M.patient_id.in_(list(patient_ids)), M.stop_date.is_(None))
            .order_by(M.patient_id, M.start_date, M.id)
        )
        for pid, drug, dose, freq, start in self.session.execute(stmt):
            out[pid].append((drug, dose, freq, start))
        return out

    # ------------------------------------------------------------------ summary figures
    def _summary_row(self, patient_id: int) -> PatientSummaryRow:
        row = self.session.get(PatientSummaryRow, patient_id)
        if row is None:
            raise NotFoundError(f"patient {patient_id} does not exist")
        return row

    def summary(self, patient_id: int) -> PatientSummary:
        """The patient's stored caseload figures (latest scores, due dates, open alert counts)."""
        return summary_of(self._summary_row(patient_id))

    def set_next_assessment_due(self, patient_id: int, due: date | None) -> PatientSummary:
        row = self._summary_row(patient_id)
        row.next_assessment_due = due
        self.session.flush()
        return summary_of(row)

    def set_next_visit(self, patient_id: int, when: datetime | None) -> PatientSummary:
        row = self._summary_row(patient_id)
        row.next_visit_at = when
        self.session.flush()
        return summary_of(row)

