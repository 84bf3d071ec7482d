"""The measurement-plan form: what the clinician entered (:class:`PlanEntry`), or None until submitted.

The form's widgets are keyed by the plan version the clinician opened (``key``), so their entries survive a refused
save (a validation error is shown under its field; a stale save is named) and a fresh version starts a fresh form.
The plan's own rules (bounds, reminder before expiry) live in :mod:`novamind_core.domain.reporting`: the entry is
turned into a :class:`~novamind_core.domain.reporting.MeasurementPlan`, whose ValidationError names the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from zoneinfo import ZoneInfo

import streamlit as st

from components.shared.forms import field_error
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.reporting import (
    MAX_DELIVERIES,
    MAX_INTERVAL_DAYS,
    MAX_LINK_LIFETIME_HOURS,
    MAX_REMINDER_HOURS,
    REPORTABLE_INSTRUMENTS,
    Channel,
    MeasurementPlan,
    ScheduleRule,
)

UNITS = ("weeks", "days")
PLAN_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.KIOSK)
CHANNEL_LABELS = {Channel.EMAIL: "E-mail", Channel.SMS: "SMS", Channel.KIOSK: "Kiosk only (in clinic)"}


@dataclass(frozen=True)
class PlanEntry:
    """The plan form as entered (checked when it becomes a plan)."""

    instruments: tuple[Instrument, ...]
    every: int
    unit: str  # "days" or "weeks"
    deliveries: int | None  # None: until discharge
    restart_on_medication_change: bool
    after_change_interval_days: int | None
    after_change_count: int
    send_time: time
    channel: Channel
    reminder_after_hours: int
    link_lifetime_hours: int
    active: bool = True

    @property
    def interval_days(self) -> int:
        return self.every * (7 if self.unit == "weeks" else 1)

    def to_plan(self, patient_id: int, anchor_on: date) -> MeasurementPlan:
        """The plan to save; raises ValidationError naming the field that is wrong."""
        rule = ScheduleRule(interval_days=self.interval_days, deliveries=self.deliveries,
                            after_change_interval_days=self.after_change_interval_days,
                            after_change_count=self.after_change_count)
        return MeasurementPlan(patient_id=patient_id, instruments=self.instruments, rule=rule, channel=self.channel,
                               send_time=self.send_time, reminder_after_hours=self.reminder_after_hours,
                               link_lifetime_hours=self.link_lifetime_hours, anchor_on=anchor_on,
                               restart_on_medication_change=self.restart_on_medication_change, active=self.active)


def _every(days: int) -> tuple[int, str]:
    return (days // 7, "weeks") if days % 7 == 0 else (days, "days")


def plan_form(base: MeasurementPlan, errors: dict[str, str], today: date, tz: ZoneInfo, *,
              key: str) -> PlanEntry | None:
    """Draw the form pre-filled from ``base``; return the entry when submitted, else None."""
    every, unit = _every(base.rule.interval_days)
    with st.form(key, border=False):
        chosen = st.multiselect("Questionnaires", list(REPORTABLE_INSTRUMENTS), default=list(base.instruments),
                                format_func=lambda i: i.value, key=f"{key}_instruments")
        field_error(errors, "instruments")
        c1, c2, c3 = st.columns(3)
        n = c1.number_input("Every", min_value=1, max_value=MAX_INTERVAL_DAYS, value=every, step=1, key=f"{key}_every")
        chosen_unit = c2.selectbox("Unit", UNITS, index=UNITS.index(unit), key=f"{key}_unit")
        until_discharge = c3.checkbox("Until discharge", value=base.rule.deliveries is None, key=f"{key}_until")
        count = c3.number_input("Number of deliveries", min_value=1, max_value=MAX_DELIVERIES,
                                value=base.rule.deliveries or 6, step=1, key=f"{key}_count",
                                help="Used when “Until discharge” is off.")
        field_error(errors, "interval_days", "deliveries")
        d1, d2, d3 = st.columns(3)
        restart = d1.checkbox("Faster after a medication change", value=base.restart_on_medication_change,
                              key=f"{key}_restart", help="A started or changed drug restarts the schedule.")
        after_every = d2.number_input("Then every (days)", min_value=1, max_value=90,
                                      value=base.rule.after_change_interval_days or 7, step=1, key=f"{key}_after")
        after_count = d3.number_input("For this many deliveries", min_value=0, max_value=52,
                                      value=base.rule.after_change_count, step=1, key=f"{key}_after_count")
        field_error(errors, "after_change_interval_days", "after_change_count")
        e1, e2 = st.columns(2)
        send_at = e1.time_input("Send at", value=base.send_time, key=f"{key}_time")
        e1.caption(f"Clinic time ({tz.key})")
        field_error(errors, "send_time")
        channel = e2.selectbox("Channel", PLAN_CHANNELS, index=PLAN_CHANNELS.index(base.channel)
                               if base.channel in PLAN_CHANNELS else 0, format_func=CHANNEL_LABELS.get,
                               key=f"{key}_channel")
        field_error(errors, "channel")
        f1, f2 = st.columns(2)
        reminder = f1.number_input("Reminder after (hours; 0 for none)", min_value=0, max_value=MAX_REMINDER_HOURS,
                                   value=base.reminder_after_hours, step=1, key=f"{key}_reminder")
        field_error(errors, "reminder_after_hours")
        lifetime = f2.number_input("Link valid for (hours)", min_value=1, max_value=MAX_LINK_LIFETIME_HOURS,
                                   value=base.link_lifetime_hours, step=1, key=f"{key}_lifetime")
        field_error(errors, "link_lifetime_hours")
        field_error(errors, "form", "patient_id")
        submitted = st.form_submit_button("Save plan", type="primary", icon=":material/save:")
    if not submitted:
        return None
    return PlanEntry(instruments=tuple(chosen), every=int(n), unit=chosen_unit,
                     deliveries=None if until_discharge else int(count), restart_on_medication_change=restart,
                     after_change_interval_days=int(after_every) if restart else None,
                     after_change_count=int(after_count), send_time=send_at or base.send_time, channel=channel,
                     reminder_after_hours=int(reminder), link_lifetime_hours=int(lifetime), active=base.active)
