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

from components.shared.theme import (
    COLOURWAY,
    OBSERVED,
    SECONDARY,
    TEMPLATE_NAME,
    format_date,
    padded_date_range,
    severity_colour,
)
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
    labels = instrument.spec.all_items  # the unscored extra items too (PHQ-9 item 10)
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
    # Built as lists and handed to Plotly once: each add_hrect/add_hline/add_vline call re-validates every shape
    # already on the figure (0.11 s for a two-panel chart), one layout update takes milliseconds.
    fig = make_subplots(rows=len(parsed), cols=1, shared_xaxes=True, vertical_spacing=0.07)
    all_dates = [a.administered_on for a in assessments] + [o.start_date for o in medication_orders]
    shapes: list[dict[str, object]] = []
    annotations: list[dict[str, object]] = []
    traces: list[go.Scatter] = []
    axes: dict[str, object] = {}
    for row, inst in enumerate(parsed, start=1):
        x_ref, y_ref = _axis_names(row)
        series = sorted((a for a in assessments if Instrument.parse(a.instrument) is inst),
                        key=lambda a: a.administered_on)
        top = inst.max_total
        for band in inst.spec.bands:
            shapes.append(dict(fillcolor=tint(severity_colour(band.name), 0.22), layer="below", line=dict(width=0),
                               type="rect", x0=0, x1=1, xref=f"{x_ref} domain",
                               y0=band.min_total - 0.5 if band.min_total else 0,
                               y1=min(band.max_total + 0.5, top), yref=y_ref))
            annotations.append(dict(xref="x domain", yref=y_ref, x=1.0, xanchor="right",
                                    y=(band.min_total + band.max_total) / 2, text=band.name, showarrow=False,
                                    font=dict(size=10, color="#455a64")))
        if series:
            traces.append(go.Scatter(
                x=[a.administered_on for a in series], y=[a.total for a in series], name=inst.value,
                mode="lines+markers", line=dict(color=INSTRUMENT_COLOURS.get(inst.value, OBSERVED), width=2.5),
                marker=dict(size=8, symbol=[SOURCE_SYMBOLS.get(a.source.value, "circle") for a in series]),
                customdata=[[a.severity, item_hover_text(inst, a.all_answers), a.source.label] for a in series],
                hovertemplate=(f"<b>{inst.value} %{{y}}</b> (%{{customdata[0]}})<br>%{{x|%-d %b %Y}} · "
                               "%{customdata[2]}<br>%{customdata[1]}<extra></extra>"),
                xaxis=x_ref, yaxis=y_ref, cliponaxis=False,
            ))
            baseline = series[0].total
            response_at = RESPONSE_MIN_REDUCTION_FRACTION * baseline
            remission_max = inst.spec.remission_max_total
            if remission_max is not None and baseline > remission_max and len(series) >= 1:
                shapes.append(_horizontal_line(response_at, "#37474f", "dash", row))
                annotations.append(_line_label(response_at, f"response ≤ {response_at:g} (50% of baseline {baseline})",
                                               "bottom", row))
            if remission_max is not None:
                remission_at = remission_max + 0.5
                shapes.append(_horizontal_line(remission_at, "#2e7d32", "dot", row))
                annotations.append(_line_label(remission_at, f"remission ≤ {remission_max}", "top", row))
        else:
            annotations.append(dict(xref="x domain", yref=f"{y_ref} domain", x=0.5, y=0.5,
                                    text=f"No {inst.value} yet. Enter one under Assessments.", showarrow=False,
                                    font=dict(size=13, color="#455a64")))
        axes[f"yaxis{'' if row == 1 else row}"] = dict(title=dict(text=f"{inst.value} total (points)"),
                                                       range=[0, top + 0.5])
    med_events = _medication_event_rows(medication_orders)
    for on, _label, _hover in med_events:
        for row in range(1, len(parsed) + 1):
            x_ref, y_ref = _axis_names(row)
            shapes.append(dict(line=dict(color=MEDICATION_COLOUR, dash="dot", width=1.2), type="line", x0=on, x1=on,
                               xref=x_ref, y0=0, y1=1, yref=f"{y_ref} domain"))
    if med_events:
        traces.append(go.Scatter(
            x=[e[0] for e in med_events], y=[parsed[0].max_total + 0.2] * len(med_events), mode="markers+text",
            marker=dict(symbol="triangle-down", size=11, color=MEDICATION_COLOUR), text=[e[1] for e in med_events],
            textposition="top center", textfont=dict(size=10, color=MEDICATION_COLOUR), name="Medication change",
            hovertext=[e[2] for e in med_events], hovertemplate="%{x|%-d %b %Y}: %{hovertext}<extra></extra>",
            cliponaxis=False, xaxis="x", yaxis="y",
        ))
    if note_dates:
        x_ref, y_ref = _axis_names(len(parsed))
        traces.append(go.Scatter(
            x=list(note_dates), y=[0.3] * len(note_dates), mode="markers", name="Progress note",
            marker=dict(symbol="line-ns-open", size=12, color=COLOURWAY[1]),
            hovertemplate="Progress note %{x|%-d %b %Y}<extra></extra>", xaxis=x_ref, yaxis=y_ref,
        ))
    last_x = f"xaxis{'' if len(parsed) == 1 else len(parsed)}"
    axes[last_x] = dict(title=dict(text="date of administration"))
    date_range = padded_date_range(all_dates)
    fig.add_traces(traces)
    fig.update_layout(template=TEMPLATE_NAME, height=260 * len(parsed) + 120, hovermode="closest",
                      title=dict(text="Symptom scores over time, with medication changes"), margin=dict(t=110),
                      shapes=shapes, annotations=annotations, **axes)
    if date_range:
        fig.update_xaxes(range=date_range)
    return fig


def _axis_names(row: int) -> tuple[str, str]:
    """The x and y axis names of subplot ``row`` ("x", "y" for the first, "x2", "y2" for the second...)."""
    suffix = "" if row == 1 else str(row)
    return f"x{suffix}", f"y{suffix}"


def _horizontal_line(y: float, colour: str, dash: str, row: int) -> dict[str, object]:
    """A threshold line across subplot ``row`` (what ``add_hline(row=row)`` adds)."""
    x_ref, y_ref = _axis_names(row)
    return dict(line=dict(color=colour, dash=dash, width=1.2), type="line", x0=0, x1=1, xref=f"{x_ref} domain",
                y0=y, y1=y, yref=y_ref)


def _line_label(y: float, text: str, side: str, row: int) -> dict[str, object]:
    """A threshold line's label at its left end, above (``side="bottom"``) or below it (what ``add_hline`` adds)."""
    x_ref, y_ref = _axis_names(row)
    return dict(font=dict(size=10), showarrow=False, text=text, x=0, xanchor="left", xref=f"{x_ref} domain", y=y,
                yanchor=side, yref=y_ref)


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
            hovertemplate="%{x|%-d %b %Y}<br><b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
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
