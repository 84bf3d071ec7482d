"""The twin's answer to "why is this patient not responding?": each signal from the patient's own data, and the
options compared (pure builder; the service assembly is tested in tests/integration/test_twin_service.py)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from novamind_core.domain.medications import ChangeKind, Frequency, MedicationOrder
from novamind_core.pharmacology import load_catalogue
from novamind_core.pharmacology.reference_ranges import reference_range
from novamind_core.pharmacology.summary import steady_state_summary
from novamind_core.services.twin_review import current_course
from novamind_core.twin.response_review import (
    CurrentCourse,
    MeasuredLevel,
    options,
    review_signals,
    wilson_interval,
)

TODAY = date(2026, 3, 2)
CAT = load_catalogue()


def _course(drug="sertraline", dose=50.0, weeks=6, dose_weeks=None) -> CurrentCourse:
    return CurrentCourse(drug, dose, 24.0, TODAY - timedelta(weeks=dose_weeks or weeks), TODAY - timedelta(weeks=weeks))


def _signals(course=None, **kw):
    args = dict(cyp2d6=None, cyp2c19=None, co_medications=(), adherence=None, adherence_basis="no adherence note",
                phq9=(), levels=(), catalogue=CAT)
    args.update(kw)
    return {s.name: s for s in review_signals(course or _course(), TODAY, **args)}


def test_exposure_compares_the_predicted_trough_with_the_agnp_range_of_the_same_analyte():
    s = _signals()["Exposure"]
    trough = steady_state_summary("sertraline", 50, 24).cmin_ng_ml
    rng = reference_range("sertraline")
    assert f"{trough:.0f} ng/mL" in s.finding and f"{rng.low_ng_ml:g}-{rng.high_ng_ml:g}" in s.finding
    assert s.status == "ok" and "Hiemke" in s.source
    fluox = _signals(_course("fluoxetine", 20))["Exposure"]
    assert "fluoxetine + norfluoxetine" in fluox.finding  # the active moiety, not the parent alone


def test_a_measured_level_below_the_range_and_below_half_the_prediction_flags_exposure_and_adherence():
    s = _signals(levels=(MeasuredLevel(TODAY - timedelta(days=3), 4.0),))
    assert s["Exposure"].status == "concern" and "measured 4 ng/mL" in s["Exposure"].finding
    assert s["Adherence"].status == "concern" and "below half" in s["Adherence"].finding


def test_sert_occupancy_is_judged_against_80_percent_and_not_for_drugs_without_sert():
    low = _signals(_course("sertraline", 25))["Target occupancy"]
    assert low.status == "concern" and "against about 80%" in low.finding and "Meyer" in low.source
    assert _signals(_course("sertraline", 100))["Target occupancy"].status == "ok"
    bup = _signals(_course("bupropion", 150))["Target occupancy"]
    assert bup.status == "unknown" and "does not act on SERT" in bup.finding


def test_under_four_weeks_on_the_current_dose_is_too_early_to_call_non_response():
    early = _signals(_course(weeks=6, dose_weeks=2))["Time on an adequate dose"]
    assert early.status == "concern" and early.finding.startswith("2.0 weeks on 50 mg/day (6.0 weeks")
    assert _signals(_course(weeks=6))["Time on an adequate dose"].status == "ok"


def test_adherence_note_below_80_percent_is_a_concern_and_no_note_is_unknown():
    assert _signals(adherence=0.6, adherence_basis="note says 3 missed doses a week")["Adherence"].status == "concern"
    assert _signals()["Adherence"].status == "unknown"
    assert _signals(adherence=1.0, adherence_basis="note says good")["Adherence"].status == "ok"


def test_a_strong_cyp2d6_inhibitor_phenoconverts_a_normal_metaboliser_and_raises_exposure():
    s = _signals(_course("paroxetine", 20), cyp2d6="NM", co_medications=("bupropion",))["PGx and phenoconversion"]
    assert "PM after co-medication (bupropion)" in s.finding and s.status == "concern"
    untested = _signals(_course("escitalopram", 10))["PGx and phenoconversion"]
    assert "not tested" in untested.finding and untested.status == "unknown"


def test_no_early_improvement_by_week_two_is_evidence_worded_consider_not_switch():
    start = TODAY - timedelta(weeks=6)
    s = _signals(phq9=((start, 20), (start + timedelta(days=14), 19)))["Early improvement"]
    assert s.status == "concern" and "consider" in s.finding and "switch" not in s.finding.lower()
    seen = _signals(phq9=((start, 20), (start + timedelta(days=14), 14)))["Early improvement"]
    assert seen.status == "ok"
    assert _signals()["Early improvement"].status == "unknown"


def test_options_continue_raise_one_step_switch_class_and_augmentation_marked_not_modelled():
    labels = [o.label for o in options(_course(), CAT, 12)]
    assert labels[0] == "Continue unchanged" and labels[1] == "Raise the dose to 100 mg/day"
    assert labels[2].startswith("Switch to venlafaxine")
    augment = options(_course(), CAT, 12)[-1]
    assert augment.scenario is None and "not modelled" in augment.assumption
    at_max = options(_course(dose=200), CAT, 12)[1]
    assert at_max.scenario is None and "maximum" in at_max.assumption


def test_wilson_interval_matches_the_closed_form_and_contains_the_estimate():
    lo, hi = wilson_interval(0.3, 400)
    assert lo < 0.3 < hi
    assert (lo, hi) == pytest.approx((0.2567, 0.3472), abs=1e-3)
    assert wilson_interval(0.0, 100)[0] == 0.0


def _order(i, drug, dose, start, stop=None, freq=Frequency.DAILY):
    return MedicationOrder(i, 1, drug, dose, freq, start, stop, ChangeKind.START)


def test_the_current_course_follows_a_titration_back_to_the_drugs_first_start():
    start = TODAY - timedelta(weeks=8)
    orders = (_order(1, "sertraline", 50, start, start + timedelta(weeks=3)),
              _order(2, "sertraline", 100, start + timedelta(weeks=3)),
              _order(3, "mirtazapine", 15, TODAY + timedelta(days=3)))  # not started yet
    course = current_course(orders, tuple(CAT.drugs), TODAY)
    assert (course.drug, course.dose_mg_per_day) == ("sertraline", 100.0)
    assert course.dose_since == start + timedelta(weeks=3) and course.drug_since == start
    assert current_course((), tuple(CAT.drugs), TODAY) is None
