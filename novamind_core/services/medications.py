"""Medications: add, titrate, switch, stop (each with a reason), adherence notes and history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from novamind_core.db.models import MedicationOrderRow
from novamind_core.domain.errors import ConflictError, ValidationError
from novamind_core.domain.medications import (
    ChangeKind,
    Frequency,
    MedicationOrder,
    normalise_drug,
    validate_dose_mg,
)
from novamind_core.domain.patients import parse_enum
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, not_in_future, optional_text, parse_date


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
            adherence_note: str | None = None) -> MedicationOrder:
        """Start a drug. Refused (ConflictError) when the same drug is already active: titrate it instead."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.MEDICATION_CREATE)
            name = normalise_drug(drug)
            dose = validate_dose_mg(dose_mg)
            freq = _frequency(frequency)
            today = self.ctx.today()
            start = not_in_future(parse_date(start_date, "start_date", default=today), today, "start_date")
            if any(m.drug == name for m in uow.medications.active(patient_id)):
                raise ConflictError(f"{name} is already active for this patient; titrate or stop it instead")
            order = uow.medications.add(
                patient_id=patient_id, drug=name, dose_mg=dose, frequency=freq.value, start_date=start,
                change_kind=ChangeKind.START.value, start_reason=optional_text(reason, "reason", 500),
                adherence_note=optional_text(adherence_note, "adherence_note", 1000),
                prescribed_by=actor.id if actor.id > 0 else None, created_at=self.ctx.now())
            self._audit(uow, actor, AuditAction.MEDICATION_CREATE, patient_id=patient_id, detail=f"start {name}")
            uow.commit()
            return order

    def _active_order(self, uow, order_id: int) -> MedicationOrderRow:  # type: ignore[no-untyped-def]
        row = uow.medications.row(order_id)
        if row.stop_date is not None:
            raise ConflictError(f"medication order {order_id} was already stopped on {row.stop_date.isoformat()}")
        return row

    def _patient_of(self, order_id: int) -> int:
        with self.ctx.uow() as uow:
            pid = uow.session.scalar(select(MedicationOrderRow.patient_id).where(MedicationOrderRow.id == order_id))
        if pid is None:
            from novamind_core.domain.errors import NotFoundError

            raise NotFoundError(f"medication order {order_id} does not exist")
        return pid

    def titrate(self, user: User, order_id: int, new_dose_mg: float, reason: str,
                on: date | str | None = None, frequency: str | Frequency | None = None) -> MedicationOrder:
        """Change the dose (and optionally the frequency) from ``on``; the old order closes that day."""
        patient_id = self._patient_of(order_id)
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.MEDICATION_UPDATE)
            row = self._active_order(uow, order_id)
            dose = validate_dose_mg(new_dose_mg)
            freq = _frequency(frequency) if frequency else Frequency(row.frequency)
            if dose == row.dose_mg and freq.value == row.frequency:
                raise ValidationError(f"the new dose equals the current dose ({dose:g} mg {freq.value})",
                                      field="dose_mg", value=new_dose_mg)
            why = _reason(reason)
            today = self.ctx.today()
            when = not_in_future(parse_date(on, "on", default=today), today, "on")
            if when < row.start_date:
                raise ValidationError(f"change date {when.isoformat()} is before the order started "
                                      f"({row.start_date.isoformat()})", field="on", value=when.isoformat())
            row.stop_date = when
            row.stop_reason = f"titrated to {dose:g} mg: {why}"
            order = uow.medications.add(
                patient_id=patient_id, drug=row.drug, dose_mg=dose, frequency=freq.value, start_date=when,
                change_kind=ChangeKind.TITRATE.value, previous_id=row.id, start_reason=why,
                adherence_note=row.adherence_note, prescribed_by=actor.id if actor.id > 0 else None,
                created_at=self.ctx.now())
            self._audit(uow, actor, AuditAction.MEDICATION_UPDATE, patient_id=patient_id,
                        detail=f"titrate {row.drug}")
            uow.commit()
            return order

    def stop(self, user: User, order_id: int, reason: str, on: date | str | None = None) -> MedicationOrder:
        patient_id = self._patient_of(order_id)
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.MEDICATION_UPDATE)
            row = self._active_order(uow, order_id)
            why = _reason(reason)
            today = self.ctx.today()
            when = not_in_future(parse_date(on, "on", default=today), today, "on")
            if when < row.start_date:
                raise ValidationError(f"stop date {when.isoformat()} is before the order started "
                                      f"({row.start_date.isoformat()})", field="on", value=when.isoformat())
            row.stop_date, row.stop_reason = when, why
            uow.session.flush()
            self._audit(uow, actor, AuditAction.MEDICATION_UPDATE, patient_id=patient_id, detail=f"stop {row.drug}")
            order = uow.medications.to_domain(row)
            uow.commit()
            return order

    def switch(self, user: User, order_id: int, new_drug: str, dose_mg: float, reason: str,
               on: date | str | None = None, frequency: str | Frequency = "daily") -> MedicationOrder:
        """Stop one drug and start another on the same day (a direct switch), in one transaction."""
        patient_id = self._patient_of(order_id)
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.MEDICATION_UPDATE)
            row = self._active_order(uow, order_id)
            name, dose, freq, why = normalise_drug(new_drug), validate_dose_mg(dose_mg), _frequency(frequency), \
                _reason(reason)
            if name == row.drug:
                raise ValidationError("switching to the same drug: titrate it instead", field="new_drug",
                                      value=new_drug)
            today = self.ctx.today()
            when = not_in_future(parse_date(on, "on", default=today), today, "on")
            if when < row.start_date:
                raise ValidationError(f"switch date {when.isoformat()} is before the order started",
                                      field="on", value=when.isoformat())
            row.stop_date, row.stop_reason = when, f"switched to {name}: {why}"
            order = uow.medications.add(
                patient_id=patient_id, drug=name, dose_mg=dose, frequency=freq.value, start_date=when,
                change_kind=ChangeKind.SWITCH.value, previous_id=row.id, start_reason=why,
                prescribed_by=actor.id if actor.id > 0 else None, created_at=self.ctx.now())
            self._audit(uow, actor, AuditAction.MEDICATION_UPDATE, patient_id=patient_id,
                        detail=f"switch {row.drug} to {name}")
            uow.commit()
            return order

    def set_adherence_note(self, user: User, order_id: int, note: str | None) -> MedicationOrder:
        patient_id = self._patient_of(order_id)
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.MEDICATION_UPDATE)
            row = uow.medications.row(order_id)
            row.adherence_note = optional_text(note, "adherence_note", 1000)
            uow.session.flush()
            self._audit(uow, actor, AuditAction.MEDICATION_UPDATE, patient_id=patient_id, detail="adherence note")
            order = uow.medications.to_domain(row)
            uow.commit()
            return order

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
