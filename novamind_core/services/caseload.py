"""The caseload read, shared by ``PatientService.caseload`` and the caseload page's ``ChartService.caseload_view``.

``caseload_request(...)`` checks the controls (sort, page, page size, severities, status) before any transaction;
``read_caseload(uow, actor, request, ...)`` runs the repository query inside the caller's transaction and turns the
matches into :class:`~novamind_core.domain.records.CaseloadRow` lines, each with its questionnaire state from
:func:`~novamind_core.domain.reporting.measurement_state` (the chart's definition). Neither audits: the calling service
does, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from novamind_core.domain.caseload import MAX_PAGE_SIZE, SEVERITY_NAMES, SORT_KEYS, CaseloadQuery
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.medications import format_dose
from novamind_core.domain.patients import age_in_years
from novamind_core.domain.records import CaseloadPage, CaseloadRow
from novamind_core.domain.reporting import MeasurementState, measurement_state
from novamind_core.domain.users import User
from novamind_core.domain.visits import is_overdue
from novamind_core.services.ports import UnitOfWork


@dataclass(frozen=True)
class CaseloadRequest:
    """The caseload controls, checked: what to search for, which filters, which order and which page."""

    search: str | None = None
    page: int = 1
    page_size: int = 25
    sort: str = "priority"
    descending: bool = True
    severities: tuple[str, ...] = ()
    only_alerts: bool = False
    only_overdue: bool = False
    status: str | None = "active"
    only_questionnaires_overdue: bool = False

    @property
    def filtered(self) -> bool:
        """Whether a search or a filter narrows the caseload (the empty state says which)."""
        return bool(self.search or self.severities or self.only_alerts or self.only_overdue
                    or self.only_questionnaires_overdue)

    def describe(self) -> str:
        """PHI-free words for the audit detail (whether a search was made, never what was searched for)."""
        return (f"page={self.page} size={self.page_size} sort={self.sort} search={bool(self.search)} "
                f"filters={','.join(self.severities) or '-'}{' alerts' if self.only_alerts else ''}"
                f"{' overdue' if self.only_overdue else ''}"
                f"{' questionnaires-overdue' if self.only_questionnaires_overdue else ''}")


def caseload_request(*, search: str | None = None, page: int = 1, page_size: int = 25, sort: str = "priority",
                     descending: bool = True, severities: Sequence[str] = (), only_alerts: bool = False,
                     only_overdue: bool = False, status: str | None = "active",
                     only_questionnaires_overdue: bool = False) -> CaseloadRequest:
    """Check the caseload controls; raise ValidationError naming the first one that is wrong."""
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
    text = search.strip() if search else ""
    return CaseloadRequest(search=text or None, page=page, page_size=page_size, sort=sort, descending=descending,
                           severities=tuple(severities), only_alerts=only_alerts, only_overdue=only_overdue,
                           status=status, only_questionnaires_overdue=bool(only_questionnaires_overdue))


def read_caseload(uow: UnitOfWork, actor: User, request: CaseloadRequest, today: date,
                  overdue_days: int) -> CaseloadPage:
    """One page of the actor's caseload (their care team), decrypting only that page's patients."""
    user_id = actor.id if actor.id > 0 else None
    restrict = (questionnaires_overdue(uow, user_id, request.status, today)
                if request.only_questionnaires_overdue else None)
    q = CaseloadQuery(
        user_id=user_id,
        search_indexes=uow.patients.search_indexes(request.search) if request.search else (),
        status=request.status, severities=request.severities, only_alerts=request.only_alerts,
        only_overdue=request.only_overdue, patient_ids=restrict, today=today, overdue_days=overdue_days,
        sort=request.sort, descending=request.descending, limit=request.page_size,
        offset=(request.page - 1) * request.page_size,
    )
    total, matches = uow.patients.caseload(q)
    ids = [m.patient_id for m in matches]
    diagnoses = uow.patients.diagnoses(ids)
    meds = uow.patients.active_medications(ids)
    states = questionnaire_states(uow, ids, today)
    rows = []
    for m in matches:
        s = m.summary
        dx = diagnoses.get(m.patient_id, ())
        primary = next((d for d in dx if d.primary), dx[0] if dx else None)
        rows.append(CaseloadRow(
            patient_id=m.patient_id, mrn=m.mrn, given_name=m.given_name, family_name=m.family_name,
            age_years=age_in_years(m.date_of_birth, today), sex_at_birth=m.sex_at_birth, status=m.status,
            primary_diagnosis=primary,
            phq9_latest=s.phq9_latest, phq9_previous=s.phq9_previous, phq9_severity=s.phq9_severity,
            phq9_latest_on=s.phq9_latest_on,
            gad7_latest=s.gad7_latest, gad7_previous=s.gad7_previous, gad7_severity=s.gad7_severity,
            gad7_latest_on=s.gad7_latest_on, last_assessed_on=s.last_assessed_on,
            days_since_assessment=(today - s.last_assessed_on).days if s.last_assessed_on else None,
            overdue=is_overdue(today, s.last_assessed_on, s.next_assessment_due, overdue_days, s.registered_on),
            next_visit_at=s.next_visit_at, next_assessment_due=s.next_assessment_due,
            open_alerts=s.open_alerts, item9_alert=s.open_item9_alerts > 0,
            active_medications=tuple(format_dose(d, dose, f) for d, dose, f, _ in meds.get(m.patient_id, [])),
            questionnaires=states.get(m.patient_id, MeasurementState.NO_PLAN),
        ))
    return CaseloadPage(rows=tuple(rows), total=total, page=request.page, page_size=request.page_size)


def questionnaire_states(uow: UnitOfWork, patient_ids: Sequence[int], today: date) -> dict[int, MeasurementState]:
    """Each patient's questionnaire state (no plan, paused, not due, due, overdue, completed) by the one rule the
    chart uses, :func:`~novamind_core.domain.reporting.measurement_state`; two statements for the whole page."""
    if not patient_ids:
        return {}
    plans = uow.plans.for_patients(patient_ids)
    requests = uow.patients.request_summaries([pid for pid in patient_ids if pid in plans])
    return {pid: measurement_state(plans.get(pid), requests.get(pid, ()), today) for pid in patient_ids}


def questionnaires_overdue(uow: UnitOfWork, user_id: int | None, status: str | None, today: date) -> tuple[int, ...]:
    """The patients (of ``user_id``'s care team) whose questionnaires are overdue: only patients with an active plan
    can be, so only those are checked (three statements, whatever the caseload's size)."""
    states = questionnaire_states(uow, uow.patients.planned_patient_ids(user_id, status), today)
    return tuple(pid for pid, state in states.items() if state is MeasurementState.OVERDUE)
