"""Kiosk mode: a clinician hands a clinic tablet to one patient to answer their questionnaires.

``start_kiosk_button(services, user, patient_id)`` goes on the chart. It asks which questionnaires, then calls
``services.reporting.start_kiosk`` (a short-lived request for this patient, no date-of-birth step: the clinician
handed the tablet over), keeps the kiosk token in this tab's session (never in the address), and reruns. The router
(components/questionnaire/routing.py) then signs the clinician out in this browser with the app's own sign-out
(audited; the sign-in cookie is deleted, so a reload cannot return to the clinician's account) and shows only the
questionnaire page. The kiosk ends on "please hand the tablet back", whose only way on is the staff sign-in form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import streamlit as st

from components.questionnaire.state import start_visit
from components.shared.text import plain
from novamind_core.domain.errors import NovamindError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.reporting import REPORTABLE_INSTRUMENTS
from novamind_core.domain.users import User

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

KIOSK_HELP = ("Hand this device to the patient to answer their questionnaires now. You will be signed out on this "
              "device; the patient sees only these questionnaires, then is asked to hand the device back.")


def start_kiosk(services: Services, user: User, patient_id: int, instruments: Sequence[Instrument]) -> None:
    """Start a kiosk request and turn this browser tab over to it (the next run signs the clinician out)."""
    created = services.reporting.start_kiosk(user, patient_id, tuple(instruments))
    start_visit(created.token)
    st.rerun()


def start_kiosk_button(services: Services, user: User, patient_id: int,
                       instruments: Sequence[Instrument] | None = None) -> None:
    """The chart's "Kiosk" control: choose questionnaires (default ``instruments``, else PHQ-9), confirm, start."""
    default = [i for i in (instruments or (Instrument.PHQ9,)) if i in REPORTABLE_INSTRUMENTS] or [Instrument.PHQ9]
    with st.popover("Hand to patient (kiosk)", icon=":material/tablet:", help=KIOSK_HELP):
        chosen = st.multiselect("Questionnaires", list(REPORTABLE_INSTRUMENTS), default=default,
                                format_func=lambda i: i.value, key=f"nm_kiosk_instruments_{patient_id}")
        st.caption("You will be signed out on this device. Sign in again when the patient hands it back.")
        if st.button("Start kiosk and sign me out", key=f"nm_kiosk_start_{patient_id}", type="primary",
                     disabled=not chosen):
            try:
                start_kiosk(services, user, patient_id, chosen)
            except NovamindError as exc:
                st.error(f"The kiosk could not start: {plain(exc)}", icon=":material/error:")
