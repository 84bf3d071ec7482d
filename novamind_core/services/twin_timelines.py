"""Timelines for the twin pages: plasma levels, occupancy and regional neurotransmitter levels over the patient's real
medication history (past) and, optionally, a saved scenario (future), as median and 90% bands.

Pure apart from its inputs (no database, no audit): :class:`~novamind_core.services.twin.TwinService.timelines`
reads the chart, checks access and audits, then calls :func:`timeline_data`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np

from novamind_core.domain.brain import Neurotransmitter, Region
from novamind_core.domain.medications import MedicationOrder
from novamind_core.domain.patients import Patient
from novamind_core.domain.phenotypes import ASSUMED_PHENOTYPE, phenotype_code
from novamind_core.domain.twin import SavedScenario
from novamind_core.services.twin_inputs import (
    MedicationEvent,
    adherence_from_note,
    medication_events,
    medication_steps,
)
from novamind_core.services.twin_types import Band, TimelineData, TimelineSummary
from novamind_core.twin.exposure import N_PK_LEVELS
from novamind_core.twin.params import PopulationParams
from novamind_core.twin.types import Scenario

if TYPE_CHECKING:
    from novamind_core.pharmacology import Catalogue

#: PK patients behind the timelines' 90% bands (between-subject variability only): the one batch every page uses.
N_PK_TIMELINES = N_PK_LEVELS
#: Longest timeline grid, in points (longer histories are thinned evenly for the browser).
MAX_TIMELINE_POINTS = 2400


def _band(x: np.ndarray, stride: int = 1, digits: int = 3) -> Band:
    q = np.percentile(np.asarray(x, dtype=float)[:, ::stride], [5, 50, 95], axis=0)
    return Band(*(tuple(np.round(row, digits).tolist()) for row in q))


def history_regimen(patient: Patient, orders: Sequence[MedicationOrder], catalogue: Catalogue, today: date
                    ) -> tuple[dict[str, Any], date, int]:
    """The patient's actual regimen history through today in the engine's format, its first day and today's index:
    the dosing history behind every level the timelines and the twin state's review show."""
    drugs = set(catalogue.drugs) - {"placebo"}
    starts = [o.start_date for o in orders if o.drug in drugs]
    origin = min(starts) if starts else today - timedelta(days=28)
    origin = min(origin, today)
    steps = medication_steps(orders, drugs, origin, today + timedelta(days=1))
    cyp2d6 = phenotype_code(patient.cyp2d6) or ASSUMED_PHENOTYPE
    cyp2c19 = phenotype_code(patient.cyp2c19) or ASSUMED_PHENOTYPE
    notes = [o.adherence_note for o in orders if o.adherence_note]
    adherence = adherence_from_note(notes[-1] if notes else None)[0] or 1.0
    return ({"steps": list(steps), "adherence": adherence, "cyp2d6": cyp2d6, "cyp2c19": cyp2c19}, origin,
            (today - origin).days)


def range_trough(troughs: dict[str, float], drug: str) -> float | None:
    """The trough of the analyte ``drug``'s AGNP reference range is stated for (its active moiety or the drug)."""
    from novamind_core.pharmacology.reference_ranges import reference_range

    rng = reference_range(drug)
    key = rng.concentration_key if rng is not None and rng.concentration_key in troughs else drug
    return troughs.get(key)


def current_levels(patient: Patient, orders: Sequence[MedicationOrder], catalogue: Catalogue,
                   params: PopulationParams, today: date, drug: str) -> tuple[float | None, dict[str, float]]:
    """Today's trough of ``drug`` (its reference-range analyte; ``None`` when the drug is not in the history) and
    today's occupancy per target (mean over the day), both from the patient's actual dosing history
    (:func:`~novamind_core.twin.exposure.troughs_on_day`, :func:`~novamind_core.twin.exposure.levels_on_day`): the
    one function behind these levels on the twin state's review and on the timelines."""
    from novamind_core.twin.exposure import levels_on_day, regimen_exposure, troughs_on_day

    regimen, _origin, today_day = history_regimen(patient, orders, catalogue, today)
    exposure = regimen_exposure(regimen, today_day + 1, params)
    if drug not in exposure.drugs:
        return None, {}
    return (range_trough(troughs_on_day(exposure, today_day), drug),
            levels_on_day(exposure, today_day).occupancy_percent)


def current_trough(patient: Patient, orders: Sequence[MedicationOrder], catalogue: Catalogue,
                   params: PopulationParams, today: date, drug: str) -> float | None:
    """Today's trough of ``drug`` from the dosing history (:func:`current_levels`)."""
    return current_levels(patient, orders, catalogue, params, today, drug)[0]


