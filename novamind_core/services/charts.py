"""One view model per page: the patient chart and the caseload, each read in one transaction with one audit event.

``ChartService.patient_chart(user, patient_id)`` returns a :class:`PatientChart`: banner, outcome summary, assessment
history, medication orders, notes, visits, alerts, timeline, the Wearables tab's window
(:func:`~novamind_core.services.wearables.read_biometrics`) and the Questionnaires tab's measurement panel
(:func:`~novamind_core.services.reporting.measurement_panel`) and the episodes of care
(:func:`~novamind_core.services.outcomes.patient_episodes`, the builder ``OutcomeService.episodes`` uses, from the
assessments, registration and discharge read here: no extra statement), every one read once, audited once as
``chart.view`` (the detail names what was shown, never PHI). ``patient_chart(user, alert_id=...)`` opens the chart
of an alert's patient (the urgent e-mail's deep link), with the same care-team check. ``caseload_view(user, ...)``
does the same for the caseload page (``caseload.view``). User actions (save an assessment, acknowledge an alert, export)
stay their own audited calls on the other services.

The builders below (:func:`chart_summary`, :func:`timeline_events`, :func:`overdue_alert`) are pure: the patient
service's ``chart`` and ``timeline`` use them too, so every page states the same facts the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from novamind_core.domain.alerts import Alert, AlertKind, sort_alerts
from novamind_core.domain.assessments import ChangeSummary, Instrument, compare_to_baseline
from novamind_core.domain.caseload import MAX_PAGE_SIZE, PatientSummary
from novamind_core.domain.caseload_export import (
    MAX_CASELOAD_EXPORT_ROWS,
    CaseloadExport,
    caseload_csv_text,
    caseload_file_name,
)
from novamind_core.domain.dates import day_month_year
from novamind_core.domain.episodes import ScoredContact
from novamind_core.domain.errors import NotFoundError, PermissionDenied
from novamind_core.domain.medications import ChangeKind, MedicationOrder
from novamind_core.domain.notes import ProgressNote
from novamind_core.domain.patients import Patient, PatientStatus, normalise_mrn
from novamind_core.domain.records import (
    AssessmentRecord,
    CaseloadView,
    ChartSummary,
    OutcomeSummary,
    TimelineEvent,
)
from novamind_core.domain.reporting_views import MeasurementPanel
from novamind_core.domain.users import Permission, Role, User
from novamind_core.domain.visits import Visit, VisitStatus, is_overdue
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService
from novamind_core.services.caseload import caseload_request, read_caseload
from novamind_core.services.outcomes import EpisodeOutcomes, episode_outcomes, patient_episodes
from novamind_core.services.reporting import measurement_panel
from novamind_core.services.wearables import DEFAULT_WINDOW_DAYS, BiometricsView, check_window, read_biometrics

CHART_VIEW = "chart.view"
CASELOAD_VIEW = "caseload.view"

#: Same-day timeline events in the order a clinician reads them (a dose change explains the score after it).
TIMELINE_ORDER = {"medication": 0, "assessment": 1, "alert": 2, "note": 3, "visit": 4}


@dataclass(frozen=True)
class PatientChart:
    """The patient page's view model: everything the chart shows when it opens, read in one transaction.

    ``alerts`` holds every alert (acknowledged ones too, plus the computed overdue alert), open first and item 9
    first (:func:`novamind_core.domain.alerts.sort_alerts`); ``summary`` drives the banner and the outcome cards;
    ``biometrics`` is the Wearables tab for the window the user chose; ``measurement`` the Questionnaires tab (plan,
    consent, state, requests, delivery log).
    """

    summary: ChartSummary
    assessments: tuple[AssessmentRecord, ...]  # oldest first
    medication_orders: tuple[MedicationOrder, ...]  # oldest first
    notes: tuple[ProgressNote, ...]  # newest first
    visits: tuple[Visit, ...]  # by time booked for
    alerts: tuple[Alert, ...]
    timeline: tuple[TimelineEvent, ...]  # oldest first
    biometrics: BiometricsView
    measurement: MeasurementPanel | None = None
    episodes: tuple[EpisodeOutcomes, ...] = ()  # newest first

    @property
    def patient(self) -> Patient:
        return self.summary.patient

    @property
    def open_alert_count(self) -> int:
        return sum(1 for a in self.alerts if a.open)


class ChartService(BaseService):
    def patient_chart(self, user: User, patient_id: int | None = None, *, mrn: str | None = None,
                      alert_id: int | None = None, wearables_window_days: int = DEFAULT_WINDOW_DAYS) -> PatientChart:
        """Everything the patient page shows on open, for ``patient_id`` (or the patient with ``mrn``, or the patient
        whose alert is ``alert_id``: deep links), the Wearables tab (its last ``wearables_window_days`` days) and the
        Questionnaires tab included.

        One transaction, one ``chart.view`` audit event. Raises PermissionDenied (audited) off the care team,
        NotFoundError for an unknown patient, MRN or alert, ValidationError for a window outside 1-366 days.
        """
        check_window(wearables_window_days)
        with self._tx() as uow:
            if mrn is not None:
                self._authorize(uow, user, Permission.READ_PHI, CHART_VIEW)
                patient_id = uow.patients.id_for_mrn(normalise_mrn(mrn))
                if patient_id is None:
                    raise NotFoundError("no patient has this MRN")
            elif alert_id is not None:
                self._authorize(uow, user, Permission.READ_PHI, CHART_VIEW)
                patient_id = uow.patients.id_for("alert", int(alert_id))
                if patient_id is None:
                    raise NotFoundError("this alert does not exist")
            if patient_id is None:
                raise NotFoundError("no patient chosen")
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, CHART_VIEW)
            patient = uow.patients.get(patient_id)
            summary = uow.patients.summary(patient_id)
            names = uow.users.names(list(patient.care_team))
            history = tuple(uow.assessments.history(patient_id))
            orders = tuple(uow.medications.history(patient_id))
            notes = tuple(uow.notes.list(patient_id))
            visits = tuple(uow.visits.list(patient_id))
            stored = tuple(uow.alerts.list(patient_id))
            now, today = self.ctx.now(), self.ctx.today()
            overdue_days = self.ctx.settings.overdue_assessment_days
            chart = chart_summary(patient, summary, names, history, orders, visits,
                                  tuple(a for a in stored if a.open), now, today, overdue_days)
            computed = tuple(a for a in chart.open_alerts if a.id is None)
            alerts = tuple(sort_alerts((*stored, *computed)))
            timeline = timeline_events(history, orders, notes, visits, stored)
            biometrics = read_biometrics(uow, patient_id, wearables_window_days, today)
            measurement = measurement_panel(uow, patient_id, today)
            episodes = episode_outcomes(patient_episodes(
                patient_id, (ScoredContact(a.instrument, a.administered_on, a.total) for a in history),
                summary.registered_on, patient.discharged_on, as_of=today))
            self._audit(uow, actor, CHART_VIEW, patient_id=patient_id,
                        detail=(f"chart: banner, outcomes, assessments={len(history)}, orders={len(orders)}, "
                                f"notes={len(notes)}, visits={len(visits)}, alerts={len(alerts)}, "
                                f"timeline={len(timeline)}, wearables {biometrics.describe()}, "
                                f"questionnaires={measurement.state.value}, episodes={len(episodes)}"
                                + (" (opened by MRN)" if mrn is not None else "")
                                + (f" (opened from alert {alert_id})" if alert_id is not None else "")))
            uow.commit()
        return PatientChart(summary=chart, assessments=history, medication_orders=orders, notes=notes,
                            visits=visits, alerts=alerts, timeline=timeline, biometrics=biometrics,
                            measurement=measurement, episodes=episodes)

    def caseload_view(self, user: User, *, search: str | None = None, page: int = 1, page_size: int = 25,
                      sort: str = "priority", descending: bool = True, severities: Sequence[str] = (),
                      only_alerts: bool = False, only_overdue: bool = False,
                      status: str | None = "active", only_questionnaires_overdue: bool = False) -> CaseloadView:
        """The caseload page: one page of the user's patients (see ``PatientService.caseload`` for the controls;
        ``only_questionnaires_overdue`` keeps the patients whose questionnaires are overdue), each row with its
        questionnaire state.

        One transaction, one ``caseload.view`` audit event naming the page, its size and the filters used.
        """
        request = caseload_request(search=search, page=page, page_size=page_size, sort=sort, descending=descending,
                                   severities=severities, only_alerts=only_alerts, only_overdue=only_overdue,
                                   status=status, only_questionnaires_overdue=only_questionnaires_overdue)
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.READ_PHI, CASELOAD_VIEW)
            if actor.role is Role.ANALYST:  # defence in depth; the permission table already refuses analysts
                self._deny(uow, actor, CASELOAD_VIEW, None, PermissionDenied("analysts see no PHI"))
            result = read_caseload(uow, actor, request, self.ctx.today(), self.ctx.settings.overdue_assessment_days)
            self._audit(uow, actor, CASELOAD_VIEW,
                        detail=f"caseload: {request.describe()} rows={len(result.rows)} total={result.total}")
            uow.commit()
        return CaseloadView(page=result, filtered=request.filtered)

    def caseload_csv(self, user: User, *, search: str | None = None, sort: str = "priority", descending: bool = True,
                     severities: Sequence[str] = (), only_alerts: bool = False, only_overdue: bool = False,
                     status: str | None = "active", only_questionnaires_overdue: bool = False) -> CaseloadExport:
        """The caseload the table shows (every page, same search, filters and order) as a CSV file: the audited
        replacement for the table's own download, which the app switches off (``client.disableDataExport``).

        Needs EXPORT_PHI (the rows are the user's own care team, as on the caseload page). One transaction, one
        ``export.csv`` audit event with the row count and the filters (never the search text); at most
        ``MAX_CASELOAD_EXPORT_ROWS`` patients. The file name carries the date, never an MRN.
        """
        request = caseload_request(search=search, page=1, page_size=MAX_PAGE_SIZE, sort=sort, descending=descending,
                                   severities=severities, only_alerts=only_alerts, only_overdue=only_overdue,
                                   status=status, only_questionnaires_overdue=only_questionnaires_overdue)
        with self._tx() as uow:
            actor = self._authorize(uow, user, Permission.EXPORT_PHI, AuditAction.EXPORT_CSV)
            if actor.role is Role.ANALYST:  # defence in depth, as for the caseload view
                self._deny(uow, actor, AuditAction.EXPORT_CSV, None, PermissionDenied("analysts see no PHI"))
            rows: list = []
            total = 0
            while len(rows) < MAX_CASELOAD_EXPORT_ROWS:
                page = read_caseload(uow, actor, request, self.ctx.today(), self.ctx.settings.overdue_assessment_days)
                rows.extend(page.rows)
                total = page.total
                if not page.rows or len(rows) >= total:
                    break
                request = replace(request, page=request.page + 1)
            rows = rows[:MAX_CASELOAD_EXPORT_ROWS]
            self._audit(uow, actor, AuditAction.EXPORT_CSV,
                        detail=f"caseload export: rows={len(rows)} total={total} {request.describe()}")
            uow.commit()
        return CaseloadExport(caseload_file_name(self.ctx.today()), caseload_csv_text(rows).encode("utf-8"),
                              len(rows), truncated=total > len(rows))


# ---------------------------------------------------------------------------------------------- pure builders
def chart_summary(patient: Patient, summary: PatientSummary, names: dict[int, str],
                  history: Sequence[AssessmentRecord], orders: Sequence[MedicationOrder], visits: Sequence[Visit],
                  open_alerts: Sequence[Alert], now: datetime, today: date, overdue_days: int) -> ChartSummary:
    """Banner and summary cards: latest score and outcome per instrument, active treatment, open alerts (the
    computed overdue alert added when due), next visit and due date."""
    meds = tuple(m for m in orders if m.active)
    latest: dict[str, AssessmentRecord] = {}
    outcomes: dict[str, OutcomeSummary] = {}
    for instrument in Instrument:
        series = [a for a in history if a.instrument is instrument]
        if not series:
            continue
        latest[instrument.value] = series[-1]
        if len(series) > 1:
            base, cur = series[0], series[-1]
            change = compare_to_baseline(instrument, base.total, cur.total)
            weeks = (cur.administered_on - base.administered_on).days / 7
            outcomes[instrument.value] = OutcomeSummary(
                instrument, base.total, base.administered_on, cur.total, cur.administered_on, weeks, change,
                outcome_sentence(instrument, base.total, cur.total, weeks, meds, change,
                                 since=base.administered_on, orders=orders))
    alerts = tuple(open_alerts)
    overdue = is_overdue(today, summary.last_assessed_on, summary.next_assessment_due, overdue_days,
                         summary.registered_on)
    if overdue and patient.status is PatientStatus.ACTIVE:
        alerts = (*alerts, overdue_alert(patient.id, summary, now, today))
    upcoming = sorted((v for v in visits if v.status is VisitStatus.SCHEDULED and v.scheduled_for >= now),
                      key=lambda v: v.scheduled_for)
    weeks_on = (today - max(m.start_date for m in meds)).days / 7 if meds else None
    return ChartSummary(
        patient=patient, care_team_names=tuple(names.get(u, f"user {u}") for u in patient.care_team),
        age_years=patient.age_years(today), active_medications=meds, latest=latest, outcomes=outcomes,
        open_alerts=tuple(sort_alerts(alerts)), next_visit=upcoming[0] if upcoming else None,
        next_assessment_due=summary.next_assessment_due, overdue=overdue, weeks_on_current_treatment=weeks_on,
    )


def timeline_events(history: Sequence[AssessmentRecord], orders: Sequence[MedicationOrder],
                    notes: Sequence[ProgressNote], visits: Sequence[Visit],
                    alerts: Sequence[Alert]) -> tuple[TimelineEvent, ...]:
    """Assessments, medication changes, notes, visits and stored alerts on one dated list (oldest first)."""
    events: list[TimelineEvent] = [
        TimelineEvent(a.administered_on, "assessment", f"{a.instrument.value} {a.total} ({a.severity})", "", a.id)
        for a in history]
    continued = {m.previous_id for m in orders if m.change_kind is ChangeKind.TITRATE}
    verbs = {ChangeKind.START: "Started", ChangeKind.TITRATE: "Changed to", ChangeKind.SWITCH: "Switched to"}
    for m in orders:
        events.append(TimelineEvent(m.start_date, "medication", f"{verbs[m.change_kind]} {m.describe()}",
                                    m.start_reason or "", m.id))
        if m.stop_date is not None and m.id not in continued:
            events.append(TimelineEvent(m.stop_date, "medication", f"Stopped {m.drug}", m.stop_reason or "", m.id))
    events += [TimelineEvent(n.note_date, "note", f"Note by {n.author_name}", n.text, n.id) for n in notes]
    events += [TimelineEvent(v.scheduled_for.date(), "visit", f"Visit ({v.status.value})", v.note or "", v.id)
               for v in visits]
    events += [TimelineEvent(al.raised_at.date(), "alert", al.text, "", al.id) for al in alerts if al.id]  # in words
    return tuple(sorted(events, key=lambda e: (e.on, TIMELINE_ORDER[e.kind])))


def overdue_alert(patient_id: int, summary: PatientSummary, now: datetime, today: date) -> Alert:
    """The computed overdue alert (``id`` None): it clears itself when new scores arrive."""
    since = summary.last_assessed_on
    message = (f"Assessments overdue: last on {day_month_year(since)}" if since
               else "Assessments overdue: no assessment recorded yet")
    if summary.next_assessment_due is not None:
        message = f"Assessments overdue: due {day_month_year(summary.next_assessment_due)}"
    return Alert(id=None, patient_id=patient_id, kind=AlertKind.OVERDUE, raised_at=now, message=message,
                 observed_on=today)


def treatment_words(meds: Sequence[MedicationOrder], since: date | None = None,
                    orders: Sequence[MedicationOrder] = ()) -> str:
    """The treatment an outcome span was spent on, in words, never crediting the current dose with weeks spent on
    another: ``"on sertraline 100 mg"`` when the dose is unchanged since ``since``, ``"on sertraline, now 150 mg"``
    after a titration within the span, ``"now on vortioxetine 10 mg"`` when the drug itself changed."""
    parts = []
    for m in meds:
        if since is None or m.start_date <= since:
            parts.append(f"on {m.drug} {m.dose_mg:g} mg")
            continue
        same_drug = any(o.drug == m.drug and o.start_date <= since and (o.stop_date is None or o.stop_date > since)
                        for o in orders)
        parts.append(f"on {m.drug}, now {m.dose_mg:g} mg" if same_drug else f"now on {m.drug} {m.dose_mg:g} mg")
    return " and ".join(parts)


def outcome_sentence(instrument: Instrument, baseline: int, current: int, weeks: float,
                     meds: Sequence[MedicationOrder], change: ChangeSummary, *, since: date | None = None,
                     orders: Sequence[MedicationOrder] = ()) -> str:
    """"PHQ-9 fell from 18 to 8 over 9 weeks on sertraline 100 mg: response, not yet remission." (docs/ux.md).

    ``since`` (the baseline's date) and ``orders`` (all of the chart's orders) let the sentence say when the dose or
    drug changed within the span (:func:`treatment_words`), so the weeks are not credited to the current dose."""
    verb = "fell" if current < baseline else "rose" if current > baseline else "stayed"
    span = f"from {baseline} to {current}" if verb != "stayed" else f"at {current}"
    words = treatment_words(meds, since, orders)
    on = f" {words}" if words else ""
    if change.remission:
        verdict = "remission"
    elif change.response:
        verdict = "response, not yet remission"
    elif change.mcid_improved:
        verdict = "clinically important improvement, not yet response"
    elif change.mcid_worsened:
        verdict = "clinically important worsening"
    else:
        verdict = "no clinically important change"
    return f"{instrument.value} {verb} {span} over {weeks:.0f} weeks{on}: {verdict}."
