"""The measurement-plan editor, kept as the user's draft like every chart form (``components.patient.form_state``).

Not an ``st.form`` (a form's fields reach the server only on submit, so a reload lost every unsent change): each
setting is saved as the user's draft for this patient when it is committed, with the plan version it was edited
from, and put back after a reload, in a new tab or a new sign-in ("Restored your unsaved draft"). "Save plan" is one
audited call (``services.reporting.set_plan``) with that version and a submission token: a double-click saves one
version, a colleague's save in between is refused and named (the entries stay), and the draft goes with the save.
The plan's own rules (bounds, reminder before expiry) live in :mod:`novamind_core.domain.reporting`: the entry is
turned into a :class:`~novamind_core.domain.reporting.MeasurementPlan`, whose ValidationError names the field shown
under it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import streamlit as st

from components.patient.form_state import (
    Field,
    defaults_payload,
    draft_restored_notice,
    errors_key,
    field_error,
    keep,
    notice_key,
    payload,
    remember_kept,
    remember_token,
    repeated_token,
    restore_once,
    set_errors,
    stays_open,
    submission_token,
    wired,
)
from components.shared.session import flash
from novamind_core.domain.errors import ConflictError, NotFoundError, StaleWriteError, ValidationError
from novamind_core.domain.forms import FormName
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
from novamind_core.domain.reporting_views import MeasurementPanel
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

FORM = FormName.MEASUREMENT_PLAN
UNITS = ("weeks", "days")
PLAN_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.KIOSK)
CHANNEL_WORDS: dict[Channel, str] = {Channel.EMAIL: "E-mail", Channel.SMS: "SMS", Channel.KIOSK: "Kiosk only",
                                     Channel.LINK: "Printed link"}
CHANNEL_LABELS = {Channel.EMAIL.value: "E-mail", Channel.SMS.value: "SMS",
                  Channel.KIOSK.value: "Kiosk only (in clinic)"}
SAVE_ERRORS = (ValidationError, ConflictError, StaleWriteError, NotFoundError)
STALE_MESSAGE = ("Not saved: someone else changed this plan after you opened it. Your entries are still in the form; "
                 "press “Load the current plan” to see their version, then apply your change again.")


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


def seen_key(patient_id: int) -> str:
    """Session key of the plan version the user's entries were made on (0: no plan yet)."""
    return f"nm_mp_seen_version_{patient_id}"


def plan_fields(patient_id: int, base: MeasurementPlan, version: int) -> tuple[Field, ...]:
    """The editor's fields, their defaults the plan ``base`` (the plan on record, or the suggested one); the last is
    the version edited, kept in the draft so a draft made on an older plan is saved as a stale edit, never over it."""
    every, unit = _every(base.rule.interval_days)
    k = f"nm_mp_{patient_id}_"
    channel = base.channel if base.channel in PLAN_CHANNELS else Channel.EMAIL
    return (Field("instruments", k + "instruments", "list", [i.value for i in base.instruments]),
            Field("every", k + "every", "int", every),
            Field("unit", k + "unit", "text", unit),
            Field("until_discharge", k + "until", "bool", base.rule.deliveries is None),
            Field("deliveries", k + "count", "int", base.rule.deliveries or 6),
            Field("restart", k + "restart", "bool", base.restart_on_medication_change),
            Field("after_change_interval_days", k + "after", "int", base.rule.after_change_interval_days or 7),
            Field("after_change_count", k + "after_count", "int", base.rule.after_change_count),
            Field("send_time", k + "time", "time", base.send_time),
            Field("channel", k + "channel", "text", channel.value),
            Field("reminder_after_hours", k + "reminder", "int", base.reminder_after_hours),
            Field("link_lifetime_hours", k + "lifetime", "int", base.link_lifetime_hours),
            Field("version", seen_key(patient_id), "int", version))


def _int(values: dict[str, object], name: str) -> int:
    value = values.get(name)
    if not isinstance(value, int | float | str):
        raise ValidationError(f"{name.replace('_', ' ')} is missing", field=name, value=value)
    return int(value)


