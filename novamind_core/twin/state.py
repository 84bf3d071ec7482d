"""The twin's state for one patient at one time: a frozen, versionable snapshot with a JSON round trip and a diff.

Symptom domains are severities scaled to 0-1 from the latest item-level answers (plain lists of item scores, in
instrument order):

* PHQ-9 (Kroenke et al. 2001; items 0-3): anhedonia = item 1 / 3; depressed mood = mean(items 2, 6) / 3;
  sleep = item 3 / 3 (averaged with ISI total / 28 when present, Bastien et al. 2001); energy = item 4 / 3;
  concentration = item 7 / 3; suicidality risk flag = item 9 > 0 (shown first regardless of the total).
* GAD-7 (Spitzer et al. 2006; items 0-3): anxiety = total / 21.

Missing instruments give ``None`` domains. Neurotransmitter levels are relative to the patient's own baseline
(1.0), for the 23 regions x 12 neurotransmitters of ``domain.brain``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from novamind_core.domain.brain import NEUROTRANSMITTERS, REGIONS
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.targets import TARGETS
from novamind_core.twin.dynamics import simulate_dynamics
from novamind_core.twin.exposure import levels_on_day, regimen_exposure
from novamind_core.twin.params import PopulationParams, load_population_params
from novamind_core.twin.patient_fit import PatientHistory, fit_patient

STATE_SCHEMA_VERSION = 1
MODEL_NAME = "novamind-twin"
MODEL_VERSION = "0.2.0"
"""0.2.0: occupancy and levels from the one regimen exposure every page uses (the state's own day on the regimen in
force that day, not drug-free; :func:`novamind_core.twin.exposure.regimen_exposure`)."""

_INSTRUMENTS = {"phq9": (9, 3), "gad7": (7, 3), "isi": (7, 4)}


def _check_items(items, name: str) -> list[int] | None:
    if items is None:
        return None
    n, hi = _INSTRUMENTS[name]
    items = [int(x) for x in items]
    if len(items) != n or any(not 0 <= x <= hi for x in items):
        raise ValidationError(f"{name} needs {n} item answers between 0 and {hi}", field=name, value=items)
    return items


@dataclass(frozen=True)
class SymptomDomains:
    """Domain severities 0-1 (None when the instrument is missing) and the instrument totals."""

    depressed_mood: float | None = None
    anhedonia: float | None = None
    anxiety: float | None = None
    sleep: float | None = None
    energy: float | None = None
    concentration: float | None = None
    suicidality_risk_flag: bool = False
    phq9_total: int | None = None
    gad7_total: int | None = None
    isi_total: int | None = None


def symptom_domains(phq9_items=None, gad7_items=None, isi_items=None) -> SymptomDomains:
    """Symptom domains from the latest item-level PHQ-9, GAD-7 and ISI answers (see module docstring)."""
    phq, gad, isi = _check_items(phq9_items, "phq9"), _check_items(gad7_items, "gad7"), _check_items(isi_items, "isi")
    d: dict = {}
    if phq:
        d.update(anhedonia=phq[0] / 3, depressed_mood=(phq[1] + phq[5]) / 6, energy=phq[3] / 3,
                 concentration=phq[6] / 3, suicidality_risk_flag=phq[8] > 0, phq9_total=sum(phq))
        d["sleep"] = phq[2] / 3
    if isi:
        d["isi_total"] = sum(isi)
        d["sleep"] = (sum(isi) / 28 if "sleep" not in d else (d["sleep"] + sum(isi) / 28) / 2)
    if gad:
        d.update(anxiety=sum(gad) / 21, gad7_total=sum(gad))
    return SymptomDomains(**{k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()})


@dataclass(frozen=True)
class AdaptiveState:
    """Slow adaptation (0-1) with its time constants (days) and sources (params module)."""

    autoreceptor_5ht1a_desensitisation: float
    autoreceptor_alpha2_desensitisation: float
    receptor_5ht2a_downregulation: float
    therapeutic_signal: float
    time_constants_days: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class TwinState:
    """One version of a patient's twin. ``nt_levels[r][n]`` follows REGIONS x NEUROTRANSMITTERS order."""

    as_of_day: float
    nt_levels: tuple[tuple[float, ...], ...]
    occupancy_percent: dict[str, float]
    adaptive: AdaptiveState
    symptoms: SymptomDomains
    biometrics: dict[str, float] | None
    parameters: dict
    model: dict
    inputs: dict = field(default_factory=dict)
    version: int = 1

    def level(self, region: str, nt: str) -> float:
        return self.nt_levels[[r.value for r in REGIONS].index(region)][[n.value for n in NEUROTRANSMITTERS].index(nt)]

    def to_dict(self) -> dict:
        """JSON-ready dict (nested region -> neurotransmitter -> level)."""
        d = asdict(self)
        d["nt_levels"] = {r.value: {n.value: self.nt_levels[i][j] for j, n in enumerate(NEUROTRANSMITTERS)}
                          for i, r in enumerate(REGIONS)}
        d["schema_version"] = STATE_SCHEMA_VERSION
        return d

    @classmethod
    def from_dict(cls, d: dict) -> TwinState:
        if d.get("schema_version", STATE_SCHEMA_VERSION) != STATE_SCHEMA_VERSION:
            raise ValidationError(f"unknown twin state schema {d.get('schema_version')}", field="schema_version")
        try:
            levels = tuple(tuple(float(d["nt_levels"][r.value][n.value]) for n in NEUROTRANSMITTERS) for r in REGIONS)
            return cls(as_of_day=float(d["as_of_day"]), nt_levels=levels,
                       occupancy_percent={k: float(v) for k, v in d["occupancy_percent"].items()},
                       adaptive=AdaptiveState(**d["adaptive"]), symptoms=SymptomDomains(**d["symptoms"]),
                       biometrics=d.get("biometrics"), parameters=d.get("parameters", {}), model=d.get("model", {}),
                       inputs=d.get("inputs", {}), version=int(d.get("version", 1)))
        except (KeyError, TypeError) as exc:
            raise ValidationError(f"twin state is incomplete: {exc}", field="twin_state") from exc


