"""Analyst cohort service: Safe Harbor de-identification, outcome statistics, what-if, exports, permissions, audit."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
from datetime import date, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from novamind_core.db.models import AuditRow
from novamind_core.domain.errors import PermissionDenied, ValidationError
from novamind_core.domain.users import ROLE_PERMISSIONS, Permission, Role
from novamind_core.security.deid import date_shift_days
from novamind_core.services.cohort import (
    COHORT_VIEW,
    CohortFilters,
    kaplan_meier,
    kmeans,
    resample_trajectories,
    shape_label,
    wilson_interval,
)
from tests.conftest import register_patient

START = date(2025, 10, 1)


def answers_for(total: int, items: int = 9) -> list[int]:
    """Item answers (0-3) summing to ``total``, item 9 kept at 0 for PHQ-9 (no suicidality alert)."""
    slots = items - 1 if items == 9 else items
    out = [0] * items
    for i in range(total):
        out[i % slots] += 1
    assert max(out) <= 3
    return out


def record(services, user, pid, totals_by_day, start=START, instrument="PHQ-9"):  # type: ignore[no-untyped-def]
    for day, total in totals_by_day:
        services.assessments.record(user, pid, instrument, answers_for(total, 9 if instrument == "PHQ-9" else 7),
                                    start + timedelta(days=day))


@pytest.fixture
def cohort(services, clinician, other_clinician):  # type: ignore[no-untyped-def]
    """Four patients with hand-checkable outcomes (identifiers chosen to be easy to search for)."""
    p1 = register_patient(services, clinician, mrn="NM-000001", given="Zebediah", family="Quuxington")
    services.medications.add(clinician, p1.id, "sertraline", 50, start_date=START, reason="Zebediah prefers mornings")
    record(services, clinician, p1.id, [(0, 20), (14, 14), (28, 9), (56, 4)])  # response day 28, remission
    services.assessments.record(clinician, p1.id, "GAD-7", answers_for(12, 7), START)
    p2 = register_patient(services, clinician, mrn="NM-000002", given="Ottoline", family="Fernsbury",
                          date_of_birth="1972-06-09", sex_at_birth="male", phone="+44 7700 900456",
                          email="otto.f@example.invalid", address="2 Elsewhere Road")
    services.medications.add(clinician, p2.id, "sertraline", 100, start_date=START + timedelta(days=1))
    record(services, clinician, p2.id, [(1, 16), (15, 14), (43, 12)])  # no response, censored at day 42
    p3 = register_patient(services, other_clinician, mrn="NM-000003", given="Perpetua", family="Vandersloot",
                          date_of_birth="1990-11-20", diagnoses=[("F33.1", "Recurrent depressive disorder")])
    services.medications.add(other_clinician, p3.id, "escitalopram", 10, start_date=START)
    record(services, other_clinician, p3.id, [(0, 12), (21, 5)])  # response day 21, PHQ-9 5: not remission
    p4 = register_patient(services, clinician, mrn="NM-000004", given="Methuselah", family="Oldcastle",
                          date_of_birth="1930-01-01", sex_at_birth="male")
    for on, total in ((date(2023, 1, 10), 8), (date(2024, 2, 20), 7), (date(2025, 3, 25), 6)):
        services.assessments.record(clinician, p4.id, "PHQ-9", answers_for(total), on)
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4}


def audit_since(services, last_id: int) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        rows = conn.execute(select(AuditRow.action, AuditRow.outcome).where(AuditRow.id > last_id)
                            .order_by(AuditRow.id)).all()
    return [(a, o) for a, o in rows]


def last_audit_id(services) -> int:  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        return int(conn.execute(select(AuditRow.id).order_by(AuditRow.id.desc()).limit(1)).scalar() or 0)


def walk(value):  # type: ignore[no-untyped-def]
    """Every leaf of a returned value (dataclasses, properties excluded, containers and dict keys included)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from walk(getattr(value, f.name))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from walk(k)
            yield from walk(v)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from walk(v)
    else:
        yield value


