"""Streamlit widgets shared by the twin pages: cards, the model statement, warnings with sources, completeness,
the comparison list, saved scenarios and the comparison export. They take service results and return choices."""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import streamlit as st

from components.shared.session import once_per_page
from components.shared.text import plain
from components.shared.theme import DISCLAIMER, format_date, format_datetime, format_dose, format_duration_days
from components.shared.ui import WRAPPED_ROW_PX
from components.simulation.charts import comparison_csv, fan_chart, model_statement, outcomes_frame
from novamind_core.domain.patients import Patient
from novamind_core.domain.twin import SavedScenario
from novamind_core.domain.users import User
from novamind_core.services.twin_inputs import CompletenessItem
from novamind_core.services.twin_types import ScenarioRun, TimelineSummary, TwinStateView
from novamind_core.twin.types import DoseGuidanceNote, ModelBasis, Scenario, ScenarioResult, ScenarioWarning

if TYPE_CHECKING:
    from novamind_core.bootstrap import Services

STATUS_ICONS = {"present": "✓ present", "partial": "◐ partial", "missing": "⚠ missing"}
SEVERITY_ORDER = {"contraindicated": 0, "major": 1, "moderate": 2, "minor": 3, "info": 4}


def model_note(basis: ModelBasis | None, patient: str | None = None, population_calibrated: bool | None = None
               ) -> None:
    """What the model is, its calibration and the disclaimer: once per page, under the first model output."""
    if not once_per_page("model statement"):
        return
    st.caption(model_statement(basis, patient, population_calibrated, disclaimer=once_per_page("disclaimer")),
               help="See docs/calibration.md for the fitted parameters and residuals.")


def state_cards(view: TwinStateView) -> None:
    """Summary first: version, what the twin is based on, drug on board, latest PHQ-9 and the risk flag."""
    sym = view.state.symptoms
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Twin version", f"v{view.version}", "new: " + view.change_text if view.is_new_version else None,
              delta_color="off", help=f"Stored {format_datetime(view.created_at)}; trigger: {view.trigger}")
    c2.metric("Based on data up to", format_date(view.as_of))
    c3.metric("Drug on board at that date", ", ".join(view.drugs_on_board) or "none")
    c4.metric("PHQ-9 (latest)", "—" if sym.phq9_total is None else str(sym.phq9_total),
              "item 9 above zero" if sym.suicidality_risk_flag else None, delta_color="inverse")
    if sym.suicidality_risk_flag:
        st.error("PHQ-9 item 9 is above zero: review suicide risk today, whatever the twin shows.",
                 icon=":material/emergency:")


def completeness_table(items: Sequence[CompletenessItem]) -> None:
    """What the twin is based on and what is missing, with how to add it."""
    st.dataframe([{"Input": i.source, "Status": STATUS_ICONS.get(i.status, i.status), "Detail": i.detail,
                   "How to improve": i.how_to_add or ""} for i in items], hide_index=True, width="stretch",
                 row_height=WRAPPED_ROW_PX, column_config={
                     "Detail": st.column_config.TextColumn(width="large"),
                     "How to improve": st.column_config.TextColumn(width="medium")})


def levels_sentence(when: str, plasma_ng_ml: dict[str, float], occupancy_percent: dict[str, float]) -> str:
    """``"Today: sertraline 115 ng/mL (mean over the day); SERT occupancy 92%."`` (the reading every page shows)."""
    from novamind_core.pharmacology.simulate import plasma_for_display

    parts = [f"{name} {value:.0f} ng/mL" for name, value in plasma_for_display(plasma_ng_ml).items() if value > 0]
    occ = [f"{t} occupancy {v:.0f}%" for t, v in sorted(occupancy_percent.items(), key=lambda kv: -kv[1]) if v >= 1]
    if not parts and not occ:
        return f"{when}: no simulated drug on board."
    return (f"{when}: " + ", ".join(parts) + (" (plasma, mean over the day)" if parts else "")
            + ("; " if parts and occ else "") + ", ".join(occ[:3]) + ".")


def regimen_parts(regimen: str | None) -> tuple[str, str | None]:
    """``("sertraline 100 mg", "every 24 h")``: the card's value short enough not to be cut, the interval under it."""
    if not regimen:
        return "no drug on board", None
    dose, sep, interval = regimen.partition(" every ")
    return (dose, f"every {interval}") if sep else (regimen, None)


