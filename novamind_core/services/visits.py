"""Visits: schedule the next visit and the date the next assessments are due; complete or cancel."""

from __future__ import annotations

from datetime import date, datetime

from novamind_core.domain.errors import ConflictError, NotFoundError, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.users import Permission, User
from novamind_core.domain.visits import Visit, VisitStatus
from novamind_core.services.base import BaseService, optional_text, parse_date
from novamind_core.services.drafts import first_submission, remember_submission, settle_repeat

VISIT_CREATE = "visit.create"
VISIT_UPDATE = "visit.update"
VISIT_READ = "visit.read"


class VisitService(BaseService):
    def schedule(self, user: User, patient_id: int, scheduled_for: datetime,
                 next_assessment_due: date | str | None = None, note: str | None = None, *,
                 submission_token: str | None = None) -> Visit:
        """Book a visit (aware datetime, in the future). ``next_assessment_due`` also sets when scores are due.

        With ``submission_token``, a repeat of the same form rendering (a double-click) returns the visit the first
        submission booked, note included, instead of booking twice. The user's visit draft is dropped."""
        if not isinstance(scheduled_for, datetime) or scheduled_for.tzinfo is None:
            raise ValidationError("visit time must be a date and time with a time zone", field="scheduled_for",
                                  value=str(scheduled_for))
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, VISIT_CREATE)
            repeat = first_submission(uow, submission_token, actor.id, FormName.VISIT)
            if repeat is not None:
                visit = uow.visits.get(repeat)
                settle_repeat(uow, actor.id, patient_id, FormName.VISIT)
                return visit
            now = self.ctx.now()
            if scheduled_for < now:
                raise ValidationError("visit time is in the past", field="scheduled_for",
                                      value=scheduled_for.isoformat())
            visit = uow.visits.add(patient_id=patient_id, scheduled_for=scheduled_for,
                                   clinician_id=actor.id if actor.id > 0 else None,
                                   status=VisitStatus.SCHEDULED.value, note=optional_text(note, "note", 2000),
                                   created_at=now, created_by=actor.id if actor.id > 0 else None)
            if next_assessment_due is not None:
                uow.patients.set_next_assessment_due(patient_id, self._due(next_assessment_due))
            uow.patients.set_next_visit(patient_id, uow.visits.next_scheduled(patient_id, now))
            remember_submission(uow, submission_token, actor.id, FormName.VISIT, visit.id, now)
            if actor.id > 0:
                uow.drafts.delete(actor.id, patient_id, FormName.VISIT.value)
            self._audit(uow, actor, VISIT_CREATE, patient_id=patient_id)
            uow.commit()
            return visit

    def _due(self, value: date | str) -> date:
        due = parse_date(value, "next_assessment_due")
        if due < self.ctx.today():
            raise ValidationError("next assessment due date is in the past", field="next_assessment_due",
                                  value=due.isoformat())
        return due

    def set_next_assessment_due(self, user: User, patient_id: int, due: date | str | None) -> date | None:
        """Set (or clear, with None) the date the next assessments are due; overdue is computed from it."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, VISIT_UPDATE)
            summary = uow.patients.set_next_assessment_due(
                patient_id, self._due(due) if due not in (None, "") else None)
            self._audit(uow, actor, VISIT_UPDATE, patient_id=patient_id, detail="next assessment due")
            uow.commit()
            return summary.next_assessment_due

    def _set_status(self, user: User, visit_id: int, status: VisitStatus) -> Visit:
        with self._tx() as uow:
            patient_id = uow.patients.id_for("visit", visit_id)
            if patient_id is None:
                raise NotFoundError(f"visit {visit_id} does not exist")
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, VISIT_UPDATE)
            current = uow.visits.get(visit_id)
            if current.status is not VisitStatus.SCHEDULED:
                raise ConflictError(f"visit {visit_id} is already {current.status.value}")
            visit = uow.visits.set_status(visit_id, status)
            uow.patients.set_next_visit(patient_id, uow.visits.next_scheduled(patient_id, self.ctx.now()))
            self._audit(uow, actor, VISIT_UPDATE, patient_id=patient_id, detail=f"visit {status.value}")
            uow.commit()
            return visit

    def complete(self, user: User, visit_id: int) -> Visit:
        return self._set_status(user, visit_id, VisitStatus.COMPLETED)

    def cancel(self, user: User, visit_id: int) -> Visit:
        return self._set_status(user, visit_id, VisitStatus.CANCELLED)

    def list(self, user: User, patient_id: int) -> tuple[Visit, ...]:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, VISIT_READ)
            visits = tuple(uow.visits.list(patient_id))
            self._audit(uow, actor, VISIT_READ, patient_id=patient_id)
            uow.commit()
            return visits
