"""The caseload's audited download: "Prepare CSV" asks ``services.charts.caseload_csv`` (EXPORT_PHI check, one audit
event), then offers the file. The table's own toolbar download is switched off (``client.disableDataExport`` in
``.streamlit/config.toml``), so this is the only way a caseload leaves the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from components.shared.choices import CaseloadControls
from novamind_core.domain.errors import PermissionDenied
from novamind_core.domain.users import Permission, User, has_permission

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

_PREPARED = "nm_cl_export"


def caseload_export_block(services: Services, user: User, query: CaseloadControls) -> None:
    """A "Prepare CSV" button for the caseload as filtered and sorted now; the file is kept for this filter only."""
    if not has_permission(user.role, Permission.EXPORT_PHI):  # e.g. an admin on a care team: no export offered
        return
    key = repr(query)
    prepared = st.session_state.get(_PREPARED)
    if prepared is not None and prepared[0] != key:  # the filters changed: the old file no longer matches
        st.session_state.pop(_PREPARED, None)
        prepared = None
    left, right = st.columns([1, 3])
    if left.button("Prepare CSV", icon=":material/table:", key="nm_cl_export_btn",
                   help="Every patient matching the search and filters, as a spreadsheet file. The download is "
                        "recorded in the audit log."):
        try:
            export = services.charts.caseload_csv(
                user, search=query.search, sort=query.sort, descending=query.descending,
                severities=query.severities, only_alerts=query.only_alerts, only_overdue=query.only_overdue,
                only_questionnaires_overdue=query.only_questionnaires_overdue)
        except PermissionDenied:
            right.warning("Your role may not export patient lists.", icon=":material/lock:")
            return
        prepared = (key, export)
        st.session_state[_PREPARED] = prepared
    if prepared is not None:
        export = prepared[1]
        more = " (first rows only: narrow the filters for the rest)" if export.truncated else ""
        right.download_button(f"Download CSV ({export.n_patients} patients{more})", export.content, export.filename,
                              "text/csv", icon=":material/download:", on_click="ignore", key="nm_cl_export_dl")
