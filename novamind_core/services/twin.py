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
from typing import TYPE_CHECKING, Any

from novamind_core.domain.dates import day_month_year
from novamind_core.domain.errors import NotFoundError, PermissionDenied
from novamind_core.domain.records import ChartSummary
from novamind_core.domain.twin import (
    diff_snapshots,
)
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction
from novamind_core.security.rbac import require
from novamind_core.services.ports import UnitOfWork
from novamind_core.services.prediction_types import KeptModelOutputs, ModelOutputs, ModelOutputsKey
from novamind_core.services.predictions import model_directory
from novamind_core.services.twin_checks import (  # noqa: F401  (the form's one check, re-exported)
    chart_covariates,
    check_scenario,
    scenario_safety,
)
from novamind_core.services.twin_inputs import (
    TwinInputs,
    build_inputs,
    changed_categories,
    trigger_for,
)
from novamind_core.services.twin_payloads import (
    state_payload,
    state_view_of,
    timeline_choice,
    typed_scenarios,
)
from novamind_core.services.twin_reads import (
    FORECAST_WEEKS,
    ChartReads,
    banner_summary,
    model_outputs_key,
    page_models,
    read_chart,
)
from novamind_core.services.twin_records import (  # noqa: F401  (audit actions re-exported for callers)
    EXPORT_KINDS,
    SCENARIO_EXPORT,
    SCENARIO_READ,
    SCENARIO_SAVE,
    TwinRecords,
)
from novamind_core.services.twin_timelines import N_PK_TIMELINES, timeline_data  # noqa: F401
from novamind_core.services.twin_types import (  # noqa: F401  (result types re-exported for callers)
    Band,
    ScenarioCheck,
    ScenarioDefaults,
    ScenarioIssue,
    ScenarioRun,
    SimulationPage,
    TimelineData,
    TimelinesPage,
    TimelineSummary,
    TwinStatePage,
    TwinStateView,
    TwinVersion,
    VersionInfo,
)
from novamind_core.twin.types import ModelBasis, Scenario

if TYPE_CHECKING:
    from novamind_core.pharmacology.regimen_safety import RegimenSafety
    from novamind_core.services.drug_levels import LevelsView
    from novamind_core.twin import PatientHistory
    from novamind_core.twin.response_review import ResponseReview

SCENARIO_RUN = "scenario.run"
SIMULATION_VIEW = "scenario.view"
TIMELINE_READ = "twin.timelines"


