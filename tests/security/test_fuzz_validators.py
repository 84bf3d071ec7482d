"""Fuzzing the domain's form validators: any text, number or list a form can send is accepted or refused with a
ValidationError (a NovamindError naming the field), never another exception."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from novamind_core.domain.errors import NovamindError, ValidationError
from tests.security.conftest import fuzz_settings

TEXT = st.one_of(st.text(max_size=300), st.sampled_from(["", " ", "\x00", "NM-0001", "sertraline", "PHQ-9",
                                                         "2026-02-30", "1e309", "nan", "-0", "☃" * 70]))
NUMBER = st.one_of(st.integers(min_value=-10**30, max_value=10**30), st.floats(allow_nan=True, allow_infinity=True),
                   TEXT)
ANSWERS = st.lists(st.one_of(st.integers(min_value=-10**20, max_value=10**20), st.floats(), st.booleans(), TEXT,
                             st.none()), max_size=12)


def _accepts_or_refuses(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    try:
        return fn(*args, **kwargs)
    except NovamindError as exc:
        assert str(exc), "a refusal must say why"
        return exc


@fuzz_settings(80)
@given(instrument=st.one_of(TEXT, st.sampled_from(["PHQ-9", "GAD-7", "ISI", "phq9"])), answers=ANSWERS)
def test_score_assessment_accepts_valid_answers_and_refuses_the_rest_with_a_validation_error(instrument, answers):
    from novamind_core.domain.assessments import score_assessment

    result = _accepts_or_refuses(score_assessment, instrument, answers)
    if not isinstance(result, NovamindError):
        assert result.total == sum(result.answers) and len(result.answers) == len(answers)


@fuzz_settings(60)
@given(instrument=st.sampled_from(["PHQ-9", "GAD-7", "ISI", "BDI"]),
       baseline=st.one_of(st.integers(-50, 200), st.floats(), TEXT), current=st.one_of(st.integers(-50, 200), TEXT))
def test_compare_to_baseline_never_raises_anything_but_a_validation_error(instrument, baseline, current):
    from novamind_core.domain.assessments import compare_to_baseline

    _accepts_or_refuses(compare_to_baseline, instrument, baseline, current)


@fuzz_settings(60)
@given(value=TEXT)
def test_text_validators_accept_or_refuse_any_text(value):
    from novamind_core.domain.medications import normalise_drug
    from novamind_core.domain.notes import validate_note_text
    from novamind_core.domain.patients import normalise_mrn, validate_name
    from novamind_core.domain.twin import validate_scenario_name
    from novamind_core.domain.users import Role
    from novamind_core.security.passwords import validate_new_password
    from novamind_core.services.base import optional_text, parse_date
    from novamind_core.services.users import normalise_username

    for fn in (normalise_mrn, normalise_drug, validate_note_text, validate_scenario_name, Role.parse,
               normalise_username, validate_new_password, lambda v: validate_name(v, "given_name"),
               lambda v: parse_date(v, "start_date"), lambda v: optional_text(v, "note", 200)):
        _accepts_or_refuses(fn, value)


@fuzz_settings(60)
@given(value=NUMBER)
def test_dose_validator_accepts_only_finite_positive_doses(value):
    from novamind_core.domain.medications import MAX_DOSE_MG, validate_dose_mg

    result = _accepts_or_refuses(validate_dose_mg, value)
    if not isinstance(result, NovamindError):
        assert 0 < result <= MAX_DOSE_MG


@fuzz_settings(60)
@given(dob=st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_date_of_birth_validator_refuses_the_future_and_implausible_ages(dob):
    from novamind_core.domain.patients import validate_date_of_birth

    result = _accepts_or_refuses(validate_date_of_birth, dob, date(2026, 3, 12))
    if isinstance(result, ValidationError):
        assert result.field == "date_of_birth"
    else:
        assert result <= date(2026, 3, 12)


@fuzz_settings(60)
@given(phone=st.one_of(st.none(), TEXT), email=st.one_of(st.none(), TEXT), address=st.one_of(st.none(), TEXT))
def test_contact_constructor_accepts_or_refuses_without_echoing_the_value(phone, email, address):
    from novamind_core.domain.patients import Contact

    result = _accepts_or_refuses(Contact, phone, email, address)
    if isinstance(result, ValidationError):
        assert result.value == "<redacted>"


@fuzz_settings(40)
@given(value=st.one_of(TEXT, st.integers(), st.none()))
def test_enum_parsers_accept_or_refuse_any_value(value):
    from novamind_core.domain.medications import Frequency
    from novamind_core.domain.patients import MetaboliserPhenotype, SexAtBirth, parse_enum
    from novamind_core.domain.twin import SnapshotTrigger

    for enum in (Frequency, SexAtBirth, MetaboliserPhenotype, SnapshotTrigger):
        _accepts_or_refuses(parse_enum, enum, value, "field")
