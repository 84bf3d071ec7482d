"""Cohort page (AppTest, signed-in analyst): de-identified only, filters, charts, what-if with progress, exports."""

from __future__ import annotations

import json

PHI = ("Synthia", "Testcase", "Riskwell", "Partialis", "Firstvisit", "Otherteam", "NM-100001", "NM-900001",
       "1984-03-12", "Dr Ada Lovelace", "demo.clinician")


def everything(at) -> str:  # type: ignore[no-untyped-def]
    """All text, tables and chart specs the run drew."""
    parts = [str(e.value) for kind in ("markdown", "caption", "title", "info", "error", "warning", "success")
             for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.value.to_csv() for df in at.dataframe]
    parts += [el.proto.spec for el in at.get("plotly_chart")]
    parts += [str(o) for ms in at.multiselect for o in ms.options]
    return "\n".join(parts)


def test_analyst_sees_the_whole_clinic_de_identified_with_no_phi_anywhere(seeded, app_as):
    at = app_as("cohort", "demo.analyst")
    at.run()
    assert not at.exception
    shown = everything(at)
    for needle in PHI:
        assert needle not in shown, f"{needle!r} shown to an analyst"
    patients = next(df.value for df in at.dataframe if "Pseudonym" in df.value.columns)
    assert len(patients) == 5 and patients["Pseudonym"].str.startswith("P-").all()
    assert patients["Clinician"].nunique() == 2  # both clinicians' patients, as keyed labels
    assert any(m.label == "Patients in view" and m.value == "5 of 5" for m in at.metric)


def test_charts_have_titles_that_say_what_they_show(seeded, app_as):
    at = app_as("cohort", "demo.analyst")
    at.run()
    titles = {json.loads(el.proto.spec)["layout"]["title"]["text"] for el in at.get("plotly_chart")}
    assert {"Response and remission by drug (index course)", "Time to response (Kaplan-Meier)",
            "Data completeness"} <= titles


def test_a_drug_filter_narrows_the_cohort(seeded, app_as):
    at = app_as("cohort", "demo.analyst")
    at.run()
    at.multiselect(key="nm_co_drug").set_value(["sertraline"]).run()
    assert not at.exception
    assert any(m.label == "Patients in view" and m.value == "1 of 5" for m in at.metric)


def test_population_what_if_runs_from_the_page_and_shows_twin_vs_observed(seeded, app_as):
    at = app_as("cohort", "demo.analyst")
    at.run()
    at.selectbox(key="nm_co_wa").set_value("sertraline")
    at.selectbox(key="nm_co_wb").set_value("escitalopram")
    at.selectbox(key="nm_co_wn").set_value(1000)
    next(b for b in at.button if b.label == "Run population what-if").click().run()
    assert not at.exception
    table = next(df.value for df in at.dataframe if "Twin response" in df.value.columns)
    assert list(table["Drug"]) == ["sertraline", "escitalopram"]
    assert "twin prediction vs observed" in everything(at)


def test_an_export_is_prepared_on_request_and_offered_for_download(seeded, app_as):
    services, _ = seeded
    admin = services.users.get_by_username("demo.admin")
    before = len(services.audit.query(admin, action="export.deidentified"))
    at = app_as("cohort", "demo.analyst")
    at.run()
    assert not at.get("download_button")
    at.radio(key="nm_co_fmt").set_value("csv")
    next(b for b in at.button if b.label == "Prepare export").click().run()
    assert not at.exception
    assert at.get("download_button")
    assert len(services.audit.query(admin, action="export.deidentified")) == before + 1


def test_clinicians_cannot_open_the_cohort_page(seeded, app_as, page_text):
    at = app_as("cohort", "demo.clinician")
    at.run()
    assert "not available for your role" in page_text(at)
    assert not at.get("plotly_chart")


def test_the_response_and_remission_cards_show_the_percentage_whole_and_the_interval_on_its_own_line(seeded, app_as):
    at = app_as("cohort", "demo.analyst")
    at.run()
    assert not at.exception
    cards = {m.label.split(" (")[0]: m.value for m in at.metric if m.label.startswith(("Response", "Remission"))}
    assert set(cards) == {"Response", "Remission"}
    for value in cards.values():  # "48% (95% CI …" was cut in a quarter column: the value is the percentage alone
        assert value == "—" or (value.endswith("%") and "CI" not in value)
    if cards["Response"] != "—":
        assert any(str(c.value).startswith("95% CI ") for c in at.caption)
