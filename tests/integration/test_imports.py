"""Import service: all-or-nothing writes, a crash half-way stores nothing, audit, care team, FHIR round trip."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from novamind_core.biometrics.problems import ImportProblems
from novamind_core.db.models import AssessmentRow, AuditRow, MedicationOrderRow, PatientRow, WearableMinuteDayRow
from novamind_core.db.repositories.clinical import AssessmentRepository
from novamind_core.db.repositories.wearables import WearableRepository
from novamind_core.domain.errors import PermissionDenied
from novamind_core.services.imports import import_service
from tests.conftest import make_settings, register_patient

DATA = Path(__file__).resolve().parents[1] / "data" / "fhir"
HEADER = "date,instrument,item1,item2,item3,item4,item5,item6,item7,item8,item9\n"
SIX_ROWS = HEADER + "".join(f"2026-01-{d:02d},PHQ-9,2,2,2,1,1,1,1,1,{1 if d == 26 else 0}\n"
                            for d in (1, 8, 15, 22, 26, 29))


def _count(services, model) -> int:
    with services.context.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)))


def _snapshot(services) -> tuple[int, ...]:
    return tuple(_count(services, m) for m in (PatientRow, AssessmentRow, MedicationOrderRow, WearableMinuteDayRow,
                                               AuditRow))


def test_assessment_csv_import_stores_every_row_raises_the_item9_alert_and_audits(services, clinician, patient):
    result = import_service(services).import_file(clinician, "assessments", SIX_ROWS.encode(),
                                                  patient_id=patient.id, name="phq.csv")
    assert result.written == {"assessments": 6} and result.alerts_raised == 1
    history = services.assessments.history(clinician, patient.id)
    assert [a.administered_on.day for a in history] == [1, 8, 15, 22, 26, 29]
    assert [a.kind.value for a in services.alerts.list_for_patient(clinician, patient.id) if a.id] == ["item9"]
    entries = services.audit.query(_admin(services), action="import.data", patient_id=patient.id)
    assert len(entries) == 1 and entries[0].detail == "assessments assessments=6"


def _admin(services):
    from novamind_core.services.base import SYSTEM_USER

    return SYSTEM_USER


def test_a_failed_import_reports_each_problem_and_stores_nothing(services, clinician, patient):
    bad = SIX_ROWS + "2026-02-01,PHQ-9,2,2,2,1,1,1,1,1,9\n2026-02-02,PHQ-9,2,2,2,1,1,1,1,1\n"
    before = _snapshot(services)
    with pytest.raises(ImportProblems) as exc:
        import_service(services).import_file(clinician, "assessments", bad.encode(), patient_id=patient.id)
    assert [(p.row, p.column, p.value) for p in exc.value.problems] == [(8, "item9", "9"), (9, "item9", "")]
    assert _snapshot(services) == before


def test_a_crash_after_half_the_rows_leaves_the_database_unchanged_and_the_audit_chain_intact(
        services, clinician, patient, monkeypatch):
    before = _snapshot(services)
    original = AssessmentRepository.add
    calls = {"n": 0}

    def crash_at_the_fourth(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("simulated crash mid-import")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(AssessmentRepository, "add", crash_at_the_fourth)
    with pytest.raises(RuntimeError, match="simulated crash"):
        import_service(services).import_file(clinician, "assessments", SIX_ROWS.encode(), patient_id=patient.id)
    assert calls["n"] == 4  # three rows were added in the session before the crash
    assert _snapshot(services) == before
    assert services.audit.verify(_admin(services)).ok


def test_a_crash_between_chunks_of_minute_activity_stores_no_day(services, clinician, patient, monkeypatch):
    idx = pd.date_range("2025-11-01", periods=90 * 1440, freq="min", tz="Europe/London")
    csv = pd.DataFrame({"timestamp": idx.strftime("%Y-%m-%dT%H:%M:%S%z"), "counts": np.arange(len(idx)) % 500})
    body = csv.to_csv(index=False).encode()
    original = WearableRepository.replace_minute_days
    calls = {"n": 0}

    def crash_on_second_chunk(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(WearableRepository, "replace_minute_days", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        import_service(services).import_file(clinician, "activity", body, patient_id=patient.id)
    assert _count(services, WearableMinuteDayRow) == 0
    monkeypatch.setattr(WearableRepository, "replace_minute_days", original)
    result = import_service(services).import_file(clinician, "activity", body, patient_id=patient.id)
    assert result.written == {"days of minute activity": 90}
    stored = services.wearables.minute_activity(clinician, patient.id)
    assert stored.counts.shape == (90, 1440) and np.nansum(stored.counts) == float(csv["counts"].sum())


def test_a_clinician_off_the_care_team_cannot_import_or_export(services, clinician, other_clinician, patient):
    service = import_service(services)
    with pytest.raises(PermissionDenied):
        service.import_file(other_clinician, "assessments", SIX_ROWS.encode(), patient_id=patient.id)
    with pytest.raises(PermissionDenied):
        service.export_fhir(other_clinician, patient.id)
    assert _count(services, AssessmentRow) == 0
    denied = services.audit.query(_admin(services), outcome="denied")
    assert {e.action for e in denied} == {"import.data", "export.fhir"}


def test_preview_summarises_the_file_and_writes_only_its_audit_event(services, clinician, patient):
    before = _snapshot(services)
    preview = import_service(services).preview(clinician, "assessments", SIX_ROWS.encode(), patient_id=patient.id)
    assert preview.ok and preview.counts == {"assessments": 6}
    assert (preview.first_day.isoformat(), preview.last_day.isoformat()) == ("2026-01-01", "2026-01-29")
    after = _snapshot(services)
    assert after[:-1] == before[:-1] and after[-1] == before[-1] + 1


def test_fhir_bundle_registers_a_new_patient_with_the_importing_clinician_on_the_care_team(services, clinician):
    result = import_service(services).import_file(clinician, "fhir", (DATA / "ehr_bundle.json").read_bytes())
    assert result.created_patient
    assert result.written == {"diagnoses": 1, "assessments": 3, "medication orders": 3}  # one total-only
    patient = services.patients.find_by_mrn(clinician, "EHR-004211")
    assert patient.care_team == (clinician.id,) and patient.family_name == "Example-Smith"
    orders = services.medications.history(clinician, patient.id)
    assert [(o.drug, o.dose_mg, o.change_kind.value, o.previous_id) for o in orders] == [
        ("sertraline", 50.0, "start", None), ("sertraline", 100.0, "titrate", orders[0].id),
        ("mirtazapine", 15.0, "start", None)]
    assert len(result.notes) == 4  # the not-imported resources are reported with the result


def test_importing_the_same_bundle_twice_skips_what_is_already_stored(services, clinician):
    service = import_service(services)
    service.import_file(clinician, "fhir", (DATA / "ehr_bundle.json").read_bytes())
    before = _snapshot(services)
    preview = service.preview(clinician, "fhir", (DATA / "ehr_bundle.json").read_bytes())
    assert not preview.new_patient and preview.counts == {}
    assert preview.already_stored == {"assessments": 3, "medication orders": 3, "diagnoses": 1}
    assert _snapshot(services)[:-1] == before[:-1]


def test_fhir_round_trip_into_another_database_keeps_every_assessment_and_medication(
        services, clinician, patient, tmp_path, clock):
    from novamind_core.bootstrap import build_services
    from novamind_core.db.engine import migrate
    from tests.conftest import _make_user

    services.assessments.record(clinician, patient.id, "PHQ-9", [3, 3, 2, 2, 2, 2, 2, 1, 1], "2026-01-05")
    services.assessments.record(clinician, patient.id, "GAD-7", [2, 2, 2, 1, 1, 1, 0], "2026-01-05")
    services.assessments.record(clinician, patient.id, "ISI", [3, 3, 2, 2, 1, 1, 1], "2026-02-02")
    order = services.medications.add(clinician, patient.id, "sertraline", 50, start_date="2026-01-05",
                                     reason="first episode")
    services.medications.titrate(clinician, order.id, 100, "tolerating", on="2026-02-02")
    services.medications.add(clinician, patient.id, "mirtazapine", 15, "nightly", start_date="2026-02-02",
                             interactions_reviewed=True)  # mirtazapine augmentation, reviewed
    bundle = import_service(services).export_fhir(clinician, patient.id)

    url = f"sqlite:///{tmp_path / 'other.db'}"
    migrate(url)
    other = build_services(make_settings(url), clock=clock, bcrypt_rounds=4)
    try:
        doctor = _make_user(other, "dr.other", "clinician")
        import_service(other).import_file(doctor, "fhir", json.dumps(bundle).encode())
        copy = other.patients.find_by_mrn(doctor, patient.mrn)
        original_a = services.assessments.history(clinician, patient.id)
        copied_a = other.assessments.history(doctor, copy.id)
        assert [(a.instrument, a.administered_on, a.answers) for a in copied_a] == \
            [(a.instrument, a.administered_on, a.answers) for a in original_a]
        fields = ("drug", "dose_mg", "frequency", "start_date", "stop_date", "change_kind", "start_reason")
        assert [tuple(getattr(o, f) for f in fields) for o in other.medications.history(doctor, copy.id)] == \
            [tuple(getattr(o, f) for f in fields) for o in services.medications.history(clinician, patient.id)]
        assert copy.diagnoses == patient.diagnoses and copy.date_of_birth == patient.date_of_birth
    finally:
        other.close()


def test_a_totals_only_ehr_history_is_stored_as_total_only_assessments_with_no_item9_alert(services, clinician):
    result = import_service(services).import_file(clinician, "fhir", (DATA / "ehr_bundle.json").read_bytes())
    history = services.assessments.history(clinician, result.patient_id)
    total_only = [a for a in history if not a.answers_available]
    assert [(a.instrument.value, a.administered_on.isoformat(), a.total, a.severity, a.item9_positive)
            for a in total_only] == [("PHQ-9", "2025-10-01", 19, "moderately severe", False)]
    assert {a.source.value for a in history} == {"import"}
    alerts = services.alerts.list_for_patient(clinician, result.patient_id)
    assert not [a for a in alerts if a.kind.value == "item9"]  # item 9 is unknown, not negative, and not alerted
    bundle = import_service(services).export_fhir(clinician, result.patient_id)
    totals = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
              and e["resource"]["code"]["coding"][0]["code"] == "44261-6"]
    assert [(t["valueInteger"], t.get("note")) for t in totals] == [
        (19, [{"text": "item answers not available; item 9 unknown"}]), (13, None)]


def test_a_seeded_cohort_exports_with_no_errors_against_the_official_fhir_r4_schema(services, clinician):
    from novamind_core.demo.seed import seed_demo
    from tests.unit.interop.fhir_schema import schema_errors

    seed_demo(services, n_patients=9, seed=3)
    imported = import_service(services).import_file(clinician, "fhir", (DATA / "ehr_bundle.json").read_bytes())
    services.patients.update(clinician, imported.patient_id,
                             services.patients.get(clinician, imported.patient_id).version, gender_identity="woman")
    from novamind_core.interop import patient_bundle

    bundles = [import_service(services).export_fhir(clinician, imported.patient_id)]
    with services.context.uow() as uow:  # the seeded charts belong to the demo care teams: read them directly
        for pid in range(1, imported.patient_id):
            bundles.append(patient_bundle(uow.patients.get(pid), uow.assessments.history(pid),
                                          uow.medications.history(pid), mrn_system="urn:novamind:mrn"))
    types = [e["resource"]["resourceType"] for b in bundles for e in b["entry"]]
    assert len(bundles) == 10 and len(types) > 300
    assert set(types) == {"Patient", "Condition", "Observation", "QuestionnaireResponse", "MedicationRequest",
                          "MedicationStatement"}
    assert [err for b in bundles for err in schema_errors(b)] == []


def test_bundle_for_a_different_mrn_than_the_chosen_patient_is_refused(services, clinician, patient):
    register_patient(services, clinician, mrn="NM-000002", given="Other", family="Person")
    preview = import_service(services).preview(clinician, "fhir", (DATA / "ehr_bundle.json").read_bytes(),
                                               patient_id=patient.id)
    assert not preview.ok and "not the MRN of the patient you chose" in preview.problems[0].message


def test_medication_overlapping_a_stored_order_is_refused(services, clinician, patient):
    services.medications.add(clinician, patient.id, "sertraline", 50, start_date="2026-01-01")
    body = b"drug,dose_mg,frequency,start_date\nsertraline,100,daily,2026-02-01\n"
    with pytest.raises(ImportProblems, match="overlaps a stored order"):
        import_service(services).import_file(clinician, "medications", body, patient_id=patient.id)


# ---------------------------------------------------------------------------------------------- command line
@pytest.fixture
def cli_env(sqlite_url, monkeypatch, clock):  # type: ignore[no-untyped-def]
    """A migrated SQLite database named in NOVAMIND_* variables, with a clinician and a patient."""
    from novamind_core.bootstrap import build_services
    from tests.conftest import _make_user

    settings = make_settings(sqlite_url)
    for key, value in {"NOVAMIND_ENVIRONMENT": "testing", "NOVAMIND_DATABASE_URL": settings.database_url,
                       "NOVAMIND_ENCRYPTION_KEYS": settings.encryption_keys[0],
                       "NOVAMIND_BLIND_INDEX_KEY": settings.blind_index_key, "NOVAMIND_DEID_KEY": settings.deid_key,
                       "NOVAMIND_COOKIE_KEY": settings.cookie_key}.items():
        monkeypatch.setenv(key, value)
    services = build_services(settings, bcrypt_rounds=4)
    doctor = _make_user(services, "dr.cli", "clinician")
    patient = register_patient(services, doctor, mrn="NM-CLI-01")
    yield services, doctor, patient
    services.close()


def test_cli_imports_a_csv_as_a_named_clinician_and_exports_the_bundle(cli_env, tmp_path, capsys, monkeypatch):
    from novamind_core.cli import main
    from tests.cli_credentials import use_token

    services, doctor, patient = cli_env
    use_token(services, "dr.cli", monkeypatch)  # the clinician's own API token (docs/security.md, "Operators")
    csv = tmp_path / "phq.csv"
    csv.write_text(HEADER + "2026-01-05,PHQ-9,2,2,2,1,1,1,1,1,0\n")
    assert main(["import", "csv", "--kind", "assessments", "--patient", "NM-CLI-01", str(csv), "--as", "dr.cli"]) == 0
    assert "1 assessments" in capsys.readouterr().out
    out = tmp_path / "bundle.json"
    assert main(["export", "fhir", "--patient", "NM-CLI-01", "--out", str(out), "--as", "dr.cli"]) == 0
    bundle = json.loads(out.read_text())
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == [
        "Patient", "Condition", "Observation", "QuestionnaireResponse", "Observation"]  # panel, response, total


def test_cli_import_without_a_named_user_is_refused_and_a_bad_file_lists_every_problem(cli_env, tmp_path, capsys,
                                                                                        monkeypatch):
    from novamind_core.cli import main
    from tests.cli_credentials import use_token

    csv = tmp_path / "bad.csv"
    csv.write_text(HEADER + "2026-01-05,PHQ-9,2,2,2,1,1,1,1,1,7\n2026-01-06,PHQ-9,x,2,2,1,1,1,1,1,0\n")
    assert main(["import", "csv", "--kind", "assessments", "--patient", "NM-CLI-01", str(csv)]) == 2
    assert "authenticated operator" in capsys.readouterr().err
    use_token(cli_env[0], "dr.cli", monkeypatch)
    assert main(["import", "csv", "--kind", "assessments", "--patient", "NM-CLI-01", str(csv), "--as", "dr.cli"]) == 2
    err = capsys.readouterr().err
    assert "nothing was imported" in err and "row 2, column 'item9'" in err and "row 3, column 'item1'" in err
    assert _count(cli_env[0], AssessmentRow) == 0


def test_seed_wearables_adds_minute_actigraphy_through_audited_imports(cli_env, capsys):
    from novamind_core.cli import main

    services, doctor, patient = cli_env
    assert main(["seed-wearables", "--patients", "3", "--days", "14"]) == 0
    assert "14 days for 1 patients" in capsys.readouterr().out
    stored = services.wearables.minute_activity(doctor, patient.id)
    assert stored.counts.shape == (14, 1440) and np.nanmean(stored.counts) > 50
    assert len(services.audit.query(_admin(services), action="import.data", patient_id=patient.id)) == 1


def test_apple_health_export_stores_daily_summaries_reports_progress_and_keeps_sdnn_out_of_rmssd(
        services, clinician, patient, tmp_path):
    from novamind_core.biometrics.synthetic import write_apple_health_export

    path = tmp_path / "export.xml"
    write_apple_health_export(path, n_days=5, start="2026-02-01", seed=2)
    seen: list[float] = []
    result = import_service(services).import_file(clinician, "apple_health", path, patient_id=patient.id,
                                                  progress=lambda f, _m: seen.append(f))
    assert result.written["days of daily summaries"] >= 5
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert any("SDNN" in n.message for n in result.notes)
    stored = services.wearables.daily_summaries(clinician, patient.id)
    assert stored and all(s.hrv_rmssd is None for s in stored)  # Apple's SDNN is never relabelled as RMSSD
    assert [s.day.day for s in stored if s.steps] == [1, 2, 3, 4, 5]
    assert {s.source for s in stored} == {"apple_health"}
