"""Admin: users (create, role, deactivate, reset password), care teams by MRN, the audit log (filter, verify the
chain, export), encryption-key rotation status and rotation, the model registry, and system health.

Recipe per section: controls -> one service call -> render. Only the chosen section runs, so opening the page does
not scan every key or checksum. Admins see staff accounts, ids and status objects, never a patient's PHI.
"""

from __future__ import annotations

import streamlit as st

from components.admin.widgets import (
    audit_filters,
    audit_table,
    care_team_editor,
    create_user_form,
    health_view,
    key_status_view,
    models_table,
    user_actions,
    users_table,
)
from components.shared.errors import error_boundary
from components.shared.session import flash, page_guard
from novamind_core.services.admin import audit_actions

ctx = page_guard("admin")
svc, me = ctx.services, ctx.user
SECTIONS = ("Users", "Care teams", "Audit log", "Encryption keys", "Models", "System health")
ACTION_DONE = {"set_role": "Role changed for", "reset_password": "Password reset for", "deactivate": "Deactivated",
               "reactivate": "Reactivated", "unlock": "Unlocked"}

st.title("Administration")
section = st.radio("Section", SECTIONS, horizontal=True, key="nm_ad_section", label_visibility="collapsed")


def users_section() -> None:
    accounts = svc.users.list(me)
    st.dataframe(users_table(accounts), hide_index=True, width="stretch", key="nm_ad_users")
    st.subheader("Change a user", anchor=False)
    chosen = user_actions(accounts)
    if chosen is not None:
        action, uid, value = chosen
        method = getattr(svc.users, action)
        account = method(me, uid, value) if value is not None else method(me, uid)
        flash(f"{ACTION_DONE[action]} {account.username}.")
        st.rerun()
    st.subheader("Create a user", anchor=False)
    values = create_user_form()
    if values is not None:
        account = svc.users.create(me, **values)
        flash(f"Created {account.username} ({account.role}). Give them the temporary password in person.")
        st.rerun()


def care_teams_section() -> None:
    st.caption("Find a patient by their full MRN (exact match through the keyed index). You see the care team only, "
               "not the chart.")
    mrn = st.text_input("MRN", key="nm_ad_mrn", placeholder="e.g. NM-100001")
    if not mrn.strip():
        return
    team = svc.admin.care_team_by_mrn(me, mrn)
    st.markdown(f"Patient id **{team.patient_id}**: {len(team.members)} care-team member(s).")
    chosen = care_team_editor(team, svc.users.list(me, include_inactive=False))
    if chosen is not None:
        svc.users.set_care_team(me, team.patient_id, chosen)
        flash(f"Care team of patient {team.patient_id} saved ({len(chosen)} members).")
        st.rerun()


def audit_section() -> None:
    filters = audit_filters(audit_actions(), svc.users.list(me), ctx.today)
    entries = svc.audit.query(me, limit=200, **filters)
    st.caption(f"{len(entries)} most recent matching events (newest first; at most 200 shown, export for more).")
    st.dataframe(audit_table(entries), hide_index=True, width="stretch", key="nm_ad_audit")
    c1, c2 = st.columns(2)
    if c1.button("Verify the hash chain", icon=":material/link:", key="nm_ad_verify"):
        result = svc.audit.verify(me)
        (st.success if result.ok else st.error)(result.describe().capitalize() + ".")
    if c2.button("Prepare CSV export", icon=":material/download:", key="nm_ad_audit_export"):
        st.session_state["nm_ad_audit_csv"] = svc.admin.audit_csv(me, **filters)
    if st.session_state.get("nm_ad_audit_csv"):
        st.download_button("Download audit log (CSV)", st.session_state["nm_ad_audit_csv"], "novamind_audit.csv",
                           "text/csv", key="nm_ad_audit_download", icon=":material/download:")


def keys_section() -> None:
    if st.button("Check key status", icon=":material/key:", key="nm_ad_key_check") or \
            st.session_state.get("nm_ad_key_status") is None:
        with st.spinner("Checking every encrypted value…"):
            st.session_state["nm_ad_key_status"] = svc.admin.key_status(me)
    status = st.session_state["nm_ad_key_status"]
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
        st.session_state["nm_ad_key_status"] = None
        flash(f"Rotation complete: {report.values_rotated:,} values re-encrypted, "
              f"{report.values_already_current:,} already current.")
        st.rerun()


def models_section() -> None:
    models = svc.admin.model_status(me)
    if not models:
        st.info("No models in the registry. Train them with `python -m novamind_core train`.", icon=":material/info:")
        return
    bad = [m for m in models if not m.checksum_ok]
    if bad:
        st.error(f"{len(bad)} model version(s) fail their checksum and will not load: retrain or restore them.",
                 icon=":material/gpp_bad:")
    st.dataframe(models_table(models), hide_index=True, width="stretch", key="nm_ad_models")


def health_section() -> None:
    health_view(svc.admin.health(me))


with error_boundary("admin " + section):
    {"Users": users_section, "Care teams": care_teams_section, "Audit log": audit_section,
     "Encryption keys": keys_section, "Models": models_section, "System health": health_section}[section]()
