"""Pure Plotly builders for the twin-state page (data -> ``go.Figure``); no Streamlit, tested on their figure data.

The patient's current twin: regional neurotransmitter heatmap, brain map, symptom domains, target occupancy, the
version timeline and the rows of a version diff. Conventions (docs/ux.md): titles say what the figure shows, axes carry
units. Inputs are the twin service's frozen results (``TwinStateView``, ``VersionInfo``, ``SnapshotDifference``),
read by attribute. The scenario and timeline figures are in :mod:`components.simulation.charts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from components.shared.theme import (
    COLOURWAY,
    OBSERVED,
    TEMPLATE_NAME,
    format_date,
    padded_date_range,
    severity_colour,
)
from novamind_core.domain.brain import CIRCUITS, NEUROTRANSMITTERS, REGIONS, Neurotransmitter, Region
from novamind_core.domain.twin import SnapshotDifference
from novamind_core.services.twin_types import TwinStateView, VersionInfo
from novamind_core.twin.state import SymptomDomains

MAX_VERSION_TICKS = 8

#: Which targets drive each modelled neurotransmitter (twin dynamics docstring, novamind_core/twin/dynamics.py).
NT_DRIVERS: dict[str, tuple[str, ...]] = {
    "serotonin": ("SERT", "5-HT1A", "5-HT3", "alpha-2"),
    "norepinephrine": ("NET", "alpha-2"),
    "dopamine": ("DAT", "NET"),
    "histamine": ("H1",),
}
MODELLED = ("serotonin", "norepinephrine", "dopamine")
DOMAIN_LABELS: dict[str, str] = {"depressed_mood": "Depressed mood", "anhedonia": "Anhedonia", "anxiety": "Anxiety",
                                 "sleep": "Sleep", "energy": "Energy", "concentration": "Concentration"}


def region_order() -> list[tuple[str, Region]]:
    """Regions grouped by circuit (``domain.brain.CIRCUITS``), as (circuit, region) in display order."""
    return [(circuit, r) for circuit, regions in CIRCUITS.items() for r in regions]


def driver_text(nt: str, occupancy_percent: Mapping[str, float], drugs: Sequence[str]) -> str:
    """Which drug and target move this neurotransmitter, e.g. ``"sertraline via SERT 84%"``."""
    if nt not in NT_DRIVERS or nt == "histamine":
        return "not modelled (held at the patient's baseline)"
    targets = [(t, occupancy_percent.get(t, 0.0)) for t in NT_DRIVERS[nt] if occupancy_percent.get(t, 0.0) >= 1.0]
    if not targets:
        return "no drug acting on it (baseline)"
    who = ", ".join(drugs) if drugs else "current medication"
    return f"{who} via " + ", ".join(f"{t} {o:.0f}%" for t, o in targets)


def neurotransmitter_columns(show_unmodelled: bool) -> list[Neurotransmitter]:
    """The heat map's columns: the modelled neurotransmitters first, then (when asked) the ones held at baseline."""
    modelled = [n for n in NEUROTRANSMITTERS if n.value in MODELLED]
    return modelled + ([n for n in NEUROTRANSMITTERS if n.value not in MODELLED] if show_unmodelled else [])


def state_heatmap(view: TwinStateView, columns: Sequence[Neurotransmitter] | None = None) -> go.Figure:
    """Regional neurotransmitter levels relative to the patient's baseline: 23 regions (grouped by circuit) x the
    chosen neurotransmitters (default all 12, the modelled ones first).

    Colour: level (1.0 = baseline; diverging scale). Hover: level, its 90% interval across virtual PK patients
    (the confidence), and the drug and target that drive it.
    """
    state = view.state
    order = region_order()
    chosen = list(columns) if columns is not None else neurotransmitter_columns(True)
    nts = [n.value for n in chosen]
    all_nts = [n.value for n in NEUROTRANSMITTERS]
    z, text, custom = [], [], []
    for _circuit, region in order:
        i = REGIONS.index(region)
        row, trow, crow = [], [], []
        for nt in nts:
            j = all_nts.index(nt)
            v = state.nt_levels[i][j]
            lo, hi = view.level_p05[i][j], view.level_p95[i][j]
            row.append(v)
            trow.append(f"{v:.2f}" if nt in MODELLED else "")
            crow.append([f"{lo:.2f}–{hi:.2f}", driver_text(nt, state.occupancy_percent, view.drugs_on_board)])
        z.append(row)
        text.append(trow)
        custom.append(crow)
    labels = [r.label for _c, r in order]
    fig = go.Figure(go.Heatmap(
        z=z, x=[n.label for n in chosen], y=labels, text=text, texttemplate="%{text}",
        textfont=dict(size=10), customdata=custom, zmid=1.0, zmin=0.5, zmax=1.5,
        colorscale=[[0.0, "#1565c0"], [0.5, "#f7f7f7"], [1.0, "#c62828"]],
        colorbar=dict(title=dict(text="× baseline"), thickness=14),
        hovertemplate=("<b>%{y}</b> · %{x}<br>level %{z:.2f} × baseline<br>90% interval %{customdata[0]}"
                       "<br>driver: %{customdata[1]}<extra></extra>"),
        xgap=1, ygap=1,
    ))
    start = 0
    for circuit, regions in CIRCUITS.items():
        end = start + len(regions)
        if start:
            fig.add_hline(y=start - 0.5, line=dict(color="#37474f", width=2))
        fig.add_annotation(x=0, xref="paper", xanchor="right", xshift=-175, y=(start + end - 1) / 2, yref="y",
                           text=f"<b>{circuit}</b>", showarrow=False, textangle=-90, font=dict(size=10))
        start = end
    fig.update_yaxes(autorange="reversed", title_text=None, ticklabelstandoff=4)
    fig.update_xaxes(side="top", tickangle=-35, title_text=None, showgrid=False)
    fig.update_layout(template=TEMPLATE_NAME, height=760, margin=dict(l=215, t=150, r=20, b=30), hovermode="closest",
                      title=dict(y=0.98, yanchor="top",
                                 text=f"Neurotransmitter levels by region (as of {format_date(view.as_of)}), "
                                      "relative to the patient's baseline"))
    return fig


