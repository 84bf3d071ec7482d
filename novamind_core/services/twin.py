"""The twin as the pages use it: current state (versioned), what-if runs, timelines, saved scenarios and exports.

Every method takes the current user first, checks permission and the care team, writes exactly one audit event and
runs in one transaction (``BaseService``). The science is the pure twin (:mod:`novamind_core.twin`) and the
pharmacology engine; the mapping from chart data to their inputs is :mod:`novamind_core.services.twin_inputs`, and the
frozen result types (re-exported here) are in :mod:`novamind_core.services.twin_types`.

* :meth:`TwinService.current_state` builds the patient's :class:`~novamind_core.twin.TwinState` from the chart and
  stores a new version only when an input changed since the last one (the trigger names what changed).
* :meth:`TwinService.run_scenarios` runs 1-4 scenarios over the patient's posterior (common random numbers).
* :meth:`TwinService.timelines` simulates plasma levels, occupancy and regional neurotransmitter levels over the real
  medication history to today and, optionally, a saved scenario after it.

Decision support for research and demonstration; not a medical device.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import select

from novamind_core.db.models import SavedScenarioRow
from novamind_core.domain.errors import NotFoundError, PermissionDenied, ValidationError
from novamind_core.domain.patients import parse_enum
from novamind_core.domain.twin import (
    SavedScenario,
    SnapshotDifference,
    SnapshotTrigger,
    TwinSnapshot,
    diff_snapshots,
    validate_scenario_name,
)
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction
from novamind_core.security.rbac import require
from novamind_core.services.base import BaseService, optional_text
from novamind_core.services.twin_inputs import (
    CompletenessItem,
    TwinInputs,
    build_inputs,
    changed_categories,
    describe_changes,
    trigger_for,
)
from novamind_core.services.twin_timelines import timeline_data
from novamind_core.services.twin_types import (  # noqa: F401  (result types re-exported for callers)
    Band,
    ScenarioRun,
    TimelineData,
    TimelineSummary,
    TwinStateView,
    TwinVersion,
    VersionInfo,
)

SCENARIO_SAVE = "scenario.save"
SCENARIO_READ = "scenario.read"
SCENARIO_RUN = "scenario.run"
SCENARIO_EXPORT = "scenario.export"
TIMELINE_READ = "twin.timelines"
MAX_PAYLOAD_BYTES = 5_000_000
#: PK patients behind the level intervals of the state and the timelines (between-subject variability only).
N_PK_STATE = 20
N_PK_TIMELINES = 40
#: Longest timeline grid, in points (longer histories are thinned evenly for the browser).
MAX_TIMELINE_POINTS = 2400
EXPORT_KINDS = ("csv", "pdf", "png")


def _json_dict(value: Mapping[str, Any], name: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise ValidationError(f"{name} must be a JSON object", field=name)
    try:
        text = json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{name} is not JSON-serialisable: {exc}", field=name) from None
    if len(text) > MAX_PAYLOAD_BYTES:
        raise ValidationError(f"{name} is larger than {MAX_PAYLOAD_BYTES} bytes", field=name, value=len(text))
    return json.loads(text)


class TwinService(BaseService):
    def save_snapshot(self, user: User, patient_id: int, trigger: str | SnapshotTrigger, payload: Mapping[str, Any],
                      expected_version: int | None = None) -> TwinSnapshot:
        """Store the next twin version. With ``expected_version`` (the version the caller built on), a newer
        version saved meanwhile makes this raise StaleWriteError and store nothing."""
        trig = parse_enum(SnapshotTrigger, trigger, "trigger")
        if trig is None:
            raise ValidationError("trigger is required", field="trigger")
        data = _json_dict(payload, "payload")
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, AuditAction.TWIN_UPDATE)
            snap = uow.twin.add_snapshot(patient_id, trig, data, self.ctx.now(), actor.id if actor.id > 0 else None,
                                         expected_version)  # type: ignore[arg-type]
            self._audit(uow, actor, AuditAction.TWIN_UPDATE, patient_id=patient_id,
                        detail=f"version={snap.version} trigger={trig.value}")
            uow.commit()
            return snap

    def versions(self, user: User, patient_id: int) -> tuple[TwinVersion, ...]:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.TWIN_READ)
            out = tuple(TwinVersion(*v) for v in uow.twin.versions(patient_id))
            self._audit(uow, actor, AuditAction.TWIN_READ, patient_id=patient_id, detail="versions")
            uow.commit()
            return out

    def get_snapshot(self, user: User, patient_id: int, version: int | None = None) -> TwinSnapshot:
        """A version (default: the latest). NotFoundError when there is none."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.TWIN_READ)
            snap = uow.twin.snapshot(patient_id, version)
            self._audit(uow, actor, AuditAction.TWIN_READ, patient_id=patient_id, detail=f"version={snap.version}")
            uow.commit()
            return snap

    def compare(self, user: User, patient_id: int, from_version: int, to_version: int) -> SnapshotDifference:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.TWIN_READ)
            a, b = uow.twin.snapshot(patient_id, from_version), uow.twin.snapshot(patient_id, to_version)
            self._audit(uow, actor, AuditAction.TWIN_READ, patient_id=patient_id,
                        detail=f"compare {from_version} {to_version}")
            uow.commit()
            return diff_snapshots(a, b)

    def save_scenario(self, user: User, patient_id: int, name: str, scenario: Mapping[str, Any],
                      note: str | None = None) -> SavedScenario:
        clean_name = validate_scenario_name(name)
        data = _json_dict(scenario, "scenario")
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, SCENARIO_SAVE)
            saved = uow.twin.add_scenario(patient_id, clean_name, optional_text(note, "note", 2000), data,
                                          actor.id if actor.id > 0 else None, self.ctx.now())
            self._audit(uow, actor, SCENARIO_SAVE, patient_id=patient_id, detail=f"scenario {saved.id}")
            uow.commit()
            return saved

    def list_scenarios(self, user: User, patient_id: int) -> tuple[SavedScenario, ...]:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, SCENARIO_READ)
            out = tuple(uow.twin.scenarios(patient_id))
            self._audit(uow, actor, SCENARIO_READ, patient_id=patient_id, detail=f"rows={len(out)}")
            uow.commit()
            return out

    def get_scenario(self, user: User, scenario_id: int) -> SavedScenario:
        with self.ctx.uow() as probe:
            patient_id = probe.session.scalar(select(SavedScenarioRow.patient_id)
                                              .where(SavedScenarioRow.id == scenario_id))
        if patient_id is None:
            raise NotFoundError(f"saved scenario {scenario_id} does not exist")
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, SCENARIO_READ)
            saved = uow.twin.scenario(scenario_id)
            self._audit(uow, actor, SCENARIO_READ, patient_id=patient_id, detail=f"scenario {scenario_id}")
            uow.commit()
            return saved

    # ------------------------------------------------------------------ the pages' use cases
    def _inputs(self, uow: Any, patient_id: int) -> TwinInputs:
        """The patient's chart mapped to twin inputs (reads inside the caller's transaction; no audit here)."""
        from novamind_core.pharmacology import load_catalogue
        from novamind_core.twin import load_population_params
        from novamind_core.twin.state import MODEL_NAME, MODEL_VERSION

        params = load_population_params()
        model = f"{MODEL_NAME} {MODEL_VERSION} calibrated={params.calibrated} {json.dumps(params.provenance)}"
        return build_inputs(uow.patients.get(patient_id), uow.assessments.history(patient_id),
                            uow.medications.history(patient_id), uow.wearables.daily(patient_id, None, None),
                            load_catalogue().drugs, model, self.ctx.today())

    def current_state(self, user: User, patient_id: int) -> TwinStateView:
        """The patient's twin now: the latest version, or a new one when an input changed since it.

        Inputs (assessments with item answers, medication orders and adherence notes, PGx phenotypes on the chart,
        wearable summaries, the model version) are compared by digest with the latest stored version; only a
        change stores version ``n + 1`` with a trigger naming what changed (:func:`twin_inputs.trigger_for`).
        One audit event: ``twin.update`` when a version was stored, else ``twin.read``.
        """
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.TWIN_READ)
            inputs = self._inputs(uow, patient_id)
            latest = uow.twin.latest_version(patient_id)
            previous = uow.twin.snapshot(patient_id) if latest else None
            prev_inputs = (previous.payload.get("inputs") or {}) if previous is not None else {}
            changed = changed_categories(prev_inputs.get("digests"), inputs.digests)
            if previous is not None and not changed and "state" in previous.payload:
                snap, is_new = previous, False
                self._audit(uow, actor, AuditAction.TWIN_READ, patient_id=patient_id,
                            detail=f"version={snap.version} current")
            else:
                first = previous is None or not prev_inputs.get("digests")
                payload = _state_payload(inputs, changed, latest + 1, first)
                trigger = trigger_for(changed)
                snap = uow.twin.add_snapshot(patient_id, trigger, payload, self.ctx.now(),
                                             actor.id if actor.id > 0 else None, latest)
                is_new = True
                self._audit(uow, actor, AuditAction.TWIN_UPDATE, patient_id=patient_id,
                            detail=f"version={snap.version} trigger={trigger.value} changed={','.join(changed)}")
            uow.commit()
            return _view(snap, is_new)

    def version_history(self, user: User, patient_id: int) -> tuple[VersionInfo, ...]:
        """Every stored version, oldest first, with what changed (reads each version's input summary)."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.TWIN_READ)
            out = []
            for version, created_at, trigger, _by in uow.twin.versions(patient_id):
                payload = uow.twin.snapshot(patient_id, version).payload
                meta = payload.get("inputs") or {}
                state = payload.get("state") or {}
                symptoms = state.get("symptoms") or {}
                out.append(VersionInfo(version, created_at, str(trigger), tuple(meta.get("changed", ())),
                                       meta.get("change_text", str(trigger)),
                                       date.fromisoformat(meta["as_of"]) if meta.get("as_of") else None,
                                       symptoms.get("phq9_total")))
            self._audit(uow, actor, AuditAction.TWIN_READ, patient_id=patient_id, detail=f"history rows={len(out)}")
            uow.commit()
            return tuple(out)

    def run_scenarios(self, user: User, patient_id: int, scenarios: Sequence[Mapping[str, Any]],
                      draws: int = 1000, seed: int = 0) -> ScenarioRun:
        """Run 1-4 what-if scenarios for the patient over their posterior (fitted to their PHQ-9 history).

        All scenarios share ``seed`` (common random numbers), so their differences are the treatments'. A
        scenario that breaks a rule raises ValidationError naming the scenario and the field.
        """
        from novamind_core.twin import PatientHistory, load_population_params, run_scenario
        from novamind_core.twin.scenario import MAX_COMPARED

        scenarios = list(scenarios)
        if not 1 <= len(scenarios) <= MAX_COMPARED:
            raise ValidationError(f"compare 1 to {MAX_COMPARED} scenarios, got {len(scenarios)}", field="scenarios")
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, SCENARIO_RUN)
            try:
                require(actor, Permission.RUN_SIMULATION)
            except PermissionDenied as exc:
                self._deny(uow, actor, SCENARIO_RUN, patient_id, exc)
            inputs = self._inputs(uow, patient_id)
            history = PatientHistory.from_dict(inputs.history) if inputs.history["phq9"] else None
            params = load_population_params()
            results = []
            for i, raw in enumerate(scenarios):
                name = str((raw or {}).get("name") or f"Scenario {i + 1}") if isinstance(raw, Mapping) else f"#{i + 1}"
                try:
                    results.append(run_scenario(_json_dict(raw, "scenario"), history, draws=draws, seed=seed,
                                                params=params))
                except ValidationError as exc:
                    raise ValidationError(f"{name}: {exc}", field=exc.field, row=i, value=exc.value) from None
            table = tuple({"name": r.name, "phq9_p50_week8": _at(r.phq9["p50"], 8),
                           "phq9_p50_end": r.phq9["p50"][-1], "p_response_week8": r.p_response_week8,
                           "p_remission_week8": r.p_remission_week8, "p_response_week12": r.p_response_week12,
                           "p_remission_week12": r.p_remission_week12,
                           "n_warnings": sum(1 for w in r.warnings if w.get("severity") != "info")} for r in results)
            self._audit(uow, actor, SCENARIO_RUN, patient_id=patient_id,
                        detail=f"scenarios={len(results)} draws={draws} seed={seed}")
            uow.commit()
        based_on = (f"posterior from {len(inputs.phq9_observed)} PHQ-9 totals to {inputs.as_of.isoformat()}"
                    if history is not None else "population prior (no PHQ-9 on record)")
        return ScenarioRun(patient_id, tuple(results), table, inputs.as_of if history is not None else inputs.as_of,
                           inputs.phq9_observed, dict(results[0].calibration), int(draws), int(seed), based_on)

    def timelines(self, user: User, patient_id: int, regions: Sequence[str] | None = None,
                  neurotransmitters: Sequence[str] | None = None,
                  saved_scenario_id: int | None = None) -> TimelineData:
        """Plasma levels, occupancy and regional neurotransmitter levels over the real medication history (to
        today) and, with ``saved_scenario_id``, that saved scenario after today (its horizon).

        Medians and 90% intervals across :data:`N_PK_TIMELINES` virtual PK patients (log-normal CL and V, PGx
        multipliers; pharmacology engine); levels through the twin's dynamics and projection table.
        """
        from novamind_core.domain.brain import Neurotransmitter, Region
        from novamind_core.pharmacology import load_catalogue
        from novamind_core.twin import load_population_params

        try:
            region_list = tuple(Region(r) for r in (regions or ("prefrontal_cortex", "amygdala")))
            nt_list = tuple(Neurotransmitter(n) for n in (neurotransmitters or ("serotonin",)))
        except ValueError as exc:
            raise ValidationError(f"unknown region or neurotransmitter: {exc}", field="regions") from None
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, TIMELINE_READ)
            saved = None
            if saved_scenario_id is not None:
                saved = uow.twin.scenario(int(saved_scenario_id))
                if saved.patient_id != patient_id:
                    raise NotFoundError(f"saved scenario {saved_scenario_id} does not belong to this patient")
            patient = uow.patients.get(patient_id)
            orders = uow.medications.history(patient_id)
            catalogue = load_catalogue()
            data = timeline_data(patient_id, patient, orders, catalogue, load_population_params(), self.ctx.today(),
                                  region_list, nt_list, saved)
            self._audit(uow, actor, TIMELINE_READ, patient_id=patient_id,
                        detail=f"scenario={saved_scenario_id}" if saved_scenario_id else "history")
            uow.commit()
            return data

    def record_export(self, user: User, patient_id: int, kind: str, detail: str = "") -> None:
        """Audit an export of scenario results (``csv``, ``pdf`` or ``png``) made by the page."""
        if kind not in EXPORT_KINDS:
            raise ValidationError(f"export kind {kind!r} is not one of {', '.join(EXPORT_KINDS)}", field="kind")
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.EXPORT_PHI, SCENARIO_EXPORT)
            self._audit(uow, actor, SCENARIO_EXPORT, patient_id=patient_id, detail=f"{kind} {detail}".strip())
            uow.commit()

    def patient_history(self, user: User, mrn: str) -> Any:
        """The twin's :class:`~novamind_core.twin.PatientHistory` for the patient with ``mrn`` (for
        ``simulate --patient MRN``): blind-index lookup, care-team check, one ``twin.read`` audit event."""
        from novamind_core.domain.patients import normalise_mrn
        from novamind_core.twin import PatientHistory

        with self.ctx.uow() as probe:
            patient_id = probe.patients.id_for_mrn(normalise_mrn(mrn))
        if patient_id is None:
            raise NotFoundError("no patient has this MRN")
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.TWIN_READ)
            inputs = self._inputs(uow, patient_id)
            self._audit(uow, actor, AuditAction.TWIN_READ, patient_id=patient_id, detail="history for simulate")
            uow.commit()
        if not inputs.history["phq9"]:
            return PatientHistory(cyp2d6=inputs.history["cyp2d6"], cyp2c19=inputs.history["cyp2c19"])
        return PatientHistory.from_dict(inputs.history)


# ---------------------------------------------------------------------------------------------- helpers (pure)
def _at(values: Sequence[float], index: int) -> float | None:
    return values[index] if index < len(values) else None


def _level_interval(history: Any, as_of_day: int, params: Any) -> tuple[np.ndarray, np.ndarray]:
    """5th/95th percentiles of regional levels (23, 12) at ``as_of_day`` across :data:`N_PK_STATE` PK patients."""
    from novamind_core.twin.dynamics import simulate_dynamics
    from novamind_core.twin.exposure import exposure_from_scenario, no_drug_exposure, scenario_drugs

    n_days = as_of_day + 1
    scen = history.medication_scenario(total_days=n_days) if history.medications else {"steps": []}
    exp = (exposure_from_scenario(scen, n_days, params, n_pk=N_PK_STATE, seed=0) if scenario_drugs(scen)
           else no_drug_exposure(n_days))
    dyn = simulate_dynamics(exp.occupancy_fraction, 1.0, params, efficacy_scale=exp.efficacy_scale)
    levels = dyn.regional_levels(time_index=np.array([as_of_day]))[:, :, :, 0]
    return np.percentile(levels, 5, axis=0), np.percentile(levels, 95, axis=0)


def _state_payload(inputs: TwinInputs, changed: Sequence[str], version: int, first: bool) -> dict[str, Any]:
    from novamind_core.twin import PatientHistory, build_twin_state, load_population_params

    params = load_population_params()
    history = PatientHistory.from_dict(inputs.history)
    state = build_twin_state(history, as_of_day=inputs.as_of_day, biometrics=inputs.biometrics, params=params,
                             version=version)
    p05, p95 = _level_interval(history, inputs.as_of_day, params)
    drugs = sorted({s["drug"] for s in inputs.history["medications"][-1:] if s["drug"] != "none"})
    return {
        "state": state.to_dict(),
        "level_interval": {"p05": np.round(p05, 4).tolist(), "p95": np.round(p95, 4).tolist()},
        "inputs": {"digests": dict(inputs.digests), "changed": list(changed),
                   "change_text": describe_changes(changed, first), "origin": inputs.origin.isoformat(),
                   "as_of": inputs.as_of.isoformat(), "drugs_on_board": drugs},
        "completeness": [c.to_dict() for c in inputs.completeness],
    }


def _view(snap: TwinSnapshot, is_new: bool) -> TwinStateView:
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