def _flatten(obj, prefix: str = "") -> dict[str, object]:
    if isinstance(obj, dict):
        out: dict[str, object] = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(obj, list | tuple) and obj and isinstance(obj[0], dict):
        return _flatten({str(i): v for i, v in enumerate(obj)}, prefix)
    return {prefix: obj}


def diff(a: TwinState, b: TwinState, tol: float = 1e-9) -> dict[str, tuple[object, object]]:
    """What changed from version ``a`` to ``b``: ``{"dotted.path": (old, new)}`` (numbers within ``tol`` are equal)."""
    fa, fb = _flatten(a.to_dict()), _flatten(b.to_dict())
    out = {}
    for key in sorted(set(fa) | set(fb)):
        va, vb = fa.get(key), fb.get(key)
        if isinstance(va, int | float) and isinstance(vb, int | float) and not isinstance(va, bool):
            if math.isclose(float(va), float(vb), rel_tol=0.0, abs_tol=tol):
                continue
        elif va == vb:
            continue
        out[key] = (va, vb)
    return out


def regimen_through(history: PatientHistory, n_days: int, regimen_steps: Sequence[dict] | None = None) -> dict:
    """The regimen simulated for days ``0 .. n_days - 1`` of a state (step format, the history's PGx and adherence).

    ``regimen_steps``: the chart's actual regimen from day 0 to the state's day inclusive (what the twin service
    passes). Without it, the history's medications (which stop the day before the latest PHQ-9) are used with the
    state's own day on the regimen in force the day before: a drug-free last day would read as if the drug had
    stopped on the day of the state. Longer gaps are drug-free (nothing is known about them).
    """
    if regimen_steps is not None:
        steps = [dict(s) for s in regimen_steps]
    else:
        steps = [dict(s) for s in history.medications]
        used = sum(float(s.get("days", 0)) for s in steps)
        if steps and 0 < n_days - used <= 1 + 1e-9:
            steps[-1]["days"] = float(steps[-1].get("days", 0)) + (n_days - used)
        elif n_days - used >= 1:
            steps.append({"drug": "none", "days": int(round(n_days - used))})
    return {"name": "history", "steps": steps, "adherence": history.adherence, "cyp2d6": history.cyp2d6,
            "cyp2c19": history.cyp2c19}


def build_twin_state(history: PatientHistory | dict | None = None, as_of_day: float | None = None,
                     biometrics: dict[str, float] | None = None, params: PopulationParams | None = None,
                     version: int = 1, seed: int = 0, regimen_steps: Sequence[dict] | None = None) -> TwinState:
    """The twin's state at ``as_of_day`` (default: last assessment) from the patient's history.

    Neurotransmitters, occupancy and adaptation come from the regimen to that day inclusive
    (:func:`regimen_through`) through the one exposure every page uses
    (:func:`~novamind_core.twin.exposure.regimen_exposure`, medians of :func:`~novamind_core.twin.exposure.
    levels_on_day`); symptom domains from the latest item answers; parameters from the per-patient posterior (or
    the prior, which the state says; ``seed`` seeds its fit).
    """
    params = params or load_population_params()
    if isinstance(history, dict):
        history = PatientHistory.from_dict(history)
    history = history or PatientHistory()
    day = int(round(history.last_day if as_of_day is None else as_of_day))
    n_days = day + 1
    exp = regimen_exposure(regimen_through(history, n_days, regimen_steps), n_days, params)
    dyn = simulate_dynamics(exp.occupancy_fraction, 1.0, params, efficacy_scale=exp.efficacy_scale)
    levels = np.median(dyn.regional_levels(time_index=np.array([day])), axis=0)[:, :, 0]
    today = levels_on_day(exp, day).occupancy_percent
    occ = {t: today.get(t, 0.0) for t in TARGETS if t in exp.occupancy_fraction}
    adaptive = AdaptiveState(
        autoreceptor_5ht1a_desensitisation=round(float(np.median(dyn.desensitisation_5ht1a[:, day])), 5),
        autoreceptor_alpha2_desensitisation=round(float(np.median(dyn.desensitisation_alpha2[:, day])), 5),
        receptor_5ht2a_downregulation=round(float(np.median(dyn.downregulation_5ht2a[:, day])), 5),
        therapeutic_signal=round(float(np.median(dyn.therapeutic_signal[:, day])), 5),
        time_constants_days={k: params[k] for k in ("tau_autoreceptor_5ht1a_days", "tau_autoreceptor_alpha2_days",
                                                    "tau_receptor_downregulation_days", "tau_plasticity_days")})
    posterior = fit_patient(history, params, seed=seed)
    return TwinState(
        as_of_day=float(day),
        nt_levels=tuple(tuple(round(float(v), 5) for v in row) for row in levels),
        occupancy_percent=occ, adaptive=adaptive,
        symptoms=symptom_domains(history.phq9_items, history.gad7_items, history.isi_items),
        biometrics=dict(biometrics) if biometrics else None,
        parameters=posterior.summary(),
        model={"name": MODEL_NAME, "version": MODEL_VERSION, "population_calibrated": params.calibrated,
               "population_provenance": params.provenance},
        inputs={"n_phq9": len(history.phq9), "n_gad7": len(history.gad7),
                "medications": [dict(s) for s in history.medications], "adherence": history.adherence,
                "cyp2d6": history.cyp2d6, "cyp2c19": history.cyp2c19},
        version=int(version))
