"""The caseload's vocabulary: sort keys, severity filter names, the query, and a patient's stored summary figures.

Standard library only. The severity names are the short band names of PHQ-9 and GAD-7
(:mod:`novamind_core.domain.instruments`), so the filter, the service's check and the table cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from novamind_core.domain.instruments import Instrument

#: Caseload orderings, in the order the menu offers them.
SORT_KEYS: tuple[str, ...] = ("priority", "phq9", "gad7", "last_assessed", "next_due", "registered", "name")

#: Severity names a caseload can be filtered by: the PHQ-9 and GAD-7 band names, mildest first.
SEVERITY_NAMES: tuple[str, ...] = tuple(dict.fromkeys(
    band.name for instrument in (Instrument.PHQ9, Instrument.GAD7) for band in instrument.spec.bands))

#: Most rows one caseload page may hold.
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class CaseloadQuery:
    """Filters and ordering for the caseload query (all optional)."""

    user_id: int | None  # restrict to this user's care team (None: all patients, for admin tools and benchmarks)
    search_indexes: tuple[str, ...] = ()
    status: str | None = "active"
    severities: tuple[str, ...] = ()
    only_alerts: bool = False
    only_overdue: bool = False
    patient_ids: tuple[int, ...] | None = None  # restrict to these patients (e.g. questionnaires overdue)
    today: date | None = None
    overdue_days: int = 28
    sort: str = "priority"
    descending: bool = True
    limit: int = 25
    offset: int = 0


@dataclass(frozen=True)
class PatientSummary:
    """A patient's stored caseload figures (kept current by the services that change them)."""

    patient_id: int
    registered_on: date | None = None
    phq9_latest: int | None = None
    phq9_previous: int | None = None
    phq9_severity: str | None = None
    phq9_latest_on: date | None = None
    gad7_latest: int | None = None
    gad7_previous: int | None = None
    gad7_severity: str | None = None
    gad7_latest_on: date | None = None
    last_assessed_on: date | None = None
    next_assessment_due: date | None = None
    next_visit_at: datetime | None = None
    open_alerts: int = 0
    open_item9_alerts: int = 0


@dataclass(frozen=True)
class CaseloadMatch:
    """One patient the caseload query found: the decrypted identity columns and the stored summary."""

    patient_id: int
    mrn: str = field(repr=False)
    given_name: str = field(repr=False)
    family_name: str = field(repr=False)
    date_of_birth: date = field(repr=False)
    sex_at_birth: str
    status: str
    summary: PatientSummary
