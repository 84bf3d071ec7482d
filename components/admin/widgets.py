"""Widgets of the Admin page: they take service results (staff accounts, audit rows, status objects; never PHI) and
return the administrator's choices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import streamlit as st

from components.shared.theme import format_date, format_datetime
from novamind_core.domain.administration import AuditFilter, CareTeam, KeyRotationStatus, ModelStatus, SystemHealth
from novamind_core.domain.records import AuditEntry, UserAccount
from novamind_core.domain.sessions import SessionRecord
from novamind_core.domain.users import Role

KEY = "nm_ad_"
ROLES = [r.value for r in Role]
ANY = "(any)"
OUTCOMES = (ANY, "success", "denied", "failure")
TRAINEE_LABEL = "Trainee (notes need a co-signature)"
AUDIT_WINDOW_DAYS = 30
"""The audit viewer's default date range: the last 30 days."""


@dataclass(frozen=True)
class NewUser:
    """The create-user form's entries."""

    username: str
    display_name: str
    role: str
    password: str


@dataclass(frozen=True)
class UserAction:
    """A button pressed on one account: ``action`` is a users-service method name (``set_trainee``: the notes
    service's, ``value`` "on"/"off"), ``value`` its argument."""

    action: str
    user_id: int
    value: str | None = None


PATIENTS_COLUMN = "Active patients on care team"
"""What ``UserAccount.patient_count`` counts: the patients a clinician's caseload lists by default (discharged
patients are left out, as there)."""


def users_table(accounts: Sequence[UserAccount]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Id": a.id, "Username": a.username, "Name": a.display_name, "Role": a.role,
        "Status": "active" if a.active else "deactivated",
        "Locked until": format_datetime(a.locked_until) if a.locked_until else "",
        "Failed sign-ins": a.failed_attempts, PATIENTS_COLUMN: a.patient_count, "Trainee": "yes" if a.trainee else "",
        "Last sign-in": format_datetime(a.last_sign_in_at) if a.last_sign_in_at else "never",
    } for a in accounts])


def create_user_form() -> NewUser | None:
    """New account: username, name, role and a temporary password (the user changes it after signing in)."""
    with st.form(KEY + "create", clear_on_submit=True):
        c1, c2, c3, c4 = st.columns(4)
        username = c1.text_input("Username", placeholder="e.g. dr.smith", key=KEY + "new_username")
        name = c2.text_input("Display name", placeholder="Dr Jane Smith", key=KEY + "new_name")
        role = c3.selectbox("Role", ROLES, key=KEY + "new_role")
        password = c4.text_input("Temporary password", type="password", key=KEY + "new_password",
                                 help="At least 12 characters; not a demo password.")
        if st.form_submit_button("Create user", type="primary", icon=":material/person_add:"):
            return NewUser(username, name, role, password)
    return None


def user_actions(accounts: Sequence[UserAccount]) -> UserAction | None:
    """Pick a user and an action; the action when a button is pressed."""
    labels = {a.id: f"{a.display_name} ({a.username}, {a.role}{'' if a.active else ', deactivated'})"
              for a in accounts}
    if not labels:
        return None
    uid = st.selectbox("User", list(labels), format_func=labels.get, key=KEY + "user")
    account = next(a for a in accounts if a.id == uid)
    c1, c2, c3 = st.columns([1.3, 1.5, 1.2])
    with c1:
        role = st.selectbox("Role", ROLES, index=ROLES.index(account.role), key=KEY + "role")
        if st.button("Change role", disabled=role == account.role, key=KEY + "set_role"):
            return UserAction("set_role", uid, role)
    with c2:
        password = st.text_input("New temporary password", type="password", key=KEY + "reset_pw")
        if st.button("Reset password", disabled=not password, key=KEY + "reset", icon=":material/key:"):
            return UserAction("reset_password", uid, password)
    with c3:
        st.write("")
        if account.active and st.button("Deactivate", key=KEY + "deactivate", icon=":material/person_off:"):
            return UserAction("deactivate", uid)
        if not account.active and st.button("Reactivate", key=KEY + "reactivate", icon=":material/person:"):
            return UserAction("reactivate", uid)
        if st.button("Unlock", key=KEY + "unlock", icon=":material/lock_open:",
                     help="Lift this account's sign-in back-off (after repeated failed sign-ins), from every address."):
            return UserAction("unlock", uid)
    c4, c5, c6 = st.columns([1.3, 1.5, 1.2])
    trainee = c6.toggle(TRAINEE_LABEL, value=account.trainee, key=KEY + f"trainee_{uid}",
                        disabled=account.role != Role.CLINICIAN.value and not account.trainee,
                        help="A trainee's signed notes wait for a co-signature by a clinician on the patient's care "
                             "team who is not a trainee. Clinicians only.")
    if trainee != account.trainee:
        return UserAction("set_trainee", uid, "on" if trainee else "off")
    if c4.button("End all sessions", key=KEY + "revoke_sessions", icon=":material/logout:",
                 help="Sign this account out everywhere now (a lost laptop, a shared screen)."):
        return UserAction("revoke_sessions", uid)
    if c5.button("Reset second factor", key=KEY + "reset_second_factor", icon=":material/phonelink_erase:",
                 help="Remove the authenticator app (a lost phone); the user sets it up again at the next sign-in."):
        return UserAction("reset_second_factor", uid)
    return None


