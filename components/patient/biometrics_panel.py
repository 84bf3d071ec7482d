"""The patient's wearable panel: headline metrics, actogram (day x hour), sleep timeline and daily trends.

``biometrics_panel(services, user, patient_id)`` makes one call, ``services.wearables.biometrics`` (care team checked,
one audit event for what is shown), computes the actigraphy report with
:func:`novamind_core.biometrics.actigraphy_report` (pure), and draws the pure figures of
:mod:`components.patient.biometrics_charts`. Nothing is cached (PHI).
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
    sleep_caption,
    sleep_timeline_figure,
)
from components.shared.theme import format_date
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

WINDOWS_DAYS = (14, 28, 90)


def _fmt(value: float | None, spec: str, unit: str = "") -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "n/a"
    return f"{format(value, spec)}{unit}"


def biometrics_panel(services: Services, user: User, patient_id: int, today: date | None = None, *,
                     key: str = "nm_bio") -> None:
    """Draw the wearable panel for one patient (an empty state says how to add data). ``today`` is unused (the
    service reads the clinic's clock) and kept for the callers that pass it."""
    from novamind_core.biometrics import actigraphy_report

    days = st.segmented_control("Window", WINDOWS_DAYS, default=28, format_func=lambda d: f"{d} days",
                                key=f"{key}_window") or 28
    view = services.wearables.biometrics(user, patient_id, days)
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
        cols = st.columns(6)
        cols[0].metric("Wear time", _fmt(report["wear_time_percent"], ".0f", "%"))
        cols[1].metric("Total sleep", _fmt(s["total_sleep_min"] and s["total_sleep_min"] / 60, ".1f", " h"))
        cols[2].metric("Sleep efficiency", _fmt(s["sleep_efficiency_percent"], ".0f", "%"))
        cols[3].metric("Sleep midpoint", s["sleep_midpoint"] or "n/a")
        cols[4].metric("Interdaily stability", _fmt(report["interdaily_stability"], ".2f"),
                       help="IS 0-1: how alike the days are (van Someren et al. 1999)")
        cols[5].metric("Intradaily variability", _fmt(report["intradaily_variability"], ".2f"),
                       help="IV 0-2: how fragmented the rhythm is within days (van Someren et al. 1999)")
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