PHI_STRINGS = ("Zebediah", "Quuxington", "Ottoline", "Fernsbury", "Perpetua", "Vandersloot", "Methuselah",
               "Oldcastle", "NM-00000", "1980-02-03", "1972-06-09", "1990-11-20", "1930-01-01", "7700",
               "example.invalid", "Nowhere Lane", "Elsewhere Road", "mornings")


def assert_no_phi_text(text: str) -> None:
    lowered = text.lower()
    for needle in PHI_STRINGS:
        assert needle.lower() not in lowered, f"PHI {needle!r} leaked"


# ----------------------------------------------------------------------------------------------- de-identification
def test_cohort_view_returns_no_names_mrns_birth_dates_contact_or_any_calendar_date(services, analyst, cohort):
    view = services.cohort.view(analyst)
    leaves = list(walk(view))
    assert not [v for v in leaves if isinstance(v, date | datetime)], "a view must carry no calendar dates"
    assert_no_phi_text(" ".join(str(v) for v in leaves))
    assert_no_phi_text(repr(view))
    assert all(p.pseudonym.startswith("P-") and len(p.pseudonym) == 10 for p in view.patients)


def test_ages_over_89_are_one_band_and_pseudonyms_are_stable_across_calls(services, analyst, cohort):
    first = services.cohort.view(analyst)
    second = services.cohort.view(analyst)
    bands = sorted(p.age_band for p in first.patients)
    assert bands == ["30-39", "40-49", "50-59", "90+"]  # 1990 -> 34, 1980 -> 45, 1972 -> 53, 1930 -> 95 at baseline
    assert [p.pseudonym for p in first.patients] == [p.pseudonym for p in second.patients]
    assert len({p.pseudonym for p in first.patients}) == 4


def test_clinicians_appear_only_as_keyed_labels(services, analyst, cohort, clinician, other_clinician):
    view = services.cohort.view(analyst)
    labels = {p.clinician for p in view.patients}
    assert len(labels) == 2 and all(label.startswith("C-") for label in labels)
    text = " ".join(str(v) for v in walk(view))
    for staff in (clinician, other_clinician):
        assert staff.username not in text and staff.display_name not in text


# ----------------------------------------------------------------------------------------------- outcomes
def test_response_remission_and_time_to_response_follow_the_stated_definitions(services, analyst, cohort):
    view = services.cohort.view(analyst)
    by = {(p.drug, p.baseline_phq9): p for p in view.patients}
    p1, p2, p3 = by[("sertraline", 20)], by[("sertraline", 16)], by[("escitalopram", 12)]
    assert (p1.response, p1.remission, p1.days_to_response, p1.responded) == (True, True, 28, True)
    assert (p2.response, p2.remission, p2.days_to_response, p2.responded) == (False, False, 42, False)
    assert (p3.response, p3.remission, p3.days_to_response) == (True, False, 21)
    p4 = by[("no medication", 8)]
    assert not p4.evaluable and p4.response is None  # baseline below 10: not evaluable
    sertraline = next(o for o in view.outcomes_by_drug if o.drug == "sertraline")
    assert (sertraline.response.successes, sertraline.response.n) == (1, 2)
    assert view.overall.n_evaluable == 3 and view.overall.response.successes == 2
    assert view.baseline_bands["severe"] == 1 and view.baseline_bands["mild"] == 1


