"""The patient in the address bar: ``?p=<opaque token>`` on every patient page, never the MRN.

The token is random per patient (``services.drafts.patient_link``) and means nothing outside this database;
resolving it (``services.drafts.resolve_link``) checks the care team. A reload or a link opened in a new tab is a new
browser session, so the address bar is what brings it back to the same patient: :func:`patient_from_url` reads it,
:func:`put_patient_in_url` writes it after the page's view call succeeded. Both remember their answer for the session,
so an ordinary rerun costs no database statement.
"""

from __future__ import annotations

import streamlit as st

from novamind_core.domain.errors import NotFoundError, PermissionDenied, ValidationError

LINK_PARAM = "p"
_IDS = "nm_link_ids"  # {token: patient id} resolved in this session
_TOKENS = "nm_link_tokens"  # {patient id: token}
LINK_REFUSED = ("This link is for a patient who is not on your care team, or it no longer exists. Choose a patient "
                "from your caseload.")


def patient_from_url() -> int | None:
    """The patient the address bar names (care team checked once per session), or None; a refused link is removed
    from the address bar with a plain message."""
    token = st.query_params.get(LINK_PARAM)
    if not token:
        return None
    known: dict[str, int] = st.session_state.setdefault(_IDS, {})
    if token in known:
        return known[token]
    from components.shared.session import current_user, get_services

    services = get_services()
    user = current_user(services)
    if user is None:
        return None
    try:
        patient_id = services.drafts.resolve_link(user, token)
    except (NotFoundError, PermissionDenied, ValidationError):
        del st.query_params[LINK_PARAM]
        st.error(LINK_REFUSED, icon=":material/lock:")
        return None
    known[token] = patient_id
    st.session_state.setdefault(_TOKENS, {})[patient_id] = token
    return patient_id


def link_token(patient_id: int) -> str | None:
    """The patient's link token (made on first use; remembered for the session)."""
    tokens: dict[int, str] = st.session_state.setdefault(_TOKENS, {})
    if patient_id not in tokens:
        from components.shared.session import current_user, get_services

        services = get_services()
        user = current_user(services)
        if user is None:
            return None
        try:
            tokens[patient_id] = services.drafts.patient_link(user, patient_id)
        except (NotFoundError, PermissionDenied):
            return None
        st.session_state.setdefault(_IDS, {})[tokens[patient_id]] = patient_id
    return tokens[patient_id]


def put_patient_in_url(patient_id: int) -> None:
    """Make the address bar a deep link to this patient's page (after the page's view call succeeded)."""
    token = link_token(patient_id)
    if token is not None and st.query_params.get(LINK_PARAM) != token:
        st.query_params[LINK_PARAM] = token
