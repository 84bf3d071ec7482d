"""Patient page (AppTest): chart for the right patient, deep links, RBAC by URL and by session-state tampering,
assessment entry updating the chart, validation messages, alert acknowledgement."""

from __future__ import annotations

import json
from datetime import timedelta


def trajectory(at) -> dict:  # type: ignore[no-untyped-def]
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def phq9_points(at) -> list:  # type: ignore[no-untyped-def]
    trace = next(t for t in trajectory(at)["data"] if t.get("name") == "PHQ-9")
    return list(trace["y"])


def open_chart(app_as, username: str, patient_id: int | None = None, tab: str | None = None,  # type: ignore[no-untyped-def]
               **query: str):
    """The chart page run once; ``tab`` opens that tab first (as a click on it does)."""
    at = app_as("patient", username, **query)
    if patient_id is not None:
        at.session_state["nm_selected_patient_id"] = patient_id
    if tab is not None:
        at.session_state["nm_chart_tab"] = tab
    at.run()
    return at


def test_patient_page_shows_the_selected_patients_chart_and_trajectory(seeded, app_as, page_text):
    _, cohort = seeded
    at = open_chart(app_as, "demo.clinician", cohort.responder_id)
    assert not at.exception
    shown = page_text(at)
    assert "Synthia Testcase" in shown and "NM-100001" in shown
    assert "PHQ-9 fell from 18 to 8 over 9 weeks on sertraline, now 100 mg: response, not yet remission." in shown
    assert phq9_points(at) == [18, 17, 15, 13, 12, 11, 10, 9, 8, 8]
    assert "mrn" not in at.query_params  # the address bar names the chart by an opaque token, never the MRN
    token = at.query_params["p"]
    assert "NM-" not in str(token) and str(cohort.responder_id) != str(token).strip("[]'")


def test_deep_link_by_mrn_opens_that_patient(seeded, app_as, page_text):
    _, cohort = seeded
    at = open_chart(app_as, "demo.clinician", mrn="NM-100003")
    assert "Pat Partialis" in page_text(at)
    assert at.session_state["nm_selected_patient_id"] == cohort.switched_id


def test_clinician_cannot_open_another_teams_patient_by_url(seeded, app_as, page_text):
    at = open_chart(app_as, "demo.clinician", mrn="NM-900001")
    shown = page_text(at)
    assert "No patient with this MRN is on your care team." in shown
    assert "Hidden Otherteam" not in shown
    assert not at.get("plotly_chart")


def test_clinician_cannot_open_another_teams_patient_by_tampering_with_session_state(seeded, app_as, page_text):
    services, cohort = seeded
    at = open_chart(app_as, "demo.clinician", cohort.other_patient_id)
    shown = page_text(at)
    assert "This patient is not on your care team" in shown
    assert "Hidden Otherteam" not in shown and "NM-900001" not in shown
    assert not at.get("plotly_chart")
    assert at.session_state["nm_selected_patient_id"] is None
    from novamind_core.services.base import SYSTEM_USER

    denied = services.audit.query(SYSTEM_USER, patient_id=cohort.other_patient_id, outcome="denied")
    assert denied, "the refused read is audited"


def test_analyst_sees_no_patient_page(seeded, app_as, page_text):
    _, cohort = seeded
    at = open_chart(app_as, "demo.analyst", cohort.responder_id)
    shown = page_text(at)
    assert "This page is not available for your role" in shown
    assert "Synthia Testcase" not in shown


def test_no_selected_patient_points_to_the_caseload(seeded, app_as, page_text):
    at = open_chart(app_as, "demo.clinician")
    assert "No patient selected" in page_text(at)


def answer_phq9(at, answers):  # type: ignore[no-untyped-def]
    for item, value in enumerate(answers, start=1):
        at.radio(key=f"nm_q_PHQ9_{item}").set_value(value)
    return at.run()


def test_live_total_and_severity_update_as_items_are_answered(seeded, app_as, page_text):
    _, cohort = seeded
    at = open_chart(app_as, "demo.clinician", cohort.switched_id)
    at.radio(key="nm_q_PHQ9_1").set_value(2).run()
    assert "2 so far · 1 of 9 answered" in page_text(at)
    answer_phq9(at, [2, 2, 2, 2, 1, 1, 1, 1, 0])
    assert "Total 12 of 27 · Moderate depression" in page_text(at)


