"""What one look at a page costs: SQL statements and audit rows per rerun (the figures in docs/benchmarks.md).

Before the view models a patient-page rerun made 11 service calls, 109 statements and 11 audit rows. Now every page
in the benchmark (``benchmarks/page_view_probe.py``) is one view call: one transaction and exactly **one** audit row
per page view, whose detail names what was shown. The patient page's Wearables tab comes inside
``charts.patient_chart``; the twin pages' banner and learned-model panels come inside ``services.twin.*_view``. The
statement caps sit a little above what was measured, so a page that starts reading the same rows twice fails here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.fakes import count_statements


@dataclass(frozen=True)
class PageView:
    """One page of the benchmark: who looks, whether a patient is selected, the audit row it must write (its
    action, words its detail must name) and the statement cap (measured + a small margin)."""

    page: str
    user: str
    with_patient: bool
    actions: tuple[str, ...]
    detail_names: tuple[str, ...]
    max_statements: int


#: Measured per rerun (statements): caseload 12, patient 30, twin_state 24, timelines 24, simulation 21, cohort 12,
#: models 7, admin 9. The Questionnaires tab added 6 to the patient page (plan, diagnoses for the suggested plan,
#: request summaries, consent, recent requests, delivery log: cap 30 -> 35) and 1-2 to the caseload (plans of the
#: page's patients, and their requests when any has a plan: within the cap).
PAGE_VIEWS = (
    PageView("caseload", "demo.clinician", False, ("caseload.view",), ("rows=", "total="), 15),
    PageView("patient", "demo.clinician", True, ("chart.view",),
             ("assessments=", "timeline=", "wearables window=28", "questionnaires="), 35),
    PageView("twin_state", "demo.clinician", True, ("twin.read", "twin.update"),
             ("state page: banner", "history rows=", "ranking", "forecast"), 30),
    PageView("timelines", "demo.clinician", True, ("twin.timelines",), ("timelines page: banner", "saved scenarios="),
             30),
    PageView("simulation", "demo.clinician", True, ("scenario.view",),
             ("simulation page: banner", "form defaults", "ranking"), 27),
    PageView("cohort", "demo.analyst", False, ("cohort.view",), ("patients=",), 16),
    PageView("models", "demo.analyst", False, ("model.card_read",), ("models=",), 10),
    PageView("admin", "demo.admin", False, ("admin.view",), ("section=",), 12),
)


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


def test_the_benchmark_and_this_test_measure_the_same_pages():
    from benchmarks.page_view_probe import PAGES

    assert [(p, u, w) for p, u, w in PAGES] == [(v.page, v.user, v.with_patient) for v in PAGE_VIEWS]


@pytest.mark.parametrize("view", PAGE_VIEWS, ids=[v.page for v in PAGE_VIEWS])
def test_every_page_view_writes_exactly_one_audit_row_naming_what_was_shown_within_a_statement_cap(
        seeded, app_as, page_text, view):  # type: ignore[no-untyped-def]
    services, cohort = seeded
    at = app_as(view.page, view.user)
    if view.with_patient:
        at.session_state["nm_selected_patient_id"] = cohort.responder_id
    at.run()  # warm-up: imports, services, a first twin version; the patient page sets its ?mrn= deep link
    assert not at.exception
    assert "went wrong" not in page_text(at).lower() and not at.error, [e.value for e in at.error]
    seen, rows = one_rerun(services, at)
    assert len(rows) == 1, f"{view.page}: {len(rows)} audit rows per page view: {[(r.action, r.detail) for r in rows]}"
    row = rows[0]
    assert row.action in view.actions, f"{view.page} audited {row.action}"
    missing = [w for w in view.detail_names if w not in (row.detail or "")]
    assert not missing, f"{view.page}: the audit detail {row.detail!r} does not name {missing}"
    if view.with_patient:
        assert row.patient_id == cohort.responder_id
    assert len(seen) <= view.max_statements, f"{len(seen)} statements per {view.page} page view"
