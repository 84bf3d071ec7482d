"""Seed a synthetic demo cohort: users, patients, diagnoses, medication histories, item-level PHQ-9/GAD-7/ISI
trajectories, alerts, notes, visits and wearable data. Reproducible by seed; refused in production.

Trajectory model (synthetic, for demonstration only): on treatment, the PHQ-9 total approaches a target
exponentially, ``T(t) = target + (start - target) * exp(-(t - t0) / tau)`` with ``tau`` 3-6 weeks, plus Gaussian
noise (SD 1.5 points), clipped to 0-27. Response rates are not calibrated here (the twin's population calibration,
:mod:`novamind_core.twin.calibration`, does that).
Archetype shares (responder 40%, partial 25%, non-responder 15%, relapse 20%) are illustrative, loosely following
STAR*D level-1 outcomes (Rush et al. 2006, Am J Psychiatry 163:1905: ~47% response, ~30% remission).
GAD-7 follows PHQ-9 (``0.65 * PHQ * 21/27`` + noise); ISI is recorded for a third of patients.
Items are filled by allocating the total across items with a per-patient symptom profile (max 3 per item).

The docs/ux.md demo stories are the first six patients, all on ``demo.clinician``'s caseload.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from sqlalchemy import func, select

from novamind_core.db.models import (
    AlertRow,
    AssessmentRow,
    MedicationOrderRow,
    NoteRevisionRow,
    NoteRow,
    PatientRow,
    VisitRow,
)
from novamind_core.demo.stories import (
    COMORBID,
    DIAGNOSES,
    FAMILY,
    GIVEN,
    NOTE_TEXTS,
    Plan,
    allocate,
    phq_course,
    random_plan,
    schedule,
    story_plans,
    symptom_profile,
)
from novamind_core.domain.assessments import ITEM9_INDEX, Instrument, item9_answer, score_assessment
from novamind_core.domain.errors import ConfigurationError, ConflictError
from novamind_core.domain.patients import (
    Contact,
    Diagnosis,
    MetaboliserPhenotype,
    SexAtBirth,
    normalise_mrn,
)
from novamind_core.domain.users import Role
from novamind_core.domain.wearables import DailySummary
from novamind_core.security.audit import AuditAction
from novamind_core.security.passwords import DEMO_CREDENTIALS, hash_password
from novamind_core.services.assessments import evaluate_alerts
from novamind_core.services.base import SYSTEM_USER

logger = logging.getLogger(__name__)

DEMO_USERS: tuple[tuple[str, str, Role], ...] = (
    ("demo.clinician", "Dr Ada Demo", Role.CLINICIAN),
    ("demo.clinician2", "Dr Ben Demo", Role.CLINICIAN),
    ("demo.clinician3", "Dr Cleo Demo", Role.CLINICIAN),
    ("demo.analyst", "Ana Demo (analyst)", Role.ANALYST),
    ("demo.admin", "Adam Demo (admin)", Role.ADMIN),
    ("demo.lead", "Dr Lena Lead (clinic lead)", Role.CLINIC_LEAD),
)

@dataclass(frozen=True)
class SeedReport:
    patients: int
    users_created: int
    assessments: int
    medication_orders: int
    alerts: int
    wearable_days: int
    skipped: bool = False
    outcome_history_patients: int = 0
    reason: str = ""


def seed_demo(services: object, n_patients: int = 60, seed: int = 0, if_empty: bool = False,
              outcome_history: int = 0) -> SeedReport:
    """Seed the demo cohort through the repositories in one transaction (bulk inserts; < 30 s for 60 patients).

    ``outcome_history`` adds that many past, discharged synthetic courses across the three demo clinicians
    (:mod:`novamind_core.demo.outcome_history`) for the clinic lead's outcome page; the CLI adds 90 by default.

    Raises ConfigurationError in production or with demo users disabled; ConflictError when patients exist
    (unless ``if_empty``, which then skips).
    """
    ctx = services.context  # type: ignore[attr-defined]
    settings = ctx.settings
    if settings.environment == "production" or not settings.demo_users_enabled:
        raise ConfigurationError("NOVAMIND_DEMO_USERS_ENABLED: demo data and demo users are refused in production")
    if not 1 <= n_patients <= 100_000:
        raise ConfigurationError("seed-demo: --patients must be 1-100000")
    now = ctx.now()
    today = ctx.today()
    with ctx.uow() as uow:
        s = uow.session
        if s.scalar(select(func.count()).select_from(PatientRow)):
            if if_empty:
                return SeedReport(0, 0, 0, 0, 0, 0, skipped=True, reason="database already has patients")
            raise ConflictError("the database already has patients; use --if-empty or an empty database")
        user_ids, created = _seed_users(uow, ctx, now)
        _seed_notification_addresses(uow, user_ids, now)
        clinicians = [user_ids[u] for u, _, r in DEMO_USERS if r is Role.CLINICIAN]
        stories = story_plans()
        totals = {"assessments": 0, "orders": 0, "alerts": 0, "wearable_days": 0}
        for i in range(n_patients):
            prng = np.random.default_rng([seed, i])
            if i < len(stories):
                given, family, plan = stories[i]
                team = [clinicians[0]]
            else:
                archetype = prng.choice(["responder", "partial", "nonresponder", "relapse"], p=[.4, .25, .15, .2])
                plan = random_plan(str(archetype), prng)
                given, family = GIVEN[prng.integers(len(GIVEN))], FAMILY[prng.integers(len(FAMILY))]
                team = [clinicians[i % 3]] + ([clinicians[(i + 1) % 3]] if prng.random() < 0.1 else [])
            _seed_patient(uow, ctx, i, given, family, plan, team, prng, now, today, totals)
        history = {"patients": 0, "assessments": 0, "orders": 0}
        if outcome_history:
            from novamind_core.demo.outcome_history import seed_outcome_history

            history = seed_outcome_history(uow, clinicians, user_ids.get("demo.lead"), n_courses=outcome_history,
                                           seed=seed, now=now, today=today)
        uow.audit.append(_audit_record(now, f"patients={n_patients} seed={seed} outcome_history={outcome_history} "
                                            "synthetic=yes"))
        uow.commit()
    return SeedReport(n_patients, created, totals["assessments"] + history["assessments"],
                      totals["orders"] + history["orders"], totals["alerts"], totals["wearable_days"],
                      outcome_history_patients=history["patients"])


def _audit_record(now: datetime, detail: str):  # type: ignore[no-untyped-def]
    from novamind_core.security.audit import AuditRecord

    return AuditRecord(now, None, SYSTEM_USER.username, SYSTEM_USER.role.value, AuditAction.DEMO_SEED, None, "success",
                       detail)


def _seed_users(uow, ctx, now: datetime) -> tuple[dict[str, int], int]:  # type: ignore[no-untyped-def]
    ids: dict[str, int] = {}
    created = 0
    for username, display, role in DEMO_USERS:
        row = uow.users.find(username)
        if row is None:
            row = uow.users.add(username, display, role,
                                hash_password(DEMO_CREDENTIALS[username], rounds=ctx.bcrypt_rounds), now)
            created += 1
        ids[username] = row.id
    return ids, created


def demo_notification_address(username: str) -> str:
    """The demo care-team member's urgent-alert address (``demo.clinician`` -> ``demo.clinician@clinic.example``): an
    RFC 2606 domain that only the development mail sink receives, so ``make run`` shows the urgent mail there."""
    return f"{username}@clinic.example"


def _seed_notification_addresses(uow, user_ids: dict[str, int], now: datetime) -> None:  # type: ignore[no-untyped-def]
    """Give each demo clinician and the clinic lead an urgent-alert e-mail (kept when the user already set one):
    without it, an item-9 answer from the patient portal would e-mail nobody (``PortalService._tell_care_team``)."""
    for username, _, role in DEMO_USERS:
        if role not in (Role.CLINICIAN, Role.CLINIC_LEAD):
            continue
        current = uow.preferences.get(user_ids[username])
        if current is None or not current.email:
            uow.preferences.set(user_ids[username], email=demo_notification_address(username),
                                urgent_by_email=True, now=now)


def _seed_patient(uow, ctx, i, given, family, plan: Plan, team, rng, now, today, totals) -> None:  # type: ignore[no-untyped-def]  # noqa: E501
    s = uow.session
    lag_days = int(rng.integers(35, 60)) if rng.random() < 0.15 and i >= 6 else int(rng.integers(0, 10))
    end = today - timedelta(days=lag_days)
    days = schedule(plan.weeks)
    first = end - timedelta(days=days[-1])
    dob = date(int(rng.integers(1950, 2004)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
    dx = [Diagnosis(*DIAGNOSES[rng.integers(len(DIAGNOSES))], primary=True)]
    if rng.random() < 0.4:
        dx.append(Diagnosis(*COMORBID[rng.integers(len(COMORBID))]))
    sex = SexAtBirth.FEMALE if rng.random() < 0.6 else SexAtBirth.MALE
    patient_id = uow.patients.add(
        mrn=normalise_mrn(f"NM-{100001 + i}"), given_name=given, family_name=family, date_of_birth=dob,
        sex_at_birth=sex, gender_identity=None,
        contact=Contact(phone=f"+44 7700 900{i % 1000:03d}",
                        email=f"{given.lower()}.{family.lower()}{i}@example.invalid",
                        address=f"{i + 1} Example Street, Demo Town"),
        diagnoses=dx, care_team=team,
        cyp2d6=None, cyp2c19=MetaboliserPhenotype(plan.cyp2c19) if plan.cyp2c19 else None, now=now,
        registered_on=first,
    )
    # medications
    current: MedicationOrderRow | None = None
    for week, action, drug, dose, reason in sorted(plan.meds, key=lambda m: m[0]):
        on = first + timedelta(weeks=week)
        if on > today:
            break
        if action in ("titrate", "switch", "stop") and current is not None:
            current.stop_date = on
            current.stop_reason = {"titrate": f"titrated to {dose} mg: {reason}", "switch": f"switched to {drug}: "
                                   f"{reason}", "stop": reason}[action]
        if action == "stop":
            current = None
            continue
        kind = {"start": "start", "titrate": "titrate", "switch": "switch"}[action]
        row = MedicationOrderRow(patient_id=patient_id, drug=drug, dose_mg=float(dose), frequency="daily",
                                 start_date=on, change_kind=kind, previous_id=current.id if current else None,
                                 start_reason=reason, prescribed_by=team[0], created_at=now)
        s.add(row)
        s.flush()
        current = row
        totals["orders"] += 1
    # assessments
    phq = phq_course(plan, days, rng)
    phq_w = symptom_profile(rng, 9, item9=True)
    gad_w = rng.uniform(0.5, 1.5, 7)
    isi_w = rng.uniform(0.5, 1.5, 7)
    rows: list[tuple[AssessmentRow, object]] = []
    for k, d in enumerate(days):
        on = first + timedelta(days=d)
        at = datetime.combine(on, time(10, 0), tzinfo=UTC)
        items = allocate(phq[k], phq_w, 3, rng)
        if plan.item9_final and k == len(days) - 1:
            items[ITEM9_INDEX] = plan.item9_final
            items[int(np.argmax(items[:8]))] -= 0 if sum(items) <= 27 else 1
        scored = [score_assessment(Instrument.PHQ9, items)]
        gad_total = int(np.clip(round(0.65 * phq[k] * 21 / 27 + rng.normal(0, 1.5)), 0, 21))
        scored.append(score_assessment(Instrument.GAD7, allocate(gad_total, gad_w, 3, rng)))
        if plan.isi and k % 2 == 0:
            isi_total = int(np.clip(round(0.7 * phq[k] + rng.normal(0, 2)), 0, 28))
            scored.append(score_assessment(Instrument.ISI, allocate(isi_total, isi_w, 4, rng)))
        for sc in scored:
            r = AssessmentRow(patient_id=patient_id, instrument=sc.instrument.value, administered_on=on,
                              recorded_at=at, recorded_by=team[0], answers=str(list(sc.answers)).replace(" ", ""),
                              total=sc.total, severity=sc.severity,
                              item9=item9_answer(sc.instrument, sc.answers))
            rows.append((r, sc))
    s.add_all([r for r, _ in rows])
    s.flush()
    totals["assessments"] += len(rows)
    # alerts: every rule applied in order; earlier alerts acknowledged at the next visit, the latest left open
    earlier: dict[Instrument, list[int]] = {}
    last_day = first + timedelta(days=days[-1])
    for r, sc in rows:
        for kind, message, value in evaluate_alerts(sc, r.administered_on, earlier.get(sc.instrument, [])):
            ack = r.administered_on < last_day
            s.add(AlertRow(patient_id=patient_id, kind=kind.value, raised_at=r.recorded_at, message=message,
                           instrument=sc.instrument.value, assessment_id=r.id, value=value,
                           observed_on=r.administered_on,
                           acknowledged_at=r.recorded_at + timedelta(days=7) if ack else None,
                           acknowledged_by=team[0] if ack else None))
            totals["alerts"] += 1
        earlier.setdefault(sc.instrument, []).append(sc.total)
    # notes and visits
    for k, d in enumerate(days[:: max(1, len(days) // 3)][:3]):
        on = first + timedelta(days=d)
        at = datetime.combine(on, time(10, 30), tzinfo=UTC)
        text = NOTE_TEXTS[(i + k) % len(NOTE_TEXTS)]
        note = NoteRow(patient_id=patient_id, note_date=on, author_id=team[0], text=text, created_at=at,
                       updated_at=at, current_revision=1)
        s.add(note)
        s.flush()
        s.add(NoteRevisionRow(note_id=note.id, revision=1, text=text, edited_by=team[0], edited_at=at))
    if lag_days < 30:
        visit_at = datetime.combine(today + timedelta(days=int(rng.integers(3, 28))), time(9, 30), tzinfo=UTC)
        s.add(VisitRow(patient_id=patient_id, scheduled_for=visit_at, clinician_id=team[0], status="scheduled",
                       created_at=now, created_by=team[0]))
    s.flush()
    uow.assessments.refresh_summary(patient_id)
    if lag_days < 30:
        uow.patients.set_next_visit(patient_id, uow.visits.next_scheduled(patient_id, now))
    # wearables
    if plan.wearables or rng.random() < 0.6:
        _seed_wearables(uow, patient_id, first, end, plan.wearables, i, now, totals)
    _seed_measurement(uow, patient_id, i, tuple(d.code for d in dx), team[0], first, now, today)


def _seed_measurement(uow, patient_id: int, i: int, codes: tuple[str, ...], clinician: int, first: date,  # type: ignore[no-untyped-def]  # noqa: E501
                      now: datetime, today: date) -> None:
    """Most patients get the default plan for their diagnosis and e-mail consent; a few carry requests in each state
    (sent, opened, expired, locked), so the chart's measurement panel and delivery log show the loop. Deterministic
    in ``i`` (no draw from the cohort's random stream, so the clinical data stay as they were)."""
    from novamind_core.domain.reporting import RequestStatus, default_plan, new_link_token, token_digest
    from novamind_core.domain.reporting_views import DeliveryEventKind as Ev

    if i % 5 == 4:  # every fifth patient has no plan: "no plan" is a state of its own on the caseload
        return
    state = (None, RequestStatus.SENT, RequestStatus.OPENED, RequestStatus.EXPIRED, RequestStatus.LOCKED, None,
             None)[i % 7]
    back = i % 5 if state in (RequestStatus.SENT, RequestStatus.OPENED) else i % 14  # open links still valid
    plan = dataclasses.replace(default_plan(patient_id, codes, today), anchor_on=today - timedelta(days=back))
    uow.plans.save(plan, None, clinician, now)
    uow.consents.record(patient_id, email=True, sms=i % 3 == 0, recorded_on=min(first, today), recorded_by=clinician)
    if state is None:
        return
    due = plan.anchor_on if state in (RequestStatus.SENT, RequestStatus.OPENED) else today - timedelta(days=12)
    sent_at = datetime.combine(due, time(9, 0), tzinfo=UTC)
    request = uow.requests.add(patient_id, plan.instruments, token_digest(new_link_token()), plan.channel, due,
                               sent_at, sent_at + timedelta(hours=plan.link_lifetime_hours),
                               plan_occurrence=f"{patient_id}:{due.isoformat()}")
    uow.requests.mark_sent(request.id, sent_at)
    events = [(Ev.QUEUED, "invitation by email"), (Ev.SENT, "email")]
    if state is RequestStatus.OPENED:
        uow.requests.mark_opened(request.id, sent_at + timedelta(hours=3))
        events.append((Ev.OPENED, ""))
    elif state is RequestStatus.LOCKED:
        for n in (1, 2, 3):
            uow.requests.record_dob_failure(request.id)
            events.append((Ev.DOB_FAILED, f"wrong date of birth ({n} of 3)"))
        uow.requests.lock(request.id)
        events.append((Ev.LOCKED, "3 wrong dates of birth"))
    elif state is RequestStatus.EXPIRED:
        uow.requests.mark_expired(request.id)
        events.append((Ev.EXPIRED, ""))
    for k, (event, detail) in enumerate(events):
        uow.delivery.add(patient_id, request.id, event, sent_at + timedelta(minutes=k), detail)


_warned: set[str] = set()


def _warn_once(what: str, exc: Exception) -> None:
    if what not in _warned:
        _warned.add(what)
        logger.warning("demo %s skipped: %s: %s", what, type(exc).__name__, exc)


def _seed_wearables(uow, patient_id, first, end, rich, i, now, totals) -> None:  # type: ignore[no-untyped-def]
    """Daily summaries for most patients and 90 days of minute actigraphy for the wearable story.

    Uses ``novamind_core.biometrics.synthetic`` when present; a failure there is logged once and skipped, so the
    seed never depends on another area's generator.
    """
    try:
        from novamind_core.biometrics import synthetic
    except ImportError:  # the biometrics module is optional at this step
        return
    n_days = (end - first).days + 1
    try:
        daily = synthetic.synthetic_daily_summaries(n_days, start=first.isoformat(), seed=i,
                                                    episode_days=((0, min(n_days - 1, 35)),))
        rows = []
        for rec in daily.to_dict("records"):
            def val(key, rec=rec):  # type: ignore[no-untyped-def]
                v = rec.get(key)
                return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
            steps = val("steps")
            day = rec["date"]
            rows.append(DailySummary(day.date() if hasattr(day, "date") else day, "demo-watch",
                                     int(steps) if steps is not None else None, val("sleep_minutes"),
                                     val("resting_hr"), val("hrv_rmssd")))
        uow.wearables.replace_daily(patient_id, rows)
    except Exception as exc:  # noqa: BLE001
        _warn_once("wearable daily summaries", exc)
    if not rich:
        return
    n_minute_days = min(n_days, 90)
    start = end - timedelta(days=n_minute_days - 1)
    try:
        acti = synthetic.synthetic_actigraphy(n_minute_days, start=start.isoformat(), seed=i, episode_days=((0, 20),))
        counts = np.asarray(acti.counts.to_numpy(dtype=float)).reshape(n_minute_days, 1440)
        # stored as the device reports them: non-wear shows as runs of zero counts (detected by biometrics.wear)
    except Exception as exc:  # noqa: BLE001
        _warn_once("minute actigraphy", exc)
        return
    days = [start + timedelta(days=k) for k in range(n_minute_days)]
    uow.wearables.replace_minute_days(patient_id, days, counts, "demo-actigraph", now)
    totals["wearable_days"] += n_minute_days
