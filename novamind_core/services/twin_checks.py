"""The one check of a what-if scenario before it runs: :func:`check_scenario`, called by the scenario form on every
change (live feedback) and by nothing else: the engine trusts a :class:`~novamind_core.twin.Scenario` it is given.

Pure (no database, no audit: it reads only the drug catalogue). Findings, each with its source: a dose above the
catalogue's usual maximum or below its usual minimum, a dose above a pharmacogenomic guideline maximum or other PGx
advice (``dose_guidance``), and an unsafe switch or cross-taper combination (``check_switch``,
``check_interactions``), and the QT rules (``qtc.qt_assessment``). :func:`scenario_safety` (used by the check and by
the simulation page's safety panel, with the same inputs) gives each drug's predicted ΔΔQTc, QT findings and trough
against the AGNP reference range with the chart's covariates (``regimen_safety``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from novamind_core.services.twin_types import ScenarioCheck, ScenarioIssue
from novamind_core.twin.types import Scenario

if TYPE_CHECKING:
    from novamind_core.domain.patients import Patient
    from novamind_core.pharmacology.covariates import Covariates
    from novamind_core.pharmacology.regimen_safety import RegimenSafety

CATALOGUE_SOURCE = "usual dose range in the drug catalogue (data/drug_catalogue.json; prescribing information)"


def chart_covariates(patient: Patient, today: date) -> Covariates:
    """The covariates the chart records: age from the date of birth and sex at birth (female/male only); weight
    and smoking are not recorded on the chart, so they stay at the reference (70 kg, non-smoker)."""
    from novamind_core.pharmacology.covariates import Covariates

    sex = patient.sex_at_birth.value if patient.sex_at_birth.value in ("female", "male") else None
    return Covariates(age_years=float(patient.age_years(today)), sex=sex)


def scenario_safety(scenario: Scenario, covariates: Covariates | None = None,
                    co_medications: Sequence[str] = ()) -> tuple[RegimenSafety, ...]:
    """ΔΔQTc, QT rules and reference range of each catalogue drug in ``scenario`` at its highest daily dose, with the
    plan's phenotypes, the chart's covariates and co-medication (doses above 0 only)."""
    from novamind_core import pharmacology as ph
    from novamind_core.pharmacology.regimen_safety import regimen_safety

    cat = ph.load_catalogue()
    top: dict[str, tuple[float, float, float]] = {}
    for s in scenario.steps:
        d = cat.drugs.get(s.drug)
        highest = top.get(s.drug, (0.0, 0.0, 0.0))[0]
        if s.is_drug and d is not None and d.pk is not None and s.dose_mg > 0 and s.dose_mg_per_day > highest:
            top[s.drug] = (s.dose_mg_per_day, s.dose_mg, s.interval_h)
    return tuple(regimen_safety(drug, dose, interval, cyp2d6=scenario.cyp2d6 or "NM",
                                cyp2c19=scenario.cyp2c19 or "NM", co_medications=co_medications,
                                covariates=covariates, catalogue=cat)
                 for drug, (_, dose, interval) in top.items())


def check_scenario(scenario: Scenario, current_drug: str | None = None,
                   current_dose_mg: float | None = None, covariates: Covariates | None = None,
                   co_medications: Sequence[str] = ()) -> ScenarioCheck:
    """Everything wrong or risky about ``scenario`` for a patient on ``current_drug`` at week 0 (errors first);
    ``covariates`` and ``co_medications`` (from the chart) shape the QT rules and :attr:`ScenarioCheck.safety`."""
    from novamind_core import pharmacology as ph

    cat = ph.load_catalogue()
    cyp2d6, cyp2c19 = scenario.cyp2d6 or "NM", scenario.cyp2c19 or "NM"
    issues: list[ScenarioIssue] = []
    doses: dict[str, float] = {}
    for i, s in enumerate(scenario.steps):
        if s.is_drug and s.drug in cat.drugs and s.dose_mg <= 0:
            issues.append(ScenarioIssue("error", f"steps[{i}].dose_mg", f"{s.drug} needs a dose above 0 mg (choose "
                                        "no drug for a gap)", CATALOGUE_SOURCE))
    for s in scenario.steps:
        if s.drug in cat.drugs and s.drug != "placebo":
            doses[s.drug] = max(doses.get(s.drug, 0.0), s.dose_mg_per_day)
    for drug, per_day in doses.items():
        d = cat.drugs[drug]
        above_usual = bool(d.dose and per_day > d.dose.usual_max_mg_per_day)
        if d.dose and above_usual:
            issues.append(ScenarioIssue("error", "dose_mg", f"{drug} {per_day:g} mg/day is above the usual maximum "
                                        f"of {d.dose.usual_max_mg_per_day:g} mg/day", CATALOGUE_SOURCE))
        elif d.dose and per_day < d.dose.usual_min_mg_per_day:
            issues.append(ScenarioIssue("warning", "dose_mg", f"{drug} never reaches the usual therapeutic dose "
                                        f"({d.dose.usual_min_mg_per_day:g}–{d.dose.usual_max_mg_per_day:g} mg/day)",
                                        CATALOGUE_SOURCE))
        g = ph.dose_guidance(drug, per_day, cyp2d6, cyp2c19)
        if g.max_dose_mg_per_day is not None and per_day > g.max_dose_mg_per_day and not above_usual:
            issues.append(ScenarioIssue("error", "dose_mg", f"{drug} {per_day:g} mg/day is above the maximum for "
                                        f"this metaboliser status ({g.max_dose_mg_per_day:g} mg/day): "
                                        f"{g.recommendation}", g.source))
        elif "standard" not in g.recommendation.lower():
            issues.append(ScenarioIssue("warning", "pgx", f"{drug}: {g.recommendation}", g.source))
    new = next(iter(scenario.drugs), None)
    if current_drug and new and new != current_drug:
        # a taper keeps the old drug on board until the day before the new one starts: no gap either way
        for w in ph.check_switch(current_drug, new, 0.0):
            issues.append(ScenarioIssue("error" if w.severity == "contraindicated" else "warning", "switch_strategy",
                                        w.message, w.source))
        if scenario.switch_strategy == "cross-taper":
            both = {current_drug: (current_dose_mg or 0.0) / 2, new: doses.get(new, 0.0)}
            for w in ph.check_interactions(both, cyp2c19=cyp2c19):
                issues.append(ScenarioIssue("error" if w.severity == "contraindicated" else "warning",
                                            "switch_strategy", f"During the cross-taper: {w.message}", w.source))
    safety = scenario_safety(scenario, covariates, co_medications)
    for r in safety:
        g = ph.dose_guidance(r.drug, r.dose_mg_per_day, cyp2d6, cyp2c19)
        for f in r.qt_findings:
            already = (f.max_dose_mg_per_day is not None and g.max_dose_mg_per_day is not None
                       and f.max_dose_mg_per_day >= g.max_dose_mg_per_day)  # the PGx cap above says it already
            if f.severity != "info" and not already:
                issues.append(ScenarioIssue("warning", "qtc", f.message, f.source))
    return ScenarioCheck(tuple(sorted(issues, key=lambda i: i.level != "error")), safety)


__all__ = ["CATALOGUE_SOURCE", "chart_covariates", "check_scenario", "scenario_safety"]
