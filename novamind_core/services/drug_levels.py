"""Measured drug levels on the chart and their Bayesian forecast (decision support; not a medical device).

``record`` stores one level (care team + write permission, audited). ``view`` returns one frozen view model: the
patient's levels of the drug, and, when the drug is an active regular order, the MAP + Laplace forecast on the prior
of this patient (phenotype, co-medication, age, sex, weight not recorded), the population band and individual fit
curves for the timeline, and the dose that puts the trough in the middle of the AGNP range.

Assumption named in the view: the current regimen's first dose was taken at 08:00 UTC on the order's start date and
every dose since was taken on time (missed doses entered on the chart are not yet used).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

import numpy as np

from novamind_core.domain.dates import day_month_year_time
from novamind_core.domain.drug_levels import DrugLevel, validate_concentration_ng_ml
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.forms import FormName
from novamind_core.domain.medications import normalise_drug
from novamind_core.domain.phenotypes import phenotype_code
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService
from novamind_core.services.drafts import drop_draft, first_submission, remember_submission

if TYPE_CHECKING:
    from novamind_core.domain.medications import MedicationOrder
    from novamind_core.domain.patients import Patient
    from novamind_core.pharmacology.tdm_bayes import ForecastCurves
    from novamind_core.pharmacology.tdm_patient import PatientForecast

FIRST_DOSE_TIME = time(8, 0)
DOSING_ASSUMPTION = ("first dose of the current regimen at 08:00 UTC on its start date; every dose since taken on "
                     "time")


@dataclass(frozen=True)
class LevelsView:
    """What the chart's levels panel and the timeline's PK overlay show for one drug.

    ``curves`` are in hours since ``regimen_start``; ``forecast`` and ``curves`` are ``None`` with ``reason`` saying
    why no forecast was made.
    """

    drug: str | None
    levels: tuple[DrugLevel, ...]
    regimen_start: datetime | None
    dose_mg: float | None
    interval_h: float | None
    forecast: PatientForecast | None
    curves: ForecastCurves | None
    reason: str | None
    assumption: str = DOSING_ASSUMPTION
    label: str = "Decision support: a suggestion for the prescriber to weigh, not an order"


def _sampled_at(value: datetime | str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationError(f"sample time {value!r} is not a date and time (YYYY-MM-DD HH:MM)",
                                  field="sampled_at", value=value) from None
    if not isinstance(value, datetime):
        raise ValidationError("sample time must be a date and time", field="sampled_at", value=value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class DrugLevelService(BaseService):
    def record(self, user: User, patient_id: int, drug: str, concentration_ng_ml: float,
               sampled_at: datetime | str, *, submission_token: str | None = None) -> DrugLevel:
        """Store one measured level with its sample time (not in the future). With ``submission_token``, a repeat
        (a double-click) returns the level the first submission stored. The user's level-entry draft is dropped."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI,
                                            AuditAction.DRUG_LEVEL_CREATE)
            repeat = first_submission(uow, submission_token, actor.id, FormName.DRUG_LEVEL)
            if repeat is not None:  # a double-click: nothing stored again; the draft goes as the first click's did
                level = uow.drug_levels.get(repeat)
                drop_draft(uow, actor.id, patient_id, FormName.DRUG_LEVEL)
                uow.commit()
                return level
            name = normalise_drug(drug)
            conc = validate_concentration_ng_ml(concentration_ng_ml)
            when = _sampled_at(sampled_at)
            if when > self.ctx.now():
                raise ValidationError(f"sample time {day_month_year_time(when)} is in the future", field="sampled_at",
                                      value=when.isoformat())
            level = uow.drug_levels.add(patient_id, name, conc, when, actor.id if actor.id > 0 else None,
                                        self.ctx.now())
            remember_submission(uow, submission_token, actor.id, FormName.DRUG_LEVEL, level.id, self.ctx.now())
            drop_draft(uow, actor.id, patient_id, FormName.DRUG_LEVEL)
            self._audit(uow, actor, AuditAction.DRUG_LEVEL_CREATE, patient_id=patient_id,
                        detail=f"level of {name}")
            uow.commit()
            return level

    def view(self, user: User, patient_id: int, drug: str | None = None) -> LevelsView:
        """The levels of ``drug`` (default: the first active catalogue drug) and their forecast; audited."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.DRUG_LEVEL_READ)
            patient = uow.patients.get(patient_id)
            active = uow.medications.active(patient_id)
            name = normalise_drug(drug) if drug else default_levels_drug(active)
            levels = tuple(uow.drug_levels.for_patient(patient_id, name)) if name else ()
            self._audit(uow, actor, AuditAction.DRUG_LEVEL_READ, patient_id=patient_id,
                        detail=f"levels and forecast of {name or 'no drug'}")
            uow.commit()
        return levels_view_of(patient, active, name, levels, self.ctx.today(), self.ctx.now())


def levels_view_of(patient: Patient, active: Sequence[MedicationOrder], name: str | None,
                   levels: tuple[DrugLevel, ...], today: date, now: datetime) -> LevelsView:
    """The levels view of ``name`` from chart rows already read (pure: no database, no audit), so a page view model
    can show it in its own unit of work (the timelines page) exactly as :meth:`DrugLevelService.view` does."""
    from novamind_core.pharmacology import load_catalogue

    cat = load_catalogue()
    known = [m for m in active if m.drug in cat.drugs and cat.drugs[m.drug].pk is not None]
    order = next((m for m in known if m.drug == name), None)
    if name is None or order is None:
        return LevelsView(name, levels, None, None, None, None, None,
                          "no active order of a catalogue drug to forecast for")
    per_day = order.frequency.doses_per_day
    if per_day <= 0:
        return LevelsView(name, levels, None, order.dose_mg, None, None, None,
                          "as-needed dosing has no regular regimen to forecast")
    start = datetime.combine(order.start_date, FIRST_DOSE_TIME, tzinfo=UTC)
    return _forecast(patient, [m.drug for m in active if m.drug != name], name, levels, start, order.dose_mg,
                     24.0 / per_day, today, now)


def default_levels_drug(active: Sequence[MedicationOrder]) -> str | None:
    """The drug a levels view shows by default: the first active order of a catalogue drug with PK."""
    from novamind_core.pharmacology import load_catalogue

    cat = load_catalogue()
    return next((m.drug for m in active if m.drug in cat.drugs and cat.drugs[m.drug].pk is not None), None)


def _forecast(patient: Patient, co_medications: list[str], name: str, levels: tuple[DrugLevel, ...],
              start: datetime, dose_mg: float, interval_h: float, today: date, now: datetime) -> LevelsView:
    from novamind_core.pharmacology.tdm_bayes import MeasuredLevel, forecast_curves
    from novamind_core.pharmacology.tdm_patient import patient_forecast
    from novamind_core.services.twin_checks import chart_covariates

    since = [lv for lv in levels if lv.sampled_at >= start]
    measured = [MeasuredLevel((lv.sampled_at - start).total_seconds() / 3600.0, lv.concentration_ng_ml)
                for lv in since]
    pf = patient_forecast(name, dose_mg, interval_h, measured, covariates=chart_covariates(patient, today),
                          cyp2d6=phenotype_code(patient.cyp2d6), cyp2c19=phenotype_code(patient.cyp2c19),
                          co_medications=co_medications)
    horizon = max((now - start).total_seconds() / 3600.0, 7 * 24.0) + 2 * 24.0
    curves = forecast_curves(pf.forecast, np.linspace(0.0, horizon, 400))
    reason = None if measured else "no level since the current regimen started: the forecast is the prior"
    return LevelsView(name, levels, start, dose_mg, interval_h, pf, curves, reason)
