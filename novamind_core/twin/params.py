"""Population parameters of the twin, each with a source or marked as fitted.

Every number the twin uses lives here (mechanistic constants, time constants, symptom-model hyper-parameters) or
in ``data/twin_population_params.json`` (the calibrated values written by ``python -m novamind_core calibrate``).
A parameter is a :class:`Parameter` with ``value``, ``unit``, ``source`` and ``fitted``: either it carries a
literature source, or it says that it was fitted and the calibration report (``docs/calibration.md``) shows the fit.
Values marked "assumed" are modelling choices within the cited range; "(verify)" flags a figure that should be
checked against the primary source before clinical use.

Decision support for research and demonstration; not a medical device.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

from novamind_core.domain.errors import ConfigurationError

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
PARAMS_PATH = DATA_DIR / "twin_population_params.json"


@dataclass(frozen=True)
class Parameter:
    """One population parameter: value, unit, where it comes from, and whether calibration fitted it."""

    value: float
    unit: str
    source: str
    fitted: bool = False

    def to_dict(self) -> dict:
        return {"value": self.value, "unit": self.unit, "source": self.source, "fitted": self.fitted}


# --- mechanistic constants (neurotransmitter dynamics) -------------------------------------------------------------
_MECHANISM: dict[str, Parameter] = {
    "reuptake_gain_5ht": Parameter(
        0.75, "1",
        "assumed: extracellular 5-HT gain 1/(1-a*occupancy); a=0.75 gives 2.5x at 80% SERT occupancy, within the "
        "2-4x rise seen by microdialysis under SSRIs with autoreceptors blocked (Hjorth & Auerbach 1994, "
        "Eur J Pharmacol 260:251; verify)"),
    "reuptake_gain_ne": Parameter(0.75, "1", "assumed: same form as reuptake_gain_5ht for NET"),
    "reuptake_gain_da": Parameter(0.75, "1", "assumed: same form as reuptake_gain_5ht for DAT"),
    "autoreceptor_feedback_5ht": Parameter(
        1.0, "1",
        "assumed: acute SSRI leaves forebrain 5-HT near baseline because raphe firing falls "
        "(Blier & de Montigny 1994, Trends Pharmacol Sci 15:220)"),
    "autoreceptor_feedback_ne": Parameter(
        1.0, "1", "assumed: alpha-2 autoreceptor feedback on locus coeruleus firing (Szabo & Blier 2001, "
                  "Brain Res 922:9; verify)"),
    "autoreceptor_feedback_da": Parameter(0.5, "1", "assumed: D2 autoreceptor feedback on VTA/SN firing"),
    "max_desensitisation": Parameter(
        0.8, "1", "assumed: 5-HT1A / alpha-2 autoreceptor responsiveness recovers firing to ~80% of baseline "
                  "after 2-3 weeks (Blier & de Montigny 1994)"),
    "desensitisation_half_drive": Parameter(0.5, "fold above baseline", "assumed: drive giving half-maximal "
                                                                          "desensitisation"),
    "tau_autoreceptor_5ht1a_days": Parameter(
        7.0, "day",
        "Blier & de Montigny 1994, Trends Pharmacol Sci 15:220: raphe firing recovers after 2-3 weeks of SSRI; "
        "a first-order time constant of 7 d reaches 86% at 14 d and 95% at 21 d"),
    "tau_autoreceptor_alpha2_days": Parameter(
        7.0, "day", "Szabo & Blier 2001 (verify): locus coeruleus firing recovers over 2-3 weeks of NET inhibition"),
    "tau_receptor_downregulation_days": Parameter(
        14.0, "day",
        "Peroutka & Snyder 1980, Science 210:88 (5-HT2 down-regulation after 2-3 weeks of antidepressant); "
        "Vetulani & Sulser 1975, Nature 257:495 (beta-adrenergic down-regulation)"),
    "max_receptor_downregulation": Parameter(0.3, "1", "assumed: ~30% loss of 5-HT2A binding after chronic "
                                                       "antidepressant (Peroutka & Snyder 1980, range 20-40%)"),
    "tau_plasticity_days": Parameter(
        7.0, "day",
        "assumed: lag from adapted monoamine signal to symptom change (neuroplasticity, Duman & Monteggia 2006, "
        "Biol Psychiatry 59:1116); drug-placebo separation starts in week 1-2 (Taylor et al. 2006, Arch Gen "
        "Psychiatry 63:1217)"),
    "alpha2_release_gain_ne": Parameter(
        0.5, "1", "assumed: alpha-2 antagonism raises NE release (de Boer 1996, J Clin Psychiatry 57 Suppl 4:19)"),
    "alpha2_release_gain_5ht": Parameter(
        0.5, "1", "assumed: alpha-2 heteroceptor blockade raises 5-HT release (de Boer 1996)"),
    "ht3_release_gain_5ht": Parameter(
        0.3, "1", "assumed: 5-HT3 antagonism raises 5-HT release (Mork et al. 2012, J Pharmacol Exp Ther 340:666)"),
    "net_clears_cortical_da": Parameter(
        0.5, "1", "Moron et al. 2002, J Neurosci 22:389: NET clears dopamine in prefrontal cortex; weight assumed"),
    "drive_weight_5ht": Parameter(1.0, "1", "assumed: reference system (all drive weights relative to 5-HT)"),
    "drive_weight_ne": Parameter(1.0, "1", "assumed: NE as effective as 5-HT per fold change"),
    "drive_weight_da": Parameter(1.0, "1", "assumed"),
    "drive_weight_5ht2a": Parameter(
        1.0, "1", "assumed: 5-HT2A antagonism/down-regulation is antidepressant (mirtazapine; Peroutka & Snyder "
                  "1980)"),
    "drive_weight_5ht1a": Parameter(0.5, "1", "assumed: postsynaptic 5-HT1A agonism (vortioxetine)"),
    "drive_half_saturation": Parameter(
        0.5, "drive units", "assumed: saturating drive u/(u+u50); SSRI efficacy plateaus above the minimum dose "
                            "(Furukawa et al. 2019, Lancet Psychiatry 6:601)"),
}

# --- symptom model (PHQ-9 / GAD-7) --------------------------------------------------------------------------------
_SYMPTOMS: dict[str, Parameter] = {
    "placebo_logit_mean": Parameter(
        -0.9, "logit of fraction", "fitted: placebo response 35-40% at week 8 (Furukawa et al. 2016, Lancet "
                                    "Psychiatry 3:1059)", fitted=True),
    "placebo_logit_sd": Parameter(
        3.0, "logit", "fitted: between-patient spread of non-specific improvement (sets remission vs response, "
                      "STAR*D remission by step)", fitted=True),
    "tau_placebo_days": Parameter(
        14.0, "day", "assumed: placebo improvement mostly in weeks 1-4 (Rutherford & Roose 2013, Am J Psychiatry "
                     "170:723)"),
    "placebo_attenuation_per_step": Parameter(
        0.44, "1", "fitted: a new treatment step adds non-specific improvement attenuation**(k-1) * p'_i (STAR*D, "
                  "Rush et al. 2006)", fitted=True),
    "placebo_renewal_correlation": Parameter(
        0.1, "1", "fitted: correlation between a patient's non-specific improvement on the first step and on each "
                  "new step (1: the same responsiveness every step; STAR*D remission by step, Rush et al. 2006)",
        fitted=True),
    "open_label_placebo_logit_shift": Parameter(
        1.1, "logit", "fitted: larger non-specific improvement when everyone knows the treatment is active "
                      "(open-label STAR*D, clinic) than in placebo-controlled trials, whose drug-arm response is lower "
                      "than in trials without a placebo arm (Rutherford et al. 2009, Psychother Psychosom 78:172; "
                      "Sinyor et al. 2010, J Clin Psychiatry 71:270; verify); size fitted to STAR*D level-1 remission",
        fitted=True),
    "drug_response_retained_per_further_failed_step": Parameter(
        0.15, "1", "fitted: fraction of drug responsiveness left after each failed adequate treatment step beyond the "
                  "first; remission falls most in the third and fourth steps (STAR*D, Rush et al. 2006), and "
                  "treatment-resistant depression is staged from two failed adequate trials", fitted=True),
    "natural_course_fraction": Parameter(
        0.25, "1", "assumed: untreated MDD, 53% remit within a year (Whiteford et al. 2013, Psychol Med 43:1569); "
                   "the slow component beyond early non-specific improvement"),
    "tau_natural_course_days": Parameter(180.0, "day", "assumed: order of months (Whiteford et al. 2013)"),
    "drug_sensitivity_log_mean": Parameter(0.0, "log", "assumed: reference (drug efficacy scales are fitted)"),
    "drug_sensitivity_shared_sd": Parameter(
        0.8, "log", "fitted: patient-level drug sensitivity shared across drugs (reproduces falling STAR*D remission "
                    "by step)", fitted=True),
    "drug_sensitivity_drug_sd": Parameter(
        1.0, "log", "fitted: drug-specific idiosyncratic sensitivity (a non-responder may respond to the next drug; "
                    "STAR*D remission by step)", fitted=True),
    "psychotherapy_fraction": Parameter(
        0.2, "1", "assumed: combined treatment beats pharmacotherapy alone by g~0.43 (Cuijpers et al. 2014, World "
                  "Psychiatry 13:56), ~0.2 of the remaining score"),
    "tau_psychotherapy_days": Parameter(28.0, "day", "assumed: weekly sessions, effect over 1-3 months"),
    "phq9_observation_sd": Parameter(
        2.2, "points", "SEM = SD*sqrt(1-r) with test-retest r=0.84 (Kroenke et al. 2001, J Gen Intern Med 16:606) "
                       "and SD~5.5"),
    "gad7_observation_sd": Parameter(
        2.0, "points", "SEM = SD*sqrt(1-r), test-retest ICC 0.83 (Spitzer et al. 2006, Arch Intern Med 166:1092), "
                       "SD~4.8"),
    "gad7_improvement_ratio": Parameter(
        0.9, "1", "assumed: anxiety improves ~90% as much (fractionally) as depression under antidepressants"),
    "baseline_phq9_mean": Parameter(
        17.0, "points", "assumed: moderately severe MDD; STAR*D baseline QIDS-SR16 ~16 on the same 0-27 range "
                        "(Rush et al. 2006; PHQ-9/QIDS-SR crosswalk is approximate, verify)"),
    "baseline_phq9_sd": Parameter(4.0, "points", "assumed"),
    "baseline_phq9_min": Parameter(10.0, "points", "entry criterion: at least moderate depression (Kroenke 2001)"),
    "baseline_gad7_mean": Parameter(12.0, "points", "assumed: anxiety is common in MDD (comorbidity ~50%)"),
    "baseline_gad7_sd": Parameter(4.5, "points", "assumed"),
}

# Cipriani et al. 2018, Lancet 391:1357, Figure 3 (response OR vs placebo; verify against the primary source).
CIPRIANI_2018_RESPONSE_OR: dict[str, float] = {
    "mirtazapine": 1.89, "duloxetine": 1.85, "venlafaxine": 1.78, "paroxetine": 1.75, "escitalopram": 1.68,
    "sertraline": 1.67, "vortioxetine": 1.66, "bupropion": 1.58, "fluoxetine": 1.52, "citalopram": 1.52,
    "desvenlafaxine": 1.49,
}
CIPRIANI_SOURCE = "Cipriani et al. 2018, Lancet 391:1357, Figure 3 (response OR vs placebo; verify)"

PLACEBO_RESPONSE_TARGET = 0.375
PLACEBO_RESPONSE_RANGE = (0.35, 0.40)
PLACEBO_SOURCE = "Furukawa et al. 2016, Lancet Psychiatry 3:1059 (placebo response 35-40%)"

STARD_REMISSION_BY_STEP = (0.368, 0.306, 0.137, 0.130)
STARD_CUMULATIVE_REMISSION = 0.67
STARD_SOURCE = "Rush et al. 2006, Am J Psychiatry 163:1905 (QIDS-SR remission by level; cumulative 67%)"


@dataclass(frozen=True)
class PopulationParams:
    """All population parameters: mechanism, symptom model and per-drug efficacy scales (fitted).

    ``drug_efficacy[name]`` scales the therapeutic drive of that drug; it is fitted so a simulated trial reproduces
    the drug's response odds ratio vs placebo (Cipriani et al. 2018). ``calibrated`` is False when the values are
    the code defaults (no calibration file was found).
    """

    values: dict[str, Parameter]
    drug_efficacy: dict[str, Parameter]
    calibrated: bool = False
    provenance: dict = field(default_factory=dict)

    def __getitem__(self, name: str) -> float:
        return self.values[name].value

    def efficacy(self, drug: str) -> float:
        """Efficacy scale of ``drug``; an uncalibrated drug gets the mean of the fitted ones."""
        if drug in self.drug_efficacy:
            return self.drug_efficacy[drug].value
        return float(sum(p.value for p in self.drug_efficacy.values()) / max(len(self.drug_efficacy), 1))

    def with_values(self, **updates: float) -> PopulationParams:
        """A copy with some parameter values replaced (fitted flags and sources kept)."""
        vals = dict(self.values)
        for k, v in updates.items():
            vals[k] = replace(vals[k], value=float(v))
        return replace(self, values=vals)

    def with_efficacy(self, efficacy: dict[str, float], source: str = CIPRIANI_SOURCE) -> PopulationParams:
        eff = dict(self.drug_efficacy)
        for k, v in efficacy.items():
            eff[k] = Parameter(float(v), "1", f"fitted to {source}", fitted=True)
        return replace(self, drug_efficacy=eff)

    def to_dict(self) -> dict:
        return {
            "parameters": {k: p.to_dict() for k, p in self.values.items()},
            "drug_efficacy": {k: p.to_dict() for k, p in self.drug_efficacy.items()},
            "calibrated": self.calibrated,
            "provenance": self.provenance,
        }

    @classmethod
    def from_dict(cls, d: dict) -> PopulationParams:
        try:
            values = {k: Parameter(**v) for k, v in d["parameters"].items()}
            eff = {k: Parameter(**v) for k, v in d["drug_efficacy"].items()}
        except (KeyError, TypeError) as exc:
            raise ConfigurationError(f"twin population parameter file is malformed: {exc}") from exc
        merged = {**default_params().values, **values}
        return cls(values=merged, drug_efficacy=eff, calibrated=bool(d.get("calibrated", False)),
                   provenance=dict(d.get("provenance", {})))


def default_params() -> PopulationParams:
    """Code defaults: literature values and starting points for the fitted parameters (not calibrated)."""
    eff = {d: Parameter(1.0, "1", "starting value before calibration", fitted=True) for d in CIPRIANI_2018_RESPONSE_OR}
    return PopulationParams(values={**_MECHANISM, **_SYMPTOMS}, drug_efficacy=eff, calibrated=False,
                            provenance={"note": "code defaults; run `python -m novamind_core calibrate`"})


def load_population_params(path: Path | None = None) -> PopulationParams:
    """Calibrated parameters from ``data/twin_population_params.json``, or the code defaults when it is absent."""
    path = path or PARAMS_PATH
    if not path.exists():
        return default_params()
    return PopulationParams.from_dict(json.loads(path.read_text()))


def save_population_params(params: PopulationParams, path: Path | None = None) -> Path:
    path = path or PARAMS_PATH
    path.write_text(json.dumps(params.to_dict(), indent=2, sort_keys=True) + "\n")
    return path