def timeline_data(patient_id: int, patient: Patient, orders: Sequence[MedicationOrder], catalogue: Catalogue,
                  params: PopulationParams, today: date, regions: tuple[Region, ...],
                  nts: tuple[Neurotransmitter, ...], saved: SavedScenario | None) -> TimelineData:
    """Simulate history (+ saved scenario) and summarise it (pure given its inputs)."""
    from novamind_core.domain.brain import NEUROTRANSMITTERS
    from novamind_core.pharmacology import active_moiety_key
    from novamind_core.pharmacology.simulate import analyte_label
    from novamind_core.pharmacology.summary import steady_state_summary
    from novamind_core.twin.dynamics import simulate_dynamics
    from novamind_core.twin.exposure import PK_STEP_H, hold_last_step, levels_on_day, regimen_exposure, troughs_on_day

    combined, origin, today_day = history_regimen(patient, orders, catalogue, today)
    steps = list(combined["steps"])
    cyp2d6, cyp2c19, adherence = combined["cyp2d6"], combined["cyp2c19"], combined["adherence"]
    n_days = today_day + 1
    planned: list[MedicationEvent] = []
    name = None
    if saved is not None:
        plan = Scenario.from_mapping(saved.scenario)
        future = [s.to_mapping() for s in plan.steps]
        combined["steps"] += future
        combined["switch_strategy"] = plan.switch_strategy
        combined["adherence"] = adherence if plan.adherence is None else plan.adherence
        combined["missed_days"] = [int(d) + n_days for d in plan.missed_days]
        combined["cyp2d6"] = plan.cyp2d6 or cyp2d6
        combined["cyp2c19"] = plan.cyp2c19 or cyp2c19
        n_days += 7 * plan.horizon_weeks
        combined["steps"] = hold_last_step(combined["steps"], n_days)  # the plan's last dose holds to its end
        day = today_day + 1
        for s in plan.steps:
            label = "plan: no drug" if s.drug == "none" else f"plan: {s.drug} {s.dose_mg:g} mg"
            planned.append(MedicationEvent(origin + timedelta(days=day), label, "plan"))
            day += int(round(s.days))
        name = saved.name
    exposure = regimen_exposure(combined, n_days, params)
    n_plasma = n_days * int(round(24 / PK_STEP_H))
    stride = max(1, int(np.ceil(n_plasma / MAX_TIMELINE_POINTS)))
    plasma: dict[str, Band] = {}
    ranges: dict[str, tuple[float, float, str]] = {}
    if exposure.pk is not None:
        conc = exposure.pk.concentration_ng_ml
        for drug in exposure.drugs:
            entry = catalogue.drugs.get(drug)
            if entry is None:
                continue
            key = active_moiety_key(drug) if entry.therapeutic_range_analyte == "active_moiety" else drug
            key = key if key in conc else drug
            if key not in conc:
                continue
            label = analyte_label(key, catalogue)
            plasma[label] = _band(np.asarray(conc[key])[:, :n_plasma], stride, 2)
            if entry.therapeutic_range_ng_ml:
                ranges[label] = (*entry.therapeutic_range_ng_ml, drug)
    plasma_days = tuple(np.round(np.arange(0, n_plasma, stride) * PK_STEP_H / 24.0, 4).tolist())
    occupancy = {t: _band(np.asarray(o) * 100.0, 1, 2) for t, o in exposure.occupancy_fraction.items()
                 if np.any(np.asarray(o) > 0)}
    dyn = simulate_dynamics(exposure.occupancy_fraction, 1.0, params, efficacy_scale=exposure.efficacy_scale)
    levels_all = dyn.regional_levels(regions)
    levels = {r.value: {n.value: _band(levels_all[:, i, NEUROTRANSMITTERS.index(n), :], 1, 4) for n in nts}
              for i, r in enumerate(regions)}

    current = next((s for s in reversed(steps) if s["drug"] != "none"), None) if steps[-1]["drug"] != "none" else None
    now = levels_on_day(exposure, today_day)
    occ_today = now.occupancy_percent
    if current is None:
        summary = TimelineSummary(None, None, None, None, occ_today, None,
                                  "No simulated drug is on board today, so the modelled levels sit at the patient's "
                                  "own baseline.", now.plasma_ng_ml)
    else:
        ss = steady_state_summary(current["drug"], current["dose_mg"], current.get("interval_h", 24.0), cyp2d6,
                                  cyp2c19)
        t_ss = float(ss.time_to_90pct_steady_state_h) / 24.0
        on_dose = int(current["days"])
        adaptation = float(np.median(dyn.desensitisation_5ht1a[:, today_day])) / params["max_desensitisation"] * 100
        main = max(occ_today, key=occ_today.get) if occ_today else None
        regimen = f"{current['drug']} {current['dose_mg']:g} mg every {current.get('interval_h', 24.0):g} h"
        steady = "at steady state" if on_dose >= t_ss else f"about {max(t_ss - on_dose, 0):.0f} days from steady state"
        sentence = (f"On {regimen} for {on_dose} days: plasma levels are {steady}"
                    + (f", {main} occupancy is about {occ_today[main]:.0f}%" if main else "")
                    + f", and 5-HT1A autoreceptor adaptation is {adaptation:.0f}% complete"
                    + (" — the delayed serotonergic effect should now be fully expressed." if adaptation >= 90 else
                       " — the serotonergic effect is still building."))
        summary = TimelineSummary(current["drug"], regimen, on_dose, round(t_ss, 1), occ_today, round(adaptation, 1),
                                  sentence, now.plasma_ng_ml,
                                  range_trough(troughs_on_day(exposure, today_day), current["drug"]))
    return TimelineData(
        patient_id=patient_id, origin=origin, today_day=today_day, end_day=n_days - 1, plasma_days=plasma_days,
        plasma=plasma, daily_days=tuple(range(n_days)), occupancy=occupancy, levels=levels,
        events=medication_events(orders), planned_events=tuple(planned), therapeutic_ranges=ranges,
        scenario_name=name, summary=summary, warnings=tuple(exposure.warnings),
        model_calibrated=bool(params.calibrated))
