"""What one look at a page costs: SQL statements and audit rows per rerun (the figures in docs/benchmarks.md).

Before the view models a patient-page rerun made 11 service calls, 109 statements and 11 audit rows; now the chart is
one ``charts.patient_chart`` call (one transaction, one ``chart.view`` row). The Wearables tab still reads through its
own service (one more audited call), so the page writes exactly one chart row plus that tab's row.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.fakes import count_statements

PATIENT_PAGE_MAX_STATEMENTS = 40
CASELOAD_PAGE_MAX_STATEMENTS = 15


def audit_rows_after(services, last_id: int) -> list:  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        return list(conn.execute(text("SELECT id, action, patient_id, detail FROM audit_log WHERE id > :i "
                                      "ORDER BY id"), {"i": last_id}))


def last_audit_id(services) -> int:  # type: ignore[no-untyped-def]
    with services.engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one())


def one_rerun(services, at):  # type: ignore[no-untyped-def]
    last = last_audit_id(services)
    with count_statements(Engine) as seen:
        at.run()
    assert not at.exception
    return seen, audit_rows_after(services, last)


def test_a_patient_page_view_writes_one_chart_audit_row_and_a_bounded_number_of_statements(seeded, app_as):
    services, cohort = seeded
    at = app_as("patient", "demo.clinician")
    at.session_state["nm_selected_patient_id"] = cohort.responder_id
    at.run()
    seen, rows = one_rerun(services, at)  # the rerun opens the chart by the ?mrn= deep link it set
    chart_rows = [r for r in rows if r.action == "chart.view"]
    assert len(chart_rows) == 1 and chart_rows[0].patient_id == cohort.responder_id
    assert "assessments=" in chart_rows[0].detail and "timeline=" in chart_rows[0].detail
    others = [r.action for r in rows if r.action != "chart.view"]
    assert all(a.startswith("wearable") for a in others), f"only the Wearables tab audits on its own: {others}"
    assert len(others) <= 1
    assert len(seen) <= PATIENT_PAGE_MAX_STATEMENTS, f"{len(seen)} statements per patient page view"


def test_a_caseload_page_view_writes_one_audit_row_and_a_bounded_number_of_statements(seeded, app_as):
    services, _ = seeded
    at = app_as("caseload", "demo.clinician")
    at.run()
    seen, rows = one_rerun(services, at)
    assert [r.action for r in rows] == ["caseload.view"]
    assert "rows=" in rows[0].detail and "total=" in rows[0].detail
    assert len(seen) <= CASELOAD_PAGE_MAX_STATEMENTS, f"{len(seen)} statements per caseload page view"