def brain_map(view: TwinStateView, nt: str) -> go.Figure:
    """Region centroids (MNI152 mm, cited atlases in ``data/brain_projections.json``) in a side and a top view,
    coloured and sized by the level of ``nt``; bilateral regions are drawn in both hemispheres (x mirrored)."""
    from novamind_core.twin.projections import load_projections

    table = load_projections()
    j = NEUROTRANSMITTERS.index(Neurotransmitter(nt))
    xs, ys, zs, vals, names, atlas = [], [], [], [], [], []
    for i, region in enumerate(REGIONS):
        x, y, zc = table.centroids_mni_mm[region.value]
        for sx in ((1, -1) if abs(x) > 3 else (1,)):
            xs.append(sx * x)
            ys.append(y)
            zs.append(zc)
            vals.append(view.state.nt_levels[i][j])
            names.append(region.label)
            atlas.append(table.atlas[region.value].split(";")[0])
    size = [10 + 40 * min(abs(v - 1.0), 0.6) for v in vals]
    marker = dict(color=vals, cmin=0.5, cmax=1.5, cmid=1.0, size=size, line=dict(color="#37474f", width=0.6),
                  colorscale=[[0.0, "#1565c0"], [0.5, "#f7f7f7"], [1.0, "#c62828"]])
    hover = "<b>%{text}</b><br>%{marker.color:.2f} × baseline<br>%{customdata}<extra></extra>"
    fig = make_subplots(rows=1, cols=2, subplot_titles=["Side view (left = back of the head)",
                                                        "Top view (up = front)"], horizontal_spacing=0.08)
    fig.add_trace(go.Scatter(x=ys, y=zs, mode="markers", text=names, customdata=atlas, hovertemplate=hover,
                             marker={**marker, "colorbar": dict(title=dict(text="× baseline"), thickness=14)},
                             name="side"), row=1, col=1)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", text=names, customdata=atlas, hovertemplate=hover,
                             marker=marker, name="top"), row=1, col=2)
    fig.update_xaxes(title_text="posterior ← y (mm) → anterior", range=[-100, 75], row=1, col=1)
    fig.update_yaxes(title_text="z (mm)", range=[-70, 80], scaleanchor="x", row=1, col=1)
    fig.update_xaxes(title_text="left ← x (mm) → right", range=[-75, 75], row=1, col=2)
    fig.update_yaxes(title_text="y (mm)", range=[-100, 75], scaleanchor="x2", row=1, col=2)
    label = Neurotransmitter(nt).label
    fig.update_layout(template=TEMPLATE_NAME, height=440, showlegend=False, hovermode="closest",
                      title=dict(text=f"{label} by region: centroids in MNI152 space, size and colour = level"))
    return fig


def symptom_profile(symptoms: SymptomDomains) -> go.Figure:
    """Symptom domains 0-1 from the latest item-level PHQ-9/GAD-7/ISI, as horizontal bars (missing = no bar)."""
    names = list(DOMAIN_LABELS)
    values = [getattr(symptoms, n) for n in names]
    words = ["none" if v is None else ("minimal" if v < 0.25 else "mild" if v < 0.5 else "moderate" if v < 0.75
                                       else "severe") for v in values]
    fig = go.Figure(go.Bar(
        y=[DOMAIN_LABELS[n] for n in names], x=[v if v is not None else 0 for v in values], orientation="h",
        marker=dict(color=[severity_colour(w) if v is not None else "#cfd8dc" for v, w in zip(values, words,
                                                                                                 strict=True)]),
        text=[f"{v:.0%} · {w}" if v is not None else "no data" for v, w in zip(values, words, strict=True)],
        textposition="outside", hovertemplate="%{y}: %{x:.0%} of the domain's maximum<extra></extra>",
    ))
    title = "Symptom domains from the latest item-level assessments"
    if symptoms.suicidality_risk_flag:
        fig.add_annotation(x=0.5, xref="paper", y=1.08, yref="paper", showarrow=False,
                           text="⚠ PHQ-9 item 9 above zero: suicidality risk flag", font=dict(color="#c62828"))
    fig.update_xaxes(range=[0, 1.25], tickformat=".0%", title_text="severity (share of the domain's maximum)")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(template=TEMPLATE_NAME, height=330, showlegend=False, hovermode="closest",
                      title=dict(text=title))
    return fig


