"""What a twin page's view call reads once and hands to every builder: the chart rows, the patient banner and the
learned models' outputs, all inside the view's own transaction (no permission check or audit here: the view's use
case does both, once).

The twin inputs (:func:`novamind_core.services.twin_inputs.build_inputs`), the banner
(:func:`novamind_core.services.charts.chart_summary`) and the models' chart
(:class:`novamind_core.services.prediction_inputs.Chart`) are built from the same :class:`ChartReads`, so a twin page
reads the patient, the assessment history, the medication orders and the wearable summaries once per view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from novamind_core.domain.medications import MedicationOrder
from novamind_core.domain.patients import Patient
from novamind_core.domain.records import AssessmentRecord, ChartSummary
from novamind_core.domain.wearables import DailySummary
from novamind_core.services.charts import chart_summary
from novamind_core.services.ports import UnitOfWork
from novamind_core.services.prediction_inputs import Chart
from novamind_core.services.prediction_types import KeptModelOutputs, ModelOutputs, ModelOutputsKey
from novamind_core.services.predictions import model_outputs, recent_minute_days

#: Weeks ahead the twin-state page's PHQ-9 forecast shows.
FORECAST_WEEKS = 8


@dataclass(frozen=True)
class ChartReads:
    """The chart rows a twin page view reads once: the patient, assessments and orders (oldest first), and the
    wearable daily summaries."""

    patient: Patient
    assessments: tuple[AssessmentRecord, ...]
    orders: tuple[MedicationOrder, ...]
    daily: tuple[DailySummary, ...]


def read_chart(uow: UnitOfWork, patient_id: int) -> ChartReads:
    """Read the chart rows every twin builder uses, in the caller's transaction."""
    return ChartReads(uow.patients.get(patient_id), tuple(uow.assessments.history(patient_id)),
                      tuple(uow.medications.history(patient_id)), tuple(uow.wearables.daily(patient_id, None, None)))


def banner_summary(uow: UnitOfWork, reads: ChartReads, now: datetime, today: date,
                   overdue_days: int) -> ChartSummary:
    """The patient banner's summary, as ``services.patients.chart`` builds it (open alerts only)."""
    pid = reads.patient.id
    return chart_summary(reads.patient, uow.patients.summary(pid), uow.users.names(list(reads.patient.care_team)),
                         reads.assessments, reads.orders, uow.visits.list(pid),
                         uow.alerts.list(pid, include_acknowledged=False), now, today, overdue_days)


def model_outputs_key(reads: ChartReads, twin_digests: dict[str, str], today: date, model_dir: Path,
                      model_names: tuple[str, ...] = ("response",)) -> ModelOutputsKey:
    """The key of the model outputs for this chart: patient and record version, the twin's input digests, the
    registered versions of ``model_names`` (``name@version:checksum``; a missing model reads ``name@none``), today."""
    from novamind_core.domain.errors import NotFoundError
    from novamind_core.ml import registry

    versions = []
    for name in model_names:
        try:
            entry = registry.find_model(name, None, model_dir)
            versions.append(f"{name}@{entry.version}:{entry.metadata.get('checksum', {}).get('combined', '')}")
        except (NotFoundError, OSError, ValueError):  # a missing or unreadable model: its outputs say why
            versions.append(f"{name}@none")
    return ModelOutputsKey(reads.patient.id, reads.patient.version, tuple(sorted(twin_digests.items())),
                           tuple(versions), today)


def page_models(uow: UnitOfWork, reads: ChartReads, today: date, model_dir: Path, *, ranking: bool = False,
                forecast_weeks: int | None = None, reuse: KeptModelOutputs | None = None,
                key: ModelOutputsKey | None = None) -> ModelOutputs:
    """The treatment ranking and/or PHQ-9 forecast a twin page shows (a missing model is a reason, not an error).

    ``reuse`` (outputs the page kept for its session) is returned as it is when its key equals ``key`` (this chart's
    :func:`model_outputs_key`), so a rerun does not compute the models again."""
    if reuse is not None and key is not None and reuse.key == key:
        return reuse.outputs
    pid = reads.patient.id
    chart = Chart(reads.patient, reads.assessments, reads.orders, reads.daily, recent_minute_days(uow, pid, today),
                  today)
    return model_outputs(pid, chart, model_dir, ranking=ranking, forecast_weeks=forecast_weeks)
