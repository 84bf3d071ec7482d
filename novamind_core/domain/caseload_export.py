"""The caseload as a CSV file: the audited replacement for the table's own download (switched off in the app).

Pure: :func:`caseload_csv_text` turns :class:`~novamind_core.domain.records.CaseloadRow` lines into CSV text through
:func:`novamind_core.domain.spreadsheet.csv_text` (names and diagnoses are typed or imported text, so formulae are
neutralised). The file name carries the date only, never an MRN (:func:`caseload_file_name`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from novamind_core.domain.records import CaseloadRow
from novamind_core.domain.spreadsheet import csv_text

#: Most patients one caseload export holds (a clinician's caseload is a few hundred; a clinic lead's a few thousand).
MAX_CASELOAD_EXPORT_ROWS = 5000
CASELOAD_CSV_COLUMNS = ("name", "mrn", "age_years", "sex_at_birth", "status", "primary_diagnosis", "phq9_latest",
                        "phq9_severity", "phq9_latest_on", "gad7_latest", "gad7_severity", "gad7_latest_on",
                        "days_since_assessed", "overdue", "next_assessment_due", "open_alerts", "item9_alert",
                        "questionnaires", "active_medications")


@dataclass(frozen=True)
class CaseloadExport:
    """A prepared caseload download: file name (no identifier), CSV bytes and how many patients it holds."""

    filename: str
    content: bytes = field(repr=False)
    n_patients: int
    truncated: bool = False


def caseload_file_name(today: date) -> str:
    return f"novamind-caseload-{today.isoformat()}.csv"


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def caseload_csv_text(rows: Sequence[CaseloadRow]) -> str:
    """One line per patient, in the order given, with units in the column names where they matter."""
    return csv_text(CASELOAD_CSV_COLUMNS, (
        (r.full_name, r.mrn, r.age_years, r.sex_at_birth, r.status,
         f"{r.primary_diagnosis.code} {r.primary_diagnosis.label}" if r.primary_diagnosis else "",
         "" if r.phq9_latest is None else r.phq9_latest, r.phq9_severity or "", _day(r.phq9_latest_on),
         "" if r.gad7_latest is None else r.gad7_latest, r.gad7_severity or "", _day(r.gad7_latest_on),
         "" if r.days_since_assessment is None else r.days_since_assessment, "yes" if r.overdue else "no",
         _day(r.next_assessment_due), r.open_alerts, "yes" if r.item9_alert else "no", r.questionnaires.label,
         "; ".join(r.active_medications)) for r in rows))


__all__ = ["CASELOAD_CSV_COLUMNS", "MAX_CASELOAD_EXPORT_ROWS", "CaseloadExport", "caseload_csv_text",
           "caseload_file_name"]
