"""Pure Plotly builders (data -> ``go.Figure``) on the shared "novamind" template; no Streamlit, tested directly.

One builder per function. Conventions (docs/ux.md): observed data solid; severity bands as light shaded rectangles;
medication events as vertical markers with the drug and dose; every figure titled with what it shows and axes
labelled with units. Later pages add their builders here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.shared.theme import COLOURWAY, OBSERVED, SECONDARY, TEMPLATE_NAME, format_date, severity_colour
from components.shared.ui import tint
from novamind_core.domain.assessments import RESPONSE_MIN_REDUCTION_FRACTION, Instrument, total_only_note
from novamind_core.domain.medications import MedicationOrder
from novamind_core.domain.records import AssessmentRecord, OutcomeSummary, TimelineEvent

INSTRUMENT_COLOURS: dict[str, str] = {"PHQ-9": OBSERVED, "GAD-7": SECONDARY, "ISI": COLOURWAY[1]}
MEDICATION_COLOUR = "#5d4037"
#: Marker shape by who entered a score (hover names it too): patient-reported points are diamonds / squares.
SOURCE_SYMBOLS: dict[str, str] = {"clinician": "circle", "patient_remote": "diamond", "kiosk": "square",
                                  "import": "circle-open"}
TIMELINE_KINDS: tuple[str, ...] = ("medication", "assessment", "alert", "note", "visit")
TIMELINE_COLOURS: dict[str, str] = {"medication": MEDICATION_COLOUR, "assessment": OBSERVED, "alert": "#c62828",
                                    "note": COLOURWAY[1], "visit": COLOURWAY[2]}


def short_item(text: str, width: int = 38) -> str:
    """First ``width`` characters of an item's wording, cut at a word boundary, for hover labels."""
    if len(text) <= width:
        return text
    cut = text[:width].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"


def item_hover_text(instrument: Instrument, answers: Sequence[int]) -> str:
    """Item-level detail for a hover: ``"1. Little interest or pleasure…: 2"`` per line; for a total-only
    assessment (no item answers) ``"item answers not available; item 9 unknown"`` (PHQ-9)."""
    if not answers:
        return total_only_note(instrument)
    labels = instrument.spec.items
    return "<br>".join(f"{i}. {short_item(labels[i - 1])}: {a}" for i, a in enumerate(answers, start=1))


def _medication_event_rows(orders: Iterable[MedicationOrder]) -> list[tuple[date, str, str]]:
    """(date, short label, hover text) for starts, dose changes, switches and stops of medication orders."""
    orders = list(orders)
    continued = {o.previous_id for o in orders if getattr(o.change_kind, "value", o.change_kind) == "titrate"}
    events: list[tuple[date, str, str]] = []
    for o in orders:
        kind = getattr(o.change_kind, "value", o.change_kind)
        verb = {"start": "Started", "titrate": "Dose change:", "switch": "Switched to"}.get(kind, "Started")
        label = f"{o.drug} {o.dose_mg:g} mg"
        events.append((o.start_date, label, f"{verb} {o.describe()}"))
        if o.stop_date is not None and o.id not in continued and not any(
                getattr(x, "previous_id", None) == o.id for x in orders):
            events.append((o.stop_date, f"stop {o.drug}", f"Stopped {o.drug}"))
    return sorted(events, key=lambda e: e[0])