def timeline_cards(summary: TimelineSummary) -> None:
    """The four cards above the timelines and the sentence that sums them up."""
    c1, c2, c3, c4 = st.columns([1.5, 1, 1, 1])
    dose, interval = regimen_parts(summary.regimen)
    c1.metric("Current regimen", dose, interval, delta_color="off", delta_arrow="off")
    c2.metric("Time to steady state", "—" if summary.time_to_steady_state_days is None
              else f"{summary.time_to_steady_state_days:.0f} days",
              help="Time to 90% of steady state of the active moiety (typical patient, PGx applied).")
    main = max(summary.occupancy_today_percent, key=summary.occupancy_today_percent.get) \
        if summary.occupancy_today_percent else None
    c3.metric("Occupancy today", "—" if main is None else f"{main} {summary.occupancy_today_percent[main]:.0f}%")
    c4.metric("Adaptation progress", "—" if summary.adaptation_percent is None
              else f"{summary.adaptation_percent:.0f}%",
              help="5-HT1A autoreceptor desensitisation as a share of its maximum (time constant in the twin).")
    st.info(summary.sentence, icon=":material/lightbulb:")
    st.caption(levels_sentence("Today", summary.plasma_today_ng_ml, summary.occupancy_today_percent),
               help="The same reading as the twin state's and the simulation's week 0 on the same date.")


def warnings_block(results: Sequence[ScenarioResult]) -> None:
    """Warnings and dose guidance of every scenario, most severe first, each with its source (shown at the top)."""
    seen: set[str] = set()
    rows: list[tuple[int, str, ScenarioWarning]] = []
    for r in results:
        for w in r.warnings:
            if w.source == "twin" or w.message in seen:
                continue
            seen.add(w.message)
            rows.append((SEVERITY_ORDER.get(w.severity, 5), r.name, w))
    for _rank, name, w in sorted(rows, key=lambda x: x[0]):
        text = f"**{html.escape(w.severity).capitalize()}** ({name}): {w.message}  \n*Source: " \
               f"{w.source or 'not stated'}*"
        (st.error if w.severity in ("contraindicated", "major") else st.warning)(text, icon=":material/warning:")
    guidance: dict[str, DoseGuidanceNote] = {}
    for r in results:
        for g in r.dose_guidance:
            guidance.setdefault(g.drug, g)
    if guidance:
        special = any(not g.is_standard for g in guidance.values())
        with st.expander(f"Dose guidance ({len(guidance)} drug(s))" + (": changes advised" if special else
                                                                      ": standard dosing"), expanded=special):
            for g in guidance.values():
                cap = "" if g.max_dose_mg_per_day is None else f" (maximum {g.max_dose_mg_per_day:g} mg/day)"
                st.markdown(f"**{g.drug}**{cap}: {g.recommendation}  \n*Source: {g.source}*")


def comparison_list(scenarios: list[Scenario], key: str) -> list[Scenario]:
    """The scenarios queued for comparison, each removable; returns the list after removals."""
    keep = []
    for i, sc in enumerate(scenarios):
        c1, c2 = st.columns([6, 1])
        steps = ", ".join(f"{s.drug} {s.dose_mg:g} mg × {s.days:g} d" for s in sc.steps)
        adherence = 1.0 if sc.adherence is None else sc.adherence
        c1.markdown(f"**{i + 1}. {html.escape(sc.name)}** · {steps} · adherence {adherence:.0%} · "
                    f"{sc.horizon_weeks} weeks")
        if not c2.button("Remove", key=f"{key}_rm_{i}", icon=":material/delete:"):
            keep.append(sc)
    return keep


def saved_picker(saved: Sequence[SavedScenario], key: str) -> SavedScenario | None:
    """Choose a saved scenario (newest first); returns it or None."""
    if not saved:
        st.caption("No saved scenarios for this patient yet.")
        return None
    by_id = {s.id: s for s in saved}
    choice = st.selectbox("Saved scenarios", list(by_id), key=key,
                          format_func=lambda i: f"{by_id[i].name} · {format_date(by_id[i].created_at)}"
                          + (f" · {by_id[i].note[:60]}" if by_id[i].note else ""))
    return by_id.get(choice)


