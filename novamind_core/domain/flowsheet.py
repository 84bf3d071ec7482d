"""The flowsheet: one instrument's item-level answers across visits, one column per date (standard library only).

Rows are the items in order (scored ones, then unscored ones such as PHQ-9 item 10), then the total and the band;
columns are the dates the instrument was given, oldest first. Where it was given twice on one day the later one is
shown and the note says so; a total-only assessment (imported without answers) has its total and band with blank
items.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from novamind_core.domain.assessments import Instrument, band_for
from novamind_core.domain.records import AssessmentRecord


@dataclass(frozen=True)
class FlowsheetRow:
    """One row: its label (``"9. Thoughts that you would be better off dead ..."``, ``"Total"``, ``"Band"``) and one
    value per date (None where not answered)."""

    label: str
    values: tuple[int | str | None, ...]
    scored: bool = True


@dataclass(frozen=True)
class Flowsheet:
    instrument: Instrument
    dates: tuple[date, ...]
    rows: tuple[FlowsheetRow, ...]
    note: str | None = None


def flowsheet(records: Sequence[AssessmentRecord], instrument: Instrument | str) -> Flowsheet:
    """The flowsheet of ``instrument`` from a patient's assessments (any order, any instruments)."""
    inst = Instrument.parse(instrument)
    spec = inst.spec
    by_date: dict[date, AssessmentRecord] = {}
    repeated: list[date] = []
    for record in sorted((r for r in records if r.instrument is inst), key=lambda r: (r.administered_on, r.id)):
        if record.administered_on in by_date:
            repeated.append(record.administered_on)
        by_date[record.administered_on] = record
    dates = tuple(sorted(by_date))
    shown = [by_date[d] for d in dates]
    rows: list[FlowsheetRow] = []
    for index, question in enumerate(spec.all_items):
        scored = index < len(spec.items)
        label = f"{index + 1}. {question}" + ("" if scored else " (not scored)")
        rows.append(FlowsheetRow(label, tuple(r.all_answers[index] if index < len(r.all_answers) else None
                                              for r in shown), scored))
    rows.append(FlowsheetRow(f"Total (of {spec.max_total})", tuple(r.total for r in shown)))
    rows.append(FlowsheetRow("Band", tuple(band_for(inst, r.total).name for r in shown)))
    note = None
    if repeated:
        days = ", ".join(f"{d.day} {d:%b %Y}" for d in sorted(set(repeated)))
        note = f"Given more than once on {days}: the later one is shown."
    return Flowsheet(inst, dates, tuple(rows), note)


def instruments_with_data(records: Sequence[AssessmentRecord]) -> tuple[Instrument, ...]:
    """The instruments a patient has scores on, in the order of :class:`Instrument`."""
    present = {r.instrument for r in records}
    return tuple(i for i in Instrument if i in present)
