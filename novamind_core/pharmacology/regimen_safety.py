"""Safety of one regimen for one patient: predicted ΔΔQTc, the QT rules, and the AGNP reference range with where the
predicted steady-state trough falls (docs/science.md §13, §14).

One composition of the pure functions the ``pk`` CLI also uses (``qtc.predict_qtc``, ``qtc.qt_assessment``,
``reference_ranges.reference_range``, ``reference_ranges.trough_position``) at the steady state of the typical patient
with this patient's covariates (``covariates.adjusted_catalogue``), phenotype and co-medication
(``summary.steady_state_summary``). The pages (simulation, timelines) call :func:`regimen_safety` through their view
model or the scenario check, never with inputs of their own. Decision support; not a medical device.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from novamind_core.pharmacology.catalogue import Catalogue, load_catalogue
from novamind_core.pharmacology.covariates import Covariates, adjusted_catalogue
from novamind_core.pharmacology.qtc import QTcPrediction, QTFinding, predict_qtc, qt_assessment
from novamind_core.pharmacology.reference_ranges import ReferenceRange, reference_range, trough_position
from novamind_core.pharmacology.summary import steady_state_summary


def covariates_used(covariates: Covariates) -> tuple[str, ...]:
    """The covariates given (clinicians' words), e.g. ``("age 72 y", "sex female")``; empty = reference patient."""
    out = []
    if covariates.age_years is not None:
        out.append(f"age {covariates.age_years:g} y")
    if covariates.weight_kg is not None:
        out.append(f"weight {covariates.weight_kg:g} kg")
    if covariates.sex is not None:
        out.append(f"sex {covariates.sex}")
    if covariates.smoker is not None:
        out.append("smoker" if covariates.smoker else "non-smoker")
    return tuple(out)


@dataclass(frozen=True)
class RegimenSafety:
    """QTc, QT rules and reference range of ``drug`` at ``dose_mg`` every ``interval_h`` for this patient.

    ``qtc.mean_ms`` is ``None`` with ``qtc.reason`` when the drug's label has no thorough-QT figures;
    ``reference_range``/``trough_ng_ml``/``trough_position`` are ``None`` when AGNP gives no range.
    ``trough_position``: ``"below" | "within" | "above" | "above_alert"``.
    """

    drug: str
    dose_mg: float
    interval_h: float
    cmax_ng_ml: float
    qtc: QTcPrediction
    qt_findings: tuple[QTFinding, ...]
    reference_range: ReferenceRange | None
    trough_ng_ml: float | None
    trough_position: str | None
    covariates_used: tuple[str, ...]
    cyp2d6: str
    cyp2c19: str
    trough_basis: str = "predicted steady-state trough (typical patient)"

    @property
    def dose_mg_per_day(self) -> float:
        return self.dose_mg * 24.0 / self.interval_h

    def qtc_text(self) -> str:
        """``ΔΔQTc 12.6 ms (upper 95% 14.2 ms)`` or ``ΔΔQTc not available for <drug>: <reason>``."""
        q = self.qtc
        if q.mean_ms is None or q.upper_95_ms is None:
            return f"ΔΔQTc not available for {self.drug}: {q.reason}"
        return (f"predicted ΔΔQTc {q.mean_ms:.1f} ms (upper 95% {q.upper_95_ms:.1f} ms) at steady-state Cmax "
                f"{self.cmax_ng_ml:.0f} ng/mL")

    def range_text(self) -> str:
        """The reference range and where the predicted trough falls, or that AGNP gives none."""
        rr = self.reference_range
        if rr is None or self.trough_ng_ml is None or self.trough_position is None:
            return f"no AGNP reference range for {self.drug}"
        return (f"reference range ({rr.analyte}) {rr.low_ng_ml:g}–{rr.high_ng_ml:g} ng/mL, alert {rr.alert_ng_ml:g}; "
                f"{self.trough_basis} {self.trough_ng_ml:.0f} ng/mL: {self.trough_position.replace('_', ' ')}")

    def covariates_text(self) -> str:
        used = ", ".join(self.covariates_used) if self.covariates_used else "none (reference adult)"
        return f"covariates used: {used}; CYP2D6 {self.cyp2d6}, CYP2C19 {self.cyp2c19}"


def regimen_safety(drug: str, dose_mg: float, interval_h: float = 24.0, *, cyp2d6: str | None = None,
                   cyp2c19: str | None = None, co_medications: Iterable[str] = (),
                   covariates: Covariates | None = None, catalogue: Catalogue | None = None,
                   trough_ng_ml: float | None = None, trough_basis: str | None = None) -> RegimenSafety:
    """Predicted ΔΔQTc, the QT rule findings and the trough against the reference range, for this patient.

    ``trough_ng_ml`` (with ``trough_basis``, its label): the trough the caller already has for the patient's current
    regimen (from the dosing history, ``twin.exposure.troughs_on_day``), shown instead of the typical patient's
    steady state, so a page shows one trough; a plan's regimen has none and keeps the steady state."""
    base = catalogue or load_catalogue()
    cov = covariates or Covariates()
    name = base.get(drug).name
    g6, g19 = cyp2d6 or "NM", cyp2c19 or "NM"
    co = [c for c in co_medications if c != name and (c in base.drugs or c in base.other_agents)]
    cat = adjusted_catalogue(base, cov, drugs=[name])
    ss = steady_state_summary(name, dose_mg, interval_h, g6, g19, co, cat)
    qtc = predict_qtc(name, ss.cmax_ng_ml, base)
    per_day = dose_mg * 24.0 / interval_h
    findings = qt_assessment(name, per_day, age_years=cov.age_years, cyp2c19=g19, cyp2d6=g6,
                             co_medications=list(co_medications), sex=cov.sex, predicted=qtc, catalogue=base)
    rng = reference_range(name)
    trough = position = None
    if rng is not None:
        moiety = rng.concentration_key.endswith("_active_moiety") and ss.active_moiety is not None
        trough = float(ss.active_moiety["cmin_ng_ml"]) if moiety and ss.active_moiety else float(ss.cmin_ng_ml)
        if trough_ng_ml is not None:
            trough = float(trough_ng_ml)
        position = trough_position(rng, trough)
    basis = {"trough_basis": trough_basis} if trough_ng_ml is not None and trough_basis else {}
    return RegimenSafety(name, float(dose_mg), float(interval_h), float(ss.cmax_ng_ml), qtc, findings, rng, trough,
                         position, covariates_used(cov), g6, g19, **basis)


__all__ = ["RegimenSafety", "covariates_used", "regimen_safety"]
