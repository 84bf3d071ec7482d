"""Cardiac safety: predicted ΔΔQTc from a concentration-QTc line fitted to label thorough-QT points, and QT rules.

Model (docs/science.md §13). For drugs whose FDA label gives thorough-QT figures (citalopram, escitalopram), the
label's doses are turned into the model's steady-state Cmax for the typical normal metaboliser, and a line
``ΔΔQTc = a + b * Cmax`` is fitted by least squares to the label's means (and separately to the upper bounds of
the two-sided 90% CI, which are one-sided 95% upper bounds; ICH E14). The fit goes through the label's own
40 mg / 20 mg predictions as well as the observed points. Below the lowest label exposure the effect is drawn
straight to zero at zero concentration instead of extrapolating the intercept (no drug, no effect). Because the
relation is in concentration, a CYP2C19 poor metaboliser's higher Cmax gives a higher figure. Standard approach:
Garnett et al. 2018, J Pharmacokinet Pharmacodyn 45:383-397 (concentration-QTc modelling white paper).

Rules: citalopram 40 mg/day, 20 mg/day above 60, in CYP2C19 PM, hepatic impairment or with a CYP2C19 inhibitor
(FDA 2011/2012); escitalopram 10 mg/day in the elderly and hepatic impairment; additive risk with QT-prolonging
co-medication (CredibleMeds); baseline QTc and electrolytes when entered. Data: ``data/qt_risk.json``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from novamind_core.pharmacology.catalogue import Catalogue, load_catalogue
from novamind_core.pharmacology.pgx import effective_phenotypes, strongest_inhibition

DEFAULT_QT_PATH = Path(__file__).resolve().parents[2] / "data" / "qt_risk.json"


@dataclass(frozen=True)
class QTcLine:
    """``ΔΔQTc(C) = intercept + slope * C`` above ``c_low_ng_ml``, straight to zero below it (mean and upper)."""

    drug: str
    slope_ms_per_ng_ml: float
    intercept_ms: float
    upper_slope_ms_per_ng_ml: float
    upper_intercept_ms: float
    c_low_ng_ml: float
    label_cmax_ng_ml: tuple[float, ...]
    source: str

    def predict(self, cmax_ng_ml: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        """(mean, upper 95%) ΔΔQTc in ms at each Cmax; vectorised over patients."""
        c = np.clip(np.asarray(cmax_ng_ml, dtype=float), 0.0, None)
        return (_piecewise(c, self.intercept_ms, self.slope_ms_per_ng_ml, self.c_low_ng_ml),
                _piecewise(c, self.upper_intercept_ms, self.upper_slope_ms_per_ng_ml, self.c_low_ng_ml))


@dataclass(frozen=True)
class QTcPrediction:
    """Predicted ΔΔQTc for one regimen, or ``None`` values with the reason."""

    drug: str
    cmax_ng_ml: float | None
    mean_ms: float | None
    upper_95_ms: float | None
    source: str | None
    reason: str | None = None

    def as_dict(self) -> dict[str, object] | None:
        if self.mean_ms is None:
            return None
        return {"mean": round(self.mean_ms, 2), "upper_95": round(self.upper_95_ms, 2), "source": self.source}


@dataclass(frozen=True)
class QTFinding:
    """One QT safety finding (severity 'major' | 'moderate' | 'info') with its source."""

    severity: str
    message: str
    source: str
    max_dose_mg_per_day: float | None = None  # set on QT dose-cap findings

    def as_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "message": self.message, "source": self.source}


def _piecewise(c: np.ndarray, a: float, b: float, c_low: float) -> np.ndarray:
    at_low = a + b * c_low
    return np.where(c >= c_low, a + b * c, at_low * c / c_low)


@functools.lru_cache(maxsize=4)
def qt_data(path: str | None = None) -> Mapping[str, Any]:
    return json.loads(Path(path or DEFAULT_QT_PATH).read_text(encoding="utf-8"))


def fit_line(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Least-squares ``y = a + b x``: returns (a, b)."""
    design = np.column_stack([np.ones_like(x), x])
    (a, b), *_ = np.linalg.lstsq(design, y, rcond=None)
    return float(a), float(b)


@functools.lru_cache(maxsize=16)
def _qtc_line_cached(drug: str, catalogue_path: str) -> QTcLine | None:
    from novamind_core.pharmacology.summary import steady_state_summary

    entry = qt_data()["label_points"].get(drug)
    if entry is None:
        return None
    cat = load_catalogue(catalogue_path)
    pts = entry["points"]
    cmax = np.array([steady_state_summary(drug, p["dose_mg_per_day"], 24.0, catalogue=cat).cmax_ng_ml for p in pts])
    a, b = fit_line(cmax, np.array([p["mean_ms"] for p in pts]))
    au, bu = fit_line(cmax, np.array([p["upper_95_ms"] for p in pts]))
    return QTcLine(drug, b, a, bu, au, float(cmax.min()), tuple(float(c) for c in cmax), entry["source"])


def qtc_line(drug: str, catalogue: Catalogue | None = None) -> QTcLine | None:
    """The fitted concentration-QTc line for ``drug`` (None when its label gives no thorough-QT figures)."""
    cat = catalogue or load_catalogue()
    return _qtc_line_cached(str(drug).strip().lower(), cat.path)


