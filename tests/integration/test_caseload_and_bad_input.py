"""Caseload paging, search and filters with constant SQL per page; bad input changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, func, select

from novamind_core.db.models import AssessmentRow, AuditRow, PatientRow
from novamind_core.domain.errors import ConflictError, ValidationError
from tests.conftest import register_patient
from tests.fakes import CountingCipher, count_statements


def _cohort(services, user, n: int) -> list[int]:
    return [register_patient(services, user, mrn=f"NM-{i:06d}", given=f"Given{i}", family=f"Family{i}").id
            for i in range(n)]


def test_caseload_pages_cover_every_patient_once(services, clinician):
    ids = _cohort(services, clinician, 7)
    seen = []
    for page in (1, 2, 3):
        result = services.patients.caseload(clinician, page=page, page_size=3, sort="registered", descending=False)
        assert result.total == 7 and result.pages == 3
        seen += [r.patient_id for r in result.rows]
    assert seen == ids


def test_caseload_sql_statement_count_does_not_grow_with_patients(services, clinician):
    _cohort(services, clinician, 3)
    with count_statements(services.engine) as small:
        services.patients.caseload(clinician, page_size=25)
    _cohort_more = [register_patient(services, clinician, mrn=f"NM-9{i:05d}").id for i in range(20)]
    assert _cohort_more
    with count_statements(services.engine) as large:
        services.patients.caseload(clinician, page_size=25)
    assert len(small) == len(large)


def test_caseload_decrypts_only_the_rows_of_the_page(services, clinician):
    _cohort(services, clinician, 12)
    counting = CountingCipher(services.cipher)
    from novamind_core.db.types import attach_cipher

    attach_cipher(services.engine, counting)
    services.patients.caseload(clinician, page_size=2)
    encrypted_fields_per_patient = 8  # mrn, names, dob, gender identity, phone, email, address (non-null ones)
    assert 0 < counting.decrypted <= 2 * encrypted_fields_per_patient


def test_caseload_sorts_item_nine_alerts_first_and_filters_by_alert(services, clinician):
    ids = _cohort(services, clinician, 3)
    services.assessments.record(clinician, ids[2], "PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 1])
    page = services.patients.caseload(clinician)
    assert page.rows[0].patient_id == ids[2] and page.rows[0].item9_alert
    assert [r.patient_id for r in services.patients.caseload(clinician, only_alerts=True).rows] == [ids[2]]


def test_caseload_overdue_filter_uses_the_configured_interval(services, clinician, clock):
    ids = _cohort(services, clinician, 2)
    services.assessments.record(clinician, ids[0], "PHQ-9", [0] * 9)
    clock.advance(days=20)
    services.assessments.record(clinician, ids[1], "PHQ-9", [0] * 9)
    clock.advance(days=10)  # patient 0 last assessed 30 days ago (> 28), patient 1 10 days ago
    assert [r.patient_id for r in services.patients.caseload(clinician, only_overdue=True).rows] == [ids[0]]


def _counts(services) -> tuple[int, int, int]:
    with services.context.uow() as uow:
        s = uow.session
        return (s.scalar(select(func.count()).select_from(PatientRow)),
                s.scalar(select(func.count()).select_from(AssessmentRow)),
                s.scalar(select(func.count()).select_from(AuditRow)))


def test_duplicate_mrn_is_refused_and_changes_nothing(services, clinician, patient):
    before = _counts(services)
    with pytest.raises(ConflictError, match="MRN"):
        register_patient(services, clinician, mrn=patient.mrn.lower(), given="Other")
    assert _counts(services) == before


@pytest.mark.parametrize(("instrument", "answers", "message"), [
    ("PHQ-9", [0, 0, 0, 0, 0, 0, 0, 0, 4], "item 9 answer 4 is out of range: allowed 0-3"),
    ("PHQ-9", [0, 0, 0], "needs 9 answers"),
    ("XYZ", [0], "unknown instrument"),
])
def test_invalid_assessment_is_refused_with_the_reason_and_stores_nothing(services, clinician, patient, instrument,
                                                                            answers, message):
    before = _counts(services)
    with pytest.raises(ValidationError, match=message):
        services.assessments.record(clinician, patient.id, instrument, answers)
    assert _counts(services) == before


@pytest.mark.parametrize(("field", "value", "message"), [
    ("date_of_birth", "2099-01-01", "in the future"),
    ("mrn", "x!", "MRN"),
    ("diagnoses", [("Q", "Not a code")], "ICD-10"),
    ("sex_at_birth", "dragon", "sex at birth"),
])
def test_invalid_registration_names_the_field(services, clinician, field, value, message):
    with pytest.raises(ValidationError, match=message) as err:
        register_patient(services, clinician, **{field: value})
    assert err.value.field in (field, "diagnosis_code")
    assert _counts(services)[0] == 0


def test_assessment_date_in_the_future_is_refused(services, clinician, patient):
    with pytest.raises(ValidationError, match="in the future"):
        services.assessments.record(clinician, patient.id, "GAD-7", [0] * 7, administered_on=date(2030, 1, 1))


def test_sqlite_file_is_the_same_schema_as_the_template(sqlite_url):
    engine = create_engine(sqlite_url)
    from sqlalchemy import inspect

    assert "patients" in inspect(engine).get_table_names()
    engine.dispose()
