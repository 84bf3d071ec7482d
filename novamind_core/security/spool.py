"""Spooling uploads to disk in an app-owned folder, never the system temporary directory.

Some parsers stream from a file (an Apple Health export can be hundreds of megabytes), so an upload held in memory
is written to disk while it is read. Those bytes are PHI (a date of birth, a name). They go to
``NOVAMIND_UPLOAD_SPOOL_DIR`` (default ``data/runtime/uploads``): the folder is 0700, each process writes in its own
0700 sub-folder named after its process id, and each file is 0600 and removed when the parser is done. A process
killed mid-upload leaves its sub-folder behind; :func:`configure_spool` (run when the services are built, i.e. at
every start-up) removes the sub-folders of processes that no longer run and any older than a day.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path

logger = logging.getLogger(__name__)

_DEFAULT = Path(__file__).resolve().parents[2] / "data" / "runtime" / "uploads"
_state: dict[str, Path] = {"root": _DEFAULT}
STALE_AFTER_S = 24 * 3600


def spool_root() -> Path:
    return _state["root"]


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def clean_spool(root: Path | None = None, *, now: float | None = None) -> int:
    """Remove what crashed processes left in the spool (sub-folders of dead processes, or older than a day).
    Returns how many sub-folders were removed."""
    base = root or spool_root()
    if not base.is_dir():
        return 0
    now = time.time() if now is None else now
    removed = 0
    for entry in base.iterdir():
        pid_text = entry.name.split("-", 1)[0]
        stale = now - entry.lstat().st_mtime > STALE_AFTER_S
        dead = not pid_text.isdigit() or (int(pid_text) != os.getpid() and not _alive(int(pid_text)))
        if stale or dead:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
    if removed:
        logger.info("upload spool: removed %d folder(s) left by processes that stopped", removed)
    return removed


def configure_spool(root: Path | str | None) -> Path:
    """Use ``root`` (0700) for spooled uploads and clear what crashed processes left there."""
    if root is not None:
        _state["root"] = Path(root).expanduser()
    base = _private_dir(spool_root())
    clean_spool(base)
    return base


def new_spool_folder() -> Path:
    """A new 0700 folder for one upload, inside the spool, named after this process (``<pid>-<random>``)."""
    import tempfile

    return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-", dir=_private_dir(spool_root())))