def test_saving_a_phq9_after_confirmation_adds_the_point_to_the_chart(seeded, app_as, page_text):
    _, cohort = seeded
    at = open_chart(app_as, "demo.clinician", cohort.responder_id)
    before = phq9_points(at)
    answer_phq9(at, [1, 1, 1, 1, 1, 1, 0, 0, 0])
    at.button(key="nm_q_PHQ9_review").click().run()
    assert "Save PHQ-9 administered" in page_text(at)
    assert phq9_points(at) == before  # nothing is saved before confirmation
    at.button(key="nm_q_PHQ9_confirm").click().run()
    assert not at.exception
    assert phq9_points(at) == [*before, 6]
    assert any("Saved PHQ-9 6 (mild)" in s.value for s in at.success)


def test_a_phq9_with_item_nine_warns_before_saving_and_raises_an_alert(seeded, app_as, page_text):
    services, cohort = seeded
    at = open_chart(app_as, "demo.clinician", cohort.new_patient_id)
    answer_phq9(at, [1, 1, 1, 1, 1, 1, 1, 1, 2])
    assert "Item 9 (thoughts of self-harm) answered 2" in page_text(at)
    at.button(key="nm_q_PHQ9_review").click().run()
    at.button(key="nm_q_PHQ9_confirm").click().run()
    assert any("Alerts raised: Self-harm item: PHQ-9 item 9" in s.value for s in at.success)  # in words
    user = services.users.get_by_username("demo.clinician")
    alerts = services.alerts.list_for_patient(user, cohort.new_patient_id)
    assert any(a.kind.value == "item9" and a.open for a in alerts)


def test_acknowledging_an_alert_records_who_and_greys_it(seeded, app_as, page_text):
    services, cohort = seeded
    user = services.users.get_by_username("demo.clinician")
    item9 = next(a for a in services.alerts.list_for_patient(user, cohort.item9_id) if a.kind.value == "item9")
    # a worsening alert: an item-9 alert has no one-click path (tests/app/test_risk_review_form.py)
    yesterday = services.context.today() - timedelta(days=1)
    services.assessments.record(user, cohort.item9_id, "ISI", [0] * 7, administered_on=yesterday)
    services.assessments.record(user, cohort.item9_id, "ISI", [4] * 7)
    alert = next(a for a in services.alerts.list_for_patient(user, cohort.item9_id)
                 if a.kind.value == "worsening" and a.open)
    at = open_chart(app_as, "demo.clinician", cohort.item9_id)
    assert not any(b.key == f"nm_ack_{item9.id}" for b in at.button)
    at.button(key=f"nm_ack_{alert.id}").click().run()
    assert not at.exception
    after = next(a for a in services.alerts.list_for_patient(user, cohort.item9_id) if a.id == alert.id)
    assert after.acknowledged_by == cohort.clinician_id and after.acknowledged_at is not None
    assert "acknowledged by Dr Ada Lovelace" in page_text(at)


def test_a_dose_change_without_a_reason_is_refused_with_a_message(seeded, app_as):
    services, cohort = seeded
    at = open_chart(app_as, "demo.clinician", cohort.switched_id)
    form_number = next(i for i, n in enumerate(at.number_input) if n.label == "New dose (mg)")
    at.number_input[form_number].set_value(20)
    next(b for b in at.button if b.label == "Save change").click().run()
    assert any("a reason is required" in e.value for e in at.error)
    user = services.users.get_by_username("demo.clinician")
    assert [m.dose_mg for m in services.medications.active(user, cohort.switched_id)] == [10.0]


def test_a_note_is_saved_and_an_edit_keeps_the_earlier_version(seeded, app_as, page_text):
    services, cohort = seeded
    at = open_chart(app_as, "demo.clinician", cohort.switched_id)
    next(t for t in at.text_area if t.label == "Note").input("Tolerating vortioxetine; sleep better.")
    next(b for b in at.button if b.label == "Save note").click().run()
    user = services.users.get_by_username("demo.clinician")
    note = services.notes.list(user, cohort.switched_id)[0]
    at.text_area(key=f"nm_note_text_{note.id}").input("Tolerating vortioxetine; sleep much better.")
    next(b for b in at.button if b.label == "Save edit").click().run()
    note = services.notes.list(user, cohort.switched_id)[0]
    assert [r.text for r in note.revisions] == ["Tolerating vortioxetine; sleep better.",
                                                "Tolerating vortioxetine; sleep much better."]
    assert "Revision 1 by Dr Ada Lovelace" in page_text(at)