def test_filters_narrow_the_cohort_and_keep_the_whole_cohort_count(services, analyst, cohort):
    view = services.cohort.view(analyst, CohortFilters(drugs=("sertraline",)))
    assert view.n == 2 and view.n_total == 4
    assert services.cohort.view(analyst, {"diagnoses": ["F33"]}).n == 1  # ICD-10 category matches F33.1
    assert services.cohort.view(analyst, {"age_bands": ["90+"]}).n == 1
    assert services.cohort.view(analyst, {"sexes": ["male"], "baseline_severities": ["moderate"]}).n == 0
    label = services.cohort.view(analyst, {"drugs": ["escitalopram"]}).patients[0].clinician
    assert services.cohort.view(analyst, {"clinicians": [label]}).n == 1
    assert set(view.options.drugs) == {"sertraline", "escitalopram", "no medication"}
    with pytest.raises(ValidationError, match="unknown filter"):
        services.cohort.view(analyst, {"names": ["x"]})


def test_completeness_counts_missing_baseline_follow_up_and_medication(services, analyst, cohort):
    items = {c.name: (c.n_with, c.n_total) for c in services.cohort.view(analyst).completeness}
    assert items["baseline PHQ-9"] == (4, 4)
    assert items["medication recorded"] == (3, 4)
    assert items["GAD-7 recorded"] == (1, 4)
    assert items["follow-up PHQ-9 on the index course"] == (4, 4)
    assert items["evaluable for response (baseline >= 10 and follow-up)"] == (3, 4)


# ----------------------------------------------------------------------------------------------- statistics
def test_wilson_interval_matches_the_published_example():
    # Newcombe 1998 (Stat Med 17:857), Table I example: 81/263 -> Wilson 0.2553 to 0.3662
    p = wilson_interval(81, 263)
    assert p.lower == pytest.approx(0.2553, abs=5e-5) and p.upper == pytest.approx(0.3662, abs=5e-5)
    zero = wilson_interval(0, 10)  # Wald would give [0, 0]; Wilson keeps a real upper bound
    assert zero.lower == 0.0 and zero.upper == pytest.approx(0.2775, abs=5e-4)
    assert wilson_interval(0, 0).estimate is None


def test_kaplan_meier_matches_a_hand_computed_example_with_censoring():
    # times 2,3,3+,5,6+,8 (+ = censored). At risk/events: t=2 6/1, t=3 5/1, t=5 3/1, t=8 1/1.
    km = kaplan_meier([2, 3, 3, 5, 6, 8], [1, 1, 0, 1, 0, 1])
    assert km.time_days == (0, 2, 3, 5, 8)
    assert km.at_risk == (6, 6, 5, 3, 1) and km.events == (0, 1, 1, 1, 1)
    assert km.survival == pytest.approx((1, 5 / 6, 2 / 3, 4 / 9, 0))
    assert km.median_days == 5
    # Greenwood at t=3: 1/(6*5) + 1/(5*4) = 1/12; log(-log) bounds S^exp(+-1.96 sqrt(V)/|log S|)
    s, v = 2 / 3, 1 / 12
    c = 1.959963984540054 * math.sqrt(v) / abs(math.log(s))
    assert km.lower[2] == pytest.approx(s ** math.exp(c)) and km.upper[2] == pytest.approx(s ** math.exp(-c))
    assert km.lower[4] == 0 and km.upper[4] == 0
    assert all(lo <= s <= hi for lo, s, hi in zip(km.lower, km.survival, km.upper, strict=True))


def test_kaplan_meier_with_no_events_stays_at_one():
    km = kaplan_meier([10, 20], [0, 0])
    assert km.survival == (1.0,) and km.median_days is None and km.n == 2


def test_kmeans_separates_obvious_groups_and_is_reproducible_by_seed():
    rng = np.random.default_rng(1)
    x = np.vstack([rng.normal(0, 0.05, (20, 3)), rng.normal(1, 0.05, (15, 3))])
    labels, centres, _ = kmeans(x, 2, seed=3)
    assert len(set(labels[:20])) == 1 and len(set(labels[20:])) == 1 and labels[0] != labels[-1]
    again, _, _ = kmeans(x, 2, seed=3)
    assert np.array_equal(labels, again)


