"""Every page, drawn for real over a chart full of hostile text, shows that text as text (issue 17, break 6).

The static sweep (tests/security/test_text_rendering.py) finds render calls by the names of the variables they
interpolate; text that reaches a page under another name would pass it. This test does not care about names: it
plants markdown and HTML that would fetch an image or form a link (a patient's name, a clinician's display name, a
medication reason, a note, an acknowledgement) through the services, draws every page and chart tab in a real
script run (AppTest), and fails when any element that Streamlit renders as markdown carries the payload unescaped.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.app import ui_cohort as ui

IMAGE = "![pixel](http://tracker.invalid/p.png)"
TAG = "<img src=http://tracker.invalid/q.png>"
LINK = "[open me](javascript:alert(1))"
MARKERS = ("![pixel]", "<img src", "](javascript:", "](http://tracker")
CHART_TABS = ("Overview", "Assessments", "Medications", "Notes", "Visits", "Wearables", "Timeline", "Insight",
              "Export")


@pytest.fixture(scope="module")
def hostile(seeded):  # type: ignore[no-untyped-def]
    """A patient on the demo clinician's team whose every free-text field is hostile; returns its id."""
    services, _cohort = seeded
    doc = services.users.get_by_username(ui.CLINICIAN)
    today = services.context.today()
    pid = services.patients.register(doc, mrn="NM-666001", given_name=f"Eve {IMAGE}", family_name=f"Hostile {TAG}",
                                     date_of_birth="1980-01-01", sex_at_birth="female",
                                     diagnoses=[{"code": "F32.1", "label": f"Moderate {LINK}", "primary": True}]).id
    services.medications.add(doc, pid, "sertraline", 50, start_date=today - timedelta(weeks=6),
                             reason=f"started {IMAGE} {TAG}")
    for weeks, answers in ((4, [2, 2, 2, 1, 1, 1, 1, 1, 0]), (1, [1, 1, 1, 1, 1, 1, 1, 1, 1])):
        services.assessments.record(doc, pid, "PHQ-9", answers, today - timedelta(weeks=weeks))
    services.notes.add(doc, pid, f"Seen today. {IMAGE}\n{TAG}\n{LINK}")
    return pid


def _markdown_bodies(at) -> list[str]:  # type: ignore[no-untyped-def]
    """The text of every element Streamlit renders as markdown (bodies and labels)."""
    out: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "error", "warning", "success",
                 "toast", "exception"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(e.label) for e in at.expander] + [str(t.label) for t in at.tabs]
    out += [f"{m.label} {m.value}" for m in at.metric]
    for kind in ("button", "checkbox", "toggle", "radio", "selectbox", "multiselect", "text_input", "text_area",
                 "number_input", "date_input"):
        out += [str(w.label) for w in getattr(at, kind)]
    return out


def _leaks(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [body[:120] for body in _markdown_bodies(at) if any(m in body for m in MARKERS)]


def _run(app_as, page: str, username: str, patient_id: int | None = None, tab: str | None = None):  # type: ignore[no-untyped-def]
    at = app_as(page, username)
    if patient_id is not None:
        at.session_state["nm_selected_patient_id"] = patient_id
        at.session_state["nm_selected_patient_label"] = "selected"
    if tab is not None:
        at.session_state["nm_chart_tab"] = tab
    at.run(timeout=60)
    return at


@pytest.mark.parametrize("tab", CHART_TABS)
def test_every_chart_tab_shows_hostile_text_as_text(seeded, hostile, app_as, tab):
    at = _run(app_as, "patient", ui.CLINICIAN, hostile, tab)
    assert not at.exception
    assert "Hostile" in "\n".join(_markdown_bodies(at)) or tab != "Overview"  # the patient really is on the page
    assert _leaks(at) == []


@pytest.mark.parametrize("page", ["caseload", "twin_state", "timelines", "simulation"])
def test_every_clinical_page_shows_hostile_text_as_text(seeded, hostile, app_as, page):
    at = _run(app_as, page, ui.CLINICIAN, hostile)
    assert not at.exception
    assert _leaks(at) == []


def test_the_admin_page_shows_a_hostile_display_name_as_text(seeded, app_as):
    from novamind_core.services.base import SYSTEM_USER

    services, _ = seeded
    if services.users.get_by_username("dr.hostile") is None:
        services.users.create(SYSTEM_USER, "dr.hostile", f"Dr {IMAGE} {TAG}", "clinician", "Hostile-password-2026")
    at = _run(app_as, "admin", ui.ADMIN)
    assert not at.exception
    assert "dr.hostile" in "\n".join(_markdown_bodies(at)) or any(
        "dr.hostile" in str(df.value) for df in at.dataframe)
    assert _leaks(at) == []