def test_preparing_a_csv_export_is_audited_and_offers_the_download(seeded, app_as):
    services, cohort = seeded
    from novamind_core.services.base import SYSTEM_USER

    def exports() -> list:
        return [r for r in services.audit.query(SYSTEM_USER, patient_id=cohort.responder_id)
                if r.action == "export.csv"]

    before = len(exports())
    at = open_chart(app_as, "demo.clinician", cohort.responder_id, tab="Export")
    assert not at.get("download_button") or all("CSV" not in b.proto.label for b in at.get("download_button"))
    next(b for b in at.button if b.label == "Prepare CSV").click().run()
    assert not at.exception
    assert len(exports()) == before + 1
    assert any("Download CSV" in b.proto.label for b in at.get("download_button"))


def test_a_chart_with_several_notes_shows_each_with_its_own_edit_form(seeded, app_as, page_text):
    services, cohort = seeded
    user = services.users.get_by_username("demo.clinician")
    pid = cohort.item9_id
    for text in ("First review: low mood persists.", "Second review: sleeping better."):
        services.notes.add(user, pid, text)
    at = open_chart(app_as, "demo.clinician", pid)
    shown = page_text(at)
    assert not at.exception and "incident id" not in shown
    assert len([b for b in at.button if b.label == "Save edit"]) >= 2


def test_the_wearables_tab_comes_with_the_chart_and_its_window_is_read_before_the_one_audited_view(
        seeded, app_as, page_text):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    import numpy as np
    from sqlalchemy import text

    services, cohort = seeded
    clinician = services.users.get_by_username("demo.clinician")
    services.wearables.store_minute_activity(clinician, cohort.new_patient_id,
                                             services.context.today() - timedelta(days=39), np.full((40, 1440), 50.0))
    at = open_chart(app_as, "demo.clinician", cohort.new_patient_id, tab="Wearables")
    assert not at.exception and "Wear time" in page_text(at) and "(28 days recorded)" in page_text(at)
    with services.engine.connect() as conn:
        last = int(conn.execute(text("SELECT max(id) FROM audit_log")).scalar_one())
    next(w for w in at.segmented_control if w.label == "Window").set_value(14).run()
    assert not at.exception and "(14 days recorded)" in page_text(at)
    with services.engine.connect() as conn:
        rows = list(conn.execute(text("SELECT action, detail FROM audit_log WHERE id > :i"), {"i": last}))
    assert [r.action for r in rows] == ["chart.view"] and "wearables window=14 minute days=14" in rows[0].detail


def test_a_chart_opens_with_the_trajectory_alone_and_draws_a_heavy_tab_when_it_is_opened(seeded, app_as, page_text):  # type: ignore[no-untyped-def]
    services, cohort = seeded
    at = open_chart(app_as, "demo.clinician", cohort.responder_id)
    assert not at.exception
    assert [c.proto.id for c in at.get("plotly_chart")] and len(at.get("plotly_chart")) == 1, "the trajectory only"
    assert "Every dated event on this chart" not in page_text(at)
    at.session_state["nm_chart_tab"] = "Timeline"
    at.run()
    assert not at.exception and len(at.get("plotly_chart")) == 2
    assert "Every dated event on this chart" in page_text(at)



def framed_chart_script() -> None:
    """The app's frame around the chart page (app.py's order): the header's slot, the page, the header redrawn."""
    import runpy
    from pathlib import Path

    import components
    from components.shared.layout import header_slot, redraw_header
    from components.shared.session import current_user, get_services

    user = current_user(get_services())
    slot = header_slot(user)
    runpy.run_path(str(Path(components.__file__).resolve().parents[1] / "pages" / "patient.py"), run_name="__main__")
    redraw_header(slot, user)


def test_the_header_names_the_patient_of_a_chart_opened_from_a_link_on_its_first_run(seeded, app_as):
    from streamlit.testing.v1 import AppTest

    services, cohort = seeded
    token = services.drafts.patient_link(services.users.get_by_username("demo.clinician"), cohort.responder_id)
    at = AppTest.from_function(framed_chart_script, default_timeout=30)
    signed = app_as("patient", "demo.clinician", p=token)  # a reload: nothing selected in the new session
    for key in ("authentication_status", "username", "name", "roles", "logout"):
        at.session_state[key] = signed.session_state[key]
    at.query_params["p"] = token
    at.run()
    assert not at.exception
    header = [str(m.value) for m in at.markdown if 'class="nm-header"' in str(m.value)]
    assert len(header) == 1
    assert "Synthia Testcase" in header[0] and "No patient selected" not in header[0]
