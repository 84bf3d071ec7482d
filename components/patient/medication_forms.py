"""Start a medication from the drug catalogue, with the interaction check shown before anything is saved.

The drug is chosen from the catalogue (the twin's drugs, then the other agents it checks for interactions); another
name can be typed, and is refused with the catalogue's closest spelling unless "Record as not modelled" is ticked
(the twin then shows it as not modelled). "Start medication" asks the service; when the start has warnings (a second
antidepressant, a serotonergic combination, a dose above the usual maximum...) nothing is saved yet: the warnings are
shown with their sources and "Start after reviewing the warnings" saves it. An impossible dose (5,000 mg) is refused
under the dose field. The fields are kept as the user's draft and cleared only once the order is saved; a
double-click starts one order (submission token).

"Change or stop a medication" (:func:`medication_change_form`) keeps its reason the same way: typed, it is the
user's draft for this patient (a reload or a new tab puts it back), and it is cleared and its draft dropped once the
change is saved (:func:`change_saved`); a refused change keeps it.
"""

from __future__ import annotations

import contextlib
from datetime import date
from typing import TYPE_CHECKING

import streamlit as st

from components.patient.form_state import (
    Field,
    clear,
    draft_restored_notice,
    field_error,
    forget_prefetched,
    keep,
    mark_saved,
    payload,
    restore_once,
    second_click,
    set_errors,
    submission_token,
    wired,
)
from components.patient.visit_note import SAVE_ERRORS
from components.shared.choices import MedicationChange
from components.shared.forms import FREQUENCIES
from components.shared.text import plain
from components.shared.theme import format_date
from novamind_core.domain.errors import NovamindError
from novamind_core.domain.forms import FormName
from novamind_core.domain.medications import MedicationOrder
from novamind_core.domain.prescribing import DrugKnowledge, InteractionReviewRequired, StartCheck
from novamind_core.domain.users import User
from novamind_core.services.prescribing import knowledge_of, known_names

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

FORM = FormName.MEDICATION_START
CHANGE_FORM = FormName.MEDICATION_CHANGE
KNOWLEDGE_WORDS = {
    DrugKnowledge.MODELLED: "in the drug catalogue: simulated by the twin",
    DrugKnowledge.INTERACTIONS_ONLY: "checked for interactions; not simulated by the twin",
    DrugKnowledge.NOT_MODELLED: "not in the drug catalogue: refused unless recorded as not modelled",
}


def start_fields(patient_id: int, today: date) -> tuple[Field, ...]:
    return (Field("drug", f"nm_med_drug_{patient_id}", "text", None),
            Field("dose_mg", f"nm_med_dose_{patient_id}", "number", None),
            Field("frequency", f"nm_med_freq_{patient_id}", "text", "daily"),
            Field("start_date", f"nm_med_start_{patient_id}", "date", today),
            Field("reason", f"nm_med_reason_{patient_id}", "text", ""),
            Field("not_modelled", f"nm_med_unmodelled_{patient_id}", "bool", False))


def _review_key(patient_id: int) -> str:
    return f"nm_med_review_{patient_id}"


def _start(services: Services, user: User, patient_id: int, today: date, reviewed: bool) -> None:
    fields = start_fields(patient_id, today)
    values = payload(fields)
    state = st.session_state
    if second_click(FORM, patient_id, not values["drug"]):
        return  # the second click of a double-click, after the first one saved and cleared the form
    state.pop(_review_key(patient_id), None)
    if not values["drug"]:
        state[f"nm_form_errors_{FORM.value}_{patient_id}"] = {"drug": "Not saved: choose a drug."}
        return
    if values["dose_mg"] is None:
        state[f"nm_form_errors_{FORM.value}_{patient_id}"] = {"dose_mg": "Not saved: enter the dose in mg."}
        return
    try:
        order = services.medications.add(
            user, patient_id, values["drug"], values["dose_mg"], values["frequency"] or "daily",
            start_date=state.get(fields[3].key), reason=values["reason"] or None,
            not_modelled=bool(values["not_modelled"]), interactions_reviewed=reviewed,
            submission_token=submission_token(FORM, patient_id, values))
    except InteractionReviewRequired as exc:
        state[_review_key(patient_id)] = exc.check
        state.pop(f"nm_form_errors_{FORM.value}_{patient_id}", None)
        return
    except SAVE_ERRORS as exc:
        set_errors(FORM, patient_id, exc, "drug")
        return
    clear(FORM, patient_id, fields)
    mark_saved(FORM, patient_id)
    state[f"nm_med_message_{patient_id}"] = f"Started {order.describe()} from {format_date(order.start_date)}."


def _review(services: Services, user: User, patient_id: int, today: date, check: StartCheck) -> None:
    with st.container(border=True):
        st.markdown(f"**Interaction check before starting {plain(check.drug)} {check.dose_mg:g} mg** — nothing is "
                    "saved yet.")
        for w in check.warnings:
            show = st.error if w.severity in ("major", "contraindicated") else st.warning
            show(f"{w.severity.capitalize()}: {plain(w.message)}", icon=":material/warning:")
            if w.source:
                st.caption(f"Source: {plain(w.source)}")
        c1, c2 = st.columns(2)
        c1.button("Start after reviewing the warnings", type="primary", key=f"nm_med_reviewed_{patient_id}",
                  on_click=_start, args=(services, user, patient_id, today, True), icon=":material/fact_check:")
        c2.button("Do not start", key=f"nm_med_cancel_{patient_id}",
                  on_click=lambda: st.session_state.pop(_review_key(patient_id), None))


