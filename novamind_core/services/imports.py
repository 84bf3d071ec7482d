"""Imports and FHIR export: preview a file, then write it all-or-nothing in one audited transaction.

Kinds: ``fhir`` (R4 Bundle), ``assessments`` and ``medications`` (CSV), ``activity`` (minute counts CSV), ``daily``
(daily summaries CSV), ``fitbit`` (Fitbit export JSON) and ``apple_health`` (Apple Health ``export.xml``, streamed).

Every file is parsed and validated in full before anything is written (:mod:`novamind_core.interop`); the checks
that need the stored record (duplicates, overlapping medication periods, the MRN) run inside the write transaction,
so a failed import, or a crash half-way, stores nothing (the unit of work rolls back). A clean import writes every
record, refreshes the caseload summary, and appends one audit event, in the same transaction.

Concurrency: the write transaction locks the patient's row before it reads the stored record, so parallel imports
of one file into one chart run one after the other and every import after the first skips what is already stored
(the idempotent answer). Two imports that both register a Bundle's new patient meet at the MRN's unique index; the
loser runs once more and adds to (or skips into) the chart the winner created.

Alerts: an imported PHQ-9 with item 9 above 0 raises the self-harm alert whatever its date (docs/science.md §2); the
MCID-worsening alert is evaluated only for the newest imported score of each instrument when it is the patient's
newest score (historical imports must not flood the caseload with stale worsening alerts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from novamind_core.biometrics.problems import ImportProblems, Problem
from novamind_core.domain.alerts import AlertKind
from novamind_core.domain.assessments import score_assessment, score_total_only
from novamind_core.domain.errors import ConflictError, ValidationError
from novamind_core.domain.medications import ChangeKind
from novamind_core.domain.patients import Diagnosis
from novamind_core.domain.reporting import AssessmentSource
from novamind_core.domain.users import Permission, Role, User
from novamind_core.interop.csv_clinical import parse_assessments_csv, parse_medications_csv
from novamind_core.interop.fhir_export import patient_bundle
from novamind_core.interop.fhir_import import parse_bundle
from novamind_core.interop.records import ClinicalBatch
from novamind_core.security.audit import AuditAction
from novamind_core.services.assessments import evaluate_alerts
from novamind_core.services.base import BaseService
from novamind_core.services.import_plan import ImportPlan, StoredRecord, compare_with_record
from novamind_core.services.ports import UnitOfWork

IMPORT_KINDS: dict[str, str] = {
    "fhir": "FHIR R4 Bundle (JSON)",
    "assessments": "Assessments CSV (date, instrument, item1..item9)",
    "medications": "Medications CSV (drug, dose_mg, frequency, start_date, stop_date)",
    "activity": "Minute activity CSV (timestamp, counts)",
    "daily": "Daily summaries CSV (date, steps, sleep_minutes, resting_hr, hrv_rmssd)",
    "fitbit": "Fitbit export JSON (steps, heart rate, sleep)",
    "apple_health": "Apple Health export.xml (steps, heart rate, HRV, sleep)",
}
IMPORT_PREVIEW = "import.preview"
#: Days of minute activity written per statement (progress is reported between chunks).
MINUTE_DAYS_PER_CHUNK = 30

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class ImportPreview:
    """What an import would do, without doing it. ``problems`` block the import; ``notes`` are for information."""

    kind: str
    source: str
    patient_id: int | None
    new_patient: bool
    patient_label: str | None = field(repr=False)
    counts: dict[str, int]
    first_day: date | None
    last_day: date | None
    problems: tuple[Problem, ...]
    notes: tuple[Problem, ...]
    already_stored: dict[str, int]

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.counts)


@dataclass(frozen=True)
class ImportResult:
    """What an import wrote (``skipped`` counts records already stored, left as they were)."""

    kind: str
    source: str
    patient_id: int
    created_patient: bool
    written: dict[str, int]
    skipped: dict[str, int]
    alerts_raised: int
    notes: tuple[Problem, ...] = ()


class ImportService(BaseService):
    # ------------------------------------------------------------------ parsing (pure)
    def parse(self, kind: str, source: Any, *, name: str | None = None,
              progress: Progress | None = None) -> tuple[ClinicalBatch, list[Problem]]:
        """Read and validate a file of ``kind``: ``(batch, problems)``; nothing touches the database."""
        from novamind_core.interop import wearables
        from novamind_core.pharmacology import load_catalogue

        settings = self.ctx.settings
        today, tz = self.ctx.today(), settings.clinic_timezone
        label = name or getattr(source, "name", None) or (str(source) if isinstance(source, str) and
                                                          len(str(source)) < 200 else "upload")
        if kind not in IMPORT_KINDS:
            raise ValidationError(f"unknown import kind {kind!r}; expected one of {', '.join(IMPORT_KINDS)}",
                                  field="kind", value=kind)
        try:
            if kind == "fhir":
                result = parse_bundle(source, mrn_system=settings.mrn_system, today=today, timezone=tz,
                                      source_name=label)
                return result.batch, list(result.problems)
            if kind == "assessments":
                batch, problems = parse_assessments_csv(_bytes_or(source), today=today)
                return replace(batch, source=label), list(problems)
            if kind == "medications":
                drugs = frozenset(d for d in load_catalogue().drugs if d != "placebo")
                batch, problems = parse_medications_csv(_bytes_or(source), today=today, known_drugs=drugs)
                return replace(batch, source=label), list(problems)
            if kind == "activity":
                return wearables.read_activity(source, tz=tz, today=today, name=label), []
            if kind == "daily":
                return wearables.read_daily(source, today=today, name=label), []
            if kind == "fitbit":
                return wearables.read_fitbit(source, tz=tz, today=today, name=label), []
            bytes_progress = (lambda done, total: progress(0.6 * done / max(total, 1), "reading the export")) \
                if progress else None
            return wearables.read_apple(source, tz=tz, today=today, name=label, progress=bytes_progress), []
        except ImportProblems as exc:
            return ClinicalBatch(kind, label), list(exc.problems)

    # ------------------------------------------------------------------ preview
    def preview(self, user: User, kind: str, source: Any, *, patient_id: int | None = None, name: str | None = None,
                progress: Progress | None = None) -> ImportPreview:
        """Parse, validate and compare with the stored record; write nothing but an audit event."""
        batch, problems = self.parse(kind, source, name=name, progress=progress)
        with self._tx() as uow:
            actor, plan = self._plan(uow, user, batch, patient_id, problems, IMPORT_PREVIEW)
            label = None
            if plan.new_patient and batch.patient is not None:
                p = batch.patient
                label = f"new patient {p.given_name} {p.family_name} (MRN {p.mrn})"
            elif plan.patient_id is not None:
                label = f"patient {plan.patient_id}"
            self._audit(uow, actor, IMPORT_PREVIEW, patient_id=plan.patient_id,
                        detail=f"{kind} problems={len(plan.problems)}")
            uow.commit()
        span = plan.batch.date_range()
        return ImportPreview(kind, batch.source, plan.patient_id, plan.new_patient, label, plan.batch.counts(),
                             span[0] if span else None, span[1] if span else None, tuple(plan.problems),
                             tuple(plan.notes), plan.skipped_counts())

    # ------------------------------------------------------------------ import
    def import_file(self, user: User, kind: str, source: Any, *, patient_id: int | None = None,
                    name: str | None = None, progress: Progress | None = None) -> ImportResult:
        """Parse, validate and write the whole file in one transaction, or raise ImportProblems and write nothing."""
        batch, problems = self.parse(kind, source, name=name, progress=progress)
        return self._write(user, batch, patient_id, problems, progress)

    def import_batch(self, user: User, batch: ClinicalBatch, *, patient_id: int | None = None,
                     progress: Progress | None = None) -> ImportResult:
        """Write an already parsed batch (e.g. demo data) with the same checks, audit and single transaction."""
        return self._write(user, batch, patient_id, [], progress)

    def _write(self, user: User, batch: ClinicalBatch, patient_id: int | None, problems: list[Problem],
               progress: Progress | None) -> ImportResult:
        try:
            return self._write_once(user, batch, patient_id, problems, progress)
        except ConflictError:
            if not (batch.kind == "fhir" and batch.patient is not None and patient_id is None):
                raise
            # Another import registered this Bundle's patient between our check and our write (the MRN's unique
            # index refused the second chart). Once more: the chart now exists, so the records are added to it or
            # skipped as already stored, the same answer as importing the file twice one after the other.
            return self._write_once(user, batch, patient_id, problems, progress)

    def _write_once(self, user: User, batch: ClinicalBatch, patient_id: int | None, problems: list[Problem],
                    progress: Progress | None) -> ImportResult:
        with self._tx() as uow:
            actor, plan = self._plan(uow, user, batch, patient_id, problems, AuditAction.IMPORT_DATA)
            refusal = plan.refusal()
            if refusal:
                raise ImportProblems(batch.source, refusal)
            created = False
            if plan.new_patient:
                plan.patient_id = self._create_patient(uow, actor, plan.batch)
                created = True
            pid = plan.patient_id
            assert pid is not None
            written, alerts = self._store(uow, actor, pid, plan, progress)
            uow.assessments.refresh_summary(pid)
            detail = f"{batch.kind} " + " ".join(f"{k.replace(' ', '_')}={v}" for k, v in written.items())
            self._audit(uow, actor, AuditAction.IMPORT_DATA, patient_id=pid, detail=detail)
            uow.commit()
        if progress:
            progress(1.0, "done")
        return ImportResult(batch.kind, batch.source, pid, created, written,
                            plan.skipped_counts(), alerts, tuple(plan.notes))

    # ------------------------------------------------------------------ plan
    def _plan(self, uow: UnitOfWork, user: User, batch: ClinicalBatch, patient_id: int | None, problems: list[Problem],
              action: str) -> tuple[User, ImportPlan]:
        notes = list(batch.notes)
        problems = list(problems)
        new_patient = False
        if batch.kind == "fhir" and batch.patient is not None:
            existing = uow.patients.id_for_mrn(batch.patient.mrn)
            if patient_id is not None and existing != patient_id:
                actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, action)
                problems.append(Problem(batch.patient.row, "Patient.identifier", batch.patient.mrn,
                                        "the Bundle's MRN is not the MRN of the patient you chose"))
                return actor, ImportPlan(patient_id, False, problems, notes, batch, {})
            if existing is None:
                actor = self._authorize(uow, user, Permission.WRITE_PHI, action)
                new_patient = True
                if actor.role not in (Role.CLINICIAN, Role.CLINIC_LEAD):
                    problems.append(Problem(batch.patient.row, "Patient", None,
                                            "a new patient can only be imported by a clinician, who joins the "
                                            "care team"))
                return actor, self._check(uow, ImportPlan(None, True, problems, notes, batch, {}))
            patient_id, row = existing, batch.patient.row
            batch = replace(batch, patient=None)  # the chart exists: the Patient resource adds nothing
            notes.append(Problem(row, "Patient.identifier", None,
                                 "a patient with this MRN is already registered: records are added to that chart; "
                                 "demographics are not changed"))
        if patient_id is None:
            actor = self._authorize(uow, user, Permission.WRITE_PHI, action)
            problems.append(Problem(None, "patient", None, "choose the patient to import into" if batch.kind != "fhir"
                                    else "the Bundle has no Patient: choose the patient to import into"))
            return actor, ImportPlan(None, False, problems, notes, batch, {})
        actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, action)
        if action == AuditAction.IMPORT_DATA:
            uow.patients.lock(patient_id)  # parallel imports into one chart run one after the other (PostgreSQL)
        return actor, self._check(uow, ImportPlan(patient_id, new_patient, problems, notes, batch, {}))

    def _check(self, uow: UnitOfWork, plan: ImportPlan) -> ImportPlan:
        """Read what the chart holds (inside the write transaction) and compare the batch with it."""
        batch, pid = plan.batch, plan.patient_id
        if pid is None:
            return compare_with_record(plan, StoredRecord())
        md = batch.minute_days
        stored = StoredRecord(
            assessments=tuple(uow.assessments.history(pid)), orders=tuple(uow.medications.history(pid)),
            diagnoses=tuple(uow.patients.diagnoses([pid]).get(pid, ())),
            minute_days_replaced=uow.wearables.count_minute_days(pid, md.start_day, md.last_day) if md else 0,
            daily_days_replaced=(uow.wearables.count_daily(pid, batch.device_source, [d.day for d in batch.daily])
                                 if batch.daily else 0))
        return compare_with_record(plan, stored)

    # ------------------------------------------------------------------ writes
    def _create_patient(self, uow: UnitOfWork, actor: User, batch: ClinicalBatch) -> int:
        p = batch.patient
        assert p is not None
        pid = uow.patients.add(mrn=p.mrn, given_name=p.given_name, family_name=p.family_name,
                               date_of_birth=p.date_of_birth, sex_at_birth=p.sex_at_birth,
                               gender_identity=p.gender_identity,
                               contact=p.contact, diagnoses=(), care_team=[actor.id], cyp2d6=None, cyp2c19=None,
                               now=self.ctx.now(), registered_on=self.ctx.today())
        self._audit(uow, actor, AuditAction.PATIENT_CREATE, patient_id=pid, detail="FHIR import")
        return pid

    def _store(self, uow: UnitOfWork, actor: User, pid: int, plan: ImportPlan, progress: Progress | None
               ) -> tuple[dict[str, int], int]:
        batch = plan.batch
        now, by = self.ctx.now(), (actor.id if actor.id > 0 else None)
        written: dict[str, int] = {}
        total_units = max(1, len(batch.assessments) + len(batch.medications)
                          + (batch.minute_days.n_days if batch.minute_days is not None else 0) + len(batch.daily))
        done = 0

        def tick(n: int, what: str) -> None:
            nonlocal done
            done += n
            if progress:
                progress(0.6 + 0.4 * done / total_units if batch.kind == "apple_health" else done / total_units,
                         f"writing {what}")

        if plan.new_diagnoses:
            current = uow.patients.diagnoses([pid]).get(pid, ())
            merged = list(current) + [Diagnosis(d.code, d.label, primary=d.primary and not current)
                                      for d in plan.new_diagnoses]
            uow.patients.replace_diagnoses(pid, merged)
            written["diagnoses"] = len(plan.new_diagnoses)
        alerts = 0
        if batch.assessments:
            latest_stored = {inst: rows[-1][1] for inst in {a.instrument for a in batch.assessments}
                             if (rows := uow.assessments.totals(pid, inst))}
            newest = {}
            for a in batch.assessments:
                if a.administered_on >= newest.get(a.instrument, a.administered_on):
                    newest[a.instrument] = a.administered_on
            for a in sorted(batch.assessments, key=lambda x: (x.administered_on, x.row or 0)):
                score = score_assessment(a.instrument, a.answers) if a.answers_available else \
                    score_total_only(a.instrument, a.total)  # total-only: item 9 unknown, no item-9 alert
                earlier = [t[2] for t in uow.assessments.totals(pid, a.instrument) if t[1] <= a.administered_on]
                record = uow.assessments.add(pid, score, a.administered_on, now, by, source=AssessmentSource.IMPORT)
                is_newest = a.administered_on == newest[a.instrument] and \
                    a.administered_on >= latest_stored.get(a.instrument, a.administered_on)
                for kind, message, value in evaluate_alerts(score, a.administered_on, earlier):
                    if kind is AlertKind.ITEM9 or is_newest:
                        uow.alerts.add(pid, kind, now, message, instrument=a.instrument.value,
                                       assessment_id=record.id, value=value, observed_on=a.administered_on)
                        alerts += 1
                tick(1, "assessments")
            written["assessments"] = len(batch.assessments)
        if batch.medications:
            last_of: dict[str, Any] = {}
            for m in uow.medications.history(pid):
                last_of[m.drug] = m
            for m in sorted(batch.medications, key=lambda x: (x.start_date, x.row or 0)):
                prev = last_of.get(m.drug)
                titrate = prev is not None and prev.stop_date == m.start_date
                order = uow.medications.add(
                    patient_id=pid, drug=m.drug, dose_mg=m.dose_mg, frequency=m.frequency.value,
                    start_date=m.start_date, stop_date=m.stop_date,
                    change_kind=(ChangeKind.TITRATE if titrate else ChangeKind.START).value,
                    previous_id=prev.id if titrate else None, start_reason=m.start_reason,
                    stop_reason=m.stop_reason, adherence_note=None, prescribed_by=by, created_at=now)
                last_of[m.drug] = order
                tick(1, "medications")
            written["medication orders"] = len(batch.medications)
        if batch.minute_days is not None:
            md = batch.minute_days
            from datetime import timedelta

            for start in range(0, md.n_days, MINUTE_DAYS_PER_CHUNK):
                chunk = md.counts[start:start + MINUTE_DAYS_PER_CHUNK]
                days = [md.start_day + timedelta(days=start + k) for k in range(chunk.shape[0])]
                uow.wearables.replace_minute_days(pid, days, chunk, batch.device_source, now)
                tick(chunk.shape[0], "minute activity")
            written["days of minute activity"] = md.n_days
        if batch.daily:
            uow.wearables.replace_daily(pid, [d.summary(batch.device_source) for d in batch.daily])
            tick(len(batch.daily), "daily summaries")
            written["days of daily summaries"] = len(batch.daily)
        return written, alerts

    # ------------------------------------------------------------------ export
    def export_fhir(self, user: User, patient_id: int, *, mrn: str | None = None) -> dict:
        """The patient's record (demographics, diagnoses, assessments, medications) as a FHIR R4 Bundle dict."""
        with self._tx() as uow:
            if mrn is not None:
                from novamind_core.domain.errors import NotFoundError
                from novamind_core.domain.patients import normalise_mrn

                self._authorize(uow, user, Permission.EXPORT_PHI, AuditAction.EXPORT_FHIR)
                found = uow.patients.id_for_mrn(normalise_mrn(mrn))
                if found is None:
                    raise NotFoundError("no patient has this MRN")
                patient_id = found
            actor = self._authorize_patient(uow, user, patient_id, Permission.EXPORT_PHI, AuditAction.EXPORT_FHIR)
            patient = uow.patients.get(patient_id)
            assessments = uow.assessments.history(patient_id)
            orders = uow.medications.history(patient_id)
            bundle = patient_bundle(patient, assessments, orders, mrn_system=self.ctx.settings.mrn_system,
                                    now=self.ctx.now())
            self._audit(uow, actor, AuditAction.EXPORT_FHIR, patient_id=patient_id,
                        detail=f"assessments={len(assessments)} medication_orders={len(orders)}")
            uow.commit()
        return bundle


def _bytes_or(source: Any) -> Any:
    """Uploaded file objects are read as bytes (pandas accepts paths, buffers and bytes via BytesIO)."""
    if hasattr(source, "getvalue"):
        return source.getvalue()
    return source


__all__ = ["IMPORT_KINDS", "ImportPreview", "ImportResult", "ImportService", "import_service"]


def import_service(services: Any) -> ImportService:
    """The import service of a :class:`~novamind_core.bootstrap.Services` (``services.imports`` when registered,
    else one built over the same context: same engine, keys and clock)."""
    existing = getattr(services, "imports", None)
    return existing if isinstance(existing, ImportService) else ImportService(services.context)
