"""The patient banner shown on every patient-scoped page (docs/ux.md, "Layout").

Name, age, sex, MRN, primary diagnosis, current medications, open alerts (item 9 first), last assessment date, and
switching patient one click away. Every patient page reads its whole view model in one call
(:func:`load_patient_view`; the patient page's :func:`load_patient_chart`), which carries the banner's
``ChartSummary``, and draws the banner from it (:func:`draw_banner`): the care team is checked and the view audited
once in the service; a patient the user may not open is dropped from the selection and the page stops with a plain
message.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import date
from typing import NoReturn, TypeVar

import streamlit as st

from components.shared.session import (
    PageContext,
    StateKeys,
    clear_selected_patient,
    forget_patient,
    go_to,
    open_patient,
    select_patient,
    selected_patient_id,
)
from components.shared.text import plain
from components.shared.theme import format_date
from components.shared.ui import alert_chip, severity_chip
from novamind_core.domain.alerts import sort_alerts
from novamind_core.domain.errors import NotFoundError, PermissionDenied
from novamind_core.domain.patients import Patient
from novamind_core.domain.records import ChartSummary
from novamind_core.services.charts import PatientChart
from novamind_core.services.wearables import DEFAULT_WINDOW_DAYS

Loaded = TypeVar("Loaded")


def patient_label(patient: Patient) -> str:
    return f"{patient.full_name} ({patient.mrn})"


def last_assessed_on(chart: ChartSummary) -> date | None:
    dates = [a.administered_on for a in chart.latest.values()]
    return max(dates) if dates else None


def _refused(patient_id: int) -> NoReturn:
    forget_patient(patient_id)
    st.error("This patient is not on your care team, or does not exist. Choose a patient from your caseload.",
             icon=":material/lock:")
    if st.button("Go to caseload", icon=":material/groups:"):
        go_to("caseload")
    st.stop()
    raise AssertionError("st.stop() returned")  # pragma: no cover


def _no_patient() -> NoReturn:
    st.info("No patient selected. Choose one from your caseload.", icon=":material/person_search:")
    if st.button("Open caseload", icon=":material/groups:", key="nm_banner_open_caseload"):
        go_to("caseload")
    st.stop()
    raise AssertionError("st.stop() returned")  # pragma: no cover


def _load(patient_id: int | None, read: Callable[[int], Loaded]) -> Loaded:
    """``read(patient_id)``, or stop the page with a plain message (no patient chosen, or one the user may not
    open: dropped from the selection)."""
    if patient_id is None:
        _no_patient()
    try:
        return read(patient_id)
    except (PermissionDenied, NotFoundError):
        _refused(patient_id)


def load_patient_view(read: Callable[[int], Loaded], patient_id: int | None = None) -> Loaded:
    """``read(patient_id)`` (default: the patient the address bar names, ``?p=<opaque token>``, else the selected
    patient): a page's one view call, or stop the page with a plain message (no patient chosen, or one the user may
    not open). The address bar then names the patient, so a reload or a new tab lands on the same one."""
    from components.shared.patient_link import patient_from_url, put_patient_in_url

    chosen = patient_id if patient_id is not None else patient_from_url() or selected_patient_id()
    view = _load(chosen, read)
    if chosen is not None:
        put_patient_in_url(chosen)
    return view


def load_patient_chart(ctx: PageContext, patient_id: int | None, *,
                       wearables_window_days: int = DEFAULT_WINDOW_DAYS) -> PatientChart:
    """The patient page's whole view model in one service call, or stop the page with a plain message."""
    return _load(patient_id, lambda pid: ctx.services.charts.patient_chart(
        ctx.user, pid, wearables_window_days=wearables_window_days))


def _switcher(current_id: int) -> None:
    recent = [(pid, lab) for pid, lab in st.session_state.get(StateKeys.RECENT_PATIENTS, []) if pid != current_id]
    cols = st.columns([1, 2]) if recent else [st.container()]
    with cols[0]:
        if st.button("All patients", icon=":material/groups:", key="nm_banner_caseload",
                     help="Back to the caseload to choose another patient"):
            clear_selected_patient()
            go_to("caseload")
    if recent:
        labels = {pid: lab for pid, lab in recent}

        def _pick() -> None:
            st.session_state["nm_banner_switch_to"] = st.session_state.get("nm_banner_recent")
            st.session_state["nm_banner_recent"] = None

        with cols[1]:
            st.selectbox("Recent patients", options=[None, *labels], key="nm_banner_recent", on_change=_pick,
                         format_func=lambda p: "Switch to a recent patient…" if p is None else labels[p],
                         label_visibility="collapsed")
    target = st.session_state.pop("nm_banner_switch_to", None)
    if target is not None and target in dict(recent):
        open_patient(target, dict(recent)[target])


def draw_banner(chart: ChartSummary) -> None:
    """Draw the banner of an already-read chart and make its patient the selected one."""
    p = chart.patient
    select_patient(p.id, patient_label(p))
    primary = p.primary_diagnosis
    meds = ", ".join(f"{m.describe()} (since {format_date(m.start_date)})" for m in chart.active_medications)
    alerts = sort_alerts(chart.open_alerts)
    last = last_assessed_on(chart)
    with st.container(border=True):
        left, right = st.columns([3, 1.3])
        with left:
            status = "" if p.status.value == "active" else f" · <b>{p.status.value}</b>"
            st.markdown(
                f'<div class="nm-banner-name">{plain(p.full_name)}</div>'
                f'<div class="nm-muted">{chart.age_years} y · {html.escape(p.sex_at_birth.value)} · MRN '
                f"<b>{plain(p.mrn)}</b>{status} · "
                f"{plain(f'{primary.code} {primary.label}' if primary else 'no diagnosis recorded')}</div>"
                f'<div class="nm-muted">Medications: {html.escape(meds) if meds else "none active"}</div>'
                f'<div class="nm-muted">Last assessment: {format_date(last) if last else "none yet"}'
                + "".join(f" · {k} {severity_chip(v.severity, f'{v.total} {v.severity}')}"
                          for k, v in chart.latest.items() if k in ("PHQ-9", "GAD-7"))
                + "</div>",
                unsafe_allow_html=True,  # text-safe: names, MRN and diagnosis through plain(); the rest is code's
            )
            if alerts:
                st.markdown(" ".join(alert_chip(a.text) for a in alerts), unsafe_allow_html=True)
        with right:
            _switcher(p.id)
