"""A C-SSRS screener recorded on its own, through the real services and database: a positive one opens the self-harm
risk alert (first on the chart, counted on the caseload, led with by the insight summary, closed only by a documented
review); a negative one opens nothing. PHQ-9 item 10 from a patient's link is stored like the clinician's entry."""

from __future__ import annotations

from novamind_core.domain.alerts import AlertKind
from tests.risk_support import complete_review_values


def test_a_positive_screener_opens_a_risk_alert_and_a_negative_one_does_not(services, clinician, patient):
    assert services.assessments.record(clinician, patient.id, "C-SSRS", [0] * 7).alerts == ()
    assert [a for a in services.alerts.list_for_patient(clinician, patient.id) if a.id is not None] == []
    [alert] = services.assessments.record(clinician, patient.id, "C-SSRS", [1, 1, 0, 0, 1, 0, 0]).alerts
    assert alert.kind is AlertKind.ITEM9 and alert.open and alert.value == 3
    assert alert.text.startswith("Suicide risk screen: C-SSRS screener, high risk, on ")
    assert "worked out how to kill themselves and intends to carry out the plan (question 5)" in alert.text
    listed = services.alerts.list_for_patient(clinician, patient.id)
    assert listed[0].id == alert.id
    [row] = [r for r in services.patients.caseload(clinician).rows if r.patient_id == patient.id]
    assert row.item9_alert, "the caseload puts the patient among those with an open self-harm risk alert"


def test_the_insight_leads_with_an_open_screener_alert_until_a_documented_review_closes_it(
        services, clinician, patient):
    [alert] = services.assessments.record(clinician, patient.id, "C-SSRS", [0, 0, 0, 0, 0, 1, 1]).alerts
    insight = services.predictions.insight(clinician, patient.id)
    assert insight.sections[0][0] == "Open risk alert"
    assert "Suicide risk screen: C-SSRS screener, high risk" in insight.sections[0][1]
    assert "within the past 3 months" in insight.sections[0][1]
    services.risk_reviews.complete(clinician, alert.id, **complete_review_values(
        services.context.today(), cssrs_answers=[0, 0, 0, 0, 0, 1, 1], risk_level="high"))
    assert services.predictions.insight(clinician, patient.id).sections[0][0] != "Open risk alert"
    assert not services.alerts.list_for_patient(clinician, patient.id)[0].open


def test_a_patients_phq9_item_10_is_stored_and_shown_in_the_flowsheet_but_not_counted(services, clinician, patient):
    from novamind_core.domain.flowsheet import flowsheet

    created = services.reporting.start_kiosk(clinician, patient.id, "PHQ-9")
    assert services.portal.submit(created.token, {"PHQ-9": [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]}, "tablet").accepted
    [read] = services.assessments.history(clinician, patient.id, "PHQ-9")
    assert (read.answers, read.extra_answers, read.total) == ((1, 2, 0, 0, 0, 0, 0, 0, 0), (2,), 3)
    sheet = flowsheet([read], "PHQ-9")
    assert sheet.rows[9].values == (2,) and not sheet.rows[9].scored and sheet.rows[9].label.endswith("(not scored)")
    assert sheet.rows[10].values == (3,), "the total is the nine items' sum"
