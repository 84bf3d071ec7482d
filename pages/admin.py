"""Admin: users (create, role, deactivate, reset password), care teams by MRN, the audit log (filter, verify the
chain, export), encryption-key rotation status and rotation, the model registry, and system health.

Recipe: choose a section -> one ``services.admin.view`` call (one audit event naming what was shown) -> render. Only
the chosen section is read, so opening the page does not scan every key or checksum. Each user action (create,
change a role, save a care team, verify, export, rotate) is its own audited call. Admins see staff accounts, ids
and status objects, never a patient's PHI.
"""

from __future__ import annotations

import streamlit as st

from components.admin.widgets import (
    audit_filter_chosen,
    audit_filters,
    audit_table,
    care_team_editor,
    create_user_form,
    health_view,
    key_status_view,
    models_table,
    session_to_end,
    sessions_table,
    user_actions,
    users_table,
)
from components.shared.errors import error_boundary
from components.shared.session import StateKeys, flash, page_guard
from novamind_core.domain.administration import AdminSection, KeyRotationStatus

ctx = page_guard("admin")
svc, me = ctx.services, ctx.user
SECTIONS = {"Users": AdminSection.USERS, "Care teams": AdminSection.CARE_TEAMS, "Audit log": AdminSection.AUDIT_LOG,
            "Encryption keys": AdminSection.KEYS, "Models": AdminSection.MODELS,
            "System health": AdminSection.HEALTH}
ACTION_DONE = {"set_role": "Role changed for", "reset_password": "Password reset for", "deactivate": "Deactivated",
               "reactivate": "Reactivated", "unlock": "Unlocked", "reset_second_factor": "Second factor reset for"}
TRAINEE_DONE = {"on": "is now a trainee: their signed notes need a co-signature.",
                "off": "is no longer a trainee: their signed notes need no co-signature."}
KEY_STATUS = StateKeys.ADMIN_KEY_STATUS
AUDIT_CSV = StateKeys.ADMIN_AUDIT_CSV

st.title("Administration")
section = st.radio("Section", tuple(SECTIONS), horizontal=True, key="nm_ad_section", label_visibility="collapsed")


def users_section() -> None:
    view = svc.admin.view(me, AdminSection.USERS)
    st.dataframe(users_table(view.accounts), hide_index=True, width="stretch", key="nm_ad_users")
    st.subheader("Change a user", anchor=False)
    chosen = user_actions(view.accounts)
    if chosen is not None and chosen.action == "revoke_sessions":
        ended = svc.sessions.revoke_all(me, chosen.user_id)
        flash(f"Ended {ended} session(s); that account must sign in again.")
        st.rerun()
    if chosen is not None and chosen.action == "set_trainee":
        svc.notes.set_trainee(me, chosen.user_id, chosen.value == "on")
        account_name = next(a.username for a in view.accounts if a.id == chosen.user_id)
        flash(f"{account_name} {TRAINEE_DONE[str(chosen.value)]}")
        st.rerun()
    if chosen is not None:
        method = getattr(svc.users, chosen.action)
        account = method(me, chosen.user_id, chosen.value) if chosen.value is not None else method(me, chosen.user_id)
        flash(f"{ACTION_DONE[chosen.action]} {account.username}.")
        st.rerun()
    if st.toggle("Show signed-in sessions", key="nm_ad_show_sessions"):
        live = svc.sessions.list_live(me)
        st.dataframe(sessions_table(live), hide_index=True, width="stretch", key="nm_ad_sessions")
        ended = session_to_end(live)
        if ended is not None:
            svc.sessions.revoke(me, ended)
            flash(f"Ended session {ended}.")
            st.rerun()
    st.subheader("Create a user", anchor=False)
    new = create_user_form()
    if new is not None:
        account = svc.users.create(me, new.username, new.display_name, new.role, new.password)
        flash(f"Created {account.username} ({account.role}). Give them the temporary password in person.")
        st.rerun()


