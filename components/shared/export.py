"""Exports of one patient's chart: the data as CSV, and a printable summary as HTML and PDF.

* CSV: one row per assessment (with item answers) and per medication order, in date order (pure).
* HTML: a self-contained, print-styled page with the trajectory figure embedded as a PNG (pure given the PNG).
* PNG: Plotly static export through kaleido, which drives Debian's chromium (docs/development.md §9, "Plotly static
  export").
* PDF: chromium's own ``--print-to-pdf`` of that HTML. Without chromium, :func:`pdf_unavailable_reason` says what is
  missing instead of failing.
"""

from __future__ import annotations

import base64
import html
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from components.shared.theme import DISCLAIMER, format_date, format_datetime
from novamind_core.bootstrap import Services
from novamind_core.domain.medications import MedicationOrder
from novamind_core.domain.records import AssessmentRecord, ChartSummary
from novamind_core.domain.users import User
from novamind_core.interop.spreadsheet import safe_frame

if TYPE_CHECKING:
    import plotly.graph_objects as go

PDF_TIMEOUT_S = 60
"""Longest wait for chromium to print the PDF (a cold start takes a few seconds)."""


def chromium_path() -> str | None:
    """Debian's chromium (``BROWSER_PATH`` overrides, as for kaleido), or None when it is not installed."""
    override = os.environ.get("BROWSER_PATH")
    if override and Path(override).exists():
        return override
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def pdf_unavailable_reason() -> str | None:
    """Why PDF export cannot run here (None when it can)."""
    if chromium_path() is None:
        return ("PDF export needs a Chromium browser on the server, which is not installed. Ask your administrator "
                "to install Debian's `chromium` package (`apt-get install chromium`), or download the HTML summary "
                "and print it to PDF from your browser.")
    return None


def export_file_stem(what: str, when: datetime | None = None) -> str:
    """A download's file name without its extension: ``novamind-<what>-<YYYY-MM-DD-HHMM>``.

    Never the MRN or a name: the file lands in a Downloads folder, a browser's history and mail attachments, where an
    identifier in the name is disclosed without the file being opened. The time tells two downloads apart."""
    moment = when or datetime.now()
    safe = "".join(c if c.isalnum() else "-" for c in what.lower()).strip("-") or "export"
    return f"novamind-{safe}-{moment:%Y-%m-%d-%H%M}"


def chart_csv(assessments: Sequence[AssessmentRecord], medication_orders: Sequence[MedicationOrder]) -> str:
    """The chart's data as CSV text: assessments (total, band, item answers) and medication orders by date."""
    rows: list[dict[str, object]] = []
    for a in assessments:
        row: dict[str, object] = {"date": a.administered_on.isoformat(), "record": "assessment",
                               "instrument": a.instrument.value, "total": a.total, "severity": a.severity}
        row.update({f"item_{i}": v for i, v in enumerate(a.answers, start=1)})
        rows.append(row)
    for m in medication_orders:
        rows.append({"date": m.start_date.isoformat(), "record": f"medication {m.change_kind.value}",
                     "drug": m.drug, "dose_mg": m.dose_mg, "frequency": m.frequency.value,
                     "stop_date": m.stop_date.isoformat() if m.stop_date else "", "reason": m.start_reason or "",
                     "stop_reason": m.stop_reason or ""})
    columns = ["date", "record", "instrument", "total", "severity", *[f"item_{i}" for i in range(1, 10)], "drug",
               "dose_mg", "frequency", "stop_date", "reason", "stop_reason"]
    frame = pd.DataFrame(rows, columns=columns).sort_values(["date", "record"], kind="stable")
    whole = ["total", *[f"item_{i}" for i in range(1, 10)]]
    frame[whole] = frame[whole].astype("Int64")  # whole points, blank where not applicable (not 9.0)
    buffer = io.StringIO()
    safe_frame(frame).to_csv(buffer, index=False)  # reasons are typed or imported text: no spreadsheet formulae
    return buffer.getvalue()


def figure_png(fig: go.Figure, width: int = 1000, height: int | None = None) -> bytes:
    """The figure as PNG bytes (kaleido + chromium); raises RuntimeError with the reason when that fails."""
    try:
        return fig.to_image(format="png", width=width, height=height or fig.layout.height or 600, scale=1)
    except Exception as exc:  # kaleido reports a missing browser with its own exception types
        raise RuntimeError(f"static figure export failed ({type(exc).__name__}); is chromium installed?") from exc