def test_trajectory_shapes_are_named_from_their_relative_course():
    weeks = [0, 2, 4, 6, 8]
    assert shape_label([1, 0.6, 0.45, 0.4, 0.3], weeks) == "early responders"
    assert shape_label([1, 0.9, 0.8, 0.6, 0.45], weeks) == "responders"
    assert shape_label([1, 0.9, 0.8, 0.75, 0.7], weeks) == "partial responders"
    assert shape_label([1, 1.0, 0.95, 0.9, 0.9], weeks) == "non-responders"
    assert shape_label([1, 0.5, 0.3, 0.6, 0.9], weeks) == "relapse"


def test_resampling_interpolates_and_carries_the_last_score_forward():
    idx = np.array([0, 0, 1, 1, 1])
    days = np.array([0.0, 10.0, 0.0, 5.0, 20.0])
    vals = np.array([10.0, 20.0, 8.0, 4.0, 6.0])
    grid = np.array([0.0, 5.0, 15.0, 30.0])
    out = resample_trajectories(idx, days, vals, 2, grid)
    assert np.allclose(out, [[10.0, 15.0, 20.0, 20.0], [8.0, 4.0, 4.0 + 2.0 * 10 / 15, 6.0]])
    reference = [np.interp(grid, days[idx == p], vals[idx == p]) for p in (0, 1)]  # slow, obviously correct
    assert np.allclose(out, reference)


def test_demo_cohort_clusters_include_responders_and_relapse(services, analyst):
    from novamind_core.demo.seed import seed_demo

    seed_demo(services, n_patients=24, seed=0)
    view = services.cohort.view(analyst, n_clusters=4, seed=0)
    labels = {c.shape for c in view.clusters.clusters}
    assert {"non-responders"} <= labels and labels & {"responders", "early responders"}
    assert sum(c.n for c in view.clusters.clusters) == view.clusters.n_clustered
    assert {p.cluster for p in view.patients if p.cluster} == {c.label for c in view.clusters.clusters}


# ----------------------------------------------------------------------------------------------- what-if
def test_population_what_if_compares_two_drugs_with_the_observed_outcomes(services, analyst, cohort):
    steps: list[tuple[int, int]] = []
    result = services.cohort.population_what_if(analyst, "sertraline", "escitalopram", n_virtual=400, weeks=8,
                                                on_progress=lambda done, total, _m: steps.append((done, total)))
    assert [a.drug for a in result.arms] == ["sertraline", "escitalopram"]
    assert steps[-1][0] == steps[-1][1] and len(steps) == steps[-1][1]
    sert = result.arms[0]
    assert sert.observed is not None and sert.observed.n_evaluable == 2
    assert 0 <= sert.simulated_response.lower <= sert.simulated_response.estimate <= sert.simulated_response.upper
    assert result.baseline_mean == pytest.approx(np.mean([20, 16, 12, 8]), abs=0.01)
    again = services.cohort.population_what_if(analyst, "sertraline", "escitalopram", n_virtual=400, weeks=8)
    assert again.arms == result.arms  # seeded


def test_what_if_needs_a_simulation_permission_and_refuses_admins(services, admin, cohort):
    assert Permission.RUN_SIMULATION not in ROLE_PERMISSIONS[Role.ADMIN]
    before = last_audit_id(services)
    with pytest.raises(PermissionDenied):
        services.cohort.population_what_if(admin, "sertraline", "escitalopram", n_virtual=200)
    assert audit_since(services, before) == [("simulation.run", "denied")]


def test_what_if_refuses_an_unknown_drug_by_name(services, analyst, cohort):
    with pytest.raises(ValidationError, match="unknown drug"):
        services.cohort.population_what_if(analyst, "sertraline", "notadrug", n_virtual=200)


