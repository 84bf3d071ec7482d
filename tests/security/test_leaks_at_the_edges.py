"""Break 8 of issue 17 (the parts of it about files and logs): SQLite and WAL files, uploads spooled to disk, and
decryption failures. (pg_dump's password: tests/reliability/test_signed_backups.py; ``users add --password``:
tests/security/test_operator_authentication.py.)"""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import pytest

from novamind_core.security import spool

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def spool_root(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    root = tmp_path / "spool"
    monkeypatch.setitem(spool._state, "root", root)
    return root


def test_a_new_sqlite_database_and_its_wal_are_private_to_the_app(tmp_path):
    from sqlalchemy import text

    from novamind_core.db.engine import create_engine_for
    from novamind_core.security.crypto import FieldCipher, generate_key

    old = os.umask(0o022)  # the usual default: files would be world-readable
    try:
        engine = create_engine_for(f"sqlite:///{tmp_path / 'new.db'}", FieldCipher([generate_key()]))
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x TEXT)"))
            conn.execute(text("INSERT INTO t VALUES ('1980-02-03')"))
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
        engine.dispose()
    finally:
        os.umask(old)
    assert modes.get("new.db-wal") == 0o600, modes
    assert set(modes.values()) == {0o600}, modes


def test_an_upload_is_spooled_in_the_apps_private_folder_and_removed_after_parsing(spool_root, monkeypatch):
    import novamind_core.biometrics.parsers.fitbit as fitbit
    from novamind_core.interop.wearables import read_fitbit

    seen = {}

    def parser(path, tz):  # type: ignore[no-untyped-def]
        seen.update(path=Path(path), file=stat.S_IMODE(Path(path).stat().st_mode),
                    folder=stat.S_IMODE(Path(path).parent.stat().st_mode), root=stat.S_IMODE(spool_root.stat().st_mode))
        raise ValueError("stop after the spool was inspected")

    monkeypatch.setattr(fitbit, "read_fitbit_json", parser)
    before = set(os.listdir(tempfile.gettempdir()))
    with pytest.raises(ValueError, match="stop after"):
        read_fitbit(b'{"dateOfBirth": "1980-02-03"}', tz="Europe/London", today=date(2026, 3, 1), name="fitbit.json")
    assert seen["path"].parent.parent == spool_root
    assert (seen["file"], seen["folder"], seen["root"]) == (0o600, 0o700, 0o700)
    assert not seen["path"].exists() and list(spool_root.iterdir()) == []
    assert not [n for n in set(os.listdir(tempfile.gettempdir())) - before if n.startswith("novamind-upload")]


def test_what_a_process_killed_mid_upload_left_is_removed_at_the_next_start(spool_root):
    script = ("import os, signal, sys\n"
              "from pathlib import Path\n"
              "from novamind_core.security import spool\n"
              "spool.configure_spool(sys.argv[1])\n"
              "folder = spool.new_spool_folder()\n"
              "(folder / 'upload.csv').write_text('date_of_birth\\n1980-02-03\\n' * 1000)\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    done = subprocess.run([sys.executable, "-c", script, str(spool_root)], cwd=REPO, capture_output=True,
                          timeout=120)
    assert done.returncode == -9, done.stderr
    leftovers = list(spool_root.rglob("upload.csv"))
    assert leftovers, "the killed process left its upload behind (as a crash would)"
    spool.configure_spool(spool_root)  # what building the services does at every start-up
    assert list(spool_root.iterdir()) == []


def test_a_live_processs_upload_is_not_removed_by_another_processs_start(spool_root):
    spool.configure_spool(spool_root)
    mine = spool.new_spool_folder()
    (mine / "upload.csv").write_text("in progress")
    spool.clean_spool(spool_root)
    assert (mine / "upload.csv").exists()


def test_a_decryption_failure_is_logged_without_the_value_and_counted(caplog):
    from novamind_core.security.crypto import DecryptionError, FieldCipher, decryption_failures, generate_key

    token = FieldCipher([generate_key()]).encrypt("Zebediah Quuxington 1980-02-03")
    other = FieldCipher([generate_key()])
    before = decryption_failures()
    with caplog.at_level(logging.WARNING, logger="novamind_core.security.crypto"), pytest.raises(DecryptionError):
        other.decrypt(token)
    assert decryption_failures() == before + 1
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "decryption failed" in logged and token not in logged and token[:20] not in logged
    assert "Zebediah" not in logged
