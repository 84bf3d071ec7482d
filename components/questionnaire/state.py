"""What one browser tab remembers while a patient answers, and reading the link out of the address exactly once.

The link's token arrives in the address (``/questionnaire?t=...``; ``?optout=...`` to stop messages; ``?k=...`` when a
kiosk was started from a link) and is moved into ``st.session_state`` on the session's first run; the address is
cleared in the same run, so the token does not stay in the browser's history or reach another site as a referrer.
Streamlit keeps session state on the server, per browser tab. A reload starts a new session with no token: the page
then asks the patient to open the link from their message again (the link stays valid until it is submitted or
expires; the date of birth is asked again). No handle is put back into the address instead, because any such handle
would again be a credential in the history (docs/reporting.md, "The patient's side").

The answers live here too (not only in the radio widgets, whose state Streamlit drops when a question leaves the
screen), so nothing chosen is lost on a rerun or when the patient goes back a question.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import streamlit as st

from components.shared.session import StateKeys
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.reporting import patient_item_count
from novamind_core.domain.reporting_views import PortalRequest, Submission

#: Address parameters that carry a link token, and what each link is for.
LINK_PARAMETERS: dict[str, str] = {"t": "answer", "k": "answer", "optout": "opt out"}


class Stage(str, Enum):
    """Where the patient is on the page."""

    NEW = "new"  # token read, link not yet checked
    NO_LINK = "no link"  # /questionnaire with no token in this session (a reload, or a typed address)
    REFUSED = "refused"  # the one friendly page (expired, used, tampered, unknown, locked, rate-limited)
    DOB = "date of birth"
    LOCKED = "locked"  # too many wrong dates of birth: the clinic has been told
    QUESTIONS = "questions"
    REVIEW = "review"
    DONE = "done"
    OPT_OUT = "opt out"
    OPTED_OUT = "opted out"


class PortalKeys:
    """``st.session_state`` keys of the patient's side (the staff keys are in :class:`StateKeys`)."""

    VISIT = "nm_portal_visit"
    ENDED = "nm_portal_ended"  # a kiosk visit was handed back to staff: the address no longer means "patient page"


@dataclass
class PortalVisit:
    """One patient's visit to the page in this browser tab (mutable: it lives only in ``st.session_state``).

    ``token`` is the link's secret; it never reaches the address again, a log or the screen.
    """

    token: str = field(repr=False)
    purpose: str = "answer"  # "answer" or "opt out"
    stage: Stage = Stage.NEW
    request: PortalRequest | None = None
    refusal_message: str = ""
    answers: dict[Instrument, list[int | None]] = field(default_factory=dict)
    position: int = 0  # index into :attr:`screens`
    dob_message: str = ""
    session_proof: str | None = field(default=None, repr=False)  # from the date-of-birth check; sent with the answers
    submission: Submission | None = None
    submitting: bool = False

    @property
    def kiosk(self) -> bool:
        return self.request is not None and self.request.kiosk

    def asked(self, instrument: Instrument) -> int:
        """How many questions of ``instrument`` the patient is asked now: PHQ-9 item 10 joins the nine once any of
        them is answered above 0 (:func:`~novamind_core.domain.reporting.patient_item_count`)."""
        return patient_item_count(instrument, self.answers.get(instrument, ()))

    @property
    def screens(self) -> list[tuple[Instrument, int]]:
        """One screen per question: (instrument, item number from 1), in the request's order. An item that joins
        (PHQ-9 item 10) comes after its instrument's others, so the screens before it never move."""
        if self.request is None:
            return []
        return [(i, n) for i in self.request.instruments for n in range(1, self.asked(i) + 1)]

    @property
    def progress(self) -> tuple[int, int]:
        """(this question's number, questions) across every questionnaire of the visit, so the bar is full on the
        last question of the last questionnaire, not on each questionnaire's last (PHQ-9 item 10 joins the count
        once asked)."""
        total = len(self.screens)
        return (min(self.position + 1, total), max(total, 1))

    def begin(self, request: PortalRequest) -> None:
        """The link was accepted: keep what the page may show and prepare empty answers (a place for every item,
        the unscored ones too; only the asked ones are shown and sent)."""
        self.request = request
        self.answers = {i: self.answers.get(i) or [None] * len(i.spec.all_items) for i in request.instruments}
        self.stage = Stage.DOB if request.needs_dob else Stage.QUESTIONS

    def refuse(self, message: str) -> None:
        self.stage = Stage.REFUSED
        self.refusal_message = message
        self.answers = {}

    def complete_answers(self) -> dict[Instrument, list[int]]:
        """Every instrument's answers to the questions asked (the page submits only when none is missing): an item
        10 chosen before the patient went back and set all nine to "Not at all" is no longer asked, nor sent."""
        return {i: [int(a) for a in items[:self.asked(i)] if a is not None] for i, items in self.answers.items()}

    @property
    def all_answered(self) -> bool:
        return bool(self.answers) and all(a is not None for i, items in self.answers.items()
                                          for a in items[:self.asked(i)])


def current_visit() -> PortalVisit | None:
    visit = st.session_state.get(PortalKeys.VISIT)
    return visit if isinstance(visit, PortalVisit) else None


def start_visit(token: str, purpose: str = "answer") -> PortalVisit:
    """Begin a visit with ``token`` (a link from the address, or a kiosk token handed over by the chart)."""
    visit = PortalVisit(token=token, purpose=purpose)
    st.session_state[PortalKeys.VISIT] = visit
    st.session_state[PortalKeys.ENDED] = False
    return visit


def end_visit() -> None:
    """Forget the visit (token and answers): a kiosk handed back to staff, who must sign in with a password."""
    st.session_state.pop(PortalKeys.VISIT, None)
    st.session_state[PortalKeys.ENDED] = True


def take_link_from_address() -> bool:
    """If the address carries a link token, start a visit with it and clear the address; True when it did.

    Idempotent: after the first call the address is empty. A second link opened in the same tab replaces the first.
    The remembered deep link (``StateKeys.DEEP_LINK``, which copied the address on the first run) is dropped too.
    """
    params = st.query_params.to_dict()
    found = next(((name, params[name]) for name in LINK_PARAMETERS if params.get(name)), None)
    if found is None:
        return False
    name, token = found
    st.query_params.clear()
    st.session_state[StateKeys.DEEP_LINK] = None
    start_visit(str(token), LINK_PARAMETERS[name])
    return True


def client_address() -> str:
    """The client's network address as the server saw it (rate limits count per address), or "unknown"."""
    try:
        address = st.context.ip_address
    except Exception:  # no browser behind this run
        return "unknown"
    return address if isinstance(address, str) and address else "unknown"
