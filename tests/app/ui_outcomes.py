"""Test support for the clinic outcomes screen: a clinic lead and closed episodes for two clinicians on top of the
story cohort of :mod:`tests.app.ui_cohort` (enough for a funnel plot, with one drug group small enough to read "<5")."""

from __future__ import annotations

from datetime import timedelta

from tests.app import ui_cohort

LEAD, LEAD_NAME, LEAD_PASSWORD = "demo.lead", "Dr Lena Lead", "demo-lead-outcomes-2024"
EPISODES_PER_CLINICIAN = 14
SMALL_DRUG = "fluoxetine"


def seed_clinic(services) -> None:  # type: ignore[no-untyped-def]
    """Create the clinic lead and, per clinician, closed episodes (PHQ-9 and GAD-7 at the start and 8 weeks later,
    5 to 9 months ago: the 90-day gap has closed them); three of the first clinician's are on ``SMALL_DRUG``."""
    from novamind_core.services.base import SYSTEM_USER

    password = ui_cohort.PASSWORDS.get(LEAD, LEAD_PASSWORD)
    services.users.create(SYSTEM_USER, LEAD, LEAD_NAME, "clinic_lead", password, allow_demo_password=True)
    today = services.context.today()
    for n, username in enumerate((ui_cohort.CLINICIAN, ui_cohort.OTHER_CLINICIAN)):
        doc = services.users.get_by_username(username)
        for i in range(EPISODES_PER_CLINICIAN):
            pid = services.patients.register(doc, mrn=f"NM-3{n}{i:03d}", given_name=f"Closed{i}",
                                             family_name="Closedcase", date_of_birth="1980-01-01",
                                             sex_at_birth="female",
                                             diagnoses=[{"code": "F32.1", "label": "Moderate depressive episode",
                                                         "primary": True}]).id
            first = today - timedelta(days=150 + 9 * i)
            recovered = (i % 3 != 0) if n == 0 else (i % 2 == 0)
            end_phq = [0, 1, 0, 1, 0, 1, 0, 1, 0] if recovered else [2, 2, 1, 2, 1, 2, 1, 1, 0]
            end_gad = [1, 0, 1, 0, 1, 0, 1] if recovered else [2, 1, 2, 1, 2, 1, 1]
            if n == 0 and i < 3:
                services.medications.add(doc, pid, SMALL_DRUG, 20, start_date=first - timedelta(days=1))
            services.assessments.record(doc, pid, "PHQ-9", [2, 2, 2, 2, 2, 2, 1, 1, 0], first)
            services.assessments.record(doc, pid, "GAD-7", [2, 2, 2, 1, 1, 1, 1], first)
            services.assessments.record(doc, pid, "PHQ-9", end_phq, first + timedelta(weeks=8))
            services.assessments.record(doc, pid, "GAD-7", end_gad, first + timedelta(weeks=8))


def lead_password() -> str:
    return ui_cohort.PASSWORDS.get(LEAD, LEAD_PASSWORD)
