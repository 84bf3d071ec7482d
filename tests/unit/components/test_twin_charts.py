"""The twin pages' figure builders, checked on their figure data (no Streamlit)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from components.shared.theme import legend_and_title_apart
from components.simulation import charts as sc
from components.twin import state_charts as tsc
from novamind_core.domain import brain
from novamind_core.services.twin import Band, ScenarioRun, TimelineData, TimelineSummary, TwinStateView
from novamind_core.services.twin_inputs import MedicationEvent
from novamind_core.services.twin_types import VersionInfo
from novamind_core.twin import ComparisonRow, ModelBasis, PatientHistory, build_twin_state, run_scenario

HISTORY = {"phq9": [[7 * i, v] for i, v in enumerate([18, 16, 14, 12, 11])],
           "medications": [{"drug": "sertraline", "dose_mg": 50, "days": 14},
                           {"drug": "sertraline", "dose_mg": 100, "days": 14}],
           "phq9_items": [2, 2, 1, 1, 1, 1, 1, 1, 1]}


@pytest.fixture(scope="module")
def view() -> TwinStateView:
    state = build_twin_state(HISTORY)
    low = tuple(tuple(v - 0.1 for v in row) for row in state.nt_levels)
    high = tuple(tuple(v + 0.1 for v in row) for row in state.nt_levels)
    return TwinStateView(1, 1, datetime(2026, 3, 1, tzinfo=UTC), "assessment", ("assessments",), "new assessments",
                         True, state, low, high, (), date(2026, 1, 1), date(2026, 1, 29), ("sertraline",))


@pytest.fixture(scope="module")
def run() -> ScenarioRun:
    history = PatientHistory.from_dict(HISTORY)
    plans = [{"name": n, "steps": [{"drug": d, "dose_mg": m, "days": 84}], "horizon_weeks": 12}
             for n, d, m in (("A", "sertraline", 100), ("B", "escitalopram", 10))]
    results = tuple(run_scenario(p, history, draws=200, seed=1) for p in plans)
    table = tuple(ComparisonRow.of(r) for r in results)
    return ScenarioRun(1, results, table, date(2026, 1, 29), ((date(2026, 1, 1), 18), (date(2026, 1, 29), 11)),
                       results[0].calibration, 200, 1, "posterior from 5 PHQ-9 totals")


def test_heatmap_has_23_regions_grouped_by_circuit_and_hover_with_interval_and_driver(view):  # type: ignore[no-untyped-def]
    fig = tsc.state_heatmap(view)
    heat = fig.data[0]
    assert len(heat.y) == 23 and len(heat.x) == 12
    assert list(heat.y[:7]) == [r.label for r in brain.CIRCUITS["Cortical"]]
    serotonin_cell = heat.customdata[0][0]
    assert serotonin_cell[0].count("–") == 1 and "sertraline via SERT" in serotonin_cell[1]
    assert "not modelled" in heat.customdata[0][3][1]  # GABA
    assert {a.text for a in fig.layout.annotations} >= {f"<b>{c}</b>" for c in brain.CIRCUITS}


def test_brain_map_mirrors_bilateral_regions_and_colours_by_the_chosen_neurotransmitter(view):  # type: ignore[no-untyped-def]
    fig = tsc.brain_map(view, "serotonin")
    top = fig.data[1]
    assert len(top.x) > 23 and min(top.x) < 0 < max(top.x)
    assert max(top.marker.color) > 1.0
    flat = tsc.brain_map(view, "norepinephrine")
    assert "Norepinephrine" in flat.layout.title.text


def test_symptom_profile_bars_carry_words_and_the_item9_flag(view):  # type: ignore[no-untyped-def]
    from novamind_core.twin import symptom_domains

    fig = tsc.symptom_profile(symptom_domains([1, 1, 1, 1, 1, 1, 1, 1, 2]))
    assert any("suicidality" in a.text for a in fig.layout.annotations)
    assert all(("·" in t) or t == "no data" for t in fig.data[0].text)
    assert "no data" in fig.data[0].text  # anxiety without a GAD-7


def _timeline(future: bool) -> TimelineData:
    n = 20
    band = Band(tuple([1.0] * n), tuple([1.2] * n), tuple([1.4] * n))
    plasma = Band(tuple([10.0] * (n * 8)), tuple([40.0] * (n * 8)), tuple([60.0] * (n * 8)))
    return TimelineData(
        patient_id=1, origin=date(2026, 1, 1), today_day=9 if future else n - 1, end_day=n - 1,
        plasma_days=tuple(i / 8 for i in range(n * 8)), plasma={"sertraline": plasma}, daily_days=tuple(range(n)),
        occupancy={"SERT": band}, levels={"amygdala": {"serotonin": band}},
        events=(MedicationEvent(date(2026, 1, 1), "start sertraline 50 mg", "start"),),
        planned_events=(MedicationEvent(date(2026, 1, 11), "plan: escitalopram 10 mg", "plan"),) if future else (),
        therapeutic_ranges={"sertraline": (10.0, 150.0, "sertraline")}, scenario_name="Plan" if future else None,
        summary=TimelineSummary(None, None, None, None, {}, None, ""), warnings=())


def test_timelines_shade_the_therapeutic_range_and_mark_medication_events():
    fig = sc.timelines_figure(_timeline(False))
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert any(r.y0 == 10.0 and r.y1 == 150.0 for r in rects)
    assert any("start sertraline 50 mg" in (a.text or "") for a in fig.layout.annotations)
    assert not [t for t in fig.data if t.line and t.line.dash == "dash"]  # history only: all solid


def test_a_saved_plan_continues_dashed_with_a_band_after_today():
    fig = sc.timelines_figure(_timeline(True))
    dashed = [t for t in fig.data if t.line and t.line.dash == "dash"]
    bands = [t for t in fig.data if t.fill == "toself"]
    assert {t.legendgroup for t in dashed} == {"sertraline", "SERT", "Serotonin · Amygdala"}
    assert len(bands) == 3
    assert any("plan: escitalopram" in (a.text or "") for a in fig.layout.annotations)


def test_fan_chart_overlays_each_plan_with_50_and_90_percent_bands_and_the_observed_history(run):  # type: ignore[no-untyped-def]
    fig = sc.fan_chart(run)
    bands = [t for t in fig.data if t.fill == "toself"]
    assert {t.name for t in bands} == {"A 90% interval", "A 50% interval", "B 90% interval", "B 50% interval"}
    medians = [t for t in fig.data if t.line and t.line.dash == "dash"]
    assert len(medians) == 2
    observed = next(t for t in fig.data if t.name == "observed PHQ-9")
    assert list(observed.y) == [18, 11]
    assert any(a.text == "week 8" for a in fig.layout.annotations)
    assert len([s for s in fig.layout.shapes if s.type == "rect"]) == 5  # PHQ-9 severity bands


def test_comparison_csv_has_outcomes_and_weekly_quantiles_with_provenance(run):  # type: ignore[no-untyped-def]
    text = sc.comparison_csv(run)
    assert text.startswith("# Novamind scenario comparison; week 0 = 2026-01-29; draws=200 seed=1")
    assert "not a medical device" in text.splitlines()[0]
    assert "P(response) wk 8" in text and "phq9_p50" in text
    assert text.count("\nA,") + text.count("\nB,") >= 2


def test_model_statement_names_calibration_and_the_patient_fit(run):  # type: ignore[no-untyped-def]
    text = sc.model_statement(run.posterior)
    assert "calibrated" in text and "fitted to this patient's 5 PHQ-9 totals" in text
    prior = ModelBasis(is_prior=True, population_calibrated=False)
    assert "population prior" in sc.model_statement(prior)
    assert "uncalibrated" in sc.model_statement(prior)


def test_the_fan_chart_shades_the_phq9_bands_of_the_instrument_definition(run):  # type: ignore[no-untyped-def]
    from novamind_core.domain.instruments import Instrument

    fig = sc.fan_chart(run)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    assert [(r.y0, r.y1) for r in rects] == [(b.min_total - 0.5 if b.min_total else 0, b.max_total + 0.5)
                                              for b in Instrument.PHQ9.spec.bands]
    assert "PHQ-9 ≤ 4" in sc.remission_caption()


def test_every_twin_and_simulation_figure_keeps_its_legend_at_the_foot_away_from_the_title(view, run):  # type: ignore[no-untyped-def]
    result, week0 = run.results[0], run.week0
    figures = [tsc.state_heatmap(view), tsc.brain_map(view, "serotonin"), tsc.symptom_profile(view.state.symptoms),
               tsc.occupancy_bars({"SERT": 80.0}), sc.timelines_figure(_timeline(True)), sc.fan_chart(run),
               sc.pk_panels(result, week0), sc.nt_panel(result, week0),
               tsc.version_timeline([VersionInfo(1, datetime(2026, 3, 1, tzinfo=UTC), "assessment", (), "new", None,
                                                 None)])]
    for fig in figures:
        assert legend_and_title_apart(fig), fig.layout.title.text
        assert fig.layout.title.text


def test_twin_versions_are_placed_by_the_clinical_date_of_their_data_not_the_storage_clock():
    stored = datetime(2026, 6, 30, 23, 59, tzinfo=UTC)
    versions = [VersionInfo(1, stored, "assessment", (), "new PHQ-9", date(2026, 3, 2), 14),
                VersionInfo(2, stored, "visit", (), "visit recorded", date(2026, 4, 6), 11)]
    fig = tsc.version_timeline(versions)
    (points,) = fig.data
    assert list(points.x) == [date(2026, 3, 2), date(2026, 4, 6)]
    assert list(points.text) == ["v1", "v2"]
    assert "clinical date" in fig.layout.xaxis.title.text and "stored" not in fig.layout.xaxis.title.text
    assert fig.layout.xaxis.range[1] > date(2026, 4, 6)  # the newest version is drawn whole


def test_the_version_axis_labels_each_date_once_even_when_versions_are_a_day_apart():
    stored = datetime(2026, 6, 30, 23, 59, tzinfo=UTC)
    days = [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 3), date(2026, 3, 4)]
    versions = [VersionInfo(i, stored, "assessment", (), "new PHQ-9", d, 14) for i, d in enumerate(days, start=1)]
    axis = tsc.version_timeline(versions).layout.xaxis
    assert list(axis.ticktext) == ["2 Mar 2026", "3 Mar 2026", "4 Mar 2026"]
    assert len(axis.tickvals) == len(set(axis.tickvals))
    many = tsc.version_ticks([date(2026, 1, 1) + timedelta(days=i) for i in range(40)])
    assert len(many) <= tsc.MAX_VERSION_TICKS and many[0] == date(2026, 1, 1) and many[-1] == date(2026, 2, 9)


def test_each_plan_band_on_the_fan_chart_is_semi_transparent_in_its_own_colour(run):  # type: ignore[no-untyped-def]
    bands = [t for t in sc.fan_chart(run).data if t.fill == "toself"]
    assert len(bands) == 4  # 50% and 90% for each of the two plans
    alphas = [float(t.fillcolor.removeprefix("rgba(").rstrip(")").split(",")[3]) for t in bands]
    assert all(0 < a < 1 for a in alphas)
    colours = {t.legendgroup: t.fillcolor.rsplit(",", 1)[0] for t in bands}
    assert len(set(colours.values())) == 2


def test_the_printed_comparison_names_the_patient_each_plan_and_gives_probabilities_in_percent(run):  # type: ignore[no-untyped-def]
    from components.twin.widgets import comparison_html
    from novamind_core.domain.patients import Patient, SexAtBirth
    from novamind_core.twin.types import Scenario, ScenarioStep

    patient = Patient(7, "MRN-00042", "Ada", "O'Hara", date(1980, 2, 29), next(iter(SexAtBirth)))
    plans = [Scenario(steps=(ScenarioStep("sertraline", 84, 100.0),), name="A", horizon_weeks=12),
             Scenario(steps=(ScenarioStep("escitalopram", 84, 10.0),), name="B", horizon_weeks=12, adherence=0.8)]
    text = comparison_html(run, None, "Dr Lovelace", patient, plans)
    assert "Ada O&#x27;Hara" in text and "MRN-00042" in text and "29 Feb 1980" in text
    assert "sertraline 100 mg daily for 12 weeks" in text and "escitalopram 10 mg daily for 12 weeks" in text
    assert "adherence 80%" in text
    p = run.table[0].p_response_week8
    assert f"<td>{p:.0%}</td>" in text and f"<td>{p:.2f}</td>" not in text


def test_the_readme_caption_of_the_twin_state_counts_the_neurotransmitters_the_page_shows_by_default():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[3] / "README.md").read_text(encoding="utf-8")
    caption = next(line for line in readme.splitlines() if line.startswith("| Twin state:"))
    shown = len(tsc.neurotransmitter_columns(show_unmodelled=False))
    assert f"the {shown} modelled neurotransmitters" in caption and "x 12 neurotransmitters" not in caption
