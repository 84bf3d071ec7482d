"""The chart's Questionnaires tab: the measurement plan, contact consent, state, requests and delivery log.

Everything shown comes from the chart's one view call (``PatientChart.measurement``, a
:class:`~novamind_core.domain.reporting_views.MeasurementPanel`). Each action is its own audited service call on
``services.reporting`` followed by a rerun with a confirmation: start or edit the plan (saved with the version the
clinician opened, so a stale edit is refused and named), pause or resume it, record consent (kept as a draft:
``components.patient.consent_form``), send a questionnaire now, print a one-time link (shown once, then gone from the
page's state) and hand the device over as a kiosk.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.caseload.table import state_text
from components.patient.consent_form import consent_form
from components.patient.plan_form import (
    CHANNEL_WORDS,
    STALE_MESSAGE,
    carry_edits,
    has_draft_or_errors,
    load_current,
    plan_form,
    prepare,
    seen_key,
)
from components.questionnaire.kiosk import start_kiosk_button
from components.shared.session import flash, show_flash_at
from components.shared.text import plain
from components.shared.theme import format_date, format_datetime
from components.shared.ui import WRAPPED_ROW_PX
from novamind_core.domain.errors import ConflictError, NotFoundError, StaleWriteError, ValidationError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.reporting import REPORTABLE_INSTRUMENTS, Channel
from novamind_core.domain.reporting_views import ContactConsent, MeasurementPanel, QuestionnaireRequest
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

SAVE_ERRORS = (ValidationError, ConflictError, StaleWriteError, NotFoundError)



def printed_link_key(patient_id: int) -> str:
    return f"nm_mp_printed_{patient_id}"


def _instruments(items: tuple[Instrument, ...]) -> str:
    return ", ".join(i.value for i in items)


def _on_change(exc: Exception) -> str:
    return STALE_MESSAGE if isinstance(exc, StaleWriteError) else f"Not saved: {exc}."


def consent_words(consent: ContactConsent | None) -> str:
    """``"E-mail yes · SMS no · recorded 3 Mar 2026 by Dr Ada Lovelace"`` (or that none is recorded)."""
    if consent is None:
        return "No contact consent recorded: messages cannot be e-mailed or texted (a printed link or the kiosk can)."
    by = f" by {consent.recorded_by_name}" if consent.recorded_by_name else ""
    return (f"E-mail {'yes' if consent.email else 'no'} · SMS {'yes' if consent.sms else 'no'} · recorded "
            f"{format_date(consent.recorded_on)}{by}")


def state_summary(panel: MeasurementPanel, tz: ZoneInfo) -> None:
    """State, next due date and the plan in words; an opt-out shown plainly with its date."""
    c1, c2, c3 = st.columns(3)
    c1.metric("Questionnaires", state_text(panel.state))
    c2.metric("Next due", format_date(panel.next_due) if panel.next_due else "—")
    c3.metric("Channel", CHANNEL_WORDS[panel.plan.channel] if panel.plan else "—")
    if panel.plan is not None:
        plan = panel.plan
        paused = "" if plan.active else " (paused: no new requests are made)"
        restart = (f" · restarted after a medication change on {format_date(panel.restarted_on)}"
                   if panel.restarted_on else "")
        st.markdown(f"**Plan:** {_instruments(plan.instruments)}, {plan.rule.describe()}, sent at "
                    f"{plan.send_time:%H:%M} ({tz.key}) from {format_date(plan.anchor_on)}{paused}{restart}")
    else:
        s = panel.suggested
        st.info(f"No plan yet. Suggested for this diagnosis: {_instruments(s.instruments)}, {s.rule.describe()}, by "
                f"{CHANNEL_WORDS[s.channel].lower()} at {s.send_time:%H:%M}.", icon=":material/event_note:")
    if panel.opted_out and panel.consent is not None and panel.consent.opted_out_at is not None:
        source = "from the link in a message" if panel.consent.opt_out_source is None or \
            panel.consent.opt_out_source.value == "link" else "recorded by a clinician"
        st.error(f"Opted out of messages on {format_date(panel.consent.opted_out_at.astimezone(tz))} ({source}): no "
                 "e-mail or SMS is sent. Recording consent again lifts the opt-out.", icon=":material/unsubscribe:")


def plan_actions(services: Services, user: User, panel: MeasurementPanel) -> None:
    """Start the suggested plan (no plan yet), or pause / resume the plan."""
    pid = panel.patient_id
    try:
        if panel.plan is None:
            if st.button("Start the suggested plan", type="primary", icon=":material/play_arrow:",
                         key=f"nm_mp_start_{pid}"):
                saved = services.reporting.set_plan(user, pid, panel.suggested, expected_version=0)
                carry_edits(services, user, panel, saved)
                flash(f"Plan started: {_instruments(saved.instruments)}, {saved.rule.describe()}.", at="plan")
                st.rerun()
        elif panel.plan.active:
            if st.button("Pause plan", icon=":material/pause:", key=f"nm_mp_pause_{pid}"):
                carry_edits(services, user, panel,
                            services.reporting.pause_plan(user, pid, expected_version=panel.plan.version))
                flash("Plan paused: no new questionnaires are sent until you resume it.", at="plan")
                st.rerun()
        elif st.button("Resume plan", icon=":material/play_arrow:", key=f"nm_mp_resume_{pid}"):
            resumed = services.reporting.set_plan(user, pid, dataclasses.replace(panel.plan, active=True),
                                                  expected_version=panel.plan.version)
            carry_edits(services, user, panel, resumed)
            flash("Plan resumed.", at="plan")
            st.rerun()
    except SAVE_ERRORS as exc:
        st.error(plain(_on_change(exc)), icon=":material/error:")


def edit_plan(services: Services, user: User, panel: MeasurementPanel, today: date, tz: ZoneInfo) -> None:
    """The plan editor (``components.patient.plan_form``), kept as a draft; a stale save is refused, entries kept."""
    pid = panel.patient_id
    fields = prepare(services, user, panel)
    current = panel.plan.version if panel.plan else 0
    seen = st.session_state.get(seen_key(pid), current)
    with st.expander("Edit the plan" if panel.plan else "Adjust the suggested plan before starting it",
                     icon=":material/edit_calendar:", expanded=has_draft_or_errors(pid)):
        if seen != current:
            st.warning("This plan was changed since you opened it.", icon=":material/sync_problem:")
            st.button("Load the current plan", key=f"nm_mp_reload_{pid}", on_click=load_current,
                      args=(services, user, panel))
        plan_form(services, user, panel, fields, today, tz)


def consent_section(services: Services, user: User, panel: MeasurementPanel, today: date) -> None:
    st.markdown("**Contact consent**")
    st.caption(consent_words(panel.consent))
    consent_form(services, user, panel.patient_id, panel.consent, today)


def default_instruments(panel: MeasurementPanel) -> tuple[Instrument, ...]:
    return (panel.plan or panel.suggested).instruments


def send_actions(services: Services, user: User, panel: MeasurementPanel, tz: ZoneInfo) -> None:
    """Send now (e-mail/SMS per consent), print a one-time link, or hand the device over (kiosk)."""
    pid = panel.patient_id
    printed = st.session_state.pop(printed_link_key(pid), None)  # shown once, then gone from the page's state
    if printed is not None:
        link, expires = printed
        st.success(f"One-time link for the patient, valid until {format_datetime(expires.astimezone(tz))}. "
                   "It is shown only now: copy or print it and hand it over.", icon=":material/link:")
        st.code(link, language=None)
    c1, c2, c3 = st.columns(3)
    with c1, st.popover("Send questionnaire now", icon=":material/send:"):
        chosen = st.multiselect("Questionnaires", list(REPORTABLE_INSTRUMENTS),
                                default=list(default_instruments(panel)), format_func=lambda i: i.value,
                                key=f"nm_mp_send_instruments_{pid}")
        channel = st.radio("Send by", (Channel.EMAIL, Channel.SMS), format_func=CHANNEL_WORDS.get, horizontal=True,
                           key=f"nm_mp_send_channel_{pid}")
        if st.button("Send", type="primary", key=f"nm_mp_send_{pid}", disabled=not chosen):
            try:
                services.reporting.create_request(user, pid, tuple(chosen), channel=channel)
            except SAVE_ERRORS as exc:
                st.error(f"Not sent: {plain(exc)}.", icon=":material/error:")
            else:
                flash(f"Questionnaire ({_instruments(tuple(chosen))}) queued by {CHANNEL_WORDS[channel].lower()}; "
                      "the delivery log shows when it is sent.", at="send")
                st.rerun()
    with c2:
        if st.button("Print link", icon=":material/print:", key=f"nm_mp_print_{pid}",
                     help="A one-time link for the patient, shown once; nothing is e-mailed."):
            try:
                created = services.reporting.create_request(user, pid, default_instruments(panel),
                                                            channel=Channel.LINK)
            except SAVE_ERRORS as exc:
                st.error(f"No link made: {plain(exc)}.", icon=":material/error:")
            else:
                st.session_state[printed_link_key(pid)] = (created.link_url, created.expires_at)
                st.rerun()
    with c3:
        start_kiosk_button(services, user, pid, default_instruments(panel))


def _request_row(r: QuestionnaireRequest, tz: ZoneInfo) -> dict[str, str]:
    def local(at: datetime | None) -> str:
        return format_datetime(at.astimezone(tz)) if at else ""

    return {"Created": local(r.created_at), "Due": format_date(r.due_on), "Questionnaires": _instruments(r.instruments),
            "Channel": CHANNEL_WORDS[r.channel], "Status": r.status.value.capitalize(),
            "Completed": local(r.completed_at), "Link expires": local(r.expires_at)}


def history_tables(panel: MeasurementPanel, tz: ZoneInfo) -> None:
    st.markdown("**Requests**")
    if panel.requests:
        st.dataframe(pd.DataFrame([_request_row(r, tz) for r in panel.requests]), hide_index=True, width="stretch")
    else:
        st.caption("No questionnaires sent yet.")
    st.markdown("**Delivery log**")
    if panel.deliveries:
        st.dataframe(pd.DataFrame([{"When": format_datetime(e.at.astimezone(tz)), "Event": e.event.label,
                                    "Detail": e.detail} for e in panel.deliveries]), hide_index=True, width="stretch",
                     row_height=WRAPPED_ROW_PX, column_config={"When": st.column_config.TextColumn(width=140),
                                                               "Event": st.column_config.TextColumn(width=140),
                                                               "Detail": st.column_config.TextColumn(width="large")})
    else:
        st.caption("Nothing sent or answered yet.")


def measurement_tab(services: Services, user: User, panel: MeasurementPanel | None, today: date) -> None:
    """The whole Questionnaires tab for one patient."""
    if panel is None:
        st.info("Questionnaires are not available for this chart.", icon=":material/info:")
        return
    tz = ZoneInfo(services.settings.clinic_timezone)
    state_summary(panel, tz)
    plan_actions(services, user, panel)
    edit_plan(services, user, panel, today, tz)
    show_flash_at("plan")  # each confirmation beside the form that saved it
    send_actions(services, user, panel, tz)
    show_flash_at("send")
    consent_section(services, user, panel, today)
    show_flash_at("consent")
    history_tables(panel, tz)
