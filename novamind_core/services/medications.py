"""Medications: add, titrate, switch, stop (each with a reason), adherence notes and history.

Concurrency: each change locks the patient's row before it reads the active orders, so simultaneous starts of one
drug run one after the other and all but the first are refused with the usual "already active" answer. The database
also refuses a second active order of one drug (partial unique index, migration 0006); that refusal reaches the
caller as the same :class:`ConflictError`.
"""

from __future__ import annotations

from datetime import date

from novamind_core.domain.dates import day_month_year
from novamind_core.domain.errors import ConflictError, NotFoundError, ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.medications import (
    ChangeKind,
    Frequency,
    MedicationOrder,
    normalise_drug,
    validate_dose_mg,
)
from novamind_core.domain.patients import parse_enum
from novamind_core.domain.prescribing import DrugKnowledge, InteractionReviewRequired, StartCheck
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, not_in_future, optional_text, parse_date
from novamind_core.services.drafts import first_submission, remember_submission, settle_repeat
from novamind_core.services.ports import UnitOfWork
from novamind_core.services.prescribing import check_start, knowledge_of, refuse_unknown
from novamind_core.services.reporting import medication_changed


def _frequency(value: str | Frequency | None) -> Frequency:
    return parse_enum(Frequency, value, "frequency") or Frequency.DAILY  # type: ignore[return-value]


def _reason(value: str | None) -> str:
    text = optional_text(value, "reason", 500)
    if not text:
        raise ValidationError("a reason is required for this change", field="reason", value=value)
    return text