def entry_from(values: dict[str, object], base: MeasurementPlan) -> PlanEntry:
    """The entry in the fields' values (``payload``)."""
    restart = bool(values["restart"])
    send_at = values.get("send_time")
    chosen = values.get("instruments") or ()
    return PlanEntry(instruments=tuple(Instrument.parse(str(i)) for i in chosen),  # type: ignore[attr-defined]
                     every=_int(values, "every"), unit=str(values["unit"]),
                     deliveries=None if values["until_discharge"] else _int(values, "deliveries"),
                     restart_on_medication_change=restart,
                     after_change_interval_days=_int(values, "after_change_interval_days") if restart else None,
                     after_change_count=_int(values, "after_change_count"),
                     send_time=time.fromisoformat(str(send_at)) if send_at else base.send_time,
                     channel=Channel(str(values["channel"])),
                     reminder_after_hours=_int(values, "reminder_after_hours"),
                     link_lifetime_hours=_int(values, "link_lifetime_hours"), active=base.active)


def _save(services: Services, user: User, panel: MeasurementPanel, today: date) -> None:
    """"Save plan": the service checks the plan and the version first; a refusal keeps every entry."""
    pid = panel.patient_id
    state = st.session_state
    base = panel.plan or panel.suggested
    fields = plan_fields(pid, base, panel.plan.version if panel.plan else 0)
    values = payload(fields)
    settings = {k: v for k, v in values.items() if k != "version"}
    repeat = repeated_token(FORM, pid, settings)  # a double-click's second click saves no second version
    token = repeat or submission_token(FORM, pid, values)
    seen = _int(values, "version")
    try:
        plan = entry_from(values, base).to_plan(pid, base.anchor_on if panel.plan else today)
        saved = services.reporting.set_plan(user, pid, plan, expected_version=seen, submission_token=token)
    except StaleWriteError:
        state[errors_key(FORM, pid)] = {"form": STALE_MESSAGE}
        return
    except SAVE_ERRORS as exc:
        set_errors(FORM, pid, exc, "form")
        return
    now = plan_fields(pid, saved, saved.version)
    for f in now:  # the fields now show the plan as saved
        state[f.key] = f.default
    state.pop(errors_key(FORM, pid), None)
    state.pop(notice_key(FORM, pid), None)
    remember_kept(FORM, pid, payload(now))  # the service dropped the draft
    remember_token(FORM, pid, settings, token)
    state[_open_key(pid)] = False
    if not repeat:
        flash(f"Plan saved: {', '.join(i.value for i in saved.instruments)}, {saved.rule.describe()}, by "
              f"{CHANNEL_WORDS[saved.channel].lower()} at {saved.send_time:%H:%M}.", at="plan")


def load_current(services: Services, user: User, panel: MeasurementPanel) -> None:
    """"Load the current plan": the fields show the plan as it is now; the user's draft of it is dropped."""
    pid = panel.patient_id
    current = plan_fields(pid, panel.plan or panel.suggested, panel.plan.version if panel.plan else 0)
    for f in current:
        st.session_state[f.key] = f.default
    st.session_state.pop(errors_key(FORM, pid), None)
    st.session_state.pop(notice_key(FORM, pid), None)
    with contextlib.suppress(ValidationError, NotFoundError):
        services.drafts.discard(user, pid, FORM)
    remember_kept(FORM, pid, payload(current))


def carry_edits(services: Services, user: User, panel: MeasurementPanel, moved: MeasurementPlan) -> None:
    """This session moved the plan on itself (started the suggested plan, paused or resumed it), which changes no
    setting: unsaved edits in the editor now apply to the new version, so they are not taken for a stale edit made
    before a colleague's save. An editor without edits follows the plan by itself (:func:`prepare`)."""
    pid = panel.patient_id
    before = panel.plan.version if panel.plan else 0
    fields = plan_fields(pid, panel.plan or panel.suggested, before)
    if st.session_state.get(seen_key(pid), before) != before or payload(fields) == defaults_payload(fields):
        return
    st.session_state[seen_key(pid)] = moved.version
    keep(services, user, pid, FORM, plan_fields(pid, moved, moved.version))  # the draft now names the new version


def _open_key(patient_id: int) -> str:
    return f"nm_mp_open_{patient_id}"