def trajectory_figure(assessments: Sequence[AssessmentRecord], medication_orders: Sequence[MedicationOrder] = (),
                      instruments: Sequence[str] = ("PHQ-9", "GAD-7"), note_dates: Sequence[date] = ()
                      ) -> go.Figure:
    """PHQ-9 and GAD-7 totals over time, one panel per instrument, on a shared date axis.

    Each panel: the instrument's severity bands (light rectangles in the severity palette, labelled), the totals
    (solid line; hover lists every item's answer), the response threshold ``0.5 x baseline`` (at least a 50%
    reduction, docs/science.md §2) and the remission threshold (PHQ-9/GAD-7 total <= 4, ISI <= 7) as dashed lines.
    Medication starts, dose changes, switches and stops are vertical dotted lines labelled with drug and dose;
    progress-note dates are small ticks on the date axis.

    Parameters
    ----------
    assessments : sequence of AssessmentRecord
        ``instrument``, ``administered_on``, ``answers``, ``total``, ``severity`` (any order).
    medication_orders : sequence of MedicationOrder
    instruments : instruments to draw, one panel each (those without data show an empty panel with a note).
    note_dates : dates of progress notes.
    """
    parsed = [Instrument.parse(i) for i in instruments]
    fig = make_subplots(rows=len(parsed), cols=1, shared_xaxes=True, vertical_spacing=0.07)
    all_dates = [a.administered_on for a in assessments] + [o.start_date for o in medication_orders]
    for row, inst in enumerate(parsed, start=1):
        series = sorted((a for a in assessments if Instrument.parse(a.instrument) is inst),
                        key=lambda a: a.administered_on)
        top = inst.max_total
        for band in inst.spec.bands:
            fig.add_hrect(y0=band.min_total - 0.5 if band.min_total else 0, y1=min(band.max_total + 0.5, top),
                          fillcolor=tint(severity_colour(band.name), 0.22), line_width=0, layer="below",
                          row=row, col=1, exclude_empty_subplots=False)
            fig.add_annotation(xref="x domain", yref=f"y{'' if row == 1 else row}", x=1.0, xanchor="right",
                               y=(band.min_total + band.max_total) / 2, text=band.name, showarrow=False,
                               font=dict(size=10, color="#455a64"))
        if series:
            fig.add_trace(go.Scatter(
                x=[a.administered_on for a in series], y=[a.total for a in series], name=inst.value,
                mode="lines+markers", line=dict(color=INSTRUMENT_COLOURS.get(inst.value, OBSERVED), width=2.5),
                marker=dict(size=8, symbol=[SOURCE_SYMBOLS.get(a.source.value, "circle") for a in series]),
                customdata=[[a.severity, item_hover_text(inst, a.answers), a.source.label] for a in series],
                hovertemplate=(f"<b>{inst.value} %{{y}}</b> (%{{customdata[0]}})<br>%{{x|%d %b %Y}} · "
                               "%{customdata[2]}<br>%{customdata[1]}<extra></extra>"),
            ), row=row, col=1)
            baseline = series[0].total
            response_at = RESPONSE_MIN_REDUCTION_FRACTION * baseline
            if baseline > inst.spec.remission_max_total and len(series) >= 1:
                fig.add_hline(y=response_at, line=dict(color="#37474f", dash="dash", width=1.2), row=row, col=1,
                              annotation_text=f"response ≤ {response_at:g} (50% of baseline {baseline})",
                              annotation_position="top left", annotation_font_size=10)
            fig.add_hline(y=inst.spec.remission_max_total + 0.5, line=dict(color="#2e7d32", dash="dot", width=1.2),
                          row=row, col=1, annotation_text=f"remission ≤ {inst.spec.remission_max_total}",
                          annotation_position="bottom left", annotation_font_size=10)
        else:
            fig.add_annotation(xref="x domain", yref=f"y{'' if row == 1 else row} domain", x=0.5, y=0.5,
                               text=f"No {inst.value} yet. Enter one under Assessments.", showarrow=False,
                               font=dict(size=13, color="#455a64"))
        fig.update_yaxes(title_text=f"{inst.value} total (points)", range=[0, top + 0.5], row=row, col=1)
    med_events = _medication_event_rows(medication_orders)
    for on, _label, _hover in med_events:
        fig.add_vline(x=on, line=dict(color=MEDICATION_COLOUR, dash="dot", width=1.2), exclude_empty_subplots=False)
    if med_events:
        fig.add_trace(go.Scatter(
            x=[e[0] for e in med_events], y=[parsed[0].max_total + 0.2] * len(med_events), mode="markers+text",
            marker=dict(symbol="triangle-down", size=11, color=MEDICATION_COLOUR), text=[e[1] for e in med_events],
            textposition="top center", textfont=dict(size=10, color=MEDICATION_COLOUR), name="Medication change",
            hovertext=[e[2] for e in med_events], hovertemplate="%{x|%d %b %Y}: %{hovertext}<extra></extra>",
            cliponaxis=False,
        ), row=1, col=1)
    if note_dates:
        fig.add_trace(go.Scatter(
            x=list(note_dates), y=[0.3] * len(note_dates), mode="markers", name="Progress note",
            marker=dict(symbol="line-ns-open", size=12, color=COLOURWAY[1]),
            hovertemplate="Progress note %{x|%d %b %Y}<extra></extra>",
        ), row=len(parsed), col=1)
    height = 260 * len(parsed) + 120
    fig.update_layout(template=TEMPLATE_NAME, height=height, hovermode="closest",
                      title=dict(text="Symptom scores over time, with medication changes"),
                      margin=dict(t=110))
    fig.update_xaxes(title_text="date of administration", row=len(parsed), col=1)
    if all_dates:
        fig.update_xaxes(range=[min(all_dates), max(all_dates + [max(all_dates)])])
    return fig


def timeline_figure(events: Sequence[TimelineEvent]) -> go.Figure:
    """Assessments, medication changes, notes, visits and alerts on one dated strip (one row per kind).

    ``events`` are ``TimelineEvent``-like: ``on`` (date), ``kind``, ``title``, ``detail``.
    """
    fig = go.Figure()
    for kind in TIMELINE_KINDS:
        rows = [e for e in events if e.kind == kind]
        if not rows:
            continue
        fig.add_trace(go.Scatter(
            x=[e.on for e in rows], y=[kind.capitalize()] * len(rows), mode="markers", name=kind.capitalize(),
            marker=dict(size=11, color=TIMELINE_COLOURS[kind], symbol="diamond" if kind == "medication" else "circle"),
            customdata=[[e.title, (e.detail or "")[:140]] for e in rows],
            hovertemplate="%{x|%d %b %Y}<br><b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
        ))
    fig.update_layout(template=TEMPLATE_NAME, height=260, showlegend=False, hovermode="closest",
                      title=dict(text="Chart timeline: assessments, medication changes, notes, visits and alerts"))
    fig.update_xaxes(title_text="date")
    fig.update_yaxes(categoryorder="array", categoryarray=[k.capitalize() for k in reversed(TIMELINE_KINDS)])
    return fig


def trajectory_caption(outcomes: dict[str, OutcomeSummary], latest: dict[str, AssessmentRecord]) -> str:
    """The one sentence under the chart: the outcome sentence per instrument, or what is missing."""
    parts = [o.sentence for o in outcomes.values()]
    if not parts and latest:
        parts = [f"Only one {k} so far ({v.total}, {v.severity}, {format_date(v.administered_on)}): change needs a "
                 "second score." for k, v in latest.items()]
    return " ".join(parts) or "No assessments yet. Enter a PHQ-9 or GAD-7 under Assessments."
