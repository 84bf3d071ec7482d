"""Pure helpers of the twin service: scenarios typed at the JSON edge, timeline choices, the stored state payload
and its view (no database, no audit; :mod:`novamind_core.services.twin` calls them inside its transactions)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

import numpy as np

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.scenario_limits import MAX_COMPARED_SCENARIOS
from novamind_core.domain.twin import TwinSnapshot
from novamind_core.services.twin_inputs import CompletenessItem, TwinInputs, describe_changes
from novamind_core.services.twin_types import LevelsOn, TwinStateView
from novamind_core.twin.types import Scenario

if TYPE_CHECKING:
    from novamind_core.twin import PatientHistory, PopulationParams

DEFAULT_TIMELINE_REGIONS = ("prefrontal_cortex", "amygdala")
DEFAULT_TIMELINE_NEUROTRANSMITTERS = ("serotonin",)

def typed_scenarios(scenarios: Sequence[Scenario | Mapping[str, Any]]) -> tuple[Scenario, ...]:
    """Scenarios as typed values; a mapping is parsed here (the JSON edge). Errors name the scenario and its row."""
    if not 1 <= len(scenarios) <= MAX_COMPARED_SCENARIOS:
        raise ValidationError(f"compare 1 to {MAX_COMPARED_SCENARIOS} scenarios, got {len(scenarios)}",
                              field="scenarios")
    out = []
    for i, raw in enumerate(scenarios):
        if isinstance(raw, Scenario):
            out.append(raw)
            continue
        name = str(raw.get("name") or f"Scenario {i + 1}") if isinstance(raw, Mapping) else f"#{i + 1}"
        try:
            out.append(Scenario.from_mapping(raw))
        except ValidationError as exc:
            raise ValidationError(f"{name}: {exc}", field=exc.field, row=i, value=exc.value) from None
    return tuple(out)


def timeline_choice(regions: Sequence[str] | None, neurotransmitters: Sequence[str] | None
                     ) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    from novamind_core.domain.brain import Neurotransmitter, Region

    try:
        return (tuple(Region(r) for r in (regions or DEFAULT_TIMELINE_REGIONS)),
                tuple(Neurotransmitter(n) for n in (neurotransmitters or DEFAULT_TIMELINE_NEUROTRANSMITTERS)))
    except ValueError as exc:
        raise ValidationError(f"unknown region or neurotransmitter: {exc}", field="regions") from None


def level_interval(history: PatientHistory, as_of_day: int, params: PopulationParams,
                   regimen_steps: Sequence[dict[str, Any]] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """5th/95th percentiles of regional levels (23, 12) at ``as_of_day`` across the PK patients of the one regimen
    exposure every page uses (:func:`novamind_core.twin.exposure.regimen_exposure`)."""
    from novamind_core.twin.dynamics import simulate_dynamics
    from novamind_core.twin.exposure import regimen_exposure
    from novamind_core.twin.state import regimen_through

    n_days = as_of_day + 1
    exp = regimen_exposure(regimen_through(history, n_days, regimen_steps), n_days, params)
    dyn = simulate_dynamics(exp.occupancy_fraction, 1.0, params, efficacy_scale=exp.efficacy_scale)
    levels = dyn.regional_levels(time_index=np.array([as_of_day]))[:, :, :, 0]
    return np.percentile(levels, 5, axis=0), np.percentile(levels, 95, axis=0)


def levels_at_as_of(inputs: TwinInputs, params: PopulationParams) -> LevelsOn:
    """Plasma levels and occupancy on ``inputs.as_of`` (the twin state's day and the simulation's week 0) from the
    chart's regimen to that day inclusive: the same regimen and exposure as the twin state's
    (:func:`novamind_core.twin.state.regimen_through`, :func:`novamind_core.twin.exposure.regimen_exposure`)."""
    from novamind_core.twin import PatientHistory
    from novamind_core.twin.exposure import levels_on_day, regimen_exposure
    from novamind_core.twin.state import regimen_through

    n_days = inputs.as_of_day + 1
    regimen = regimen_through(PatientHistory.from_dict(inputs.history), n_days, inputs.regimen_steps or None)
    levels = levels_on_day(regimen_exposure(regimen, n_days, params), inputs.as_of_day)
    return LevelsOn(inputs.as_of, levels.plasma_ng_ml, levels.occupancy_percent)


def state_payload(inputs: TwinInputs, changed: Sequence[str], version: int, first: bool) -> dict[str, Any]:
    from novamind_core.twin import PatientHistory, build_twin_state, load_population_params

    params = load_population_params()
    history = PatientHistory.from_dict(inputs.history)
    regimen = inputs.regimen_steps or None
    state = build_twin_state(history, as_of_day=inputs.as_of_day, biometrics=inputs.biometrics, params=params,
                             version=version, regimen_steps=regimen)
    p05, p95 = level_interval(history, inputs.as_of_day, params, regimen)
    drugs = sorted({s["drug"] for s in list(regimen or inputs.history["medications"])[-1:] if s["drug"] != "none"})
    return {
        "state": state.to_dict(),
        "level_interval": {"p05": np.round(p05, 4).tolist(), "p95": np.round(p95, 4).tolist()},
        "inputs": {"digests": dict(inputs.digests), "changed": list(changed),
                   "change_text": describe_changes(changed, first), "origin": inputs.origin.isoformat(),
                   "as_of": inputs.as_of.isoformat(), "drugs_on_board": drugs},
        "completeness": [c.to_dict() for c in inputs.completeness],
    }


def state_view_of(snap: TwinSnapshot, is_new: bool) -> TwinStateView:
    from novamind_core.twin import TwinState

    payload = snap.payload
    meta = payload.get("inputs") or {}
    interval = payload.get("level_interval") or {}
    state = TwinState.from_dict(dict(payload["state"]))
    return TwinStateView(
        patient_id=snap.patient_id, version=snap.version, created_at=snap.created_at, trigger=snap.trigger.value,
        changed=tuple(meta.get("changed", ())), change_text=meta.get("change_text", snap.trigger.value),
        is_new_version=is_new, state=state,
        level_p05=tuple(tuple(r) for r in interval.get("p05", state.nt_levels)),
        level_p95=tuple(tuple(r) for r in interval.get("p95", state.nt_levels)),
        completeness=tuple(CompletenessItem(**c) for c in payload.get("completeness", [])),
        origin=date.fromisoformat(meta["origin"]) if meta.get("origin") else snap.created_at.date(),
        as_of=date.fromisoformat(meta["as_of"]) if meta.get("as_of") else snap.created_at.date(),
        drugs_on_board=tuple(meta.get("drugs_on_board", ())),
    )