def occupancy_bars(occupancy_percent: Mapping[str, float]) -> go.Figure:
    """Current occupancy per target (%), median PK patient; targets at 0% are left out."""
    items = [(t, v) for t, v in occupancy_percent.items() if v >= 0.5]
    fig = go.Figure(go.Bar(x=[t for t, _ in items], y=[v for _, v in items], marker_color=COLOURWAY[0],
                           text=[f"{v:.0f}%" for _, v in items], textposition="outside",
                           hovertemplate="%{x}: %{y:.1f}% occupied<extra></extra>"))
    if not items:
        fig.add_annotation(x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                           text="No drug on board: no target is occupied.")
    fig.add_hline(y=80, line=dict(color="#37474f", dash="dot", width=1), annotation_text="80% SERT (Meyer 2004)",
                  annotation_position="top left", annotation_font_size=10)
    fig.update_yaxes(range=[0, 105], title_text="occupancy (%)")
    fig.update_layout(template=TEMPLATE_NAME, height=330, showlegend=False, hovermode="closest",
                      title=dict(text="Target occupancy now (transporters and receptors)"))
    return fig


def version_ticks(days: Sequence[date], most: int = MAX_VERSION_TICKS) -> list[date]:
    """The version dates to label, each once (Plotly's own ticks on a span of a few days fall every few hours and
    repeat each day's label); at most ``most`` of them, evenly spread, the first and the last included."""
    distinct = sorted(set(days))
    if len(distinct) <= most:
        return distinct
    step = (len(distinct) - 1) / (most - 1)
    return sorted({distinct[round(i * step)] for i in range(most)})


def version_timeline(versions: Sequence[VersionInfo]) -> go.Figure:
    """Twin versions placed by clinical date (the date of the data each reflects: its latest assessment or visit),
    labelled with the version number and what triggered it; the storage clock only appears in the hover."""
    fig = go.Figure(go.Scatter(
        x=[clinical_date(v) for v in versions], y=[v.trigger for v in versions], mode="markers+text",
        text=[f"v{v.version}" for v in versions], textposition="top center", cliponaxis=False,
        marker=dict(size=14, color=OBSERVED, symbol="diamond"),
        customdata=[[v.change_text, "" if v.phq9_total is None else v.phq9_total, format_date(clinical_date(v)),
                     format_date(v.created_at)] for v in versions],
        hovertemplate=("<b>version %{text}</b> · data to %{customdata[2]}<br>%{customdata[0]}<br>"
                       "PHQ-9 %{customdata[1]} · stored %{customdata[3]}<extra></extra>"),
    ))
    fig.update_layout(template=TEMPLATE_NAME, height=260, showlegend=False, hovermode="closest",
                      title=dict(text="Twin versions by the clinical date of their data, and what triggered each"))
    ticks = version_ticks([clinical_date(v) for v in versions])
    fig.update_xaxes(title_text="clinical date (latest assessment or visit the version reflects)",
                     tickvals=ticks, ticktext=[format_date(d) for d in ticks],
                     range=padded_date_range([clinical_date(v) for v in versions]))
    fig.update_yaxes(title_text=None)
    return fig


def clinical_date(version: VersionInfo) -> date:
    """The date of the data a version reflects; the storage date only for an old version that did not record it."""
    return version.as_of or version.created_at.date()


def _fmt(value: object) -> str:
    if isinstance(value, list):
        return f"{len(value)} items"
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def diff_rows(difference: SnapshotDifference, limit: int = 200) -> list[dict[str, str | float | None]]:
    """Changed values between two versions, largest numeric change first (digests and intervals left out)."""
    rows = []
    for path, old, new in difference.changed:
        if path.startswith(("inputs.digests", "level_interval")):
            continue
        delta = (new - old) if isinstance(old, int | float) and isinstance(new, int | float) and not isinstance(
            old, bool) else None
        rows.append({"what": path.replace("state.", "").replace("nt_levels.", "level: ").replace(".", " · "),
                     "before": _fmt(old), "after": _fmt(new),
                     "change": None if delta is None else round(delta, 4)})
    rows.sort(key=lambda r: -abs(r["change"]) if r["change"] is not None else 0.0)
    return rows[:limit]

