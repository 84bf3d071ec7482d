"""What the page asks of the portal service, and how each answer moves the patient's visit on.

Kept apart from the screens so the rules (send once; a wrong date of birth says how many tries are left; any refusal
becomes the one friendly page) are plain functions over :class:`PortalVisit` and a portal, testable without a browser.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol

from components.questionnaire.state import PortalVisit, Stage
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.reporting_views import DobCheck, PortalRefusal, PortalView, Submission


class Portal(Protocol):
    """The part of ``services.portal`` (PortalService) this page uses."""

    def open(self, token: str, client: str) -> PortalView: ...

    def verify_dob(self, token: str, dob: date, client: str) -> DobCheck: ...

    def submit(self, token: str, answers: Mapping[Instrument, Sequence[int]], client: str,
               session_proof: str | None = None) -> Submission: ...


def open_link(portal: Portal, visit: PortalVisit, client: str) -> None:
    """Check the link once per visit: the questions (or the date of birth first), or the friendly refusal."""
    view = portal.open(visit.token, client)
    if isinstance(view, PortalRefusal):
        visit.refuse(view.message)
    else:
        visit.begin(view)


def check_dob(portal: Portal, visit: PortalVisit, client: str,
              fields: tuple[int | None, int | None, int | None]) -> None:
    """Confirm the date of birth from the three fields; a wrong one says so plainly, with the tries left."""
    day, month, year = fields
    if day is None or month is None or year is None:
        visit.dob_message = "Please fill in the day, the month and the year."
        return
    try:
        born = date(year, month, day)
    except ValueError:
        visit.dob_message = "That date does not exist. Please check the day and the month."
        return
    check = portal.verify_dob(visit.token, born, client)
    if check.locked:  # this answer was the last try: say that the clinic has been told
        visit.stage = Stage.LOCKED
        visit.answers = {}
    elif check.refusal is not None:
        visit.refuse(check.refusal.message)
    elif check.ok:
        visit.dob_message = ""
        visit.session_proof = check.session_proof
        visit.stage = Stage.QUESTIONS
    else:
        tries = f"{check.tries_left} {'try' if check.tries_left == 1 else 'tries'}"
        visit.dob_message = ("That date of birth does not match our records. Please check it and try again. "
                             f"You have {tries} left.")


def send_answers(portal: Portal, visit: PortalVisit, client: str) -> None:
    """Send the answers once: a second click (a double tap, a stale screen) does nothing."""
    if visit.submitting or visit.submission is not None or not visit.all_answered:
        return
    visit.submitting = True
    try:
        result = portal.submit(visit.token, visit.complete_answers(), client, visit.session_proof)
    finally:
        visit.submitting = False
    if result.refusal is not None:
        visit.refuse(result.refusal.message)
        return
    visit.submission = result
    visit.stage = Stage.DONE
