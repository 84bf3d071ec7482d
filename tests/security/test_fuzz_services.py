"""Fuzzing the services' input parsing (what every form sends): each call either succeeds or raises a NovamindError
(ValidationError, ConflictError, ...) and, when it refuses, changes no stored row."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from novamind_core.domain.errors import NovamindError
from tests.security.conftest import fuzz_settings

TEXT = st.one_of(st.text(max_size=80), st.sampled_from(["", "  ", "2026-02-30", "2026-03-11", "1980-02-03",
                                                        "9999-12-31", "0001-01-01", "NM-12", "x" * 5000]))
NUM = st.one_of(st.integers(-10**9, 10**9), st.floats(), TEXT)
OPT_TEXT = st.one_of(st.none(), TEXT)


def _refused_cleanly(world, call, records_refusals: tuple[str, ...] = ()) -> None:  # type: ignore[no-untyped-def]
    """``records_refusals``: tables whose purpose is to count refusals (a failed sign-in feeds the throttle)."""
    def counts() -> dict[str, int]:
        return {k: v for k, v in world.table_counts().items() if k not in records_refusals}

    before = counts()
    try:
        call()
    except NovamindError as exc:
        assert str(exc)
        assert counts() == before, f"refused with {exc!r} but stored data changed"


@fuzz_settings(40)
@given(mrn=TEXT, given_name=TEXT, family=TEXT, dob=TEXT, sex=OPT_TEXT, phone=OPT_TEXT, email=OPT_TEXT,
       diagnoses=st.lists(st.tuples(TEXT, TEXT), max_size=3), cyp=OPT_TEXT)
def test_fuzzed_registrations_are_refused_cleanly(world, mrn, given_name, family, dob, sex, phone, email, diagnoses,
                                                  cyp):
    clin = world.users["clinician"]
    _refused_cleanly(world, lambda: world.services.patients.register(
        clin, mrn=mrn, given_name=given_name, family_name=family, date_of_birth=dob, sex_at_birth=sex, phone=phone,
        email=email, diagnoses=diagnoses, cyp2d6=cyp))


@fuzz_settings(40)
@given(instrument=st.one_of(TEXT, st.sampled_from(["PHQ-9", "GAD-7", "ISI"])),
       answers=st.lists(st.one_of(st.integers(-3, 6), st.integers(), st.floats(), TEXT, st.none()), max_size=10),
       on=OPT_TEXT)
def test_fuzzed_assessments_are_refused_cleanly(world, instrument, answers, on):
    clin = world.users["clinician"]
    _refused_cleanly(world, lambda: world.services.assessments.record(clin, world.own_pid, instrument, answers, on))


@fuzz_settings(40)
@given(drug=TEXT, dose=NUM, frequency=OPT_TEXT, start=OPT_TEXT, reason=OPT_TEXT, note=OPT_TEXT)
def test_fuzzed_medication_orders_are_refused_cleanly(world, drug, dose, frequency, start, reason, note):
    clin = world.users["clinician"]
    _refused_cleanly(world, lambda: world.services.medications.add(
        clin, world.own_pid, drug, dose, frequency or "daily", start, reason, note))
    order = world.order(world.own_pid)
    _refused_cleanly(world, lambda: world.services.medications.titrate(clin, order.id, dose, reason, start, frequency))


@fuzz_settings(40)
@given(text=TEXT, on=OPT_TEXT, due=OPT_TEXT, when=st.datetimes(timezones=st.just(UTC)) | st.datetimes())
def test_fuzzed_notes_and_visits_are_refused_cleanly(world, text, on, due, when):
    clin = world.users["clinician"]
    _refused_cleanly(world, lambda: world.services.notes.add(clin, world.own_pid, text, on))
    _refused_cleanly(world, lambda: world.services.visits.schedule(clin, world.own_pid, when, due, text))
    _refused_cleanly(world, lambda: world.services.visits.set_next_assessment_due(clin, world.own_pid, due))


@fuzz_settings(40)
@given(rows=st.lists(st.dictionaries(st.sampled_from(["date", "day", "steps", "sleep_minutes", "resting_hr",
                                                      "hrv_rmssd", "junk"]), NUM, max_size=6), max_size=5))
def test_fuzzed_daily_summaries_are_refused_cleanly(world, rows):
    clin = world.users["clinician"]
    _refused_cleanly(world, lambda: world.services.wearables.store_daily_summaries(clin, world.own_pid, rows))


@fuzz_settings(40)
@given(search=OPT_TEXT, page=NUM, size=NUM, sort=TEXT, severities=st.lists(TEXT, max_size=3), status=OPT_TEXT)
def test_fuzzed_caseload_queries_are_refused_cleanly(world, search, page, size, sort, severities, status):
    clin = world.users["clinician"]
    _refused_cleanly(world, lambda: world.services.patients.caseload(
        clin, search=search, page=page, page_size=size, sort=sort, severities=severities, status=status))


JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
                    lambda inner: st.one_of(st.lists(inner, max_size=3),
                                            st.dictionaries(st.text(max_size=8), inner, max_size=3)), max_leaves=15)


@fuzz_settings(40)
@given(name=TEXT, scenario=JSON, note=OPT_TEXT, username=TEXT, password=TEXT, role=TEXT)
def test_fuzzed_scenarios_and_user_accounts_are_refused_cleanly(world, name, scenario, note, username, password, role):
    clin, admin = world.users["clinician"], world.users["admin"]
    _refused_cleanly(world, lambda: world.services.twin.save_scenario(clin, world.own_pid, name, scenario, note))
    _refused_cleanly(world, lambda: world.services.users.create(admin, username, name, role, password))
    _refused_cleanly(world, lambda: world.services.users.authenticate(username, password),
                     records_refusals=("sign_in_throttle",))


def test_a_naive_visit_time_is_refused_not_compared(world):
    """A time without a zone cannot be compared with the clinic's clock: refused with a reason."""
    _refused_cleanly(world, lambda: world.services.visits.schedule(world.users["clinician"], world.own_pid,
                                                                   datetime(2030, 1, 1, 9, 0)))
