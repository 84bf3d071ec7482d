"""The twin's stored records: versions (snapshots), saved what-if scenarios and the audit of exported results.

Part of :class:`novamind_core.services.twin.TwinService` (its base class), kept apart so the pages' use cases read on
their own. Every method takes the current user first, checks permission and the care team, writes exactly one audit
event and runs in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from novamind_core.domain.errors import NotFoundError, ValidationError
from novamind_core.domain.patients import parse_enum
from novamind_core.domain.twin import (
    SavedScenario,
    SnapshotDifference,
    SnapshotTrigger,
    TwinSnapshot,
    diff_snapshots,
    validate_scenario_name,
)
from novamind_core.domain.users import Permission, User
from novamind_core.security.audit import AuditAction
from novamind_core.services.base import BaseService, optional_text
from novamind_core.services.twin_types import TwinVersion
from novamind_core.twin.types import Scenario

SCENARIO_SAVE = "scenario.save"
SCENARIO_READ = "scenario.read"
SCENARIO_EXPORT = "scenario.export"
EXPORT_KINDS = ("csv", "pdf", "png")


class TwinRecords(BaseService):
    def save_snapshot(self, user: User, patient_id: int, trigger: str | SnapshotTrigger, payload: Mapping[str, Any],
                      expected_version: int | None = None) -> TwinSnapshot:
        """Store the next twin version. With ``expected_version`` (the version the caller built on), a newer
        version saved meanwhile makes this raise StaleWriteError and store nothing."""
        trig = parse_enum(SnapshotTrigger, trigger, "trigger")
        if trig is None:
            raise ValidationError("trigger is required", field="trigger")
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, AuditAction.TWIN_UPDATE)
            snap = uow.twin.add_snapshot(patient_id, trig, payload, self.ctx.now(), actor.id if actor.id > 0 else None,
                                         expected_version)
            self._audit(uow, actor, AuditAction.TWIN_UPDATE, patient_id=patient_id,
                        detail=f"version={snap.version} trigger={trig.value}")
            uow.commit()
            return snap

    def versions(self, user: User, patient_id: int) -> tuple[TwinVersion, ...]:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.TWIN_READ)
            out = tuple(TwinVersion(*v) for v in uow.twin.versions(patient_id))
            self._audit(uow, actor, AuditAction.TWIN_READ, patient_id=patient_id, detail="versions")
            uow.commit()
            return out

    def get_snapshot(self, user: User, patient_id: int, version: int | None = None) -> TwinSnapshot:
        """A version (default: the latest). NotFoundError when there is none."""
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.TWIN_READ)
            snap = uow.twin.snapshot(patient_id, version)
            self._audit(uow, actor, AuditAction.TWIN_READ, patient_id=patient_id, detail=f"version={snap.version}")
            uow.commit()
            return snap

    def compare(self, user: User, patient_id: int, from_version: int, to_version: int) -> SnapshotDifference:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, AuditAction.TWIN_READ)
            a, b = uow.twin.snapshot(patient_id, from_version), uow.twin.snapshot(patient_id, to_version)
            self._audit(uow, actor, AuditAction.TWIN_READ, patient_id=patient_id,
                        detail=f"compare {from_version} {to_version}")
            uow.commit()
            return diff_snapshots(a, b)

    def save_scenario(self, user: User, patient_id: int, name: str, scenario: Scenario | Mapping[str, Any],
                      note: str | None = None) -> SavedScenario:
        """Save a plan to the chart with a note (stored in the scenario format, :meth:`Scenario.to_mapping`)."""
        clean_name = validate_scenario_name(name)
        data = scenario.to_mapping() if isinstance(scenario, Scenario) else scenario
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.WRITE_PHI, SCENARIO_SAVE)
            saved = uow.twin.add_scenario(patient_id, clean_name, optional_text(note, "note", 2000), data,
                                          actor.id if actor.id > 0 else None, self.ctx.now())
            self._audit(uow, actor, SCENARIO_SAVE, patient_id=patient_id, detail=f"scenario {saved.id}")
            uow.commit()
            return saved

    def list_scenarios(self, user: User, patient_id: int) -> tuple[SavedScenario, ...]:
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, SCENARIO_READ)
            out = tuple(uow.twin.scenarios(patient_id))
            self._audit(uow, actor, SCENARIO_READ, patient_id=patient_id, detail=f"rows={len(out)}")
            uow.commit()
            return out

    def get_scenario(self, user: User, scenario_id: int) -> SavedScenario:
        with self.ctx.uow() as probe:
            patient_id = probe.twin.scenario_patient_id(scenario_id)
        if patient_id is None:
            raise NotFoundError(f"saved scenario {scenario_id} does not exist")
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.READ_PHI, SCENARIO_READ)
            saved = uow.twin.scenario(scenario_id)
            self._audit(uow, actor, SCENARIO_READ, patient_id=patient_id, detail=f"scenario {scenario_id}")
            uow.commit()
            return saved

    def record_export(self, user: User, patient_id: int, kind: str, detail: str = "") -> None:
        """Audit an export of scenario results (``csv``, ``pdf`` or ``png``) made by the page."""
        if kind not in EXPORT_KINDS:
            raise ValidationError(f"export kind {kind!r} is not one of {', '.join(EXPORT_KINDS)}", field="kind")
        with self._tx() as uow:
            actor = self._authorize_patient(uow, user, patient_id, Permission.EXPORT_PHI, SCENARIO_EXPORT)
            self._audit(uow, actor, SCENARIO_EXPORT, patient_id=patient_id, detail=f"{kind} {detail}".strip())
            uow.commit()
