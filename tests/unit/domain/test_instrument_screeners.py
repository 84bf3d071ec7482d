"""The step-15 instruments score against their published rules and examples (sources in
novamind_core/domain/instrument_screeners.py and docs/science.md)."""

from __future__ import annotations

import pytest

from novamind_core.domain.assessments import band_for, compare_to_baseline, score_assessment
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instrument_screeners import cssrs_triage_level
from novamind_core.domain.instruments import INSTRUMENTS, Instrument


def test_every_instrument_has_bands_that_cover_its_whole_range_without_gaps():
    for instrument, spec in INSTRUMENTS.items():
        covered = [t for b in spec.bands for t in range(b.min_total, b.max_total + 1)]
        assert covered == list(range(spec.max_total + 1)), instrument


@pytest.mark.parametrize(("instrument", "items", "max_total"), [
    ("C-SSRS", 7, 3), ("PCL-5", 20, 80), ("AUDIT", 10, 40), ("AUDIT-C", 3, 12), ("MDQ", 13, 13), ("WSAS", 5, 40),
    ("ASRM", 5, 20),
])
def test_each_new_instrument_has_its_published_item_count_and_range(instrument, items, max_total):
    spec = Instrument.parse(instrument).spec
    assert (len(spec.items), spec.max_total) == (items, max_total)


def test_phq9_item_10_is_recorded_but_never_added_to_the_total():
    nine = [1, 1, 1, 1, 1, 1, 1, 1, 0]
    with_ten = score_assessment("PHQ-9", [*nine, 3])
    assert with_ten.total == score_assessment("PHQ-9", nine).total == 8
    assert with_ten.answers[-1] == 3 and len(with_ten.answers) == 10


def test_phq9_item_10_answer_outside_its_scale_is_refused_naming_item_10():
    with pytest.raises(ValidationError, match="item 10"):
        score_assessment("PHQ-9", [0] * 9 + [4])


@pytest.mark.parametrize(("answers", "level"), [
    ([0, 0, 0, 0, 0, 0, 0], "none"),
    ([1, 0, 0, 0, 0, 0, 0], "low"),                   # wish to be dead only
    ([1, 1, 0, 0, 0, 0, 0], "low"),                   # non-specific active thoughts
    ([1, 1, 1, 0, 0, 0, 0], "moderate"),              # thoughts with a method
    ([0, 0, 0, 0, 0, 1, 0], "moderate"),              # behaviour more than 3 months ago
    ([1, 1, 1, 1, 0, 0, 0], "high"),                  # intent
    ([1, 1, 1, 0, 1, 0, 0], "high"),                  # plan with intent
    ([0, 0, 0, 0, 0, 1, 1], "high"),                  # behaviour in the past 3 months
    ([0, 0, 0, 0, 0, 0, 1], "none"),                  # "within 3 months" without behaviour counts for nothing
])
def test_cssrs_screener_triage_follows_the_columbia_screen_version(answers, level):
    score = score_assessment("C-SSRS", answers)
    assert score.severity == level
    assert cssrs_triage_level(tuple(answers)) == ("none", "low", "moderate", "high").index(level)


def test_cssrs_is_asked_by_a_clinician_and_never_sent_to_a_patient():
    assert Instrument.CSSRS.spec.self_report is False
    assert all(Instrument.parse(i).spec.self_report for i in ("PCL-5", "AUDIT", "MDQ", "WSAS", "ASRM", "PHQ-9"))


@pytest.mark.parametrize(("total", "band"), [(0, "below cut-off"), (32, "below cut-off"), (33, "probable PTSD"),
                                             (80, "probable PTSD")])