class TwinService(TwinRecords):
    # ------------------------------------------------------------------ the pages' use cases
    def _inputs(self, uow: UnitOfWork, patient_id: int, reads: ChartReads | None = None) -> TwinInputs:
        """The patient's chart mapped to twin inputs (from ``reads`` when the caller has read the chart already;
        else read inside the caller's transaction; no audit here)."""
        from novamind_core.pharmacology import load_catalogue
        from novamind_core.twin import load_population_params
        from novamind_core.twin.state import MODEL_NAME, MODEL_VERSION

        params = load_population_params()
        model = f"{MODEL_NAME} {MODEL_VERSION} calibrated={params.calibrated} {json.dumps(params.provenance)}"
        reads = reads or read_chart(uow, patient_id)
        return build_inputs(reads.patient, reads.assessments, reads.orders, reads.daily, load_catalogue().drugs,
                            model, self.ctx.today())

    def _banner(self, uow: UnitOfWork, reads: ChartReads) -> ChartSummary:
        """The patient banner of a twin page, from the chart its view has read (no audit of its own)."""
        return banner_summary(uow, reads, self.ctx.now(), self.ctx.today(), self.ctx.settings.overdue_assessment_days)

    def _models(self, uow: UnitOfWork, reads: ChartReads, *, forecast: bool, reuse: KeptModelOutputs | None = None,
                key: ModelOutputsKey | None = None) -> ModelOutputs:
        """The treatment ranking (and the PHQ-9 forecast when ``forecast``) a twin page shows (no audit of its own);
        ``reuse`` is returned instead when its key equals ``key``."""
        return page_models(uow, reads, self.ctx.today(), model_directory(self.ctx.settings), ranking=True,
                           forecast_weeks=FORECAST_WEEKS if forecast else None, reuse=reuse, key=key)

    def current_state(self, user: User, patient_id: int) -> TwinStateView:
        """The patient's twin now: the latest version, or a new one when an input changed since it.

        Inputs (assessments with item answers, medication orders and adherence notes, PGx phenotypes on the chart,
        wearable summaries, the model version) are compared by digest with the latest stored version; only a
        change stores version ``n + 1`` with a trigger naming what changed (:func:`twin_inputs.trigger_for`).
        One audit event: ``twin.update`` when a version was stored, else ``twin.read``.
        """
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.TWIN_READ)
            view, detail = self._current(uow, actor, patient_id)
            self._audit(uow, actor, AuditAction.TWIN_UPDATE if view.is_new_version else AuditAction.TWIN_READ,
                        patient_id=patient_id, detail=detail)
            uow.commit()
            return view

    def _current(self, uow: UnitOfWork, actor: User, patient_id: int,
                 reads: ChartReads | None = None) -> tuple[TwinStateView, str]:
        """The current twin (storing a new version when an input changed) and the audit detail saying which."""
        inputs = self._inputs(uow, patient_id, reads)
        latest = uow.twin.latest_version(patient_id)
        previous = uow.twin.snapshot(patient_id) if latest else None
        prev_inputs = (previous.payload.get("inputs") or {}) if previous is not None else {}
        changed = changed_categories(prev_inputs.get("digests"), inputs.digests)
        if previous is not None and not changed and "state" in previous.payload:
            return state_view_of(previous, False), f"version={previous.version} current"
        first = previous is None or not prev_inputs.get("digests")
        payload = state_payload(inputs, changed, latest + 1, first)
        trigger = trigger_for(changed)
        snap = uow.twin.add_snapshot(patient_id, trigger, payload, self.ctx.now(), actor.id if actor.id > 0 else None,
                                     latest)
        return state_view_of(snap, True), f"version={snap.version} trigger={trigger.value} changed={','.join(changed)}"

    def _history(self, uow: UnitOfWork, patient_id: int) -> tuple[VersionInfo, ...]:
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
        return tuple(out)

    def state_view(self, user: User, patient_id: int, compare: tuple[int, int] | None = None) -> TwinStatePage:
        """Everything the twin-state page shows, in one transaction with one audit event naming what was shown:
        the patient banner, the current twin (stored as a new version when an input changed: then the event is
        ``twin.update``), every version, the difference between the two versions in ``compare`` (when they differ
        and exist; by default the latest two), and the learned models' ranking and PHQ-9 forecast."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.TWIN_READ)
            reads = read_chart(uow, patient_id)
            view, detail = self._current(uow, actor, patient_id, reads)
            versions = self._history(uow, patient_id)
            numbers = {v.version for v in versions}
            if compare is None and len(versions) >= 2:
                compare = (versions[-2].version, versions[-1].version)
            difference = None
            if compare is not None and compare[0] != compare[1] and set(compare) <= numbers:
                difference = diff_snapshots(uow.twin.snapshot(patient_id, compare[0]),
                                            uow.twin.snapshot(patient_id, compare[1]))
                detail += f" compare {compare[0]} {compare[1]}"
            chart = self._banner(uow, reads)
            models = self._models(uow, reads, forecast=True)
            review = self._review(uow, patient_id, reads)
            self._audit(uow, actor, AuditAction.TWIN_UPDATE if view.is_new_version else AuditAction.TWIN_READ,
                        patient_id=patient_id, detail=f"state page: banner, {detail} history rows={len(versions)}, "
                                                      f"{models.describe()}, why not responding "
                                                      f"options={len(review.outcomes)}")
            uow.commit()
        state = view.state
        basis = ModelBasis.from_summary(state.parameters, bool(state.model.get("population_calibrated")))
        return TwinStatePage(view, versions, difference, basis, chart, models, review)

    def _review(self, uow: UnitOfWork, patient_id: int, reads: ChartReads) -> ResponseReview:
        """The twin's answer to "why is this patient not responding?" from the chart already read (no audit, no
        reads beyond the measured drug levels: :func:`twin_review.response_review`)."""
        from novamind_core.pharmacology import load_catalogue
        from novamind_core.services.twin_review import response_review
        from novamind_core.twin import load_population_params
        from novamind_core.twin.response_review import MeasuredLevel

        levels: dict[str, list[MeasuredLevel]] = {}
        for level in uow.drug_levels.for_patient(patient_id):  # measured levels entered on the chart
            levels.setdefault(level.drug, []).append(MeasuredLevel(level.sampled_at.date(), level.concentration_ng_ml))
        return response_review(reads.orders, self._inputs(uow, patient_id, reads), load_catalogue(),
                               load_population_params(), self.ctx.today(), levels, patient=reads.patient)

    def version_history(self, user: User, patient_id: int) -> tuple[VersionInfo, ...]:
        """Every stored version, oldest first, with what changed (reads each version's input summary)."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.TWIN_READ)
            out = self._history(uow, patient_id)
            self._audit(uow, actor, AuditAction.TWIN_READ, patient_id=patient_id, detail=f"history rows={len(out)}")
            uow.commit()
            return out

    def run_scenarios(self, user: User, patient_id: int, scenarios: Sequence[Scenario | Mapping[str, Any]],
                      draws: int = 1000, seed: int = 0) -> ScenarioRun:
        """Run 1-4 what-if scenarios for the patient over their posterior (fitted to their PHQ-9 history).

        All scenarios share ``seed`` (common random numbers), so their differences are the treatments'. A
        scenario given as a mapping is parsed once here; one that breaks a rule raises ValidationError naming the
        scenario and the field. The form has already checked doses and switches (:func:`check_scenario`).
        """
        from novamind_core.twin import PatientHistory, compare_scenarios, load_population_params

        typed = typed_scenarios(list(scenarios))
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, SCENARIO_RUN)
            try:
                require(actor, Permission.RUN_SIMULATION)
            except PermissionDenied as exc:
                self._deny(uow, actor, SCENARIO_RUN, patient_id, exc)
            inputs = self._inputs(uow, patient_id)
            history = PatientHistory.from_dict(inputs.history) if inputs.history["phq9"] else None
            comparison = compare_scenarios(typed, history, draws=draws, seed=seed, params=load_population_params())
            self._audit(uow, actor, SCENARIO_RUN, patient_id=patient_id,
                        detail=f"scenarios={len(typed)} draws={draws} seed={seed}")
            uow.commit()
        based_on = (f"posterior from {len(inputs.phq9_observed)} PHQ-9 totals to {day_month_year(inputs.as_of)}"
                    if history is not None else "population prior (no PHQ-9 on record)")
        return ScenarioRun(patient_id, comparison.results, comparison.table, inputs.as_of, inputs.phq9_observed,
                           comparison.results[0].calibration, int(draws), int(seed), based_on)

    def timelines(self, user: User, patient_id: int, regions: Sequence[str] | None = None,
                  neurotransmitters: Sequence[str] | None = None,
                  saved_scenario_id: int | None = None) -> TimelineData:
        """Plasma levels, occupancy and regional neurotransmitter levels over the real medication history (to
        today) and, with ``saved_scenario_id``, that saved scenario after today (its horizon).

        Medians and 90% intervals across :data:`N_PK_TIMELINES` virtual PK patients (log-normal CL and V, PGx
        multipliers; pharmacology engine); levels through the twin's dynamics and projection table.
        """
        choice = timeline_choice(regions, neurotransmitters)
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, TIMELINE_READ)
            data = self._timelines(uow, patient_id, *choice, saved_scenario_id)
            self._audit(uow, actor, TIMELINE_READ, patient_id=patient_id,
                        detail=f"scenario={saved_scenario_id}" if saved_scenario_id else "history")
            uow.commit()
            return data

    def _timelines(self, uow: UnitOfWork, patient_id: int, regions: tuple[Any, ...], nts: tuple[Any, ...],
                   saved_scenario_id: int | None) -> TimelineData:
        from novamind_core.pharmacology import load_catalogue
        from novamind_core.twin import load_population_params

        saved = None
        if saved_scenario_id is not None:
            saved = uow.twin.scenario(int(saved_scenario_id))
            if saved.patient_id != patient_id:
                raise NotFoundError(f"saved scenario {saved_scenario_id} does not belong to this patient")
        return timeline_data(patient_id, uow.patients.get(patient_id), uow.medications.history(patient_id),
                             load_catalogue(), load_population_params(), self.ctx.today(), regions, nts, saved)

    def timelines_view(self, user: User, patient_id: int, regions: Sequence[str] = (),
                       neurotransmitters: Sequence[str] = (), saved_scenario_id: int | None = None) -> TimelinesPage:
        """Everything the timelines page shows, in one transaction with one audit event naming what was shown: the
        patient banner, the saved scenarios to continue with and, when at least one region and neurotransmitter is
        chosen, the timelines (continued by the saved scenario ``saved_scenario_id``, if any)."""
        choice = timeline_choice(regions, neurotransmitters) if regions and neurotransmitters else None
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, TIMELINE_READ)
            reads = read_chart(uow, patient_id)
            chart = self._banner(uow, reads)
            saved = tuple(uow.twin.scenarios(patient_id))
            data = (self._timelines(uow, patient_id, *choice, saved_scenario_id) if choice is not None else None)
            levels, safety = self._levels_and_safety(uow, reads)
            shown = ("no region chosen" if data is None
                     else f"scenario={saved_scenario_id}" if saved_scenario_id else "history")
            measured = f", levels of {levels.drug}={len(levels.levels)}" if levels is not None else ""
            self._audit(uow, actor, TIMELINE_READ, patient_id=patient_id,
                        detail=f"timelines page: banner, {shown} saved scenarios={len(saved)}{measured}")
            uow.commit()
        return TimelinesPage(patient_id, saved, data, chart, levels, safety)

    def _levels_and_safety(self, uow: UnitOfWork, reads: ChartReads
                           ) -> tuple[LevelsView | None, RegimenSafety | None]:
        """The current drug's measured levels with their Bayesian forecast, and its QTc / QT rules / reference range
        at the current dose with the chart's covariates, PGx and co-medication (no audit of its own)."""
        from novamind_core.domain.phenotypes import phenotype_code
        from novamind_core.pharmacology.regimen_safety import regimen_safety
        from novamind_core.services.drug_levels import default_levels_drug, levels_view_of

        active = [o for o in reads.orders if o.active]
        name = default_levels_drug(active)
        if name is None:
            return None, None
        patient = reads.patient
        levels = levels_view_of(patient, active, name, tuple(uow.drug_levels.for_patient(patient.id, name)),
                                self.ctx.today(), self.ctx.now())
        order = next(o for o in active if o.drug == name)
        per_day = order.frequency.doses_per_day
        if per_day <= 0:
            return levels, None
        from novamind_core.pharmacology import load_catalogue
        from novamind_core.services.twin_timelines import current_trough
        from novamind_core.twin import load_population_params
        from novamind_core.twin.exposure import TROUGH_BASIS

        # today's trough from the dosing history: the twin state's review shows the same number (issue 18)
        trough = current_trough(patient, reads.orders, load_catalogue(), load_population_params(), self.ctx.today(),
                                name)
        safety = regimen_safety(name, order.dose_mg, 24.0 / per_day, cyp2d6=phenotype_code(patient.cyp2d6),
                                cyp2c19=phenotype_code(patient.cyp2c19),
                                co_medications=[o.drug for o in active if o.drug != name],
                                covariates=chart_covariates(patient, self.ctx.today()), trough_ng_ml=trough,
                                trough_basis=TROUGH_BASIS)
        return levels, safety

    def simulation_view(self, user: User, patient_id: int, reuse: KeptModelOutputs | None = None) -> SimulationPage:
        """Everything the simulation page shows before a run, in one transaction with one audit event: the patient
        banner, the scenario form's defaults (the medication and PGx at week 0, the latest PHQ-9), the plasma levels
        and occupancy at week 0 (the same reading as the twin state's and the timelines' on that date), the saved
        scenarios and the learned response model's ranking. Reads the chart only: no twin version is stored.

        ``reuse``: the ranking this session kept (``SimulationPage.kept_models`` of an earlier call); it is shown
        again, not recomputed, when the chart's twin inputs, the patient record, the model version and the day are
        unchanged (:func:`twin_reads.model_outputs_key`)."""
        from novamind_core.pharmacology import load_catalogue
        from novamind_core.services.twin_payloads import levels_at_as_of
        from novamind_core.twin import load_population_params

        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, SIMULATION_VIEW)
            reads = read_chart(uow, patient_id)
            inputs = self._inputs(uow, patient_id, reads)
            chart = self._banner(uow, reads)
            saved = tuple(uow.twin.scenarios(patient_id))
            key = model_outputs_key(reads, inputs.digests, self.ctx.today(), model_directory(self.ctx.settings))
            models = self._models(uow, reads, forecast=False, reuse=reuse, key=key)
            self._audit(uow, actor, SIMULATION_VIEW, patient_id=patient_id,
                        detail=f"simulation page: banner, form defaults, saved scenarios={len(saved)}, "
                               f"{models.describe()}")
            uow.commit()
        meds = list(inputs.history["medications"])
        last = meds[-1] if meds else {}
        on_board = last.get("drug") not in (None, "none")
        defaults = ScenarioDefaults(
            current_drug=last["drug"] if on_board else None,
            current_dose_mg=(float(last.get("dose_mg", 0)) * 24 / float(last.get("interval_h", 24))
                             if on_board else None),
            cyp2d6=inputs.chart_cyp2d6, cyp2c19=inputs.chart_cyp2c19,
            week0=inputs.as_of,
            drugs=tuple(sorted({*load_catalogue().drugs, *(m["drug"] for m in meds if m["drug"] != "none")})),
            covariates=chart_covariates(reads.patient, self.ctx.today()),
            co_medications=tuple(o.drug for o in reads.orders if o.active and o.drug != last.get("drug")))
        return SimulationPage(patient_id, defaults, saved, chart, models, KeptModelOutputs(key, models),
                              levels_at_as_of(inputs, load_population_params()))

    def patient_history(self, user: User, mrn: str) -> PatientHistory:
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
