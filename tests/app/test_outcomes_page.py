"""Clinic outcomes page (AppTest): a clinic lead sees the clinic's aggregate outcomes with intervals, completeness, the
funnel plots and a clinician's figures, and exports; counts from 1 to 4 read "<5"; other roles are refused."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from tests.app import ui_cohort, ui_outcomes

PHI = ("Synthia", "Testcase", "Riskwell", "Partialis", "NM-100001", "NM-900001", "NM-3", "1984-03-12", "Closedcase")
LEAD = ui_outcomes.LEAD


@pytest.fixture(scope="module")
def clinic(seeded):  # type: ignore[no-untyped-def]
    """The story cohort plus a clinic lead and closed episodes for both clinicians (enough for a funnel)."""
    services, cohort = seeded
    ui_outcomes.seed_clinic(services)
    return services, cohort


def everything(at) -> str:  # type: ignore[no-untyped-def]
    parts = [str(e.value) for kind in ("markdown", "caption", "title", "subheader", "info", "error", "warning",
                                       "success") for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value} {m.help}" for m in at.metric]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [el.proto.spec for el in at.get("plotly_chart")]
    return "\n".join(parts)


def chart_titles(at) -> set[str]:  # type: ignore[no-untyped-def]
    return {json.loads(el.proto.spec)["layout"]["title"]["text"] for el in at.get("plotly_chart")}


def test_clinic_lead_sees_the_headline_rates_with_intervals_and_completeness(clinic, app_as):
    at = app_as("outcomes", LEAD)
    at.run()
    assert not at.exception
    names = {m.label for m in at.metric}
    assert {"Recovery", "Reliable improvement", "Reliable recovery", "Data completeness"} <= names
    recovery = next(m for m in at.metric if m.label == "Recovery")
    assert recovery.value.endswith("%") and "95% CI" in recovery.help
    assert any("episodes counted" in c.value for c in at.caption)


def test_the_page_draws_every_section_with_titles_that_say_what_they_show(clinic, app_as):
    at = app_as("outcomes", LEAD)
    at.run()
    titles = chart_titles(at)
    assert "NHS Talking Therapies outcomes by month" in titles
    assert any(t.endswith("by clinician") for t in titles)
    assert any("funnel plot" in t for t in titles)
    assert any("adjusted for case mix" in t for t in titles)
    assert "Time to response (Kaplan-Meier)" in titles
    assert "Measurement completion by month" in titles
    assert "What the adjustment assumes." in everything(at)


def test_the_funnel_places_both_clinicians_by_name_and_no_patient_is_shown_anywhere(clinic, app_as):
    at = app_as("outcomes", LEAD)
    at.run()
    funnel = next(json.loads(el.proto.spec) for el in at.get("plotly_chart")
                  if "funnel plot" in json.loads(el.proto.spec)["layout"]["title"]["text"])
    points = next(t for t in funnel["data"] if t.get("name") == "clinicians")
    assert set(points["text"]) == {"Dr Ada Lovelace", "Dr Charles Babbage"}
    shown = everything(at)
    for needle in PHI:
        assert needle not in shown, f"{needle!r} shown on the outcomes page"


def test_opening_a_clinician_shows_their_own_figures(clinic, app_as):
    at = app_as("outcomes", LEAD)
    at.run()
    at.selectbox(key="nm_oc_open").set_value("Dr Ada Lovelace").run()
    assert not at.exception
    assert any(s.value == "Dr Ada Lovelace" for s in at.subheader)
    assert sum(1 for m in at.metric if m.label == "Recovery") == 2  # the clinic's and the clinician's


def test_quarters_and_the_us_standard_are_one_control_away(clinic, app_as):
    at = app_as("outcomes", LEAD)
    at.run()
    at.radio(key="nm_oc_period").set_value("quarter").run()
    assert "NHS Talking Therapies outcomes by quarter" in chart_titles(at)
    at.radio(key="nm_oc_standard").set_value("us").run()
    assert not at.exception
    assert any("US depression measures" in s.value for s in at.subheader)


def test_small_groups_read_less_than_five(clinic, app_as):
    at = app_as("outcomes", LEAD)
    at.run()
    at.selectbox(key="nm_oc_by").set_value("drug").run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "Drug" in df.value.columns).set_index("Drug")
    small = table.loc[ui_outcomes.SMALL_DRUG]
    assert small["Episodes (all counted)"] == "<5" and small["Recovery"] == "<5"
    assert "3" not in " ".join(map(str, small))


def test_each_view_is_audited_once(clinic, app_as):
    services, _ = clinic
    admin = services.users.get_by_username(ui_cohort.ADMIN)
    before = len(services.audit.query(admin, action="outcomes.view"))
    app_as("outcomes", LEAD).run()
    assert len(services.audit.query(admin, action="outcomes.view")) == before + 1


def test_the_csv_is_offered_at_once_and_the_pdf_is_prepared_on_request(clinic, app_as):
    from components.shared.export import pdf_unavailable_reason

    at = app_as("outcomes", LEAD)
    at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Download CSV" in labels and not any(label.endswith(".pdf") for label in labels)
    if pdf_unavailable_reason() is not None:
        pytest.skip("chromium not installed: the page explains instead (see components.shared.export)")
    next(b for b in at.button if b.label == "Prepare PDF report").click().run(timeout=120)
    assert not at.exception
    assert any(b.proto.label.endswith(".pdf") for b in at.get("download_button"))


def test_an_empty_period_says_what_is_missing(clinic, app_as):
    at = app_as("outcomes", LEAD)
    at.run()
    services, _ = clinic
    today = services.context.today()
    at.date_input(key="nm_oc_from").set_value(today - timedelta(days=3))
    at.date_input(key="nm_oc_to").set_value(today - timedelta(days=2)).run()
    assert not at.exception
    assert any("No episodes in this period" in i.value for i in at.info)


def test_admins_may_open_the_page_and_clinicians_and_analysts_may_not(clinic, app_as, page_text):
    admin = app_as("outcomes", ui_cohort.ADMIN)
    admin.run()
    assert not admin.exception and admin.metric
    for username in (ui_cohort.CLINICIAN, ui_cohort.ANALYST):
        at = app_as("outcomes", username)
        at.run()
        assert "This page is not available for your role." in page_text(at)
        assert not at.get("plotly_chart")


def test_the_by_clinician_chart_and_table_label_each_count_as_the_same_number(clinic, app_as):
    """The chart's n is a measure's eligible episodes; the table shows that same n beside the rate and names its own
    count as every episode counted, so "n=28" beside "Episodes 30" no longer reads as a contradiction."""
    at = app_as("outcomes", LEAD)
    at.run()
    assert not at.exception
    spec = next(json.loads(el.proto.spec) for el in at.get("plotly_chart")
                if json.loads(el.proto.spec)["layout"]["title"]["text"].endswith("by clinician"))
    measure = spec["layout"]["title"]["text"].removesuffix(" by clinician")
    table = next(df.value for df in at.dataframe if "Clinician" in df.value.columns).set_index("Clinician")
    assert "Episodes (all counted)" in table.columns and "Episodes" not in table.columns
    labelled = [y for y in spec["data"][0]["y"] if y.endswith(" eligible)")]
    assert labelled, spec["data"][0]["y"]
    for label in labelled:
        name, n = label[:-len(" eligible)")].rsplit(" (", 1)
        assert f"{n} eligible" in table.loc[name, measure], (label, table.loc[name].to_dict())
