"""Key rotation under load, without downtime: clinicians keep reading and writing in threads while ``rotate`` runs;
no call fails, every value stays readable, and afterwards the old key can be removed."""

from __future__ import annotations

import threading

from novamind_core.services.base import SYSTEM_USER


def test_reads_and_writes_during_a_rotation_all_succeed_and_everything_is_readable_with_the_new_key_alone(world):
    from novamind_core.bootstrap import build_services
    from novamind_core.security.crypto import generate_key

    base = world.services
    pid, clin = world.own_pid, world.users["clinician"]
    for i in range(30):
        base.notes.add(clin, pid, f"note before rotation {i}")
    old, new = base.settings.encryption_keys[0], generate_key()
    rotating = build_services(base.settings.model_copy(update={"encryption_keys": [new, old]}), bcrypt_rounds=4)
    stop = threading.Event()
    errors: list[BaseException] = []
    written: list[int] = []
    reads = [0]

    def clinician_session() -> None:
        i = 0
        while not stop.is_set():
            i += 1
            try:
                written.append(rotating.notes.add(clin, pid, f"note during rotation {i}").id)
                assert rotating.patients.get(clin, pid).given_name == "Ottoline"
                assert len(rotating.notes.list(clin, pid)) >= 30
                reads[0] += 1
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                errors.append(exc)
                return

    threads = [threading.Thread(target=clinician_session) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        first = rotating.keys.rotate(SYSTEM_USER, batch_size=3)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors[:3]
    assert reads[0] > 0 and written, "the load threads did not overlap the rotation"
    assert first.values_rotated > 0
    rotating.keys.rotate(SYSTEM_USER)  # rows written under the new key during the run are already current
    rotating.close()
    only_new = build_services(base.settings.model_copy(update={"encryption_keys": [new]}), bcrypt_rounds=4)
    notes = only_new.notes.list(clin, pid)
    assert len(notes) == 30 + 1 + len(written)  # + the world's seeded note
    assert only_new.patients.get(clin, pid).family_name == "Vexworthy"
    assert only_new.audit.verify(SYSTEM_USER).ok
    only_new.close()