def care_teams_section() -> None:
    st.caption("Find a patient by their full MRN (exact match through the keyed index). You see the care team only, "
               "not the chart.")
    mrn = st.text_input("MRN", key="nm_ad_mrn", placeholder="e.g. NM-100001")
    if not mrn.strip():
        return
    team = svc.admin.view(me, AdminSection.CARE_TEAMS, mrn=mrn)
    if team.care_team is None:
        return
    st.markdown(f"Patient id **{team.care_team.patient_id}**: {len(team.care_team.members)} care-team member(s).")
    chosen = care_team_editor(team.care_team, team.accounts)
    if chosen is not None:
        svc.users.set_care_team(me, team.care_team.patient_id, chosen)
        flash(f"Care team of patient {team.care_team.patient_id} saved ({len(chosen)} members).")
        st.rerun()


def audit_section() -> None:
    filters_box = st.container()
    view = svc.admin.view(me, AdminSection.AUDIT_LOG, audit_filter=audit_filter_chosen(ctx.today))
    with filters_box:
        filters = audit_filters(view.audit_actions, view.accounts, ctx.today)
    st.caption(f"{len(view.audit_entries)} most recent matching events (newest first; at most 200 shown, export "
               "for more).")
    st.dataframe(audit_table(view.audit_entries), hide_index=True, width="stretch", key="nm_ad_audit")
    c1, c2 = st.columns(2)
    if c1.button("Verify the hash chain", icon=":material/link:", key="nm_ad_verify"):
        result = svc.audit.verify(me)
        (st.success if result.ok else st.error)(result.describe().capitalize() + ".")
    if c2.button("Prepare CSV export", icon=":material/download:", key="nm_ad_audit_export"):
        st.session_state[AUDIT_CSV] = svc.admin.audit_csv(me, where=filters)
    if st.session_state.get(AUDIT_CSV):
        st.download_button("Download audit log (CSV)", st.session_state[AUDIT_CSV], "novamind_audit.csv",
                           "text/csv", key="nm_ad_audit_download", icon=":material/download:")


def keys_section() -> None:
    if st.button("Check key status", icon=":material/key:", key="nm_ad_key_check") or \
            st.session_state.get(KEY_STATUS) is None:
        with st.spinner("Checking every encrypted value…"):
            st.session_state[KEY_STATUS] = svc.admin.view(me, AdminSection.KEYS).key_status
    status: KeyRotationStatus = st.session_state[KEY_STATUS]
    key_status_view(status)
    if st.button("Rotate to the newest key now", type="primary", disabled=status.complete, key="nm_ad_rotate",
                 icon=":material/autorenew:", help="Re-encrypts in batches; resumable; the app stays usable."):
        bar = st.progress(0.0, text="Rotating…")
        done = {"rows": 0}
        total = max(sum(t.values for t in status.tables), 1)

        def on_batch(table: str, rows: int) -> None:
            done["rows"] += rows
            bar.progress(min(done["rows"] / total, 1.0), text=f"{table}: {done['rows']:,} rows re-encrypted")

        report = svc.keys.rotate(me, on_batch=on_batch)
        bar.progress(1.0, text="Done.")
        st.session_state[KEY_STATUS] = None
        flash(f"Rotation complete: {report.values_rotated:,} values re-encrypted, "
              f"{report.values_already_current:,} already current.")
        st.rerun()


def models_section() -> None:
    models = svc.admin.view(me, AdminSection.MODELS).models
    if not models:
        st.info("No models in the registry. Train them with `python -m novamind_core train`.", icon=":material/info:")
        return
    bad = [m for m in models if not m.checksum_ok]
    if bad:
        st.error(f"{len(bad)} model version(s) fail their checksum and will not load: retrain or restore them.",
                 icon=":material/gpp_bad:")
    st.dataframe(models_table(models), hide_index=True, width="stretch", key="nm_ad_models")


def health_section() -> None:
    health = svc.admin.view(me, AdminSection.HEALTH).health
    if health is not None:
        health_view(health)


with error_boundary("admin " + section):
    {AdminSection.USERS: users_section, AdminSection.CARE_TEAMS: care_teams_section,
     AdminSection.AUDIT_LOG: audit_section, AdminSection.KEYS: keys_section, AdminSection.MODELS: models_section,
     AdminSection.HEALTH: health_section}[SECTIONS[section]]()
