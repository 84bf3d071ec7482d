"""Questionnaire: the page a patient reaches through a link (``/questionnaire?t=...``) or on a clinic kiosk.

No staff account: ``app.py`` routes here alone (components/questionnaire/routing.py), with no sidebar or navigation.
The link's token is moved into the session and cleared from the address on the first run
(components/questionnaire/state.py). Every check is the portal service's (``services.portal``: open, verify_dob,
submit, opt_out; rate limits, audit and the delivery log are there); this page only asks and shows. It is never told
anything about the patient, so it cannot show a name, a diagnosis or a record number.

Flow: date of birth (remote links) -> one question per screen with Back and Next -> review -> Send -> thank you. A
kiosk skips the date of birth and ends on "please hand the tablet back", whose only way on is a staff sign-in.
"""

from __future__ import annotations

import streamlit as st

from components.questionnaire import actions, screens
from components.questionnaire.routing import leave_for_staff_sign_in
from components.questionnaire.state import (
    PortalVisit,
    Stage,
    client_address,
    current_visit,
    end_visit,
    take_link_from_address,
)
from components.shared.session import _reached_without_router, get_services, stop_on_configuration_error
from novamind_core.domain.errors import ConfigurationError
from novamind_core.domain.reporting_views import REFUSAL_MESSAGE

st.set_page_config(page_title="Questionnaire", layout="centered", initial_sidebar_state="collapsed")
if _reached_without_router():  # the server's first request, routed by the pages/ folder: go through app.py
    take_link_from_address()
    st.switch_page("app.py")
try:
    services = get_services()
except ConfigurationError as exc:
    stop_on_configuration_error(exc)
portal = services.portal
client = client_address()
screens.style()
take_link_from_address()
visit = current_visit()


def staff_sign_in_offer(label: str = "Clinic staff sign-in") -> None:
    """A quiet way out for clinic staff (the normal sign-in form: a password is needed)."""
    if st.button(label, key="nm_pq_staff_exit", type="tertiary", icon=":material/login:"):
        end_visit()
        leave_for_staff_sign_in()


def submit(visit: PortalVisit) -> None:
    actions.send_answers(portal, visit, client)


if visit is None:
    screens.message_screen(screens.NO_LINK_MESSAGE, icon=":material/link:")
    staff_sign_in_offer()
    st.stop()

if visit.stage is Stage.NEW:
    if visit.purpose == "opt out":
        visit.stage = Stage.OPT_OUT
    else:
        actions.open_link(portal, visit, client)

if visit.stage is Stage.REFUSED:
    screens.message_screen(visit.refusal_message)
    staff_sign_in_offer()
elif visit.stage is Stage.LOCKED:
    screens.message_screen(screens.LOCKED_MESSAGE, icon=":material/lock:")
    staff_sign_in_offer()
elif visit.stage is Stage.DOB:
    fields = screens.dob_screen(visit, services.context.today())
    if fields is not None:
        actions.check_dob(portal, visit, client, fields)
        st.rerun()
elif visit.stage is Stage.QUESTIONS:
    screens.question_screen(visit, portal.crisis_text)
elif visit.stage is Stage.REVIEW:
    screens.review_screen(visit, portal.crisis_text, submit)
elif visit.stage is Stage.DONE:
    if screens.thanks_screen(visit):
        end_visit()
        leave_for_staff_sign_in()
elif visit.stage is Stage.OPT_OUT:
    if screens.opt_out_screen(services.settings.clinic_name):
        if portal.opt_out(visit.token, client):
            visit.stage = Stage.OPTED_OUT
        else:
            visit.refuse(REFUSAL_MESSAGE)
        st.rerun()
elif visit.stage is Stage.OPTED_OUT:
    screens.opted_out_screen()
