"""Interoperability: FHIR R4 Bundles (import and export) and CSV imports of clinical and wearable data.

Pure: files in, validated frozen records (:class:`ClinicalBatch`) out, every problem reported with its row, column
and value. Writing goes through :class:`novamind_core.services.imports.ImportService` (permission, care team, audit,
one transaction).
"""

from novamind_core.interop.csv_clinical import (
    parse_assessments_csv,
    parse_medications_csv,
    read_assessments_csv,
    read_medications_csv,
)
from novamind_core.interop.fhir_export import patient_bundle
from novamind_core.interop.fhir_import import BundleReadResult, parse_bundle, read_bundle
from novamind_core.interop.records import (
    AssessmentEntry,
    ClinicalBatch,
    DailyEntry,
    MedicationEntry,
    MinuteDays,
    PatientEntry,
)

__all__ = [
    "AssessmentEntry", "BundleReadResult", "ClinicalBatch", "DailyEntry", "MedicationEntry", "MinuteDays",
    "PatientEntry", "parse_assessments_csv", "parse_bundle", "parse_medications_csv", "patient_bundle",
    "read_assessments_csv", "read_bundle", "read_medications_csv",
]
