"""Synthetic outcome history for the clinic lead's page: past, discharged courses of care across the three demo
clinicians, so the outcome figures, the funnel plots and the billing export have something to show.

SYNTHETIC DATA, for demonstration only. Each course: registered 2-18 months ago; PHQ-9 and GAD-7 every two weeks
to week 12, then monthly; discharged one to two weeks after the last score. A course "recovers" with a probability
that falls with baseline severity and differs by clinician (Dr Ada 60%, Dr Ben 45%, Dr Cleo 35% at a baseline PHQ-9
of 15), and Dr Cleo is given more severe patients, so the case-mix-adjusted funnel tells a different story from the
raw one. A third of courses run 6-13 months, so the US 6- and 12-month measures have follow-up scores. One score in
four is entered by the patient through a link. Reproducible by seed; its own random stream, so the main cohort is
unchanged. Writes rows in the caller's unit of work (the demo seed's transaction).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta

import numpy as np

from novamind_core.domain.assessments import Instrument, item9_answer, score_assessment
from novamind_core.domain.patients import Contact, Diagnosis, MetaboliserPhenotype, SexAtBirth, normalise_mrn

#: Recovery probability at a baseline PHQ-9 of 15, per demo clinician (synthetic clinician effect).
CLINICIAN_RECOVERY = (0.60, 0.45, 0.35)
#: Mean baseline PHQ-9 per demo clinician (Dr Cleo sees more severe depression).
CLINICIAN_BASELINE_PHQ9 = (14.0, 15.0, 18.0)
HISTORY_MRN_BASE = 700001
DRUGS = ("sertraline", "escitalopram", "citalopram", "fluoxetine", "mirtazapine", "venlafaxine", "bupropion")
_PHENOTYPES = (None, MetaboliserPhenotype.NORMAL, MetaboliserPhenotype.INTERMEDIATE, MetaboliserPhenotype.POOR,
               MetaboliserPhenotype.ULTRARAPID)


def _allocate(total: int, n_items: int, rng: np.random.Generator) -> list[int]:
    items = [0] * n_items
    capacity = 3 * n_items - (3 if n_items == 9 else 0)  # PHQ-9 item 9 stays 0 in these synthetic courses
    for _ in range(min(total, capacity)):
        open_items = [k for k in range(n_items) if items[k] < 3 and not (n_items == 9 and k == 8)]
        items[open_items[int(rng.integers(len(open_items)))]] += 1
    return items


def _days(weeks: int) -> list[int]:
    out = list(range(0, min(weeks, 12) + 1, 2)) + list(range(16, weeks + 1, 4))
    return [w * 7 for w in out]


def seed_outcome_history(uow, clinicians: list[int], lead_id: int | None, *, n_courses: int, seed: int,  # type: ignore[no-untyped-def]  # noqa: E501
                         now: datetime, today: date) -> dict[str, int]:
    """Add ``n_courses`` discharged synthetic courses (round-robin over ``clinicians``); the clinic lead joins the
    care team of every fifth. Returns counts of patients, assessments and orders written."""
    from novamind_core.db.models import AssessmentRow, MedicationOrderRow, PatientRow, VisitRow

    s = uow.session
    totals = {"patients": 0, "assessments": 0, "orders": 0}
    for j in range(n_courses):
        rng = np.random.default_rng([seed, 90_000 + j])
        c = j % len(clinicians)
        long_course = rng.random() < 1 / 3
        weeks = int(rng.integers(26, 57)) if long_course else int(rng.integers(8, 21))
        discharge = today - timedelta(days=int(rng.integers(7, 60 if long_course else 300)))
        last = discharge - timedelta(days=int(rng.integers(7, 15)))
        days = _days(weeks)
        first = last - timedelta(days=days[-1])
        phq0 = int(np.clip(round(rng.normal(CLINICIAN_BASELINE_PHQ9[c % 3], 3.5)), 8, 27))
        gad0 = int(np.clip(round(0.7 * phq0 + rng.normal(0, 2.5)), 3, 21))
        p_recover = 1 / (1 + math.exp(-(math.log(CLINICIAN_RECOVERY[c % 3] / (1 - CLINICIAN_RECOVERY[c % 3]))
                                        - 0.12 * (phq0 - 15))))
        recovers = rng.random() < p_recover
        phq_end = float(rng.uniform(1, 7)) if recovers else float(phq0 - rng.uniform(-2, 7))
        gad_end = float(rng.uniform(0, 6)) if recovers else float(gad0 - rng.uniform(-2, 5))
        tau = float(rng.uniform(3, 6)) * 7
        team = [clinicians[c]] + ([lead_id] if lead_id is not None and j % 5 == 0 else [])
        drug = None if rng.random() < 0.2 else DRUGS[int(rng.integers(len(DRUGS)))]
        patient_id = uow.patients.add(
            mrn=normalise_mrn(f"NM-{HISTORY_MRN_BASE + j}"), given_name="Synthetic", family_name=f"History{j + 1}",
            date_of_birth=date(int(rng.integers(1950, 2004)), int(rng.integers(1, 13)), int(rng.integers(1, 29))),
            sex_at_birth=SexAtBirth.FEMALE if rng.random() < 0.6 else SexAtBirth.MALE, gender_identity=None,
            contact=Contact(email=f"synthetic.history{j + 1}@example.invalid"),
            diagnoses=[Diagnosis("F32.1" if phq0 < 20 else "F32.2",
                                 "Moderate depressive episode" if phq0 < 20 else
                                 "Severe depressive episode without psychotic symptoms", primary=True)],
            care_team=team, cyp2d6=_PHENOTYPES[int(rng.integers(len(_PHENOTYPES)))],
            cyp2c19=_PHENOTYPES[int(rng.integers(len(_PHENOTYPES)))], now=now, registered_on=first)
        if drug is not None:
            s.add(MedicationOrderRow(patient_id=patient_id, drug=drug, dose_mg=50.0, frequency="daily",
                                     start_date=first, stop_date=discharge, change_kind="start",
                                     start_reason="synthetic outcome history", prescribed_by=clinicians[c],
                                     created_at=now))
            totals["orders"] += 1
        for d in days:
            on = first + timedelta(days=d)
            frac = math.exp(-d / tau)
            for instrument, start, end, n_items in ((Instrument.PHQ9, phq0, phq_end, 9),
                                                    (Instrument.GAD7, gad0, gad_end, 7)):
                level = end + (start - end) * frac if d else start
                high = 27 if n_items == 9 else 21
                total = int(np.clip(round(level + (rng.normal(0, 1.2) if d else 0)), 0, high))
                sc = score_assessment(instrument, _allocate(total, n_items, rng))
                s.add(AssessmentRow(patient_id=patient_id, instrument=instrument.value, administered_on=on,
                                    recorded_at=datetime.combine(on, time(10, 0), tzinfo=UTC),
                                    recorded_by=clinicians[c], answers=str(list(sc.answers)).replace(" ", ""),
                                    total=sc.total, severity=sc.severity, item9=item9_answer(sc.instrument, sc.answers),
                                    source="patient_remote" if (d // 7) % 4 == 3 else "clinician"))
                totals["assessments"] += 1
            if (d // 7) % 4 != 3:
                s.add(VisitRow(patient_id=patient_id, scheduled_for=datetime.combine(on, time(9, 30), tzinfo=UTC),
                               clinician_id=clinicians[c], status="completed", created_at=now,
                               created_by=clinicians[c]))
        s.flush()
        uow.assessments.refresh_summary(patient_id)
        row = s.get(PatientRow, patient_id)
        row.status, row.discharged_on = "discharged", discharge
        totals["patients"] += 1
    s.flush()
    return totals
