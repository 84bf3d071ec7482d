"""Scoring, severity bands, the PHQ-9 item-9 rule and change against baseline (docs/science.md §2)."""

from __future__ import annotations

import math

import pytest

from novamind_core.domain.assessments import (
    INSTRUMENTS,
    Instrument,
    compare_to_baseline,
    reliable_change_index,
    score_assessment,
    severity_band,
)
from novamind_core.domain.errors import ValidationError

# (instrument, total, band) at both sides of every published boundary
BAND_BOUNDARIES = [
    # PHQ-9, Kroenke 2001: 5, 10, 15, 20
    ("PHQ-9", 0, "minimal"),
    ("PHQ-9", 4, "minimal"),
    ("PHQ-9", 5, "mild"),
    ("PHQ-9", 9, "mild"),
    ("PHQ-9", 10, "moderate"),
    ("PHQ-9", 14, "moderate"),
    ("PHQ-9", 15, "moderately severe"),
    ("PHQ-9", 19, "moderately severe"),
    ("PHQ-9", 20, "severe"),
    ("PHQ-9", 27, "severe"),
    # GAD-7, Spitzer 2006: 5, 10, 15
    ("GAD-7", 0, "minimal"),
    ("GAD-7", 4, "minimal"),
    ("GAD-7", 5, "mild"),
    ("GAD-7", 9, "mild"),
    ("GAD-7", 10, "moderate"),
    ("GAD-7", 14, "moderate"),
    ("GAD-7", 15, "severe"),
    ("GAD-7", 21, "severe"),
    # ISI, Bastien 2001: 8, 15, 22
    ("ISI", 0, "none"),
    ("ISI", 7, "none"),
    ("ISI", 8, "subthreshold"),
    ("ISI", 14, "subthreshold"),
    ("ISI", 15, "moderate"),
    ("ISI", 21, "moderate"),
    ("ISI", 22, "severe"),
    ("ISI", 28, "severe"),
]


@pytest.mark.parametrize(("instrument", "total", "band"), BAND_BOUNDARIES)
def test_severity_band_matches_the_published_cut_points_at_every_boundary(instrument, total, band):
    assert severity_band(instrument, total) == band


def test_bands_cover_every_possible_total_without_gaps_or_overlaps():
    for instrument, spec in INSTRUMENTS.items():
        covered = [t for band in spec.bands for t in range(band.min_total, band.max_total + 1)]
        assert covered == list(range(spec.max_total + 1)), instrument


def answers_summing_to(instrument: Instrument, total: int) -> list[int]:
    """Answers that add up to ``total``, filling items in order (PHQ-9 item 9 last, so it stays 0 when it can)."""
    spec = instrument.spec
    order = list(range(len(spec.items)))
    if instrument is Instrument.PHQ9:
        order = [*range(8), 8]
    answers = [0] * len(spec.items)
    remaining = total
    for i in order:
        take = min(spec.max_answer, remaining)
        answers[i] = take
        remaining -= take
    assert remaining == 0
    return answers


@pytest.mark.parametrize(("instrument", "total", "band"), BAND_BOUNDARIES)
def test_score_assessment_totals_the_answers_and_reports_the_band(instrument, total, band):
    inst = Instrument.parse(instrument)
    answers = answers_summing_to(inst, total)
    result = score_assessment(inst, answers)
    assert result.total == total
    assert result.severity == band
    assert result.answers == tuple(answers)
    assert result.max_total == inst.max_total


def test_instrument_definitions_have_the_published_item_counts_and_ranges():
    assert (Instrument.PHQ9.item_count, Instrument.PHQ9.max_answer, Instrument.PHQ9.max_total) == (9, 3, 27)
    assert (Instrument.GAD7.item_count, Instrument.GAD7.max_answer, Instrument.GAD7.max_total) == (7, 3, 21)
    assert (Instrument.ISI.item_count, Instrument.ISI.max_answer, Instrument.ISI.max_total) == (7, 4, 28)
    assert Instrument.PHQ9.items[8].startswith("Thoughts that you would be better off dead")
    assert Instrument.GAD7.items[0] == "Feeling nervous, anxious, or on edge"
    assert Instrument.ISI.items[0] == "Difficulty falling asleep"
    assert [c.label for c in Instrument.PHQ9.spec.choices[0]] == [
        "Not at all",
        "Several days",
        "More than half the days",
        "Nearly every day",
    ]
    for spec in INSTRUMENTS.values():
        assert len(spec.choices) == len(spec.items)
        assert spec.mcid_source and spec.sd_source and spec.test_retest_source and spec.remission_source


