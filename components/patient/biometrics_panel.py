"""The patient's wearable panel: headline metrics, actogram (day x hour), sleep timeline and daily trends.

The window is a control: a page reads it with :func:`chosen_window_days` *before* its view call, and
:func:`draw_biometrics` draws the control and the panel from the :class:`BiometricsView` the view carries (the patient
page's ``charts.patient_chart``: no call of its own). :func:`biometrics_panel` is the door for pages without such a
view (the import page): one call, ``services.wearables.biometrics`` (care team checked, one audit event), then
:func:`draw_biometrics`. The actigraphy report is :func:`novamind_core.biometrics.actigraphy_report` (pure), the
figures are in :mod:`components.patient.biometrics_charts`. Nothing is cached (PHI).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from components.patient.biometrics_charts import (
    actogram_figure,
    metric_trends_figure,
    minute_series,
    not_computable_lines,
    sleep_caption,
    sleep_timeline_figure,
)
from components.shared.theme import format_date
from novamind_core.domain.users import User
from novamind_core.services.wearables import DEFAULT_WINDOW_DAYS, BiometricsView

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

WINDOWS_DAYS = (14, 28, 90)


def _fmt(value: float | None, spec: str, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    return f"{format(value, spec)}{unit}"


def chosen_window_days(key: str = "nm_bio") -> int:
    """The window (days) the user chose on the panel drawn with ``key``; 28 until they choose."""
    value = st.session_state.get(f"{key}_window")
    return value if value in WINDOWS_DAYS else DEFAULT_WINDOW_DAYS


def biometrics_panel(services: Services, user: User, patient_id: int, today: date | None = None, *,
                     key: str = "nm_bio") -> None:
    """Read the wearable view for one patient (one audited service call) and draw it. ``today`` is unused (the
    service reads the clinic's clock) and kept for the callers that pass it."""
    draw_biometrics(services.wearables.biometrics(user, patient_id, chosen_window_days(key)), key=key)


def draw_biometrics(view: BiometricsView, *, key: str = "nm_bio") -> None:
    """Draw the window control and the wearable panel of an already-read view (an empty state says how to add
    data)."""
    from novamind_core.biometrics import actigraphy_report

    st.segmented_control("Window", WINDOWS_DAYS, default=DEFAULT_WINDOW_DAYS, format_func=lambda d: f"{d} days",
                         key=f"{key}_window")
    days = view.window_days
    minute_days, counts, summaries = view.minute_days, view.counts, view.summaries
    if view.empty:
        st.info("No wearable data yet. Import minute activity, daily summaries, a Fitbit or an Apple Health export "
                "on Data import.", icon=":material/watch:")
        return
    report, nights = None, ()
    if minute_days:
        with st.spinner("Computing rest-activity and sleep metrics…"):
            computed = actigraphy_report(minute_series(minute_days, counts))
        report, nights = computed.as_dict(), computed.nights
        s = report["sleep"]
        why = report["not_computable"]
        total_h = None if s["total_sleep_min"] is None else s["total_sleep_min"] / 60
        cols = st.columns(6)
        cols[0].metric("Wear time", _fmt(report["wear_time_percent"], ".0f", "%"))
        cols[1].metric("Total sleep", _fmt(total_h, ".1f", " h"), help=why.get("sleep"))
        cols[2].metric("Sleep efficiency", _fmt(s["sleep_efficiency_percent"], ".0f", "%"), help=why.get("sleep"))
        cols[3].metric("Sleep midpoint", s["sleep_midpoint"] or "n/a", help=why.get("sleep"))
        cols[4].metric("Interdaily stability", _fmt(report["interdaily_stability"], ".2f"),
                       help=why.get("interdaily_stability", "IS 0-1: how alike the days are (van Someren et al. 1999)"))
        cols[5].metric("Intradaily variability", _fmt(report["intradaily_variability"], ".2f"),
                       help=why.get("intradaily_variability",
                                    "IV 0-2: how fragmented the rhythm is within days (van Someren et al. 1999)"))
        for line in not_computable_lines(why):
            st.caption(line)
        st.caption(f"Minute activity from {format_date(minute_days[0])} to {format_date(minute_days[-1])} "
                   f"({len(minute_days)} days recorded).")
    tabs = st.tabs(["Actogram", "Sleep", "Trends"])
    with tabs[0]:
        if minute_days:
            st.plotly_chart(actogram_figure(minute_days, counts), key=f"{key}_actogram")
            st.caption("Darker cells are more active hours; blank cells are hours without data (watch not worn or "
                       "not synced). A regular dark band by day and a pale band by night is a stable rhythm.")
        else:
            st.info("No minute-level activity: the actogram needs an activity CSV (timestamp, counts).")
    with tabs[1]:
        if nights:
            st.plotly_chart(sleep_timeline_figure(nights), key=f"{key}_sleep")
        st.caption(sleep_caption(report, days))
    with tabs[2]:
        if summaries:
            st.plotly_chart(metric_trends_figure(summaries), key=f"{key}_trends")
            st.caption(f"Daily summaries from {format_date(summaries[0].day)} to {format_date(summaries[-1].day)} "
                       f"({', '.join(sorted({s.source for s in summaries}))}).")
        else:
            st.info("No daily summaries (steps, sleep, resting heart rate, HRV) yet.")
