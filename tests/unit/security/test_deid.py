"""De-identification: keyed stable pseudonyms, ages over 89 grouped, date shifts that keep intervals."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from novamind_core.security.deid import (
    age_band,
    age_years,
    date_shift_days,
    deidentify_record,
    pseudonym,
    safe_harbor_age,
)

KEY = "d" * 40
OTHER_KEY = "e" * 40


def test_pseudonym_is_stable_for_a_patient_and_formatted():
    first = pseudonym("NM-000123", KEY)
    assert first == pseudonym("NM-000123", KEY)
    assert first == pseudonym("  nm-000123 ", KEY)  # normalised like the blind index
    assert first.startswith("P-") and len(first) == 10
    assert "000123" not in first


def test_pseudonym_depends_on_the_key():
    assert pseudonym("NM-000123", KEY) != pseudonym("NM-000123", OTHER_KEY)


def test_pseudonyms_of_a_cohort_do_not_collide():
    names = {pseudonym(f"NM-{i:06d}", KEY) for i in range(5000)}
    assert len(names) == 5000


@pytest.mark.parametrize(("age", "band"), [(0, "0-9"), (34, "30-39"), (89, "80-89"), (90, "90+"), (104, "90+")])
def test_age_band_groups_every_age_above_89_as_90_plus(age, band):
    assert age_band(age) == band


def test_safe_harbor_age_keeps_exact_ages_up_to_89_only():
    assert safe_harbor_age(89) == 89
    assert safe_harbor_age(90) == "90+"


def test_age_years_counts_completed_years():
    assert age_years(date(1980, 3, 12), date(2025, 3, 11)) == 44
    assert age_years(date(1980, 3, 12), date(2025, 3, 12)) == 45


def test_date_shift_is_deterministic_nonzero_and_within_180_days():
    shifts = [date_shift_days(pid, KEY) for pid in range(2000)]
    assert shifts == [date_shift_days(pid, KEY) for pid in range(2000)]
    assert all(1 <= abs(s) <= 180 for s in shifts)
    assert len(set(shifts)) > 300  # spread over the range, not a constant
    assert min(shifts) < 0 < max(shifts)


def test_date_shift_depends_on_the_key():
    assert [date_shift_days(p, KEY) for p in range(20)] != [date_shift_days(p, OTHER_KEY) for p in range(20)]


def test_deidentified_record_keeps_intervals_between_a_patients_dates():
    record = {
        "patient_id": 7,
        "mrn": "NM-000007",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "date_of_birth": date(1930, 5, 1),
        "first_visit": date(2024, 1, 10),
        "last_visit": date(2024, 3, 1),
        "recorded_at": datetime(2024, 2, 1, 9, 0),
        "phq9_total": 14,
    }
    out = deidentify_record(record, key=KEY, as_of=date(2025, 1, 1))
    assert (out["last_visit"] - out["first_visit"]).days == (record["last_visit"] - record["first_visit"]).days
    assert out["first_visit"] != record["first_visit"]
    shift = date_shift_days(7, KEY)
    assert (out["recorded_at"] - record["recorded_at"]).days == shift
    assert out["age_band"] == "90+"
    assert out["pseudonym"] == pseudonym("NM-000007", KEY)
    assert out["phq9_total"] == 14
    for identifier in ("patient_id", "mrn", "given_name", "family_name", "date_of_birth"):
        assert identifier not in out
    assert "Ada" not in repr(out) and "NM-000007" not in repr(out)


def test_deidentify_record_needs_an_identifier_to_pseudonymise():
    with pytest.raises(ValueError):
        deidentify_record({"phq9_total": 3}, key=KEY)