def sessions_table(sessions: Sequence[SessionRecord]) -> pd.DataFrame:
    """Live sign-in sessions (no secrets): who, how, since when, last activity, when it expires."""
    return pd.DataFrame([{
        "Session": s.id, "Username": s.username, "Signed in by": s.channel,
        "Since": format_datetime(s.created_at), "Last activity": format_datetime(s.last_seen_at),
        "Idle expiry": format_datetime(s.idle_expires_at), "Absolute expiry": format_datetime(s.absolute_expires_at),
    } for s in sessions], columns=["Session", "Username", "Signed in by", "Since", "Last activity", "Idle expiry",
                                   "Absolute expiry"])


def session_to_end(sessions: Sequence[SessionRecord]) -> int | None:
    """Pick one live session and end it; its id when the button is pressed."""
    if not sessions:
        return None
    labels = {s.id: f"{s.id}: {s.username} ({s.channel}, last activity {format_datetime(s.last_seen_at)})"
              for s in sessions}
    sid = st.selectbox("Session", list(labels), format_func=labels.get, key=KEY + "session")
    if st.button("End this session", key=KEY + "end_session", icon=":material/logout:"):
        return int(sid)
    return None


def care_team_editor(team: CareTeam, accounts: Sequence[UserAccount]) -> list[int] | None:
    """Members of a care team as a multiselect of active clinicians and admins; returns the ids when saved."""
    eligible = {a.id: f"{a.display_name} ({a.username}, {a.role})" for a in accounts
                if a.active and a.role in (Role.CLINICIAN.value, Role.ADMIN.value)}
    for m in team.members:
        eligible.setdefault(m.user_id, f"{m.display_name} ({m.username}, {m.role})")
    with st.form(KEY + "team"):
        chosen = st.multiselect("Care team", list(eligible), default=[m.user_id for m in team.members],
                                format_func=eligible.get, key=KEY + f"team_{team.patient_id}")
        if st.form_submit_button("Save care team", type="primary", icon=":material/groups:"):
            return list(chosen)
    return None


def _date_bounds(span: object) -> tuple[datetime | None, datetime | None]:
    """UTC bounds of a (start, end) clinic-date range; (None, None) while only one date is picked."""
    if isinstance(span, tuple | list) and len(span) == 2:
        return (datetime.combine(span[0], time.min, tzinfo=UTC),
                datetime.combine(span[1] + timedelta(days=1), time.min, tzinfo=UTC))
    return None, None


def _patient_id(value: object) -> int | None:
    """The patient-id filter: empty means any patient."""
    return None if value is None else int(value)  # type: ignore[call-overload]


def audit_filter_chosen(today: date) -> AuditFilter:
    """The audit filter the viewer's widgets hold now (their defaults before the first run).

    Read before the page's one service call, which returns the choices (actions, users) the widgets are then drawn
    with by :func:`audit_filters`."""
    state = st.session_state
    action = state.get(KEY + "au_action", ANY)
    outcome = state.get(KEY + "au_outcome", ANY)
    since, until = _date_bounds(state.get(KEY + "au_dates", (today - timedelta(days=AUDIT_WINDOW_DAYS), today)))
    return AuditFilter(action=None if action == ANY else action, user_id=state.get(KEY + "au_user"),
                       patient_id=_patient_id(state.get(KEY + "au_patient")),
                       outcome=None if outcome == ANY else outcome, since=since, until=until)


