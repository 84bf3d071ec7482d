"""Twin snapshots (versioned, encrypted payload) and saved scenarios: the storage edge of the twin, where payloads
and scenarios become JSON (checked here: JSON-serialisable, finite, at most :data:`MAX_PAYLOAD_BYTES`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from novamind_core.db.models import SavedScenarioRow, TwinSnapshotRow, TwinStateRow
from novamind_core.domain.errors import NotFoundError, StaleWriteError, ValidationError
from novamind_core.domain.twin import SavedScenario, SnapshotTrigger, TwinSnapshot

MAX_PAYLOAD_BYTES = 5_000_000


def json_ready(value: Mapping[str, Any], name: str) -> dict[str, Any]:
    """``value`` as stored: a JSON object of at most :data:`MAX_PAYLOAD_BYTES` (ValidationError naming ``name``)."""
    if not isinstance(value, Mapping):
        raise ValidationError(f"{name} must be a JSON object", field=name)
    try:
        text = json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValidationError(f"{name} is not JSON-serialisable: {exc}", field=name) from None
    if len(text) > MAX_PAYLOAD_BYTES:
        raise ValidationError(f"{name} is larger than {MAX_PAYLOAD_BYTES} bytes", field=name, value=len(text))
    return json.loads(text)


class TwinRepository:
    def __init__(self, session: Session):
        self.session = session

    def latest_version(self, patient_id: int) -> int:
        state = self.session.get(TwinStateRow, patient_id)
        return state.version if state else 0

    def add_snapshot(self, patient_id: int, trigger: SnapshotTrigger, payload: Mapping[str, Any], now: datetime,
                     created_by: int | None, expected_version: int | None) -> TwinSnapshot:
        payload = json_ready(payload, "payload")
        state = self.session.get(TwinStateRow, patient_id)
        current = state.version if state else 0
        if expected_version is not None and expected_version != current:
            raise StaleWriteError(
                f"the twin of patient {patient_id} is at version {current}, not {expected_version}: someone saved a "
                "newer version; reload it and apply your change again"
            )
        if state is None:
            state = TwinStateRow(patient_id=patient_id, updated_at=now)
            self.session.add(state)
        else:
            state.updated_at = now
            flag_modified(state, "updated_at")  # always an UPDATE, so the version always moves on
        self.session.flush()  # bumps state.version (version_id_col); a concurrent writer gets StaleDataError
        row = TwinSnapshotRow(patient_id=patient_id, version=state.version, created_at=now, trigger=trigger.value,
                              payload=payload, created_by=created_by)
        self.session.add(row)
        self.session.flush()
        return self._snapshot(row)

    @staticmethod
    def _snapshot(row: TwinSnapshotRow) -> TwinSnapshot:
        return TwinSnapshot(patient_id=row.patient_id, version=row.version, created_at=row.created_at,
                            trigger=SnapshotTrigger(row.trigger), payload=row.payload, created_by=row.created_by)

    def snapshot(self, patient_id: int, version: int | None = None) -> TwinSnapshot:
        stmt = select(TwinSnapshotRow).where(TwinSnapshotRow.patient_id == patient_id)
        stmt = (stmt.where(TwinSnapshotRow.version == version) if version is not None
                else stmt.order_by(TwinSnapshotRow.version.desc()).limit(1))
        row = self.session.scalar(stmt)
        if row is None:
            what = f"version {version}" if version is not None else "any version"
            raise NotFoundError(f"patient {patient_id} has no twin snapshot ({what})")
        return self._snapshot(row)

    def versions(self, patient_id: int) -> list[tuple[int, datetime, str, int | None]]:
        """``[(version, created_at, trigger, created_by)]`` without decrypting payloads."""
        T = TwinSnapshotRow
        stmt = select(T.version, T.created_at, T.trigger, T.created_by).where(T.patient_id == patient_id)
        return [tuple(r) for r in self.session.execute(stmt.order_by(T.version))]  # type: ignore[misc]

    def add_scenario(self, patient_id: int, name: str, note: str | None, scenario: Mapping[str, Any],
                     created_by: int | None, now: datetime) -> SavedScenario:
        scenario = json_ready(scenario, "scenario")
        row = SavedScenarioRow(patient_id=patient_id, name=name, note=note, scenario=scenario,
                               created_by=created_by, created_at=now)
        self.session.add(row)
        self.session.flush()
        return self._scenario(row)

    @staticmethod
    def _scenario(row: SavedScenarioRow) -> SavedScenario:
        return SavedScenario(id=row.id, patient_id=row.patient_id, name=row.name, scenario=row.scenario,
                             note=row.note, created_by=row.created_by, created_at=row.created_at)

    def scenarios(self, patient_id: int) -> list[SavedScenario]:
        stmt = (select(SavedScenarioRow).where(SavedScenarioRow.patient_id == patient_id)
                .order_by(SavedScenarioRow.created_at.desc(), SavedScenarioRow.id.desc()))
        return [self._scenario(r) for r in self.session.scalars(stmt)]

    def scenario(self, scenario_id: int) -> SavedScenario:
        row = self.session.get(SavedScenarioRow, scenario_id)
        if row is None:
            raise NotFoundError(f"saved scenario {scenario_id} does not exist")
        return self._scenario(row)

    def scenario_patient_id(self, scenario_id: int) -> int | None:
        """The patient a saved scenario belongs to (``None`` when there is no such scenario); reads no payload."""
        return self.session.scalar(select(SavedScenarioRow.patient_id).where(SavedScenarioRow.id == scenario_id))
