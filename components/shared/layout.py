"""App frame: page CSS, the header (who, role, selected patient), the sidebar user box and the disclaimer footer."""

from __future__ import annotations

import html

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from components.shared.session import StateKeys
from components.shared.text import plain
from components.shared.theme import DISCLAIMER
from novamind_core.domain.users import User

ROLE_LABELS = {"clinician": "Clinician", "clinic_lead": "Clinic lead",
               "analyst": "Analyst (pseudonymised data)", "admin": "Administrator"}

_CSS = """
<style>
  .block-container {padding-top: 2.2rem; padding-bottom: 3.5rem; padding-left: 1.5rem; padding-right: 1.5rem;}
  .nm-footer {position: fixed; left: 0; right: 0; bottom: 0; z-index: 999; background: #f3f6fa;
              border-top: 1px solid #dde3ea; color: #37474f; font-size: 0.8rem; padding: 4px 16px;
              text-align: center;}
  .nm-header {display: flex; gap: 1.2rem; align-items: center; color: #37474f; font-size: 0.9rem;
              border-bottom: 1px solid #e3e8ee; padding-bottom: 6px; margin-bottom: 10px;}
  .nm-header b {color: #1a2733;}
  .nm-chip {display: inline-block; margin: 1px 2px; font-size: 0.85rem;}
  .nm-banner-name {font-size: 1.45rem; font-weight: 600; color: #1a2733;}
  .nm-muted {color: #546e7a; font-size: 0.88rem;}
</style>
"""


def inject_css() -> None:
    st.markdown(_CSS, unsafe_allow_html=True)


def render_header(user: User) -> None:
    """One line above every page: signed-in user, role and the selected patient (or none)."""
    label = st.session_state.get(StateKeys.SELECTED_PATIENT_LABEL)
    patient = f"Patient: <b>{plain(label)}</b>" if label else "No patient selected"
    if user.role.value not in ("clinician", "clinic_lead"):
        patient = "Pseudonymised data only" if user.role.value == "analyst" else "No patient data"
    st.markdown(
        f'<div class="nm-header"><span>Signed in as <b>{plain(user.display_name)}</b></span>'
        f'<span>Role: <b>{html.escape(ROLE_LABELS.get(user.role.value, user.role.value))}</b></span>'
        f"<span>{patient}</span></div>",
        unsafe_allow_html=True,  # text-safe: the patient label went through plain() above
    )


def header_slot(user: User) -> DeltaGenerator:
    """Draw the header into a slot and return the slot, for :func:`redraw_header` after the page has run."""
    slot = st.empty()
    with slot.container():
        render_header(user)
    return slot


def redraw_header(slot: DeltaGenerator, user: User) -> None:
    """Draw the header again in its slot once the page has run: on the first run of a chart opened from a ``?p=``
    link (a reload, a link in a new tab) the page's banner resolves the patient while the page runs, after the header
    was first drawn, and the header would otherwise say "No patient selected" next to a banner naming the patient."""
    with slot.container():
        render_header(user)


def render_footer() -> None:
    """The disclaimer, fixed at the bottom of every screen (docs/ux.md §3)."""
    st.markdown(f'<div class="nm-footer">{html.escape(DISCLAIMER)}</div>', unsafe_allow_html=True)
