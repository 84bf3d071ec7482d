"""Chart -> model inputs: the response model's features and the forecaster's weekly history from one patient's chart.

Pure functions over a :class:`Chart` (the chart facts read by
:class:`~novamind_core.services.predictions.PredictionService` inside its transaction); no database, no model.

* :func:`patient_features` -- the treatment-response model's patient dict (:mod:`novamind_core.ml.features`), what
  was used in words and what is missing with how to add it;
* :func:`prior_treatment_failures` -- ended antidepressant courses of an adequate length without remission;
* :func:`weekly_history` -- the symptom forecaster's weekly inputs (``predict_history``'s dict);
* :func:`medication_courses` -- orders joined into courses of one drug (titrations continue a course);
* :func:`chart_twin_inputs` and :func:`continue_scenario` -- the twin's inputs and the "current regimen continues"
  scenario behind the twin's forecast and the insight's twin numbers;
* :func:`feature_value_text` -- a model feature's value in words for the reasons under a ranked drug.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from novamind_core.domain.dates import day_month_year
from novamind_core.domain.errors import NovamindError
from novamind_core.ml.features import CANDIDATE_DRUGS, REMISSION_MAX_PHQ9
from novamind_core.services.twin_inputs import INTERVAL_H, adherence_from_note, build_inputs, phenotype_code

#: An adequate antidepressant trial lasts at least 4 weeks (Sackeim 2001, J Clin Psychiatry 62 Suppl 16:10).
ADEQUATE_TRIAL_DAYS = 28
#: PHQ-9 remission: total <= 4 (Kroenke et al. 2001; docs/science.md §2), the instrument's own cut-off.
REMISSION_PHQ9_MAX = REMISSION_MAX_PHQ9
#: GAD-7 >= 10 marks clinically relevant anxiety (Spitzer et al. 2006, Arch Intern Med 166:1092).
GAD7_ANXIETY_CUTOFF = 10
#: ICD-10 anxiety disorders: F40 phobic anxiety disorders, F41 other anxiety disorders (WHO ICD-10, 2019).
ANXIETY_ICD10_PREFIXES = ("F40", "F41")
#: Wearable days averaged into the sleep features (two weeks smooths weekday/weekend rhythm).
SLEEP_WINDOW_DAYS = 14
#: The forecaster was trained on 26-week histories (model card ``data``); longer charts use their last 26 weeks.
FORECAST_HISTORY_WEEKS_MAX = 26
PHENOTYPE_WORDS = {"PM": "poor", "IM": "intermediate", "NM": "normal", "RM": "rapid", "UM": "ultrarapid"}


# ---------------------------------------------------------------------------------------------- chart
@dataclass(frozen=True)
class Chart:
    """The chart facts the models use (read inside the caller's transaction)."""

    patient: Any
    assessments: tuple[Any, ...]
    orders: tuple[Any, ...]
    daily: tuple[Any, ...]
    minute_days: tuple[tuple[date, np.ndarray], ...]
    today: date


def assessments_of(chart: Chart, instrument: str) -> list[Any]:
    """The chart's assessments of one instrument (``"PHQ-9"``, ``"GAD-7"``), in the chart's (date) order."""
    return [a for a in chart.assessments if a.instrument.value == instrument]


def medication_courses(orders: Sequence[Any]) -> list[dict[str, Any]]:
    """Orders joined into courses of one drug (titrations continue a course): drug, start, stop, dose."""
    courses: list[dict[str, Any]] = []
    by_id: dict[int, dict[str, Any]] = {}
    for o in sorted(orders, key=lambda o: (o.start_date, o.id)):
        prev = by_id.get(o.previous_id) if o.previous_id is not None else None
        if prev is not None and prev["drug"] == o.drug:
            prev.update(stop=o.stop_date, dose_mg_per_day=o.daily_dose_mg)
            by_id[o.id] = prev
            continue
        course = {"drug": o.drug, "start": o.start_date, "stop": o.stop_date, "dose_mg_per_day": o.daily_dose_mg}
        courses.append(course)
        by_id[o.id] = course
    return courses


def prior_treatment_failures(orders: Sequence[Any], phq9: Sequence[tuple[date, int]]) -> tuple[int, list[str]]:
    """Ended antidepressant courses of at least :data:`ADEQUATE_TRIAL_DAYS` with no PHQ-9 <= 4 during them.

    A course still running is not counted (its trial is not over). Returns the count and the drugs counted.
    """
    failed = []
    for c in medication_courses([o for o in orders if o.drug in CANDIDATE_DRUGS]):
        if c["stop"] is None or (c["stop"] - c["start"]).days < ADEQUATE_TRIAL_DAYS:
            continue
        remitted = any(c["start"] <= d <= c["stop"] and t <= REMISSION_PHQ9_MAX for d, t in phq9)
        if not remitted:
            failed.append(c["drug"])
    return len(failed), failed


def _sleep_efficiency(minute_days: Sequence[tuple[date, np.ndarray]]) -> tuple[float | None, float | None, int]:
    """Mean total sleep (min) and sleep efficiency (%) over nights scored from minute counts (Cole-Kripke)."""
    if not minute_days:
        return None, None, 0
    import pandas as pd

    from novamind_core.biometrics.report import actigraphy_report

    first, last = minute_days[0][0], minute_days[-1][0]
    n_days = (last - first).days + 1
    grid = np.full((n_days, 1440), np.nan)
    for d, counts in minute_days:
        grid[(d - first).days] = counts
    index = pd.date_range(pd.Timestamp(first), periods=n_days * 1440, freq="min")
    try:
        sleep = actigraphy_report(pd.Series(grid.ravel(), index=index)).as_dict()["sleep"]
    except (NovamindError, ValueError):
        return None, None, 0
    return sleep.get("total_sleep_min"), sleep.get("sleep_efficiency_percent"), int(sleep.get("n_nights") or 0)


def patient_features(chart: Chart) -> tuple[dict[str, Any], tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The response model's inputs from the chart: (patient dict, what was used in words, what is missing).

    Baseline = the latest PHQ-9 and the latest GAD-7 (the state a new course would start from). Previous
    episodes: 0 for a single-episode diagnosis (ICD-10 F32), at least 1 for recurrent depression (F33, the lower
    bound is used); otherwise unknown. Sleep: the mean of wearable nightly sleep over the last
    :data:`SLEEP_WINDOW_DAYS` days; efficiency scored from minute counts when stored.
    """
    p = chart.patient
    feats: dict[str, Any] = {}
    used: list[tuple[str, str]] = []
    missing: list[str] = []
    feats["age_years"] = p.age_years(chart.today)
    used.append(("Age", f"{feats['age_years']} years"))
    sex = getattr(p.sex_at_birth, "value", p.sex_at_birth)
    if sex in ("female", "male"):
        feats["sex"] = "F" if sex == "female" else "M"
        used.append(("Sex at birth", sex))
    else:
        missing.append("Sex at birth is not recorded as female or male: the model treats it as unknown.")
    phq, gad = assessments_of(chart, "PHQ-9"), assessments_of(chart, "GAD-7")
    phq_items = [a for a in phq if a.answers]  # total-only assessments (imported without items) have none
    if phq_items:
        feats["phq9_items"] = list(phq_items[-1].answers)
        used.append(("Baseline PHQ-9", f"{phq_items[-1].total} (items from "
                     f"{day_month_year(phq_items[-1].administered_on)})"))
    elif phq:
        missing.append("The PHQ-9s on record are totals only (item answers not available): the response model "
                       "needs item answers. Enter a PHQ-9 in Assessments.")
    else:
        missing.append("No PHQ-9 yet: the response model needs a baseline PHQ-9. Enter one in Assessments.")
    anxiety_dx = [d.code for d in p.diagnoses if d.code.startswith(ANXIETY_ICD10_PREFIXES)]
    if gad and gad[-1].answers:
        feats["gad7_items"] = list(gad[-1].answers)
        used.append(("Baseline GAD-7", f"{gad[-1].total} (from {day_month_year(gad[-1].administered_on)})"))
    elif gad:
        missing.append("The latest GAD-7 is a total only (item answers not available): anxiety items are treated "
                       "as unknown.")
    else:
        missing.append("No GAD-7 yet: anxiety items are treated as unknown. Enter one in Assessments.")
    if anxiety_dx or gad:
        feats["comorbid_anxiety"] = 1.0 if anxiety_dx or gad[-1].total >= GAD7_ANXIETY_CUTOFF else 0.0
        used.append(("Comorbid anxiety", ("yes" if feats["comorbid_anxiety"] else "no")
                     + (f" (diagnosis {', '.join(anxiety_dx)})" if anxiety_dx else f" (GAD-7 {gad[-1].total})")))
    codes = [d.code for d in p.diagnoses]
    if any(c.startswith("F33") for c in codes):
        feats["n_prior_episodes"] = 1
        used.append(("Previous episodes", "at least 1 (recurrent depressive disorder, F33; exact count not recorded)"))
    elif any(c.startswith("F32") for c in codes):
        feats["n_prior_episodes"] = 0
        used.append(("Previous episodes", "0 (single depressive episode, F32)"))
    else:
        missing.append("Number of previous depressive episodes is unknown (no F32/F33 diagnosis on the chart).")
    n_failed, failed = prior_treatment_failures(chart.orders, [(a.administered_on, a.total) for a in phq])
    feats["n_prior_treatment_failures"] = n_failed
    used.append(("Previous treatment failures", f"{n_failed}" + (f" ({', '.join(failed)})" if failed else "")
                 + f" (ended courses of >= {ADEQUATE_TRIAL_DAYS // 7} weeks without remission)"))
    recent = [r for r in chart.daily if r.sleep_minutes is not None
              and (chart.today - r.day).days < SLEEP_WINDOW_DAYS]
    tst, eff, nights = _sleep_efficiency(chart.minute_days)
    if recent:
        feats["sleep_total_min"] = round(float(np.mean([r.sleep_minutes for r in recent])), 1)
        used.append(("Sleep duration", f"{feats['sleep_total_min']:.0f} min/night ({len(recent)} nights, wearable)"))
    elif tst is not None:
        feats["sleep_total_min"] = round(float(tst), 1)
        used.append(("Sleep duration", f"{tst:.0f} min/night ({nights} nights scored from minute activity)"))
    else:
        missing.append(f"No wearable sleep in the last {SLEEP_WINDOW_DAYS} days: sleep is treated as unknown. "
                       "Import wearable data in Data import.")
    if eff is not None:
        feats["sleep_efficiency_percent"] = round(float(eff), 1)
        used.append(("Sleep efficiency", f"{eff:.0f}% ({nights} nights scored from minute activity)"))
    elif "sleep_total_min" in feats:
        missing.append("Sleep efficiency needs minute-level activity: it is treated as unknown.")
    for gene in ("cyp2d6", "cyp2c19"):
        code = phenotype_code(getattr(p, gene))
        if code is not None:
            feats[gene] = code
            used.append((gene.upper(), f"{PHENOTYPE_WORDS.get(code, code)} metaboliser"))
        else:
            missing.append(f"{gene.upper()} phenotype not recorded: treated as unknown. Record it on the patient's "
                           "details.")
    return feats, tuple(used), tuple(missing)


def feature_value_text(value: Any, feature: str) -> str:
    """A feature value in words for a reason line (``None`` -> "unknown"; CYP activity 0-4 -> metaboliser)."""
    if value is None:
        return "unknown"
    if feature == "sex_female":
        return "female" if float(value) == 1 else "male"
    if feature in ("cyp2d6_activity", "cyp2c19_activity"):
        words = {0: "poor", 1: "intermediate", 2: "normal", 3: "rapid", 4: "ultrarapid"}
        return f"{words.get(int(value), value)} metaboliser"
    if feature == "comorbid_anxiety":
        return "yes" if float(value) == 1 else "no"
    if isinstance(value, str):
        return value
    return f"{float(value):g}"


# ---------------------------------------------------------------------------------------------- twin
def chart_twin_inputs(chart: Chart) -> Any:
    """The twin's inputs (:func:`novamind_core.services.twin_inputs.build_inputs`) from the chart, as of today."""
    from novamind_core.pharmacology import load_catalogue

    return build_inputs(chart.patient, chart.assessments, chart.orders, chart.daily, load_catalogue().drugs,
                        "predictions", chart.today)


def continue_scenario(chart: Chart, weeks: int) -> dict[str, Any]:
    """The current regimen continued for ``weeks`` weeks (the most recently started active antidepressant)."""
    active = [o for o in chart.orders if o.stop_date is None and o.drug in CANDIDATE_DRUGS
              and getattr(o.frequency, "value", o.frequency) in INTERVAL_H]
    if not active:
        return {"name": "no antidepressant", "steps": [{"drug": "none", "days": 7 * weeks}],
                "horizon_weeks": weeks}
    o = max(active, key=lambda o: (o.start_date, o.id))
    return {"name": f"continue {o.drug} {o.dose_mg:g} mg", "horizon_weeks": weeks,
            "steps": [{"drug": o.drug, "dose_mg": float(o.dose_mg), "days": 7 * weeks,
                       "interval_h": INTERVAL_H[getattr(o.frequency, "value", o.frequency)]}]}


# ---------------------------------------------------------------------------------------------- weekly history
def weekly_history(chart: Chart) -> tuple[dict[str, list[Any]], int, tuple[str, ...]]:
    """The forecaster's weekly inputs, oldest first, the last week ending today (``predict_history``'s dict).

    Week ``k`` back from today covers days ``(today - 7k - 6) .. (today - 7k)``; a week's PHQ-9 is its latest
    score (None when none); a week is "on drug" when a candidate antidepressant is active on its last day, a
    change when the active drugs or doses differ from the previous week; adherence is read from the newest
    adherence note (full adherence assumed without one); sleep and steps are the week's wearable means.
    Returns (history, number of PHQ-9 scores used, notes).
    """
    phq = sorted((a.administered_on, a.total) for a in assessments_of(chart, "PHQ-9")
                 if a.administered_on <= chart.today)
    notes: list[str] = []
    if not phq:
        return {}, 0, ()
    back = (chart.today - phq[0][0]).days // 7
    if back >= FORECAST_HISTORY_WEEKS_MAX:
        notes.append(f"Only the last {FORECAST_HISTORY_WEEKS_MAX} weeks are used (the forecaster's training length).")
        back = FORECAST_HISTORY_WEEKS_MAX - 1
    weeks = back + 1
    ends = [chart.today - timedelta(days=7 * (back - i)) for i in range(weeks)]
    scores: list[int | None] = [None] * weeks
    used = 0
    for d, total in phq:
        k = back - (chart.today - d).days // 7
        if 0 <= k < weeks:
            scores[k] = total
            used += 1
    orders = [o for o in chart.orders if o.drug in CANDIDATE_DRUGS]

    def active(day: date) -> tuple[tuple[str, float], ...]:
        return tuple(sorted((o.drug, o.daily_dose_mg) for o in orders
                            if o.start_date <= day and (o.stop_date is None or day < o.stop_date)))

    regimen = [active(e) for e in ends]
    change = [1.0 if (regimen[i] != (regimen[i - 1] if i else ())) else 0.0 for i in range(weeks)]
    note_orders = [o for o in orders if o.adherence_note]
    adherence, basis = adherence_from_note(note_orders[-1].adherence_note if note_orders else None)
    if adherence is None:
        notes.append(f"Adherence: {basis}; full adherence assumed.")

    def weekly_mean(attr: str) -> list[float | None]:
        out: list[float | None] = []
        for e in ends:
            vals = [float(getattr(r, attr)) for r in chart.daily if getattr(r, attr) is not None
                    and 0 <= (e - r.day).days < 7]
            out.append(round(float(np.mean(vals)), 1) if vals else None)
        return out

    history = {"phq9": scores, "on_drug": [1.0 if r else 0.0 for r in regimen], "medication_change": change,
               "adherence": [adherence if adherence is not None else 1.0] * weeks,
               "sleep_min": weekly_mean("sleep_minutes"), "steps_per_day": weekly_mean("steps")}
    last_scored = max(i for i, s in enumerate(scores) if s is not None)
    if weeks - 1 - last_scored >= 4:
        notes.append(f"The latest PHQ-9 is {weeks - 1 - last_scored} weeks old: the forecast starts from it. "
                     "Record a PHQ-9 today for a better forecast.")
    return history, used, tuple(notes)


__all__ = ["ADEQUATE_TRIAL_DAYS", "ANXIETY_ICD10_PREFIXES", "FORECAST_HISTORY_WEEKS_MAX", "GAD7_ANXIETY_CUTOFF",
           "PHENOTYPE_WORDS", "REMISSION_PHQ9_MAX", "SLEEP_WINDOW_DAYS", "Chart", "assessments_of",
           "chart_twin_inputs", "continue_scenario", "feature_value_text", "medication_courses", "patient_features",
           "prior_treatment_failures", "weekly_history"]
