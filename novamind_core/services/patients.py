"""Patients: register, update, discharge, caseload (search, filters, sort, paging) and the chart summary."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm.attributes import flag_modified

from novamind_core.db.repositories.patients import SORT_KEYS, CaseloadQuery
from novamind_core.domain.alerts import Alert, AlertKind
from novamind_core.domain.assessments import Instrument, compare_to_baseline
from novamind_core.domain.errors import ConflictError, NotFoundError, PermissionDenied, ValidationError
from novamind_core.domain.medications import format_dose
from novamind_core.domain.patients import (
    Contact,
    Diagnosis,
    MetaboliserPhenotype,
    Patient,
    PatientStatus,
    SexAtBirth,
    age_in_years,
    normalise_mrn,
    parse_enum,
    validate_date_of_birth,
    validate_name,
)
from novamind_core.domain.users import Permission, Role, User
from novamind_core.domain.visits import is_overdue
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, optional_text, parse_date
from novamind_core.domain.records import (
    CaseloadPage,
    CaseloadRow,
    ChartSummary,
    OutcomeSummary,
    TimelineEvent,
)

MAX_PAGE_SIZE = 200
SEVERITY_NAMES = ("minimal", "mild", "moderate", "moderately severe", "severe")


def _diagnoses(values: Iterable[Diagnosis | Mapping[str, Any] | Sequence[str]] | None) -> tuple[Diagnosis, ...]:
    out: list[Diagnosis] = []
    for value in values or ():
        if isinstance(value, Diagnosis):
            out.append(value)
        elif isinstance(value, Mapping):
            out.append(Diagnosis(str(value.get("code", "")), str(value.get("label", "")),
                                 primary=bool(value.get("primary", False))))
        else:
            code, label, *rest = list(value)
            out.append(Diagnosis(code, label, primary=bool(rest[0]) if rest else False))
    codes = [d.code for d in out]
    if len(set(codes)) != len(codes):
        raise ValidationError("a diagnosis code is listed twice", field="diagnoses", value=codes)
    return tuple(out)


class PatientService(BaseService):
    # ------------------------------------------------------------------ register
    def register(
        self,
        user: User,
        *,
        mrn: str,
        given_name: str,
        family_name: str,
        date_of_birth: date | str,
        sex_at_birth: str,
        gender_identity: str | None = None,
        phone: str | None = None,
        email: str | None = None,
        address: str | None = None,
        diagnoses: Iterable[Diagnosis | Mapping[str, Any] | Sequence[str]] | None = None,
        care_team: Sequence[int] | None = None,
        cyp2d6: str | None = None,
        cyp2c19: str | None = None,
    ) -> Patient:
        """Register a patient. A clinician is put on the new patient's care team; others must name one.

        Raises ValidationError (field and value named), ConflictError (duplicate MRN) or PermissionDenied.
        """
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.WRITE_PHI, AuditAction.PATIENT_CREATE)
            today = self.ctx.today()
            clean = dict(
                mrn=normalise_mrn(mrn),
                given_name=validate_name(given_name, "given_name"),
                family_name=validate_name(family_name, "family_name"),
                date_of_birth=validate_date_of_birth(parse_date(date_of_birth, "date_of_birth"), today),
                sex_at_birth=parse_enum(SexAtBirth, sex_at_birth, "sex_at_birth") or SexAtBirth.UNKNOWN,
                gender_identity=optional_text(gender_identity, "gender_identity", 100),
                contact=Contact(optional_text(phone, "phone", 30), optional_text(email, "email", 200),
                                optional_text(address, "address", 500)),
                diagnoses=_diagnoses(diagnoses),
                cyp2d6=parse_enum(MetaboliserPhenotype, cyp2d6, "cyp2d6"),
                cyp2c19=parse_enum(MetaboliserPhenotype, cyp2c19, "cyp2c19"),
            )
            team = list(care_team) if care_team else ([actor.id] if actor.role is Role.CLINICIAN else [])
            if not team:
                raise ValidationError("care team is required: name at least one clinician", field="care_team")
            self._check_team(uow, team)
            if uow.patients.id_for_mrn(clean["mrn"]) is not None:
                raise ConflictError(f"a patient with MRN {clean['mrn']} already exists", )
            patient_id = uow.patients.add(**clean, care_team=team, now=self.ctx.now(), registered_on=today)
            self._audit(uow, actor, AuditAction.PATIENT_CREATE, patient_id=patient_id)
            patient = uow.patients.get(patient_id)
            uow.commit()
            return patient

    @staticmethod
    def _check_team(uow: Any, team: Sequence[int]) -> None:
        roles = uow.users.roles(list(team))
        for uid in team:
            role_active = roles.get(uid)
            if role_active is None or not role_active[1] or role_active[0] == Role.ANALYST.value:
                raise ValidationError(f"care team member {uid} is not an active clinician or admin",
                                      field="care_team", value=uid)

    # ------------------------------------------------------------------ read
    def get(self, user: User, patient_id: int) -> Patient:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.PATIENT_READ)
            patient = uow.patients.get(patient_id)
            self._audit(uow, actor, AuditAction.PATIENT_READ, patient_id=patient_id)
            uow.commit()
            return patient

    def find_by_mrn(self, user: User, mrn: str) -> Patient:
        """Open a patient by MRN (deep links): blind-index lookup, then the same care-team check as :meth:`get`."""
        with self._tx() as uow:
            self._authorize(uow, user, Permission.READ_PHI, AuditAction.PATIENT_SEARCH)
            patient_id = uow.patients.id_for_mrn(normalise_mrn(mrn))
            if patient_id is None:
                raise NotFoundError("no patient has this MRN")
        return self.get(user, patient_id)

    # ------------------------------------------------------------------ update
    def update(self, user: User, patient_id: int, expected_version: int, **changes: Any) -> Patient:
        """Change demographics, contact, diagnoses or PGx phenotypes.

        ``expected_version`` is the ``Patient.version`` the user edited; if someone saved in between, nothing is
        changed and StaleWriteError says so. Allowed keys: given_name, family_name, date_of_birth, sex_at_birth,
        gender_identity, phone, email, address, diagnoses, cyp2d6, cyp2c19.
        """
        allowed = {"given_name", "family_name", "date_of_birth", "sex_at_birth", "gender_identity", "phone", "email",
                   "address", "diagnoses", "cyp2d6", "cyp2c19"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValidationError(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, AuditAction.PATIENT_UPDATE)
            row = uow.patients.locked_row(patient_id, expected_version)
            if "given_name" in changes or "family_name" in changes:
                given = validate_name(changes.get("given_name", row.given_name), "given_name")
                family = validate_name(changes.get("family_name", row.family_name), "family_name")
                row.given_name, row.family_name = given, family
                for key, value in uow.patients.name_indexes(given, family).items():
                    setattr(row, key, value)
            if "date_of_birth" in changes:
                dob = validate_date_of_birth(parse_date(changes["date_of_birth"], "date_of_birth"), self.ctx.today())
                row.date_of_birth, row.birth_year = dob.isoformat(), dob.year
            if "sex_at_birth" in changes:
                row.sex_at_birth = (parse_enum(SexAtBirth, changes["sex_at_birth"], "sex_at_birth")
                                    or SexAtBirth.UNKNOWN).value
            if "gender_identity" in changes:
                row.gender_identity = optional_text(changes["gender_identity"], "gender_identity", 100)
            if {"phone", "email", "address"} & set(changes):
                contact = Contact(
                    optional_text(changes.get("phone", row.phone), "phone", 30),
                    optional_text(changes.get("email", row.email), "email", 200),
                    optional_text(changes.get("address", row.address), "address", 500),
                )
                row.phone, row.email, row.address = contact.phone, contact.email, contact.address
            for gene in ("cyp2d6", "cyp2c19"):
                if gene in changes:
                    phenotype = parse_enum(MetaboliserPhenotype, changes[gene], gene)
                    setattr(row, gene, phenotype.value if phenotype else None)
            if "diagnoses" in changes:
                uow.patients.replace_diagnoses(patient_id, _diagnoses(changes["diagnoses"]))
            row.updated_at = self.ctx.now()
            flag_modified(row, "updated_at")  # always an UPDATE, so the version always moves on
            uow.session.flush()
            self._audit(uow, actor, AuditAction.PATIENT_UPDATE, patient_id=patient_id,
                        detail="fields: " + ",".join(sorted(changes)))
            patient = uow.patients.get(patient_id)
            uow.commit()
            return patient

    def discharge(self, user: User, patient_id: int, expected_version: int,
                  discharged_on: date | str | None = None) -> Patient:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.PATIENT_DISCHARGE)
            row = uow.patients.locked_row(patient_id, expected_version)
            if row.status == PatientStatus.DISCHARGED.value:
                raise ConflictError(f"patient {patient_id} is already discharged")
            row.status = PatientStatus.DISCHARGED.value
            row.discharged_on = parse_date(discharged_on, "discharged_on", default=self.ctx.today())
            row.updated_at = self.ctx.now()
            uow.session.flush()
            self._audit(uow, actor, AuditAction.PATIENT_DISCHARGE, patient_id=patient_id)
            patient = uow.patients.get(patient_id)
            uow.commit()
            return patient

    # ------------------------------------------------------------------ caseload
    def caseload(
        self,
        user: User,
        *,
        search: str | None = None,
        page: int = 1,
        page_size: int = 25,
        sort: str = "priority",
        descending: bool = True,
        severities: Sequence[str] = (),
        only_alerts: bool = False,
        only_overdue: bool = False,
        status: str | None = "active",
    ) -> CaseloadPage:
        """The user's patients (care team), one page, open alerts first by default.

        Search is exact (normalised: case and spaces ignored) on MRN, given, family or full name through the
        blind index. Sorts: priority (item-9 alerts, open alerts, PHQ-9), phq9, gad7, last_assessed, next_due,
        registered, name (name decrypts the names of all matches: encrypted values cannot be ordered in SQL).
        The SQL statement count per call is constant: the page's rows only are fetched and decrypted.
        """
        if sort not in SORT_KEYS:
            raise ValidationError(f"sort {sort!r} is not one of: {', '.join(SORT_KEYS)}", field="sort", value=sort)
        if not isinstance(page, int) or page < 1:
            raise ValidationError("page must be 1 or more", field="page", value=page)
        if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValidationError(f"page size must be 1-{MAX_PAGE_SIZE}", field="page_size", value=page_size)
        bad = [s for s in severities if s not in SEVERITY_NAMES]
        if bad:
            raise ValidationError(f"severity {bad[0]!r} is not one of: {', '.join(SEVERITY_NAMES)}",
                                  field="severities", value=bad[0])
        if status not in (None, "active", "discharged"):
            raise ValidationError("status must be active, discharged or None (all)", field="status", value=status)
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.READ_PHI, AuditAction.PATIENT_LIST)
            if actor.role is Role.ANALYST:  # defence in depth; the permission table already refuses analysts
                self._deny(uow, actor, AuditAction.PATIENT_LIST, None, PermissionDenied("analysts see no PHI"))
            today = self.ctx.today()
            overdue_days = self.ctx.settings.overdue_assessment_days
            q = CaseloadQuery(
                user_id=actor.id if actor.id > 0 else None,
                search_indexes=uow.patients.search_indexes(search) if search and search.strip() else (),
                status=status, severities=tuple(severities), only_alerts=only_alerts, only_overdue=only_overdue,
                today=today, overdue_days=overdue_days, sort=sort, descending=descending, limit=page_size,
                offset=(page - 1) * page_size,
            )
            total, rows = uow.patients.caseload(q)
            ids = [p.id for p, _ in rows]
            diagnoses = uow.patients.diagnoses(ids)
            meds = uow.patients.active_medications(ids)
            out = []
            for p, s in rows:
                dx = diagnoses.get(p.id, ())
                primary = next((d for d in dx if d.primary), dx[0] if dx else None)
                out.append(CaseloadRow(
                    patient_id=p.id, mrn=p.mrn, given_name=p.given_name, family_name=p.family_name,
                    age_years=age_in_years(date.fromisoformat(p.date_of_birth), today), sex_at_birth=p.sex_at_birth,
                    status=p.status, primary_diagnosis=primary,
                    phq9_latest=s.phq9_latest, phq9_previous=s.phq9_previous, phq9_severity=s.phq9_severity,
                    phq9_latest_on=s.phq9_latest_on,
                    gad7_latest=s.gad7_latest, gad7_previous=s.gad7_previous, gad7_severity=s.gad7_severity,
                    gad7_latest_on=s.gad7_latest_on, last_assessed_on=s.last_assessed_on,
                    days_since_assessment=(today - s.last_assessed_on).days if s.last_assessed_on else None,
                    overdue=is_overdue(today, s.last_assessed_on, s.next_assessment_due, overdue_days,
                                       s.registered_on),
                    next_visit_at=s.next_visit_at, next_assessment_due=s.next_assessment_due,
                    open_alerts=s.open_alerts, item9_alert=s.open_item9_alerts > 0,
                    active_medications=tuple(format_dose(d, dose, f) for d, dose, f, _ in meds.get(p.id, [])),
                ))
            self._audit(uow, actor, AuditAction.PATIENT_LIST,
                        detail=f"page={page} size={page_size} rows={len(out)} total={total} search={bool(search)}")
            uow.commit()
            return CaseloadPage(rows=tuple(out), total=total, page=page, page_size=page_size)

    # ------------------------------------------------------------------ chart
    def chart(self, user: User, patient_id: int) -> ChartSummary:
        """Header, active medications, latest scores, outcome vs baseline, open alerts and next visit."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.PATIENT_READ)
            patient = uow.patients.get(patient_id)
            summary = uow.patients.summary(patient_id)
            today = self.ctx.today()
            names = uow.users.names(list(patient.care_team))
            meds = tuple(uow.medications.active(patient_id))
            history = uow.assessments.history(patient_id)
            latest = {}
            outcomes = {}
            for instrument in Instrument:
                series = [a for a in history if a.instrument is instrument]
                if not series:
                    continue
                latest[instrument.value] = series[-1]
                if len(series) > 1:
                    base, cur = series[0], series[-1]
                    change = compare_to_baseline(instrument, base.total, cur.total)
                    weeks = (cur.administered_on - base.administered_on).days / 7
                    outcomes[instrument.value] = OutcomeSummary(
                        instrument, base.total, base.administered_on, cur.total, cur.administered_on, weeks, change,
                        _sentence(instrument, base.total, cur.total, weeks, meds, change))
            alerts = tuple(a for a in uow.alerts.list(patient_id, include_acknowledged=False))
            overdue = is_overdue(today, summary.last_assessed_on, summary.next_assessment_due,
                                 self.ctx.settings.overdue_assessment_days, summary.registered_on)
            if overdue and patient.status is PatientStatus.ACTIVE:
                alerts = alerts + (overdue_alert(patient_id, summary, self.ctx.now(), today),)
            upcoming = [v for v in uow.visits.list(patient_id)
                        if v.status.value == "scheduled" and v.scheduled_for >= self.ctx.now()]
            weeks_on = None
            if meds:
                weeks_on = (today - max(m.start_date for m in meds)).days / 7
            self._audit(uow, actor, AuditAction.PATIENT_READ, patient_id=patient_id, detail="chart")
            uow.commit()
            return ChartSummary(
                patient=patient, care_team_names=tuple(names.get(u, f"user {u}") for u in patient.care_team),
                age_years=patient.age_years(today), active_medications=meds, latest=latest, outcomes=outcomes,
                open_alerts=alerts, next_visit=upcoming[0] if upcoming else None,
                next_assessment_due=summary.next_assessment_due, overdue=overdue,
                weeks_on_current_treatment=weeks_on,
            )

    EXPORT_KINDS: dict[str, str] = {
        "csv": AuditAction.EXPORT_CSV, "html": AuditAction.EXPORT_HTML, "pdf": AuditAction.EXPORT_PDF,
        "fhir": AuditAction.EXPORT_FHIR,
    }

    def record_export(self, user: User, patient_id: int, kind: str) -> None:
        """Check that ``user`` may export this patient's chart (EXPORT_PHI + care team) and audit the export.

        Pages call this before they hand the file to the browser, so a refused export never leaves the server.
        """
        action = self.EXPORT_KINDS.get(str(kind).lower())
        if action is None:
            raise ValidationError(f"export kind {kind!r} is not supported: choose one of "
                                  f"{', '.join(self.EXPORT_KINDS)}", field="kind", value=kind)
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.EXPORT_PHI, action)
            self._audit(uow, actor, action, patient_id=patient_id, detail=f"chart export ({kind})")
            uow.commit()

    def timeline(self, user: User, patient_id: int) -> tuple[TimelineEvent, ...]:
        """Assessments, medication changes, notes, visits and alerts on one dated list (oldest first)."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.PATIENT_READ)
            events: list[TimelineEvent] = []
            for a in uow.assessments.history(patient_id):
                events.append(TimelineEvent(a.administered_on, "assessment",
                                            f"{a.instrument.value} {a.total} ({a.severity})", "", a.id))
            orders = uow.medications.history(patient_id)
            continued = {m.previous_id for m in orders if m.change_kind.value == "titrate"}
            for m in orders:
                verb = {"start": "Started", "titrate": "Changed to", "switch": "Switched to"}[m.change_kind.value]
                events.append(TimelineEvent(m.start_date, "medication", f"{verb} {m.describe()}",
                                            m.start_reason or "", m.id))
                if m.stop_date is not None and m.id not in continued:
                    events.append(TimelineEvent(m.stop_date, "medication", f"Stopped {m.drug}", m.stop_reason or "",
                                                m.id))
            for n in uow.notes.list(patient_id):
                events.append(TimelineEvent(n.note_date, "note", f"Note by {n.author_name}", n.text, n.id))
            for v in uow.visits.list(patient_id):
                events.append(TimelineEvent(v.scheduled_for.date(), "visit", f"Visit ({v.status.value})",
                                            v.note or "", v.id))
            for al in uow.alerts.list(patient_id):
                events.append(TimelineEvent(al.raised_at.date(), "alert", al.message, "", al.id))
            self._audit(uow, actor, AuditAction.PATIENT_READ, patient_id=patient_id, detail="timeline")
            uow.commit()
        order = {"medication": 0, "assessment": 1, "alert": 2, "note": 3, "visit": 4}
        return tuple(sorted(events, key=lambda e: (e.on, order[e.kind])))


def overdue_alert(patient_id: int, summary: Any, now: Any, today: date) -> Alert:
    since = summary.last_assessed_on
    message = (f"Assessments overdue: last on {since.strftime('%d %b %Y')}" if since
               else "Assessments overdue: no assessment recorded yet")
    if summary.next_assessment_due is not None:
        message = f"Assessments overdue: due {summary.next_assessment_due.strftime('%d %b %Y')}"
    return Alert(id=None, patient_id=patient_id, kind=AlertKind.OVERDUE, raised_at=now, message=message,
                 observed_on=today)


def _sentence(instrument: Instrument, baseline: int, current: int, weeks: float, meds: Sequence[Any],
              change: Any) -> str:
    """"PHQ-9 fell from 18 to 8 over 9 weeks on sertraline 100 mg: response, not yet remission." (UX.md)."""
    verb = "fell" if current < baseline else "rose" if current > baseline else "stayed"
    span = f"from {baseline} to {current}" if verb != "stayed" else f"at {current}"
    on = ""
    if meds:
        on = " on " + " and ".join(f"{m.drug} {m.dose_mg:g} mg" for m in meds)
    if change.remission:
        verdict = "remission"
    elif change.response:
        verdict = "response, not yet remission"
    elif change.mcid_improved:
        verdict = "clinically important improvement, not yet response"
    elif change.mcid_worsened:
        verdict = "clinically important worsening"
    else:
        verdict = "no clinically important change"
    return f"{instrument.value} {verb} {span} over {weeks:.0f} weeks{on}: {verdict}."


__all__ = ["PatientService", "overdue_alert"]