def test_pcl5_provisional_ptsd_starts_at_33(total, band):
    answers = [4] * (total // 4) + ([total % 4] if total % 4 else [])
    answers += [0] * (20 - len(answers))
    assert score_assessment("PCL-5", answers).total == total
    assert score_assessment("PCL-5", answers).severity == band


@pytest.mark.parametrize(("total", "zone"), [(7, "low risk"), (8, "hazardous"), (15, "hazardous"), (16, "harmful"),
                                             (19, "harmful"), (20, "possible dependence"), (40, "possible dependence")])
def test_audit_zones_are_the_who_zones(total, zone):
    assert band_for("AUDIT", total).name == zone


def test_audit_questions_9_and_10_score_0_2_or_4_only():
    answers = [4, 4, 4, 4, 4, 4, 4, 4, 4, 4]
    assert score_assessment("AUDIT", answers).total == 40
    assert score_assessment("AUDIT", [1, 0, 0, 0, 0, 0, 0, 0, 2, 0]).total == 3
    with pytest.raises(ValidationError, match="allowed 0, 2, 4"):
        score_assessment("AUDIT", [0, 0, 0, 0, 0, 0, 0, 0, 1, 0])


@pytest.mark.parametrize(("answers", "band", "verdict"), [
    ([1, 1, 0], "negative", "negative screen"),
    ([2, 1, 0], "positive (women)", "positive screen for women, negative for men"),
    ([2, 1, 1], "positive", "positive screen (total 4"),
    ([4, 4, 4], "positive", "positive screen (total 12"),
])
def test_auditc_is_positive_at_3_for_women_and_4_for_men(answers, band, verdict):
    score = score_assessment("AUDIT-C", answers)
    assert score.severity == band
    assert score.screen.startswith(verdict)


def test_mdq_is_positive_only_with_7_symptoms_clustering_and_a_moderate_problem():
    seven = [1] * 7 + [0] * 6
    assert score_assessment("MDQ", [*seven, 1, 2]).screen.startswith("positive screen")
    assert score_assessment("MDQ", [*seven, 1, 2]).total == 7
    assert score_assessment("MDQ", [*seven, 0, 3]).screen == "negative screen (not at the same time)"
    assert score_assessment("MDQ", [*seven, 1, 1]).screen == "negative screen (no more than a minor problem)"
    six = [1] * 6 + [0] * 7
    assert score_assessment("MDQ", [*six, 1, 3]).screen == "negative screen (6 of 13 yes, fewer than 7)"


def test_mdq_needs_its_clustering_and_problem_questions():
    with pytest.raises(ValidationError, match="MDQ needs 15 answers"):
        score_assessment("MDQ", [1] * 13)


@pytest.mark.parametrize(("answers", "band"), [
    ([1, 2, 2, 2, 2], "subclinical"), ([2, 2, 2, 2, 2], "significant"), ([4, 4, 4, 4, 4], "significant"),
    ([5, 4, 4, 4, 4], "moderately severe"),
])
def test_wsas_bands_follow_mundt_2002(answers, band):
    assert score_assessment("WSAS", answers).severity == band


@pytest.mark.parametrize(("answers", "band"), [([1, 1, 1, 1, 1], "below cut-off"), ([2, 1, 1, 1, 1], "possible mania"),
                                               ([4, 4, 4, 4, 4], "possible mania")])
def test_asrm_cut_off_is_6(answers, band):
    assert score_assessment("ASRM", answers).severity == band


def test_instruments_without_adopted_change_statistics_report_no_reliable_change_index():
    change = compare_to_baseline("AUDIT", 20, 6)
    assert change.rci is None and not change.reliable_improvement and not change.mcid_improved
    assert "no reliable change index" not in change.describe()  # remission is the first finding here
    assert "reliable" not in compare_to_baseline("ASRM", 3, 3).describe().replace("no reliable change index", "")


def test_loinc_codes_are_given_only_where_loinc_publishes_the_instrument():
    assert (Instrument.AUDITC.spec.loinc_panel, Instrument.AUDITC.spec.loinc_total) == ("72109-2", "75626-2")
    assert (Instrument.AUDIT.spec.loinc_panel, Instrument.AUDIT.spec.loinc_total) == ("72110-0", "75624-7")
    assert Instrument.WSAS.spec.loinc_panel is None and Instrument.ASRM.spec.loinc_panel is None