def has_draft_or_errors(patient_id: int) -> bool:
    """Whether the editor is open by itself: a draft was put back or a save was refused (it then stays open until the
    plan is saved: :func:`~components.patient.form_state.stays_open`)."""
    return stays_open(_open_key(patient_id), bool(st.session_state.get(errors_key(FORM, patient_id)))
                      or st.session_state.get(notice_key(FORM, patient_id)) is not None)


def prepare(services: Services, user: User, panel: MeasurementPanel) -> tuple[Field, ...]:
    """Before the editor is drawn: put the user's draft back (once per browser session and patient), and let an
    editor without unsaved changes follow the plan when it moves on (paused, resumed, or saved by a colleague); one
    with changes keeps them and the version they were made on, so its save is refused as stale and named."""
    pid = panel.patient_id
    base = panel.plan or panel.suggested
    fields = plan_fields(pid, base, panel.plan.version if panel.plan else 0)
    base_key = f"nm_mp_base_{pid}"
    now, before = defaults_payload(fields), st.session_state.get(base_key)
    if before is not None and before != now and all(f.key in st.session_state for f in fields) \
            and payload(fields) == before:
        for f in fields:
            st.session_state[f.key] = f.default
    st.session_state[base_key] = now
    restore_once(services, user, pid, FORM, fields)
    return fields


def plan_form(services: Services, user: User, panel: MeasurementPanel, fields: tuple[Field, ...], today: date,
              tz: ZoneInfo) -> None:
    """Draw the editor (no ``st.form``: each setting is kept as a draft when committed) and "Save plan"."""
    pid = panel.patient_id
    keep_args = (services, user, pid, FORM, fields)
    f = {field.name: field for field in fields}
    draft_restored_notice(FORM, pid)
    st.multiselect("Questionnaires", [i.value for i in REPORTABLE_INSTRUMENTS], **wired(f["instruments"], keep_args))
    field_error(FORM, pid, "instruments")
    c1, c2, c3 = st.columns(3)
    c1.number_input("Every", min_value=1, max_value=MAX_INTERVAL_DAYS, step=1, **wired(f["every"], keep_args))
    c2.selectbox("Unit", UNITS, **wired(f["unit"], keep_args))
    c3.checkbox("Until discharge", **wired(f["until_discharge"], keep_args))
    c3.number_input("Number of deliveries", min_value=1, max_value=MAX_DELIVERIES, step=1,
                    help="Used when “Until discharge” is off.", **wired(f["deliveries"], keep_args))
    field_error(FORM, pid, "interval_days", "deliveries")
    d1, d2, d3 = st.columns(3)
    d1.checkbox("Faster after a medication change", help="A started or changed drug restarts the schedule.",
                **wired(f["restart"], keep_args))
    d2.number_input("Then every (days)", min_value=1, max_value=90, step=1,
                    **wired(f["after_change_interval_days"], keep_args))
    d3.number_input("For this many deliveries", min_value=0, max_value=52, step=1,
                    **wired(f["after_change_count"], keep_args))
    field_error(FORM, pid, "after_change_interval_days", "after_change_count")
    e1, e2 = st.columns(2)
    e1.time_input("Send at", **wired(f["send_time"], keep_args))
    e1.caption(f"Clinic time ({tz.key})")
    field_error(FORM, pid, "send_time")
    e2.selectbox("Channel", [c.value for c in PLAN_CHANNELS], format_func=CHANNEL_LABELS.get,
                 **wired(f["channel"], keep_args))
    field_error(FORM, pid, "channel")
    g1, g2 = st.columns(2)
    g1.number_input("Reminder after (hours; 0 for none)", min_value=0, max_value=MAX_REMINDER_HOURS, step=1,
                    **wired(f["reminder_after_hours"], keep_args))
    field_error(FORM, pid, "reminder_after_hours")
    g2.number_input("Link valid for (hours)", min_value=1, max_value=MAX_LINK_LIFETIME_HOURS, step=1,
                    **wired(f["link_lifetime_hours"], keep_args))
    field_error(FORM, pid, "link_lifetime_hours")
    field_error(FORM, pid, "form", "patient_id", "submission_token")
    st.button("Save plan", type="primary", icon=":material/save:", key=f"nm_mp_save_{pid}", on_click=_save,
              args=(services, user, panel, today))