def test_phq9_item_nine_above_zero_is_flagged_even_when_the_total_is_minimal():
    result = score_assessment("PHQ-9", [0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert result.total == 1
    assert result.severity == "minimal"
    assert result.item9_positive is True


def test_phq9_item_nine_at_zero_is_not_flagged_even_when_the_total_is_severe():
    result = score_assessment("PHQ-9", [3, 3, 3, 3, 3, 3, 3, 3, 0])
    assert result.severity == "severe"
    assert result.item9_positive is False


def test_item_nine_flag_reads_the_ninth_item_only():
    for position in range(8):
        answers = [0] * 9
        answers[position] = 3
        assert score_assessment("PHQ-9", answers).item9_positive is False


def test_gad7_and_isi_never_raise_the_item_nine_flag():
    assert score_assessment("GAD-7", [3] * 7).item9_positive is False
    assert score_assessment("ISI", [4] * 7).item9_positive is False


@pytest.mark.parametrize(
    ("instrument", "answers", "item", "allowed"),
    [
        ("PHQ-9", [0, 0, 4, 0, 0, 0, 0, 0, 0], 3, "0-3"),
        ("PHQ-9", [0, 0, 0, 0, 0, 0, 0, 0, -1], 9, "0-3"),
        ("GAD-7", [0, 0, 0, 0, 0, 0, 7], 7, "0-3"),
        ("ISI", [5, 0, 0, 0, 0, 0, 0], 1, "0-4"),
    ],
)
def test_an_answer_out_of_range_names_the_item_and_the_allowed_range(instrument, answers, item, allowed):
    with pytest.raises(ValidationError) as info:
        score_assessment(instrument, answers)
    message = str(info.value)
    assert f"item {item}" in message
    assert allowed in message
    assert info.value.field == f"item_{item}"


def test_isi_accepts_four_where_phq9_refuses_it():
    assert score_assessment("ISI", [4, 0, 0, 0, 0, 0, 0]).total == 4
    with pytest.raises(ValidationError):
        score_assessment("PHQ-9", [4, 0, 0, 0, 0, 0, 0, 0, 0])


@pytest.mark.parametrize("bad", [1.5, "2", None, True])
def test_an_answer_that_is_not_a_whole_number_is_refused_with_the_item_named(bad):
    answers: list = [0] * 9
    answers[4] = bad
    with pytest.raises(ValidationError, match="item 5"):
        score_assessment("PHQ-9", answers)


@pytest.mark.parametrize("count", [0, 8, 11])
def test_the_wrong_number_of_answers_is_refused_with_the_expected_count(count):
    with pytest.raises(ValidationError, match="needs 9 answers"):
        score_assessment("PHQ-9", [0] * count)


def test_an_unknown_instrument_is_refused_and_the_supported_ones_listed():
    with pytest.raises(ValidationError) as info:
        score_assessment("BDI-II", [0] * 21)
    assert "BDI-II" in str(info.value)
    assert "PHQ-9, GAD-7, ISI" in str(info.value)


@pytest.mark.parametrize("name", ["PHQ-9", "phq9", "PHQ_9", " phq-9 "])
def test_instrument_names_are_recognised_in_common_spellings(name):
    assert Instrument.parse(name) is Instrument.PHQ9


@pytest.mark.parametrize(("instrument", "total"), [("PHQ-9", 28), ("PHQ-9", -1), ("GAD-7", 22), ("ISI", 29)])
def test_a_total_outside_the_instrument_range_is_refused(instrument, total):
    with pytest.raises(ValidationError, match="out of range"):
        severity_band(instrument, total)


# --- change against baseline -------------------------------------------------------------------------------


def test_response_needs_at_least_a_fifty_percent_reduction():
    assert compare_to_baseline("PHQ-9", 20, 10).response is True  # exactly 50%
    assert compare_to_baseline("PHQ-9", 20, 11).response is False  # 45%
    assert compare_to_baseline("PHQ-9", 15, 7).response is True  # 53%
    assert compare_to_baseline("PHQ-9", 15, 8).response is False  # 46.7%


def test_response_is_never_claimed_from_a_zero_baseline():
    summary = compare_to_baseline("PHQ-9", 0, 0)
    assert summary.response is False
    assert summary.percent_change is None


@pytest.mark.parametrize(
    ("instrument", "remitted", "not_remitted"), [("PHQ-9", 4, 5), ("GAD-7", 4, 5), ("ISI", 7, 8)]
)
def test_remission_is_at_or_below_the_instrument_threshold(instrument, remitted, not_remitted):
    assert compare_to_baseline(instrument, 20, remitted).remission is True
    assert compare_to_baseline(instrument, 20, not_remitted).remission is False


@pytest.mark.parametrize(("instrument", "mcid"), [("PHQ-9", 5), ("GAD-7", 4), ("ISI", 6)])
def test_mcid_improvement_and_worsening_start_exactly_at_the_published_difference(instrument, mcid):
    assert compare_to_baseline(instrument, 15, 15 - mcid).mcid_improved is True
    assert compare_to_baseline(instrument, 15, 15 - mcid + 1).mcid_improved is False
    assert compare_to_baseline(instrument, 10, 10 + mcid).mcid_worsened is True
    assert compare_to_baseline(instrument, 10, 10 + mcid - 1).mcid_worsened is False
    assert compare_to_baseline(instrument, 15, 15 - mcid).mcid_worsened is False


def test_reliable_change_index_follows_jacobson_and_truax():
    spec = Instrument.PHQ9.spec
    sem = spec.sd_total * math.sqrt(1 - spec.test_retest_r)
    expected = (8 - 20) / (math.sqrt(2) * sem)
    assert reliable_change_index("PHQ-9", 20, 8) == pytest.approx(expected)
    assert compare_to_baseline("PHQ-9", 20, 8).rci == pytest.approx(expected)


@pytest.mark.parametrize("instrument", ["PHQ-9", "GAD-7", "ISI"])
def test_reliable_change_is_declared_only_beyond_one_point_nine_six_standard_errors(instrument):
    spec = Instrument.parse(instrument).spec
    threshold = spec.reliable_change_points
    baseline = spec.max_total // 2 + 4
    just_reliable = math.ceil(threshold)
    just_not = math.floor(threshold) if math.floor(threshold) < threshold else math.floor(threshold) - 1
    assert compare_to_baseline(instrument, baseline, baseline - just_reliable).reliable_improvement is True
    assert compare_to_baseline(instrument, baseline, baseline - just_not).reliable_improvement is False
    assert compare_to_baseline(instrument, baseline - just_reliable, baseline).reliable_deterioration is True
    assert compare_to_baseline(instrument, baseline - just_not, baseline).reliable_deterioration is False


def test_no_change_is_neither_reliable_nor_clinically_important():
    summary = compare_to_baseline("GAD-7", 12, 12)
    assert summary.change == 0 and summary.rci == 0
    assert not any(
        (summary.response, summary.mcid_improved, summary.mcid_worsened, summary.reliable_improvement,
         summary.reliable_deterioration)
    )


def test_change_summary_reports_signed_change_percent_and_bands():
    summary = compare_to_baseline("PHQ-9", 20, 8)
    assert summary.change == -12
    assert summary.percent_change == pytest.approx(-60.0)
    assert (summary.baseline_severity, summary.current_severity) == ("severe", "mild")


def test_describe_states_the_findings_in_plain_language():
    improved = compare_to_baseline("PHQ-9", 20, 4).describe().lower()
    assert "fell 16 points" in improved
    assert "response" in improved and "remission" in improved and "reliable improvement" in improved
    worse = compare_to_baseline("GAD-7", 5, 15).describe().lower()
    assert "rose 10 points" in worse and "reliable deterioration" in worse and "worsening" in worse
    same = compare_to_baseline("ISI", 10, 10).describe().lower()
    assert "did not change" in same and "not a reliable change" in same


@pytest.mark.parametrize(("baseline", "current"), [(28, 5), (5, -2), (5.5, 3)])
def test_compare_to_baseline_refuses_totals_outside_the_range(baseline, current):
    with pytest.raises(ValidationError, match="0-27"):
        compare_to_baseline("PHQ-9", baseline, current)


def test_phq9_measurement_error_agrees_with_lowe_2004_mcid_of_two_standard_errors():
    # Löwe 2004 estimated the PHQ-9 MCID (5 points) as 2 SEM, so SEM is about 2.5 points
    assert Instrument.PHQ9.spec.sem == pytest.approx(Instrument.PHQ9.spec.mcid_points / 2, rel=0.2)


def test_phq9_reliable_change_threshold_is_about_six_points():
    # 1.96 * sqrt(2) * SEM; the widely used PHQ-9 reliable-change criterion is 6 points
    assert 5.5 < Instrument.PHQ9.spec.reliable_change_points < 7.0
