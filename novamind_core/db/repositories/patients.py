"""Patient repository: encrypted demographics, blind-index search, care teams and the caseload query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from novamind_core.db.models import (
    CareTeamRow,
    DiagnosisRow,
    MedicationOrderRow,
    PatientRow,
    PatientSummaryRow,
)
from novamind_core.domain.errors import NotFoundError, StaleWriteError
from novamind_core.domain.patients import (
    Contact,
    Diagnosis,
    MetaboliserPhenotype,
    Patient,
    PatientStatus,
    SexAtBirth,
)

#: Blind-index kinds (each derives its own HMAC key in BlindIndexer).
KIND_MRN = "mrn"
KIND_GIVEN = "given_name"
KIND_FAMILY = "family_name"
KIND_FULL = "full_name"

SORT_KEYS = ("priority", "phq9", "gad7", "last_assessed", "next_due", "registered", "name")


@dataclass(frozen=True)
class CaseloadQuery:
    """Filters and ordering for :meth:`PatientRepository.caseload` (all optional)."""

    user_id: int | None  # restrict to this user's care team (None: all patients, for admin tools and benchmarks)
    search_indexes: tuple[str, ...] = ()
    status: str | None = "active"
    severities: tuple[str, ...] = ()
    only_alerts: bool = False
    only_overdue: bool = False
    today: date | None = None
    overdue_days: int = 28
    sort: str = "priority"
    descending: bool = True
    limit: int = 25
    offset: int = 0


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
    def row(self, patient_id: int) -> PatientRow:
        row = self.session.get(PatientRow, patient_id)
        if row is None:
            raise NotFoundError(f"patient {patient_id} does not exist")
        return row

    def exists(self, patient_id: int) -> bool:
        return self.session.scalar(select(PatientRow.id).where(PatientRow.id == patient_id)) is not None

    def id_for_mrn(self, mrn: str) -> int | None:
        return self.session.scalar(select(PatientRow.id).where(PatientRow.mrn_bidx == self.mrn_index(mrn)))

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
        row = self.row(patient_id)
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

    def locked_row(self, patient_id: int, expected_version: int | None) -> PatientRow:
        """The row to change; raises StaleWriteError when ``expected_version`` is not the stored version."""
        row = self.row(patient_id)
        if expected_version is not None and row.version != expected_version:
            raise StaleWriteError(
                f"patient {patient_id} was changed by someone else (version {row.version}, you edited version "
                f"{expected_version}); reload the chart and apply your change again"
            )
        return row

    # ------------------------------------------------------------------ caseload
    def caseload(self, q: CaseloadQuery) -> tuple[int, list[tuple[PatientRow, PatientSummaryRow]]]:
        """Total matching patients and the rows of one page, in two statements (three when sorting by name).

        Only the page's rows are fetched, so only they are decrypted (issue 2 benchmark: 25 of 10,000).
        """
        P, S = PatientRow, PatientSummaryRow
        conditions: list[Any] = []
        if q.user_id is not None:
            conditions.append(P.id.in_(select(CareTeamRow.patient_id).where(CareTeamRow.user_id == q.user_id)))
        if q.status:
            conditions.append(P.status == q.status)
        if q.search_indexes:
            ix = list(q.search_indexes)
            conditions.append(or_(P.mrn_bidx.in_(ix), P.given_name_bidx.in_(ix), P.family_name_bidx.in_(ix),
                                  P.full_name_bidx.in_(ix)))
        if q.severities:
            conditions.append(S.phq9_severity.in_(list(q.severities)))
        if q.only_alerts:
            conditions.append(S.open_alerts > 0)
        if q.only_overdue:
            conditions.append(self.overdue_clause(q.today or date.today(), q.overdue_days))
        where = and_(*conditions) if conditions else and_(True)
        total = self.session.scalar(select(func.count()).select_from(P).join(S, S.patient_id == P.id).where(where))
        if q.sort == "name":
            ids = self._page_ids_by_name(where, q)
            if not ids:
                return int(total or 0), []
            rows = self.session.execute(select(P, S).join(S, S.patient_id == P.id).where(P.id.in_(ids))).all()
            order = {pid: i for i, pid in enumerate(ids)}
            return int(total or 0), sorted(((p, s) for p, s in rows), key=lambda r: order[r[0].id])
        stmt = (select(P, S).join(S, S.patient_id == P.id).where(where).order_by(*self._order(q))
                .limit(q.limit).offset(q.offset))
        return int(total or 0), [(p, s) for p, s in self.session.execute(stmt).all()]

    def _page_ids_by_name(self, where: Any, q: CaseloadQuery) -> list[int]:
        # Names are encrypted: ordering by name must decrypt the family and given names of every match (documented
        # cost, O(matches)); the page's full rows are then loaded by id.
        P, S = PatientRow, PatientSummaryRow
        names = self.session.execute(
            select(P.id, P.family_name, P.given_name).join(S, S.patient_id == P.id).where(where)
        ).all()
        names.sort(key=lambda r: (r[1].casefold(), r[2].casefold(), r[0]), reverse=not q.descending)
        return [r[0] for r in names[q.offset: q.offset + q.limit]]

    @staticmethod
    def overdue_clause(today: date, overdue_days: int) -> Any:
        S = PatientSummaryRow
        cutoff = today - timedelta(days=overdue_days)
        return or_(
            and_(S.next_assessment_due.is_not(None), S.next_assessment_due < today),
            and_(S.next_assessment_due.is_(None), func.coalesce(S.last_assessed_on, S.registered_on) < cutoff),
        )

    @staticmethod
    def _order(q: CaseloadQuery) -> list[Any]:
        P, S = PatientRow, PatientSummaryRow

        def d(col: Any) -> Any:
            return (col.desc() if q.descending else col.asc()).nulls_last()

        if q.sort == "priority":
            return [S.open_item9_alerts.desc(), S.open_alerts.desc(), S.phq9_latest.desc().nulls_last(), P.id]
        column = {
            "phq9": S.phq9_latest,
            "gad7": S.gad7_latest,
            "last_assessed": S.last_assessed_on,
            "next_due": S.next_assessment_due,
            "registered": P.created_at,
        }[q.sort]
        return [d(column), P.id]

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

    def summary(self, patient_id: int) -> PatientSummaryRow:
        row = self.session.get(PatientSummaryRow, patient_id)
        if row is None:
            raise NotFoundError(f"patient {patient_id} does not exist")
        return row