# ----------------------------------------------------------------------------------------------- exports
def test_csv_export_shifts_each_patients_dates_by_one_offset_and_drops_identifiers(services, analyst, cohort,
                                                                                   settings):
    export = services.cohort.export(analyst, "csv")
    text = export.content.decode("utf-8")
    assert_no_phi_text(text)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert export.n_patients == 4 and export.n_rows == len(rows)
    old = [r for r in rows if r["age_band"] == "90+" and r["record"] == "assessment"]
    shift = date_shift_days(cohort["p4"].id, settings.deid_key)
    real = [date(2023, 1, 10), date(2024, 2, 20), date(2025, 3, 25)]
    assert sorted(date.fromisoformat(r["date_shifted"]) for r in old) == [d + timedelta(days=shift) for d in real]
    for d in real:  # 400+ days apart, so a +-180-day shift cannot land on another of its real dates
        assert d.isoformat() not in text
    assert [int(r["day"]) for r in old] == [0, 406, 805]  # intervals kept


def test_parquet_export_has_the_same_rows_as_csv(services, analyst, cohort):
    import pandas as pd

    parquet = services.cohort.export(analyst, "parquet", {"drugs": ["sertraline"]})
    frame = pd.read_parquet(io.BytesIO(parquet.content))
    assert parquet.filename.endswith(".parquet") and len(frame) == parquet.n_rows
    assert set(frame["pseudonym"]) == {p.pseudonym for p in services.cohort.view(analyst, {"drugs": ["sertraline"]})
                                       .patients}
    assert_no_phi_text(frame.to_csv())


def test_fhir_export_is_a_valid_pseudonymous_bundle(services, analyst, cohort):
    from fhir.resources.R4B.bundle import Bundle

    export = services.cohort.export(analyst, "fhir")
    assert_no_phi_text(export.content.decode("utf-8"))
    bundle = json.loads(export.content)
    Bundle.model_validate(bundle)  # the whole Bundle, not only the sample the service validates
    patients = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert len(patients) == 4
    assert all("name" not in p and "birthDate" not in p and "telecom" not in p and "address" not in p
               for p in patients)
    assert all(p["identifier"][0]["value"].startswith("P-") for p in patients)
    statements = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "MedicationStatement"]
    assert statements and not any("reasonCode" in s or "statusReason" in s for s in statements)


def test_every_export_writes_exactly_one_audit_event(services, analyst, cohort):
    for fmt in ("csv", "parquet", "fhir"):
        before = last_audit_id(services)
        services.cohort.export(analyst, fmt)
        assert audit_since(services, before) == [("export.deidentified", "success")]


def test_every_cohort_view_writes_exactly_one_audit_event(services, analyst, cohort):
    before = last_audit_id(services)
    services.cohort.view(analyst)
    assert audit_since(services, before) == [(COHORT_VIEW, "success")]


# ----------------------------------------------------------------------------------------------- permissions
@pytest.mark.parametrize("role", list(Role))
def test_cohort_views_follow_the_read_deidentified_permission(services, role, cohort):
    from tests.conftest import _make_user

    user = _make_user(services, f"someone.{role.value}", role.value)
    if Permission.READ_DEIDENTIFIED in ROLE_PERMISSIONS[role]:
        assert services.cohort.view(user).n == 4
    else:
        with pytest.raises(PermissionDenied):
            services.cohort.view(user)


def test_clinicians_cannot_export_the_cohort(services, clinician, cohort):
    before = last_audit_id(services)
    with pytest.raises(PermissionDenied, match="export pseudonymised"):
        services.cohort.export(clinician, "csv")
    assert audit_since(services, before) == [("export.deidentified", "denied")]


def test_a_deactivated_analyst_is_refused(services, admin, analyst, cohort):
    services.users.deactivate(admin, analyst.id)
    with pytest.raises(PermissionDenied, match="deactivated"):
        services.cohort.view(analyst)


def test_an_unknown_export_format_is_refused_with_the_choices(services, analyst):
    with pytest.raises(ValidationError, match="csv, parquet, fhir"):
        services.cohort.export(analyst, "xlsx")
