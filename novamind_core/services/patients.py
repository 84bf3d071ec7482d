"""Patients: register, update, discharge, caseload (search, filters, sort, paging), the chart summary and timeline.

The caseload read lives in :mod:`novamind_core.services.caseload`, the chart builders in
:mod:`novamind_core.services.charts` (shared with the pages' view models).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from novamind_core.domain.errors import ConflictError, NotFoundError, PermissionDenied, StaleWriteError, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.patients import (
    Contact,
    Diagnosis,
    MetaboliserPhenotype,
    Patient,
    PatientStatus,
    SexAtBirth,
    normalise_mrn,
    parse_enum,
    validate_date_of_birth,
    validate_name,
)
from novamind_core.domain.records import CaseloadPage, ChartSummary, TimelineEvent
from novamind_core.domain.users import Permission, Role, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, optional_text, parse_date
from novamind_core.services.caseload import caseload_request, read_caseload
from novamind_core.services.charts import chart_summary, overdue_alert, timeline_events
from novamind_core.services.drafts import drop_draft, first_submission, remember_submission, settle_repeat
from novamind_core.services.ports import UnitOfWork
from novamind_core.services.users import check_care_team

#: Fields :meth:`PatientService.update` may change.
UPDATABLE_FIELDS = frozenset({"given_name", "family_name", "date_of_birth", "sex_at_birth", "gender_identity", "phone",
                              "email", "address", "diagnoses", "cyp2d6", "cyp2c19"})


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
        submission_token: str | None = None,
    ) -> Patient:
        """Register a patient. A clinician is put on the new patient's care team; others must name one.

        From the register form (``submission_token``): a repeat of the same submission (a double-click, a resent
        request) registers nothing more and returns the patient the first one registered; the user's registration
        draft is dropped with the save.

        Raises ValidationError (field and value named), ConflictError (duplicate MRN) or PermissionDenied.
        """
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.WRITE_PHI, AuditAction.PATIENT_CREATE)
            first = first_submission(uow, submission_token, actor.id, FormName.REGISTRATION)
            if first is not None and uow.patients.exists(first):
                settle_repeat(uow, actor.id, None, FormName.REGISTRATION)
                return uow.patients.get(first)
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
            treats = actor.role in (Role.CLINICIAN, Role.CLINIC_LEAD)
            team = list(care_team) if care_team else ([actor.id] if treats else [])
            if not team:
                raise ValidationError("care team is required: name at least one clinician", field="care_team")
            check_care_team(uow, team)
            if uow.patients.id_for_mrn(clean["mrn"]) is not None:
                raise ConflictError(f"a patient with MRN {clean['mrn']} already exists", )
            patient_id = uow.patients.add(**clean, care_team=team, now=self.ctx.now(), registered_on=today)
            remember_submission(uow, submission_token, actor.id, FormName.REGISTRATION, patient_id, self.ctx.now())
            drop_draft(uow, actor.id, None, FormName.REGISTRATION)
            self._audit(uow, actor, AuditAction.PATIENT_CREATE, patient_id=patient_id)
            patient = uow.patients.get(patient_id)
            uow.commit()
            return patient


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
        unknown = set(changes) - UPDATABLE_FIELDS
        if unknown:
            raise ValidationError(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, AuditAction.PATIENT_UPDATE)
            current = self._current(uow, patient_id, expected_version)
            patient = uow.patients.update(patient_id, expected_version, self._apply(current, changes),
                                          self.ctx.now())
            self._audit(uow, actor, AuditAction.PATIENT_UPDATE, patient_id=patient_id,
                        detail="fields: " + ",".join(sorted(changes)))
            uow.commit()
            return patient

    @staticmethod
    def _current(uow: UnitOfWork, patient_id: int, expected_version: int | None) -> Patient:
        """The stored patient; StaleWriteError when someone saved since the user opened version ``expected_version``."""
        current = uow.patients.get(patient_id)
        if expected_version is not None and current.version != expected_version:
            raise StaleWriteError(
                f"patient {patient_id} was changed by someone else (version {current.version}, you edited version "
                f"{expected_version}); reload the chart and apply your change again"
            )
        return current

    def _apply(self, current: Patient, changes: Mapping[str, Any]) -> Patient:
        """``current`` with ``changes`` checked and applied (ValidationError names the first bad field)."""
        new: dict[str, Any] = {}
        if "given_name" in changes or "family_name" in changes:
            new["given_name"] = validate_name(changes.get("given_name", current.given_name), "given_name")
            new["family_name"] = validate_name(changes.get("family_name", current.family_name), "family_name")
        if "date_of_birth" in changes:
            new["date_of_birth"] = validate_date_of_birth(parse_date(changes["date_of_birth"], "date_of_birth"),
                                                          self.ctx.today())
        if "sex_at_birth" in changes:
            new["sex_at_birth"] = (parse_enum(SexAtBirth, changes["sex_at_birth"], "sex_at_birth")
                                   or SexAtBirth.UNKNOWN)
        if "gender_identity" in changes:
            new["gender_identity"] = optional_text(changes["gender_identity"], "gender_identity", 100)
        if {"phone", "email", "address"} & set(changes):
            c = current.contact
            new["contact"] = Contact(optional_text(changes.get("phone", c.phone), "phone", 30),
                                     optional_text(changes.get("email", c.email), "email", 200),
                                     optional_text(changes.get("address", c.address), "address", 500))
        for gene in ("cyp2d6", "cyp2c19"):
            if gene in changes:
                new[gene] = parse_enum(MetaboliserPhenotype, changes[gene], gene)
        if "diagnoses" in changes:
            new["diagnoses"] = _diagnoses(changes["diagnoses"])
        return dataclasses.replace(current, **new)

    def discharge(self, user: User, patient_id: int, expected_version: int,
                  discharged_on: date | str | None = None) -> Patient:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.PATIENT_DISCHARGE)
            current = self._current(uow, patient_id, expected_version)
            if current.status is PatientStatus.DISCHARGED:
                raise ConflictError(f"patient {patient_id} is already discharged")
            on = parse_date(discharged_on, "discharged_on", default=self.ctx.today())
            patient = uow.patients.discharge(patient_id, expected_version, on, self.ctx.now())
            self._audit(uow, actor, AuditAction.PATIENT_DISCHARGE, patient_id=patient_id)
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
        request = caseload_request(search=search, page=page, page_size=page_size, sort=sort, descending=descending,
                                   severities=severities, only_alerts=only_alerts, only_overdue=only_overdue,
                                   status=status)
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.READ_PHI, AuditAction.PATIENT_LIST)
            if actor.role is Role.ANALYST:  # defence in depth; the permission table already refuses analysts
                self._deny(uow, actor, AuditAction.PATIENT_LIST, None, PermissionDenied("analysts see no PHI"))
            result = read_caseload(uow, actor, request, self.ctx.today(), self.ctx.settings.overdue_assessment_days)
            self._audit(uow, actor, AuditAction.PATIENT_LIST,
                        detail=f"page={page} size={page_size} rows={len(result.rows)} total={result.total} "
                               f"search={bool(request.search)}")
            uow.commit()
            return result

    # ------------------------------------------------------------------ chart
    def chart(self, user: User, patient_id: int) -> ChartSummary:
        """Header, active medications, latest scores, outcome vs baseline, open alerts and next visit."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.PATIENT_READ)
            patient = uow.patients.get(patient_id)
            chart = chart_summary(
                patient, uow.patients.summary(patient_id), uow.users.names(list(patient.care_team)),
                uow.assessments.history(patient_id), uow.medications.history(patient_id),
                uow.visits.list(patient_id), uow.alerts.list(patient_id, include_acknowledged=False), self.ctx.now(),
                self.ctx.today(), self.ctx.settings.overdue_assessment_days)
            self._audit(uow, actor, AuditAction.PATIENT_READ, patient_id=patient_id, detail="chart")
            uow.commit()
            return chart

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
            events = timeline_events(uow.assessments.history(patient_id), uow.medications.history(patient_id),
                                     uow.notes.list(patient_id), uow.visits.list(patient_id),
                                     uow.alerts.list(patient_id))
            self._audit(uow, actor, AuditAction.PATIENT_READ, patient_id=patient_id, detail="timeline")
            uow.commit()
        return events


__all__ = ["PatientService", "overdue_alert"]