def audit_filters(actions: Sequence[str], accounts: Sequence[UserAccount], today: date) -> AuditFilter:
    """Filters of the audit viewer: action, user, patient id, outcome and a date range (clinic dates, UTC bounds)."""
    c1, c2, c3, c4, c5 = st.columns([1.6, 1.6, 1, 1, 1.8])
    action = c1.selectbox("Action", [ANY, *actions], key=KEY + "au_action")
    users = {a.id: a.username for a in accounts}
    user_id = c2.selectbox("User", [None, *users], format_func=lambda u: ANY if u is None else users[u],
                           key=KEY + "au_user")
    patient = c3.number_input("Patient id", min_value=1, value=None, step=1, key=KEY + "au_patient",
                              placeholder="any", help="Database id (leave empty for any). The audit log never "
                                                      "stores names or MRNs.")
    outcome = c4.selectbox("Outcome", OUTCOMES, key=KEY + "au_outcome")
    span = c5.date_input("Dates", value=(today - timedelta(days=AUDIT_WINDOW_DAYS), today), max_value=today,
                         key=KEY + "au_dates", format="DD/MM/YYYY")
    since, until = _date_bounds(span)
    return AuditFilter(action=None if action == ANY else action, user_id=user_id, patient_id=_patient_id(patient),
                       outcome=None if outcome == ANY else outcome, since=since, until=until)


def audit_table(entries: Sequence[AuditEntry]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Id": e.id, "When (UTC)": format_datetime(e.at), "User": e.username or "(unknown)", "Role": e.role,
        "Action": e.action, "Patient id": "" if e.patient_id is None else str(e.patient_id), "Outcome": e.outcome,
        "Detail": e.detail,
    } for e in entries])


def key_status_view(status: KeyRotationStatus) -> None:
    c1, c2, c3 = st.columns(3)
    c1.metric("Encryption keys configured", status.key_count)
    c2.metric("Encrypted values", f"{status.values:,}")
    c3.metric("Not under the newest key", f"{status.stale:,}")
    if status.complete:
        st.success("Every value is encrypted under the newest key. Older keys can be removed from "
                   "NOVAMIND_ENCRYPTION_KEYS.", icon=":material/verified_user:")
    else:
        st.warning(f"{status.stale:,} values still need the older key: run the rotation before removing it.",
                   icon=":material/key:")
    st.dataframe(pd.DataFrame([{"Table": t.table, "Values": t.values, "Under newest key": t.current,
                                "Still on an older key": t.stale} for t in status.tables]),
                 hide_index=True, width="stretch", key=KEY + "keys_table")


def models_table(models: Sequence[ModelStatus]) -> pd.DataFrame:
    return pd.DataFrame([{
        "Model": m.name, "Version": m.version, "Latest": "yes" if m.latest else "", "Kind": m.kind,
        "Trained": m.created[:10], "Synthetic data": "yes" if m.synthetic else "no",
        "Checksum": "OK" if m.checksum_ok else "FAILED", "Problem": m.problem,
        "Key metrics": ", ".join(f"{k} {v:g}" for k, v in list(m.metrics.items())[:3]),
    } for m in models])


def health_view(health: SystemHealth) -> None:
    """One line per check with an icon and its word (never colour alone)."""
    for check in health.checks:
        if check.ok:
            st.success(f"**{check.name}**: OK. {check.detail}", icon=":material/check_circle:")
        else:
            st.error(f"**{check.name}**: problem. {check.detail}", icon=":material/error:")
    if health.db_reachable:
        c1, c2, c3 = st.columns(3)
        c1.metric("Users", health.users)
        c2.metric("Patients", health.patients)
        c3.metric("Audit rows", f"{health.audit_rows:,}")
    st.caption(f"Checked {format_datetime(health.checked_at)} UTC ({format_date(health.checked_at)}).")