class MedicationService(BaseService):
    def add(self, user: User, patient_id: int, drug: str, dose_mg: float, frequency: str | Frequency = "daily",
            start_date: date | str | None = None, reason: str | None = None,
            adherence_note: str | None = None, *, not_modelled: bool = False, interactions_reviewed: bool = False,
            submission_token: str | None = None) -> MedicationOrder:
        """Start a drug. Refused (ConflictError) when the same drug is already active: titrate it instead.

        Prescribing from the catalogue (:mod:`novamind_core.services.prescribing`): a name the catalogue does not know
        is refused (with its closest catalogue spelling) unless ``not_modelled=True`` records it explicitly as not
        modelled; a start whose check (:meth:`check_start`) has warnings (a second antidepressant, a serotonergic
        combination, a dose above the usual maximum...) is refused with :class:`InteractionReviewRequired` unless
        ``interactions_reviewed=True``. With ``submission_token``, a repeat of the same form rendering returns the
        order the first submission started.
        """
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.MEDICATION_CREATE)
            repeat = first_submission(uow, submission_token, actor.id, FormName.MEDICATION_START)
            if repeat is not None:
                order = uow.medications.get(repeat)
                settle_repeat(uow, actor.id, patient_id, FormName.MEDICATION_START)
                return order
            name = normalise_drug(drug)
            dose = validate_dose_mg(dose_mg)
            freq = _frequency(frequency)
            if knowledge_of(name)[1] is DrugKnowledge.NOT_MODELLED and not not_modelled:
                refuse_unknown(name)
            today = self.ctx.today()
            start = not_in_future(parse_date(start_date, "start_date", default=today), today, "start_date")
            uow.patients.lock(patient_id)  # a racing start of the same drug waits here, then sees this one
            if any(m.drug == name for m in uow.medications.active(patient_id)):
                raise ConflictError(f"{name} is already active for this patient; titrate or stop it instead")
            check = check_start(uow.medications.active(patient_id), name, dose, freq)
            if check.needs_review and not interactions_reviewed:
                raise InteractionReviewRequired(check)
            order = uow.medications.add(
                patient_id=patient_id, drug=name, dose_mg=dose, frequency=freq.value, start_date=start,
                change_kind=ChangeKind.START.value, start_reason=optional_text(reason, "reason", 500),
                adherence_note=optional_text(adherence_note, "adherence_note", 1000),
                prescribed_by=actor.id if actor.id > 0 else None, created_at=self.ctx.now())
            medication_changed(uow, patient_id, start, self.ctx.now())
            remember_submission(uow, submission_token, actor.id, FormName.MEDICATION_START, order.id, self.ctx.now())
            if actor.id > 0:
                uow.drafts.delete(actor.id, patient_id, FormName.MEDICATION_START.value)
            self._audit(uow, actor, AuditAction.MEDICATION_CREATE, patient_id=patient_id,
                        detail=f"start {name}" + (" (not modelled)" if check.knowledge is DrugKnowledge.NOT_MODELLED
                                                  else "") + (f" warnings={len(check.warnings)} reviewed"
                                                              if check.warnings else ""))
            uow.commit()
            return order

    @staticmethod
    def _active_order(uow: UnitOfWork, order_id: int) -> MedicationOrder:
        """The order, still active; the patient's row is locked first, so a racing change to the same order waits
        and is then told the order was already stopped (the partial unique index of migration 0006 is the
        backstop: one active order per patient and drug)."""
        patient_id = uow.patients.id_for("medication_order", order_id)
        if patient_id is not None:
            uow.patients.lock(patient_id)
        order = uow.medications.get(order_id)
        if order.stop_date is not None:
            raise ConflictError(f"medication order {order_id} was already stopped on {day_month_year(order.stop_date)}")
        return order

    @staticmethod
    def _patient_of(uow: UnitOfWork, order_id: int) -> int:
        pid = uow.patients.id_for("medication_order", order_id)
        if pid is None:
            raise NotFoundError(f"medication order {order_id} does not exist")
        return pid

    def titrate(self, user: User, order_id: int, new_dose_mg: float, reason: str,
                on: date | str | None = None, frequency: str | Frequency | None = None) -> MedicationOrder:
        """Change the dose (and optionally the frequency) from ``on``; the old order closes that day."""
        with self._tx() as uow:
            patient_id = self._patient_of(uow, order_id)
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.MEDICATION_UPDATE)
            current = self._active_order(uow, order_id)
            dose = validate_dose_mg(new_dose_mg)
            freq = _frequency(frequency) if frequency else current.frequency
            if dose == current.dose_mg and freq is current.frequency:
                raise ValidationError(f"the new dose equals the current dose ({dose:g} mg {freq.value})",
                                      field="dose_mg", value=new_dose_mg)
            why = _reason(reason)
            today = self.ctx.today()
            when = not_in_future(parse_date(on, "on", default=today), today, "on")
            if when < current.start_date:
                raise ValidationError(f"change date {day_month_year(when)} is before the order started "
                                      f"({day_month_year(current.start_date)})", field="on", value=when.isoformat())
            uow.medications.close(order_id, when, f"titrated to {dose:g} mg: {why}")
            order = uow.medications.add(
                patient_id=patient_id, drug=current.drug, dose_mg=dose, frequency=freq.value, start_date=when,
                change_kind=ChangeKind.TITRATE.value, previous_id=current.id, start_reason=why,
                adherence_note=current.adherence_note, prescribed_by=actor.id if actor.id > 0 else None,
                created_at=self.ctx.now())
            medication_changed(uow, patient_id, when, self.ctx.now())
            self._audit(uow, actor, AuditAction.MEDICATION_UPDATE, patient_id=patient_id,
                        detail=f"titrate {current.drug}")
            uow.commit()
            return order

    def stop(self, user: User, order_id: int, reason: str, on: date | str | None = None) -> MedicationOrder:
        with self._tx() as uow:
            patient_id = self._patient_of(uow, order_id)
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.MEDICATION_UPDATE)
            current = self._active_order(uow, order_id)
            why = _reason(reason)
            today = self.ctx.today()
            when = not_in_future(parse_date(on, "on", default=today), today, "on")
            if when < current.start_date:
                raise ValidationError(f"stop date {day_month_year(when)} is before the order started "
                                      f"({day_month_year(current.start_date)})", field="on", value=when.isoformat())
            order = uow.medications.close(order_id, when, why)
            self._audit(uow, actor, AuditAction.MEDICATION_UPDATE, patient_id=patient_id, detail=f"stop {current.drug}")
            uow.commit()
            return order

    def switch(self, user: User, order_id: int, new_drug: str, dose_mg: float, reason: str,
               on: date | str | None = None, frequency: str | Frequency = "daily") -> MedicationOrder:
        """Stop one drug and start another on the same day (a direct switch), in one transaction."""
        with self._tx() as uow:
            patient_id = self._patient_of(uow, order_id)
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.MEDICATION_UPDATE)
            current = self._active_order(uow, order_id)
            name, dose, freq, why = normalise_drug(new_drug), validate_dose_mg(dose_mg), _frequency(frequency), \
                _reason(reason)
            if name == current.drug:
                raise ValidationError("switching to the same drug: titrate it instead", field="new_drug",
                                      value=new_drug)
            today = self.ctx.today()
            when = not_in_future(parse_date(on, "on", default=today), today, "on")
            if when < current.start_date:
                raise ValidationError(f"switch date {day_month_year(when)} is before the order started",
                                      field="on", value=when.isoformat())
            uow.medications.close(order_id, when, f"switched to {name}: {why}")
            order = uow.medications.add(
                patient_id=patient_id, drug=name, dose_mg=dose, frequency=freq.value, start_date=when,
                change_kind=ChangeKind.SWITCH.value, previous_id=current.id, start_reason=why,
                prescribed_by=actor.id if actor.id > 0 else None, created_at=self.ctx.now())
            medication_changed(uow, patient_id, when, self.ctx.now())
            self._audit(uow, actor, AuditAction.MEDICATION_UPDATE, patient_id=patient_id,
                        detail=f"switch {current.drug} to {name}")
            uow.commit()
            return order

    def set_adherence_note(self, user: User, order_id: int, note: str | None) -> MedicationOrder:
        with self._tx() as uow:
            patient_id = self._patient_of(uow, order_id)
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.MEDICATION_UPDATE)
            order = uow.medications.set_adherence_note(order_id, optional_text(note, "adherence_note", 1000))
            self._audit(uow, actor, AuditAction.MEDICATION_UPDATE, patient_id=patient_id, detail="adherence note")
            uow.commit()
            return order

    def check_start(self, user: User, patient_id: int, drug: str, dose_mg: float,
                    frequency: str | Frequency = "daily") -> StartCheck:
        """The check to show before a start is saved: the drug as the catalogue names it (a near miss refused with
        its spelling; an unknown name comes back as not modelled), interactions with the active medications, and a
        dose above the usual range. Reads the active orders: audited as a medication read."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.MEDICATION_READ)
            check = check_start(uow.medications.active(patient_id), drug, validate_dose_mg(dose_mg),
                                _frequency(frequency))
            self._audit(uow, actor, AuditAction.MEDICATION_READ, patient_id=patient_id,
                        detail=f"start check {check.drug} warnings={len(check.warnings)}")
            uow.commit()
            return check

    def history(self, user: User, patient_id: int) -> tuple[MedicationOrder, ...]:
        """Every order, oldest first (titrations appear as consecutive orders linked by ``previous_id``)."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.MEDICATION_READ)
            orders = tuple(uow.medications.history(patient_id))
            self._audit(uow, actor, AuditAction.MEDICATION_READ, patient_id=patient_id)
            uow.commit()
            return orders

    def active(self, user: User, patient_id: int) -> tuple[MedicationOrder, ...]:
        return tuple(m for m in self.history(user, patient_id) if m.active)
