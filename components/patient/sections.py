"""Sections of the patient chart: outcome cards, medications, notes, visits and alerts.

Each section takes the data a service returned and the services for its one write; validation messages from the
service are shown next to the form, and so are the confirmations after the rerun (``flash(at=)``/``show_flash_at``).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.patient.medication_forms import change_saved, medication_change_form, medication_start_form
from components.patient.risk_review import start_review_button
from components.patient.visit_form import visit_form
from components.shared.session import flash, show_flash_at
from components.shared.text import plain
from components.shared.theme import format_date, format_datetime, format_duration_days
from components.shared.ui import alert_chip, severity_chip
from novamind_core.domain.alerts import Alert, AlertKind
from novamind_core.domain.assessments import total_only_note
from novamind_core.domain.errors import ConflictError, NotFoundError, StaleWriteError, ValidationError
from novamind_core.domain.medications import MedicationOrder
from novamind_core.domain.records import AssessmentRecord, ChartSummary
from novamind_core.domain.users import User
from novamind_core.domain.visits import Visit

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

SAVE_ERRORS = (ValidationError, ConflictError, StaleWriteError, NotFoundError)


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def outcome_cards(chart: ChartSummary) -> None:
    """Summary first (docs/ux.md): latest score and change per instrument, then the plain-language sentence."""
    names = [n for n in ("PHQ-9", "GAD-7", "ISI") if n in chart.latest]
    if not names:
        st.info("No assessments yet. Enter a PHQ-9 or GAD-7 in the Assessments tab.", icon=":material/assignment:")
        return
    cols = st.columns(len(names) + 1)
    for col, name in zip(cols, names, strict=False):
        latest = chart.latest[name]
        outcome = chart.outcomes.get(name)
        with col, st.container(border=True):
            delta = f"{outcome.change.change:+d} since baseline" if outcome else None
            st.metric(f"{name} latest ({format_date(latest.administered_on)})", latest.total, delta=delta,
                      delta_color="inverse")
            st.markdown(severity_chip(latest.severity), unsafe_allow_html=True)  # text-safe: band
            if not latest.answers_available:  # imported as a total only
                st.caption(total_only_note(name).capitalize() + ".")
    with cols[-1], st.container(border=True):
        weeks = chart.weeks_on_current_treatment
        st.metric("On current treatment", format_duration_days(weeks * 7) if weeks is not None else "no medication")
        due = chart.next_assessment_due
        st.caption(f"Next scores due {format_date(due)}" if due else "No due date booked"
                   + (" · overdue" if chart.overdue else ""))
    for name, outcome in chart.outcomes.items():
        c = outcome.change
        st.markdown(f"**{outcome.sentence}**")
        st.caption(f"{name}: baseline {outcome.baseline_total} ({format_date(outcome.baseline_on)}), current "
                   f"{outcome.current_total} ({format_date(outcome.current_on)}), change {c.change:+d} points"
                   + (f" ({c.percent_change:+.0f}%)" if c.percent_change is not None else "")
                   + f" · response {_yes_no(c.response)} · remission {_yes_no(c.remission)} · MCID "
                   f"{'improved' if c.mcid_improved else 'worsened' if c.mcid_worsened else 'not reached'} · "
                   f"reliable change {'improvement' if c.reliable_improvement else 'deterioration' if c.reliable_deterioration else 'no'} "  # noqa: E501
                   f"(RCI {c.rci:+.2f})" if c.rci is not None else "")


def medications_section(services: Services, user: User, patient_id: int, orders: tuple[MedicationOrder, ...],
                        today: date) -> None:
    active = [m for m in orders if m.active]
    if active:
        st.markdown("**Active:** " + "; ".join(f"{m.describe()} since {format_date(m.start_date)}" for m in active))
    else:
        st.info("No active medication. Start one below.", icon=":material/medication:")
    left, right = st.columns(2)
    with left:
        medication_start_form(services, user, patient_id, today)  # catalogue, interaction check, draft
    with right:
        change = medication_change_form(services, user, patient_id, active, today)  # the reason kept as a draft
        if change is not None:
            try:
                if change.stop:
                    order = services.medications.stop(user, change.order_id, change.reason, on=change.on)
                    done = f"Stopped {order.drug} on {format_date(order.stop_date)}."
                else:
                    if change.new_dose_mg is None:
                        raise ValidationError("enter the new dose in mg", field="dose_mg")
                    order = services.medications.titrate(user, change.order_id, change.new_dose_mg, change.reason,
                                                         on=change.on)
                    done = f"Changed to {order.describe()} from {format_date(order.start_date)}."
            except SAVE_ERRORS as exc:
                st.error(f"Not saved: {plain(exc)}.", icon=":material/error:")
            else:
                change_saved(services, user, patient_id)
                flash(done, at="medications")
                st.rerun()
        show_flash_at("medications")
    if orders:
        st.markdown("**History**")
        st.dataframe(pd.DataFrame([{
            "Drug": m.drug, "Dose": f"{m.dose_mg:g} mg", "Frequency": m.frequency.value,
            "Start": format_date(m.start_date), "Stop": format_date(m.stop_date) if m.stop_date else "active",
            "Change": m.change_kind.value, "Reason": m.start_reason or "", "Stop reason": m.stop_reason or "",
        } for m in reversed(orders)]), hide_index=True, width="stretch")


def visits_section(services: Services, user: User, patient_id: int, visits: tuple[Visit, ...], chart: ChartSummary,
                   today: date) -> None:
    tz = ZoneInfo(services.settings.clinic_timezone)
    c1, c2 = st.columns(2)
    c1.metric("Next visit", format_datetime(chart.next_visit.scheduled_for.astimezone(tz)) if chart.next_visit
              else "none booked")
    c2.metric("Next assessments due", format_date(chart.next_assessment_due) if chart.next_assessment_due
              else "not set", delta="overdue" if chart.overdue else None, delta_color="inverse")
    visit_form(services, user, patient_id, today, tz)  # draft, one booking per submission, errors by the field
    if visits:
        st.dataframe(pd.DataFrame([{"When": format_datetime(v.scheduled_for.astimezone(tz)), "Status": v.status.value,
                                    "Note": v.note or ""} for v in sorted(visits, key=lambda v: v.scheduled_for,
                                                                          reverse=True)]),
                     hide_index=True, width="stretch")




def assessment_list(history: tuple[AssessmentRecord, ...]) -> None:
    """Every assessment, newest first, with who entered it (clinician, patient by link, clinic kiosk, import)."""
    if not history:
        return
    st.markdown("**All assessments**")
    st.dataframe(pd.DataFrame([{
        "Date": format_date(a.administered_on), "Questionnaire": a.instrument.value, "Total": a.total,
        "Severity": a.severity, "Source": a.source.label,
        "Completed": format_datetime(a.completed_at) if a.completed_at else "",
    } for a in reversed(history)]), hide_index=True, width="stretch")


def alerts_section(services: Services, user: User, alerts: tuple[Alert, ...]) -> None:
    """Open alerts first (item 9 first, the service's order), each with Acknowledge (an item-9 alert with Start risk
    review: it closes only through the review); acknowledged ones greyed.
    Patient-reported item-9 alerts carry an **Urgent** badge."""
    if not alerts:
        st.success("No alerts.", icon=":material/check_circle:")
    for alert in alerts:
        c1, c2 = st.columns([5, 1])
        when = format_date(alert.observed_on or alert.raised_at)
        if alert.open:
            badge = (" :red-badge[:material/emergency: Urgent]" if alert.urgent else "")
            if badge:
                c1.markdown(badge)
            c1.markdown(alert_chip(alert.text) + f" <span class='nm-muted'>{plain(when)}</span>",
                        unsafe_allow_html=True)
            if alert.id is None:
                c2.caption("Clears when new scores arrive")
            elif alert.kind is AlertKind.ITEM9:  # closes only through a documented risk review
                start_review_button(alert, c2)
            elif c2.button("Acknowledge", key=f"nm_ack_{alert.id}", icon=":material/done:"):
                try:
                    services.alerts.acknowledge(user, alert.id)
                except SAVE_ERRORS as exc:
                    st.error(f"Not saved: {plain(exc)}.", icon=":material/error:")
                else:
                    flash("Alert acknowledged; your name and the time are recorded.", at="alerts")
                    st.rerun()
        else:
            by = alert.acknowledged_by_name or "a clinician"
            c1.markdown(alert_chip(alert.text, acknowledged=True)
                        + f" <span class='nm-muted'>acknowledged by {plain(by)}, "
                          f"{format_datetime(alert.acknowledged_at)}</span>", unsafe_allow_html=True)
