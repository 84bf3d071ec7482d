"""A child process for crash-consistency tests: runs one operation and stops in the middle of it, so the parent can
SIGKILL it there (``MID`` on stdout means "inside the transaction / between batches, nothing committed yet").

Usage: ``python tests/reliability/crash_worker.py import|rotate|scenario|loop <patient_id> <username>`` with the
NOVAMIND_* environment naming the database and keys. ``loop`` saves scenarios and assessments until killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _hold(label: str) -> None:
    print(f"MID {label}", flush=True)
    time.sleep(120)  # the parent kills us here


def main(mode: str, patient_id: int, username: str) -> None:
    from novamind_core.bootstrap import build_services
    from novamind_core.config import get_settings
    from novamind_core.services.base import SYSTEM_USER

    services = build_services(get_settings(_env_file=None), bcrypt_rounds=4)
    user = services.users.get_by_username(username)
    if mode == "import":
        from novamind_core.db.repositories.wearables import WearableRepository
        from novamind_core.services.imports import import_service

        original = WearableRepository.replace_minute_days
        calls = {"n": 0}

        def slow_chunk(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            original(self, *args, **kwargs)
            self.session.flush()
            calls["n"] += 1
            if calls["n"] == 2:
                _hold("import")

        WearableRepository.replace_minute_days = slow_chunk  # type: ignore[method-assign]
        body = Path(sys.argv[4]).read_bytes()
        import_service(services).import_file(user, "activity", body, patient_id=patient_id)
    elif mode == "rotate":
        batches = {"n": 0}

        def on_batch(table: str, n: int) -> None:
            batches["n"] += 1
            if batches["n"] == 3:
                _hold(f"rotate after {table}")

        services.keys.rotate(SYSTEM_USER, batch_size=2, on_batch=on_batch)
    elif mode == "scenario":
        from novamind_core.db.repositories.twin import TwinRepository

        original_add = TwinRepository.add_scenario

        def held(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            saved = original_add(self, *args, **kwargs)
            _hold("scenario")
            return saved

        TwinRepository.add_scenario = held  # type: ignore[method-assign]
        services.twin.save_scenario(user, patient_id, "Switch to sertraline", {"horizon_weeks": 12}, note="killed")
    elif mode == "loop":
        print("MID loop", flush=True)
        i = 0
        while True:
            i += 1
            services.twin.save_scenario(user, patient_id, f"Loop scenario {i}", {"i": i, "pad": "x" * 2000})
            services.assessments.record(user, patient_id, "GAD-7", [i % 4, 1, 1, 1, 1, 1, 1], "2026-03-01")
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