def medication_start_form(services: Services, user: User, patient_id: int, today: date) -> None:
    fields = start_fields(patient_id, today)
    restore_once(services, user, patient_id, FORM, fields)
    keep_args = (services, user, patient_id, FORM, fields)
    with st.container(border=True):
        st.markdown("**Start a medication**")
        draft_restored_notice(FORM, patient_id)
        c1, c2, c3 = st.columns([2, 1, 1.3])
        with c1:
            drug = st.selectbox("Drug", list(known_names()), index=None, accept_new_options=True,
                                placeholder="Choose from the catalogue or type a name", **wired(fields[0], keep_args))
            if drug:
                with contextlib.suppress(ValueError):  # a malformed name: the service names it on saving
                    st.caption(KNOWLEDGE_WORDS[knowledge_of(drug)[1]])
            field_error(FORM, patient_id, "drug")
        with c2:
            st.number_input("Dose (mg)", min_value=0.0, step=5.0, **wired(fields[1], keep_args),
                            help="Per dose, in mg; above 0 and at most 3,000 mg.")
            field_error(FORM, patient_id, "dose_mg")
        c3.selectbox("Frequency", FREQUENCIES, **wired(fields[2], keep_args))
        d1, d2 = st.columns([1, 2])
        with d1:
            st.date_input("Start date", format="DD/MM/YYYY", **wired(fields[3], keep_args),
                          help="Today or earlier.")
            field_error(FORM, patient_id, "start_date")
        d2.text_input("Reason (optional)", placeholder="e.g. first episode, moderate severity",
                      **wired(fields[4], keep_args))
        st.checkbox("Record as not modelled (a drug outside the catalogue; the twin shows it as not modelled)",
                    **wired(fields[5], keep_args))
        field_error(FORM, patient_id, "reason", "frequency", "submission_token")
        st.button("Start medication", type="primary", icon=":material/medication:",
                  key=f"nm_med_start_btn_{patient_id}", on_click=_start,
                  args=(services, user, patient_id, today, False))
        check = st.session_state.get(_review_key(patient_id))
        if isinstance(check, StartCheck):
            _review(services, user, patient_id, today, check)
        message = st.session_state.pop(f"nm_med_message_{patient_id}", None)
        if message:
            st.success(plain(message), icon=":material/check_circle:")


def change_fields(patient_id: int) -> tuple[Field, ...]:
    """The change form's fields kept as a draft: the reason (the medication, action, dose and date are quick picks,
    and the order picked may be gone by the time the draft comes back)."""
    return (Field("reason", f"nm_med_change_reason_{patient_id}", "text", ""),)


def _change_saved_key(patient_id: int) -> str:
    return f"nm_med_change_saved_{patient_id}"


def change_saved(services: Services, user: User, patient_id: int) -> None:
    """After the page saved the change: drop the reason's draft now and clear the field on the next run (before
    its widget is drawn)."""
    with contextlib.suppress(NovamindError, ValueError):
        services.drafts.discard(user, patient_id, CHANGE_FORM)
        forget_prefetched(user, patient_id, CHANGE_FORM)
    st.session_state[_change_saved_key(patient_id)] = True


def medication_change_form(services: Services, user: User, patient_id: int, active: list[MedicationOrder],
                           today: date) -> MedicationChange | None:
    """Titrate or stop an active order; a reason is required for both (the service enforces it too). The reason is
    kept as the user's draft (not an ``st.form``: a form's fields take no ``on_change``, so nothing would be kept
    before "Save change")."""
    if not active:
        return None
    fields = change_fields(patient_id)
    if st.session_state.pop(_change_saved_key(patient_id), False):
        clear(CHANGE_FORM, patient_id, fields)
    restore_once(services, user, patient_id, CHANGE_FORM, fields)
    keep_args = (services, user, patient_id, CHANGE_FORM, fields)
    with st.container(border=True):
        st.markdown("**Change or stop a medication**")
        draft_restored_notice(CHANGE_FORM, patient_id)
        labels = {m.id: m.describe() for m in active}
        # The whole width: in a quarter column "sertraline 150 mg once daily" read "sertraline 15…".
        order_id = st.selectbox("Medication", list(labels), format_func=lambda i: labels[i],
                                key=f"nm_med_change_order_{patient_id}")
        c2, c3, c4 = st.columns([1.3, 1, 1.2])
        action = c2.radio("Action", ("Change dose", "Stop"), horizontal=True, key=f"nm_med_change_action_{patient_id}")
        new_dose = c3.number_input("New dose (mg)", min_value=0.0, value=None, step=5.0,
                                   key=f"nm_med_change_dose_{patient_id}",
                                   help="Above 0 and at most 3,000 mg; the service names a dose out of range.")
        on = c4.date_input("From", value=today, format="DD/MM/YYYY", key=f"nm_med_change_on_{patient_id}",
                           help="Today or earlier; a date in the future is refused, never changed.")
        reason = st.text_input("Reason *", placeholder="e.g. partial response at 4 weeks; side effects",
                               **wired(fields[0], keep_args))
        if st.button("Save change", type="primary", icon=":material/edit:", key=f"nm_med_change_btn_{patient_id}"):
            keep(*keep_args)  # typed and clicked at once: the reason is kept even if the save is refused
            return MedicationChange(order_id=order_id, stop=action == "Stop", new_dose_mg=new_dose, on=on,
                                    reason=reason)
    return None