def summary_html(chart: ChartSummary, assessments: Sequence[AssessmentRecord],
                 medication_orders: Sequence[MedicationOrder], *, figure: bytes | None,
                 generated_by: str, generated_at: datetime) -> str:
    """A printable one-to-two-page summary: header, outcome sentences, figure, alerts, medications, scores."""
    p = chart.patient
    esc = html.escape
    primary = p.primary_diagnosis
    meds = "".join(f"<li>{esc(m.describe())} since {format_date(m.start_date)}</li>" for m in chart.active_medications)
    outcomes = "".join(f"<p class='sentence'>{esc(o.sentence)}</p>" for o in chart.outcomes.values())
    alerts = "".join(f"<li>{esc(a.text)}</li>" for a in chart.open_alerts)  # in words, no storage prefix
    scores = "".join(f"<tr><td>{format_date(a.administered_on)}</td><td>{esc(a.instrument.value)}</td>"
                     f"<td>{a.total}</td><td>{esc(a.severity)}</td></tr>"
                     for a in sorted(assessments, key=lambda a: a.administered_on, reverse=True)[:20])
    history = "".join(f"<tr><td>{esc(m.describe())}</td><td>{format_date(m.start_date)}</td>"
                      f"<td>{format_date(m.stop_date) if m.stop_date else 'active'}</td>"
                      f"<td>{esc(m.start_reason or '')}</td></tr>" for m in medication_orders)
    image = (f"<img alt='Symptom scores over time' src='data:image/png;base64,{base64.b64encode(figure).decode()}'>"
             if figure else "<p class='muted'>Figure not included (static export unavailable on this server).</p>")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Patient summary</title>
<style>
 @page {{ size: A4; margin: 14mm; }}
 body {{ font-family: "Source Sans Pro", Helvetica, Arial, sans-serif; color: #1a2733; font-size: 11pt; }}
 h1 {{ font-size: 18pt; margin: 0; }} h2 {{ font-size: 13pt; border-bottom: 1px solid #cfd8dc; margin-top: 16px; }}
 .muted {{ color: #546e7a; }} .sentence {{ font-weight: 600; }}
 table {{ border-collapse: collapse; width: 100%; font-size: 10pt; }}
 td, th {{ border-bottom: 1px solid #e3e8ee; padding: 3px 6px; text-align: left; }}
 img {{ width: 100%; max-width: 1000px; }}
 footer {{ margin-top: 18px; font-size: 9pt; color: #546e7a; border-top: 1px solid #cfd8dc; padding-top: 4px; }}
</style></head><body>
<h1>{esc(p.full_name)}</h1>
<p class="muted">MRN {esc(p.mrn)} · born {format_date(p.date_of_birth)} ({chart.age_years} y)
 · {esc(p.sex_at_birth.value)} · {esc(f'{primary.code} {primary.label}' if primary else 'no diagnosis recorded')}
 · care team: {esc(', '.join(chart.care_team_names))}</p>
<h2>Outcome</h2>{outcomes or "<p class='muted'>Change needs at least two scores on one instrument.</p>"}
{image}
<h2>Open alerts</h2>{f"<ul>{alerts}</ul>" if alerts else "<p class='muted'>None.</p>"}
<h2>Current medications</h2>{f"<ul>{meds}</ul>" if meds else "<p class='muted'>None active.</p>"}
<h2>Medication history</h2><table><tr><th>Order</th><th>Start</th><th>Stop</th><th>Reason</th></tr>{history}</table>
<h2>Recent scores</h2><table><tr><th>Date</th><th>Instrument</th><th>Total</th><th>Severity</th></tr>{scores}</table>
<footer>Generated {format_datetime(generated_at)} by {esc(generated_by)} · Confidential: contains identifiable
patient data. {esc(DISCLAIMER)}</footer>
</body></html>"""


def html_to_pdf(document: str, browser: str | None = None) -> bytes:
    """Print ``document`` to PDF with headless chromium; raises RuntimeError with the reason on failure."""
    browser = browser or chromium_path()
    if browser is None:
        raise RuntimeError(pdf_unavailable_reason() or "chromium not found")
    with tempfile.TemporaryDirectory(prefix="novamind-pdf-") as tmp:
        source, target = Path(tmp) / "summary.html", Path(tmp) / "summary.pdf"
        source.write_text(document, encoding="utf-8")
        os.chmod(source, 0o600)
        command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync",
                   f"--user-data-dir={Path(tmp) / 'profile'}", "--no-pdf-header-footer",
                   f"--print-to-pdf={target}", source.as_uri()]
        try:
            subprocess.run(command, capture_output=True, timeout=PDF_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"chromium did not finish printing within {PDF_TIMEOUT_S} s") from exc
        if not target.exists() or target.stat().st_size == 0:
            raise RuntimeError("chromium did not produce a PDF")
        return target.read_bytes()


def record_export(services: Services, user: User, patient_id: int, kind: str) -> None:
    """Check and audit an export through the service layer (raises PermissionDenied when it is not allowed)."""
    services.patients.record_export(user, patient_id, kind)
