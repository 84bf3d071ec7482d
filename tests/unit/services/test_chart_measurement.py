"""The chart view model's Questionnaires panel and the alert deep link (fakes): still one transaction and one audit
event, and the alert's patient is opened only for its care team."""

from __future__ import annotations

import pytest

from novamind_core.domain.errors import NotFoundError, PermissionDenied
from novamind_core.domain.reporting import MeasurementState
from novamind_core.security.audit import AuditOutcome
from novamind_core.services.assessments import AssessmentService
from novamind_core.services.charts import CHART_VIEW, ChartService
from novamind_core.services.reporting import ReportingService
from tests.unit.services.test_clinical_record import CLINICIAN, OUTSIDER, PID, ctx, store  # noqa: F401


def test_the_chart_carries_the_measurement_panel_in_its_one_audited_view(store):  # noqa: F811
    c = ctx(store)
    rows = len(store.repositories["audit"].records)
    view = ChartService(c).patient_chart(CLINICIAN, PID)
    [record] = store.repositories["audit"].records[rows:]
    assert record.action == CHART_VIEW and "questionnaires=no plan" in record.detail
    assert view.measurement is not None and view.measurement.state is MeasurementState.NO_PLAN
    reporting = ReportingService(c)
    reporting.set_plan(CLINICIAN, PID, view.measurement.suggested, expected_version=0)
    rows = len(store.repositories["audit"].records)
    again = ChartService(c).patient_chart(CLINICIAN, PID)
    assert [r.action for r in store.repositories["audit"].records[rows:]] == [CHART_VIEW]
    assert again.measurement.plan is not None
    assert again.measurement.state is reporting.plan_view(CLINICIAN, PID).state, "the chart and the panel agree"


def test_an_alert_id_opens_its_patients_chart_for_the_care_team_and_names_it_in_the_audit(store):  # noqa: F811
    c = ctx(store)
    result = AssessmentService(c).record(CLINICIAN, PID, "PHQ-9", [1] * 8 + [2])
    alert_id = result.alerts[0].id
    rows = len(store.repositories["audit"].records)
    view = ChartService(c).patient_chart(CLINICIAN, alert_id=alert_id)
    assert view.patient.id == PID
    [record] = store.repositories["audit"].records[rows:]
    assert record.patient_id == PID and f"opened from alert {alert_id}" in record.detail


def test_an_alert_id_off_the_care_team_is_refused_and_audited_and_an_unknown_one_is_not_found(store):  # noqa: F811
    c = ctx(store)
    alert_id = AssessmentService(c).record(CLINICIAN, PID, "PHQ-9", [1] * 8 + [2]).alerts[0].id
    rows = len(store.repositories["audit"].records)
    with pytest.raises(PermissionDenied):
        ChartService(c).patient_chart(OUTSIDER, alert_id=alert_id)
    [record] = store.repositories["audit"].records[rows:]
    assert (record.action, record.outcome, record.patient_id) == (CHART_VIEW, AuditOutcome.DENIED, PID)
    with pytest.raises(NotFoundError):
        ChartService(c).patient_chart(CLINICIAN, alert_id=424242)