def predict_qtc(drug: str, cmax_ng_ml: float | None, catalogue: Catalogue | None = None) -> QTcPrediction:
    """Predicted ΔΔQTc at a regimen's steady-state Cmax, or ``None`` values with the reason."""
    name = str(drug).strip().lower()
    line = qtc_line(name, catalogue)
    if line is None:
        return QTcPrediction(name, cmax_ng_ml, None, None, None,
                             f"no thorough-QT figures in the {name} label to build a concentration-QTc relation from")
    if cmax_ng_ml is None:
        return QTcPrediction(name, None, None, None, None, "no steady-state Cmax for this regimen")
    mean, upper = line.predict(np.array([cmax_ng_ml]))
    source = (f"{line.source}; linear concentration-QTc fit to the label points at the model's steady-state Cmax "
              "(docs/science.md §13)")
    return QTcPrediction(name, float(cmax_ng_ml), float(mean[0]), float(upper[0]), source)


def qt_assessment(drug: str, dose_mg_per_day: float, *, age_years: float | None = None,
                  cyp2c19: str | None = "NM", cyp2d6: str | None = "NM", co_medications: Iterable[str] = (),
                  hepatic_impairment: bool = False, baseline_qtc_ms: float | None = None,
                  potassium_mmol_l: float | None = None, magnesium_mmol_l: float | None = None,
                  sex: str | None = None, predicted: QTcPrediction | None = None,
                  catalogue: Catalogue | None = None) -> tuple[QTFinding, ...]:
    """QT safety findings for ``drug`` at ``dose_mg_per_day`` (each with its source)."""
    cat = catalogue or load_catalogue()
    data = qt_data()
    name = str(drug).strip().lower()
    co = [str(c).strip().lower() for c in co_medications if str(c).strip().lower() != name]
    findings: list[QTFinding] = []
    rule = data["dose_rules"].get(name)
    if rule is not None:
        reasons = _reduced_dose_reasons(name, age_years, cyp2c19, cyp2d6, co, hepatic_impairment, cat)
        cap = rule["reduced_max_mg_per_day"] if reasons else rule["max_mg_per_day"]
        why = f" ({', '.join(reasons)})" if reasons else ""
        if dose_mg_per_day > cap:
            findings.append(QTFinding("major", f"{name} {dose_mg_per_day:g} mg/day exceeds the QT-safe maximum of "
                                      f"{cap:g} mg/day{why}", rule["source"], cap))
        else:
            findings.append(QTFinding("info", f"{name} QT-safe maximum {cap:g} mg/day{why}", rule["source"], cap))
    agents = data["qt_prolonging_agents"]
    self_risk = _risk(name, agents)
    for other in co:
        risk = _risk(other, agents)
        if risk and self_risk:
            severity = "major" if risk == self_risk == "known_risk" else "moderate"
            findings.append(QTFinding(severity, f"additive QT prolongation: {name} ({self_risk.replace('_', ' ')}) "
                                      f"with {other} ({risk.replace('_', ' ')}); consider an ECG", agents["source"]))
    findings += _ecg_and_electrolytes(name, baseline_qtc_ms, potassium_mmol_l, magnesium_mmol_l, sex, predicted,
                                      self_risk, data["thresholds"])
    return tuple(findings)


def _reduced_dose_reasons(name: str, age: float | None, cyp2c19: str | None, cyp2d6: str | None, co: list[str],
                          hepatic: bool, cat: Catalogue) -> list[str]:
    reasons = []
    known = [c for c in co if c in cat.drugs or c in cat.other_agents]  # PGx knows catalogue agents only
    if name == "citalopram":
        if age is not None and age > 60:
            reasons.append("age over 60")
        if effective_phenotypes(name, cyp2d6, cyp2c19, known, cat)["CYP2C19"] == "PM":
            reasons.append("CYP2C19 poor metaboliser")
        inhibition, who = strongest_inhibition("CYP2C19", known, cat)
        if inhibition is not None:
            reasons.append(f"CYP2C19 inhibitor {who}")
    elif name == "escitalopram" and age is not None and age >= 65:
        reasons.append("age 65 or over")
    if hepatic:
        reasons.append("hepatic impairment")
    return reasons


def _risk(name: str, agents: Mapping[str, Any]) -> str | None:
    for category in ("known_risk", "possible_risk"):
        if name in agents[category]:
            return category
    return None


def _ecg_and_electrolytes(name: str, qtc: float | None, k: float | None, mg: float | None, sex: str | None,
                          predicted: QTcPrediction | None, self_risk: str | None,
                          t: Mapping[str, Mapping[str, Any]]) -> list[QTFinding]:
    out: list[QTFinding] = []
    high = t["qtc_high_risk_ms"]
    if qtc is not None:
        if qtc > high["value"]:
            out.append(QTFinding("major", f"baseline QTc {qtc:g} ms is above {high['value']:g} ms: avoid "
                                 f"QT-prolonging treatment ({name}) until assessed", high["source"]))
        else:
            key = "qtc_prolonged_female_ms" if (sex or "").lower() == "female" else "qtc_prolonged_male_ms"
            if qtc >= t[key]["value"]:
                out.append(QTFinding("moderate", f"baseline QTc {qtc:g} ms is prolonged (>= {t[key]['value']:g} ms)",
                                     t[key]["source"]))
        if predicted is not None and predicted.upper_95_ms is not None:
            on_drug = qtc + predicted.upper_95_ms
            if on_drug > high["value"]:
                out.append(QTFinding("major", f"baseline QTc {qtc:g} ms plus the predicted upper 95% ΔΔQTc "
                                     f"{predicted.upper_95_ms:.1f} ms exceeds {high['value']:g} ms", high["source"]))
    for value, key, what in ((k, "potassium_low_mmol_l", "potassium"), (mg, "magnesium_low_mmol_l", "magnesium")):
        if value is not None and value < t[key]["value"]:
            severity = "major" if self_risk else "moderate"
            out.append(QTFinding(severity, f"{what} {value:g} mmol/L is below {t[key]['value']:g} mmol/L: correct it "
                                 "before starting or raising a QT-prolonging drug", t[key]["source"]))
    return out