def export_block(services: Services, user: User, patient: Patient, run: ScenarioRun, plans: Sequence[Scenario],
                 stem: str) -> None:
    """Comparison as CSV (always) and PDF (kaleido + chromium; says what is missing otherwise); audited."""
    from components.shared.export import figure_png, html_to_pdf, pdf_unavailable_reason

    c1, c2 = st.columns(2)
    with c1:
        if st.download_button("Download comparison (CSV)", comparison_csv(run), f"{stem}.csv", "text/csv",
                              icon=":material/table:", on_click="ignore", key="nm_sim_csv"):
            services.twin.record_export(user, patient.id, "csv", f"scenarios={len(run.results)}")
    with c2:
        reason = pdf_unavailable_reason()
        if reason:
            st.info(reason, icon=":material/picture_as_pdf:")
        elif st.button("Prepare PDF", icon=":material/picture_as_pdf:", key="nm_sim_pdf_prepare"):
            with st.spinner("Rendering the fan chart and printing the PDF (a few seconds)…"):
                try:
                    png = figure_png(fan_chart(run), width=1000, height=480)
                    document = comparison_html(run, png, user.display_name, patient, plans)
                    st.session_state["nm_sim_pdf"] = html_to_pdf(document)
                except RuntimeError as exc:
                    st.error(f"PDF not produced: {plain(exc)}. The CSV export still works.", icon=":material/error:")
        if st.session_state.get("nm_sim_pdf") and st.download_button(
                "Download PDF", st.session_state["nm_sim_pdf"], f"{stem}.pdf", "application/pdf",
                icon=":material/download:", on_click="ignore", key="nm_sim_pdf_dl"):
            services.twin.record_export(user, patient.id, "pdf", f"scenarios={len(run.results)}")


def plan_details(plan: Scenario) -> str:
    """A plan as the care team writes it: each step's drug, dose and schedule, then adherence, switch and therapy."""
    steps = []
    for step in plan.steps:
        if step.drug in ("none", "placebo"):
            steps.append(f"{'no drug' if step.drug == 'none' else 'placebo'} for {format_duration_days(step.days)}")
            continue
        schedule = "daily" if step.interval_h == 24 else f"every {step.interval_h:g} hours"
        steps.append(f"{format_dose(step.drug, step.dose_mg, schedule)} for {format_duration_days(step.days)}")
    extras = [] if plan.adherence is None else [f"adherence {plan.adherence:.0%}"]
    if plan.missed_days:
        extras.append(f"{len(plan.missed_days)} missed doses")
    if plan.switch_strategy != "direct":
        extras.append(f"switch by {plan.switch_strategy}")
    if plan.psychotherapy:
        extras.append("with psychotherapy")
    return ", then ".join(steps) + ("; " + ", ".join(extras) if extras else "")


def _percent(value: float | None) -> str:
    """A probability as the care team reads it (``6%``); blank when there is none."""
    return "" if value is None or value != value else f"{value:.0%}"


def comparison_html(run: ScenarioRun, png: bytes | None, author: str, patient: Patient,
                    plans: Sequence[Scenario]) -> str:
    """The printed comparison, a clinical document: who it is about (name, MRN, date of birth), each plan's drug,
    dose and schedule, the fan chart, the outcomes with probabilities in percent, the model statement."""
    import base64

    frame = outcomes_frame(run)
    formatters = {c: _percent for c in frame.columns if c.startswith("P(")}
    formatters.update({c: (lambda v: "" if v is None or v != v else f"{v:.1f}") for c in frame.columns
                       if c.startswith("PHQ-9")})
    table = frame.to_html(index=False, formatters=formatters, border=0)
    img = f"<img style='width:100%' src='data:image/png;base64,{base64.b64encode(png).decode()}'>" if png else ""
    plan_items = "".join(f"<li><b>{html.escape(p.name)}</b>: {html.escape(plan_details(p))}</li>" for p in plans)
    identity = (f"<p class='who'><b>{html.escape(patient.full_name)}</b> · MRN {html.escape(patient.mrn)} · "
                f"date of birth {format_date(patient.date_of_birth)}</p>")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Scenario comparison</title><style>"
            "body{font-family:Helvetica,Arial,sans-serif;color:#1a2733;font-size:11pt} table{border-collapse:collapse;"
            "width:100%} td,th{border-bottom:1px solid #e3e8ee;padding:3px 6px;text-align:left}"
            ".who{font-size:12pt;border-bottom:2px solid #1a2733;padding-bottom:4px}</style></head><body>"
            f"{identity}<h1>Treatment scenario comparison</h1><p>Week 0 = {format_date(run.week0)}; "
            f"{html.escape(run.based_on)}; {run.draws:,} simulated patients.</p>"
            f"<h2>Plans compared</h2><ul>{plan_items}</ul>{img}{table}"
            f"<p style='font-size:9pt'>{html.escape(model_statement(run.posterior, disclaimer=False))}</p>"
            f"<footer style='font-size:9pt'>{html.escape(patient.full_name)} · MRN {html.escape(patient.mrn)}. "
            f"Generated {format_datetime(datetime.now())} by {html.escape(author)}. "
            f"Confidential. {html.escape(DISCLAIMER)}</footer></body></html>")
