"""A small, story-shaped cohort for UI tests, browser tests, screenshots and the UI benchmark.

Built only through the services (the same doors the pages use), on a fresh database migrated with Alembic.
Two clinicians (so care-team refusals can be tested), an analyst and an admin, with the published demo sign-ins.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from novamind_core.config import generate_fernet_key, generate_secret_key
from novamind_core.security.passwords import DEMO_CREDENTIALS

CLINICIAN = "demo.clinician"
OTHER_CLINICIAN = "demo.clinician2"
ANALYST = "demo.analyst"
ADMIN = "demo.admin"
PASSWORDS = DEMO_CREDENTIALS


@dataclass(frozen=True)
class Cohort:
    """Ids of the seeded people, by story."""

    clinician_id: int
    other_clinician_id: int
    analyst_id: int
    admin_id: int
    responder_id: int  # sertraline, PHQ-9 18 -> 8 over 9 weeks
    item9_id: int  # open item-9 alert
    switched_id: int  # partial responder switched to vortioxetine
    new_patient_id: int  # registered, no assessments yet
    other_patient_id: int  # on the other clinician's care team only
    responder_mrn: str
    other_patient_mrn: str


def environment_for(directory: Path, *, timeout_minutes: int = 30) -> dict[str, str]:
    """NOVAMIND_* variables for a throw-away SQLite database and fresh keys under ``directory`` (created)."""
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "NOVAMIND_ENVIRONMENT": "testing",
        "NOVAMIND_DATABASE_URL": f"sqlite:///{directory / 'ui.db'}",
        "NOVAMIND_ENCRYPTION_KEYS": generate_fernet_key(),
        "NOVAMIND_BLIND_INDEX_KEY": generate_secret_key(),
        "NOVAMIND_DEID_KEY": generate_secret_key(),
        "NOVAMIND_COOKIE_KEY": generate_secret_key(),
        "NOVAMIND_LOGIN_SLEEP_TIME": "0",
        "NOVAMIND_SESSION_TIMEOUT_MINUTES": str(timeout_minutes),
        "NOVAMIND_LOG_LEVEL": "WARNING",
    }


def build_services_from_environment(env: dict[str, str]):  # type: ignore[no-untyped-def]
    """Migrate the database named in ``env`` and build services for it (``env`` is applied to os.environ)."""
    from novamind_core.bootstrap import build_services
    from novamind_core.config import get_settings
    from novamind_core.db.engine import migrate

    os.environ.update(env)
    settings = get_settings(_env_file=None)
    migrate(settings.database_url)
    return build_services(settings)


def _weekly(start: date, totals: list[int], n_items: int, item9: int = 0) -> list[tuple[date, list[int]]]:
    """Answers whose sum is each total, spread evenly over the items (item 9 fixed to ``item9`` for PHQ-9)."""
    out = []
    for week, total in enumerate(totals):
        answers = [0] * n_items
        remaining = total - (item9 if n_items == 9 else 0)
        slots = list(range(n_items - 1)) if n_items == 9 else list(range(n_items))
        i = 0
        while remaining > 0:
            slot = slots[i % len(slots)]
            if answers[slot] < 3:
                answers[slot] += 1
                remaining -= 1
            i += 1
        if n_items == 9:
            answers[8] = item9
        out.append((start + timedelta(weeks=week), answers))
    return out


def seed_cohort(services, *, extra_patients: int = 0) -> Cohort:  # type: ignore[no-untyped-def]
    """Create the users and story patients (plus ``extra_patients`` plain ones for the clinician)."""
    from novamind_core.services.base import SYSTEM_USER

    def user(name: str, shown: str, role: str) -> int:
        return services.users.create(SYSTEM_USER, name, shown, role, PASSWORDS[name], allow_demo_password=True).id

    clinician_id = user(CLINICIAN, "Dr Ada Lovelace", "clinician")
    other_id = user(OTHER_CLINICIAN, "Dr Charles Babbage", "clinician")
    analyst_id = user(ANALYST, "Ann Alyst", "analyst")
    admin_id = user(ADMIN, "Adam Min", "admin")
    doc = services.users.get_by_username(CLINICIAN)
    other = services.users.get_by_username(OTHER_CLINICIAN)
    today = services.context.today()

    def patient(by, mrn: str, given: str, family: str, dob: str, sex: str, code: str, label: str) -> int:  # type: ignore[no-untyped-def]
        return services.patients.register(by, mrn=mrn, given_name=given, family_name=family, date_of_birth=dob,
                                          sex_at_birth=sex, diagnoses=[{"code": code, "label": label,
                                                                        "primary": True}]).id

    start = today - timedelta(weeks=10)
    responder = patient(doc, "NM-100001", "Synthia", "Testcase", "1984-03-12", "female", "F32.2",
                        "Severe depressive episode without psychotic symptoms")
    services.medications.add(doc, responder, "sertraline", 50, start_date=start, reason="first episode")
    for on, answers in _weekly(start, [18, 17, 15, 13, 12, 11, 10, 9, 8, 8], 9):
        services.assessments.record(doc, responder, "PHQ-9", answers, on)
    for on, answers in _weekly(start, [14, 13, 11, 10, 9, 8], 7):
        services.assessments.record(doc, responder, "GAD-7", answers, on + timedelta(days=1))
    order = services.medications.history(doc, responder)[-1]
    services.medications.titrate(doc, order.id, 100, "partial response at 3 weeks", on=start + timedelta(weeks=3))

    item9 = patient(doc, "NM-100002", "Demo", "Riskwell", "1991-07-02", "male", "F33.1",
                    "Recurrent depressive disorder, current episode moderate")
    services.medications.add(doc, item9, "escitalopram", 10, start_date=today - timedelta(weeks=6))
    for on, answers in _weekly(today - timedelta(weeks=4), [14, 16], 9, item9=0):
        services.assessments.record(doc, item9, "PHQ-9", answers, on)
    services.assessments.record(doc, item9, "PHQ-9", [2, 2, 2, 2, 2, 2, 2, 2, 1], today - timedelta(days=3))

    switched = patient(doc, "NM-100003", "Pat", "Partialis", "1975-11-30", "female", "F32.1",
                       "Moderate depressive episode")
    services.medications.add(doc, switched, "citalopram", 20, start_date=today - timedelta(weeks=16))
    for on, answers in _weekly(today - timedelta(weeks=16), [19, 17, 15, 14, 14, 13], 9):
        services.assessments.record(doc, switched, "PHQ-9", answers, on)
    cit = services.medications.history(doc, switched)[-1]
    services.medications.switch(doc, cit.id, "vortioxetine", 10, "partial response after 6 weeks",
                                on=today - timedelta(weeks=10))

    new_patient = patient(doc, "NM-100004", "Newton", "Firstvisit", "2000-01-15", "other", "F41.1",
                          "Generalized anxiety disorder")
    for i in range(extra_patients):
        pid = patient(doc, f"NM-2{i:05d}", f"Extra{i}", f"Patient{i}", "1980-01-01", "female", "F32.1",
                      "Moderate depressive episode")
        if i % 2 == 0:
            services.assessments.record(doc, pid, "PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 0], today - timedelta(days=i % 50))

    other_patient = patient(other, "NM-900001", "Hidden", "Otherteam", "1969-05-05", "male", "F31.3",
                            "Bipolar affective disorder, current episode mild or moderate depression")
    services.assessments.record(other, other_patient, "PHQ-9", [1, 1, 1, 1, 1, 1, 1, 1, 0], today - timedelta(days=7))
    return Cohort(clinician_id, other_id, analyst_id, admin_id, responder, item9, switched, new_patient,
                  other_patient, "NM-100001", "NM-900001")
