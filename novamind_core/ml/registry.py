"""Model registry: ``<model_dir>/<name>/<version>/`` holds weight files and ``metadata.json``.

``metadata.json`` (the model card's source) records: ``name``, ``version``, ``kind``, ``created``, ``data``
(description; ``"synthetic": true`` for data generated here), ``features`` (the input schema, in order),
``schema_version``, ``metrics`` (computed on held-out data at training time, never typed by hand),
``calibration`` (reliability-curve points), ``training`` (seed, sizes, settings), ``code_version`` (git short
hash of the working tree at training time), ``intended_use``, ``limitations`` and ``checksum``
(``{"algorithm": "sha256", "files": {file: hex}, "combined": hex}``; ``combined`` is the SHA-256 of the sorted
``"file:hex"`` lines). Loading recomputes every checksum and refuses a changed file; a caller that expects a
feature schema is refused a model trained on another one, with a message saying what differs and how to retrain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from novamind_core.domain.errors import NotFoundError, NovamindError

METADATA_FILE = "metadata.json"
REPO_ROOT = Path(__file__).resolve().parents[2]


class ModelIntegrityError(NovamindError):
    """A model's weights do not match the checksum recorded when it was trained."""


class SchemaMismatchError(NovamindError):
    """A model was trained on a different feature schema from the one the caller supplies."""


def default_model_dir() -> Path:
    """``Settings.model_dir`` (``NOVAMIND_MODEL_DIR``), falling back to ``data/models`` if settings cannot load."""
    try:
        from novamind_core.config import Settings

        return Path(Settings().model_dir)
    except Exception:  # settings need not be valid to read shipped models
        return REPO_ROOT / "data" / "models"


def code_version() -> str:
    """Git short hash of the repository's HEAD at training time (``"unknown"`` outside a checkout)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=5, check=True)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def combined_checksum(files: dict[str, str]) -> str:
    lines = "\n".join(f"{k}:{files[k]}" for k in sorted(files))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def _version_key(version: str) -> tuple:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", version))


@dataclass(frozen=True)
class ModelEntry:
    """A model version on disk: its directory and parsed metadata."""

    name: str
    version: str
    path: Path
    metadata: dict

    def file(self, name: str) -> Path:
        return self.path / name


def save_model(name: str, version: str, files: dict[str, bytes], metadata: dict,
               model_dir: Path | None = None) -> ModelEntry:
    """Write weight files and ``metadata.json`` (with checksums and code version added) and return the entry."""
    if not re.fullmatch(r"[a-z0-9_-]+", name) or not re.fullmatch(r"[A-Za-z0-9._-]+", version):
        raise NovamindError(f"invalid model name or version: {name!r} {version!r}")
    root = Path(model_dir) if model_dir is not None else default_model_dir()
    path = root / name / version
    path.mkdir(parents=True, exist_ok=True)
    for old in path.iterdir():
        if old.is_file():
            old.unlink()
    sums = {}
    for fname, blob in files.items():
        (path / fname).write_bytes(blob)
        sums[fname] = hashlib.sha256(blob).hexdigest()
    meta = dict(metadata)
    meta.update({"name": name, "version": version,
                 "created": meta.get("created") or dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                 "code_version": meta.get("code_version") or code_version(),
                 "checksum": {"algorithm": "sha256", "files": sums, "combined": combined_checksum(sums)}})
    (path / METADATA_FILE).write_text(json.dumps(meta, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return ModelEntry(name, version, path, meta)


def list_models(model_dir: Path | None = None) -> list[ModelEntry]:
    """Every model version under ``model_dir`` (name, then version order); unreadable metadata is skipped."""
    root = Path(model_dir) if model_dir is not None else default_model_dir()
    out: list[ModelEntry] = []
    if not root.is_dir():
        return out
    for name_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        for ver_dir in sorted((p for p in name_dir.iterdir() if p.is_dir()), key=lambda p: _version_key(p.name)):
            meta_path = ver_dir / METADATA_FILE
            if meta_path.is_file():
                try:
                    meta = json.loads(meta_path.read_text(encoding="utf-8"))
                except json.JSONDecodeError:
                    continue
                out.append(ModelEntry(name_dir.name, ver_dir.name, ver_dir, meta))
    return out


def find_model(name: str, version: str | None = None, model_dir: Path | None = None) -> ModelEntry:
    """The requested version, or the latest one; :class:`NotFoundError` naming what exists otherwise."""
    entries = [e for e in list_models(model_dir) if e.name == name]
    if not entries:
        known = sorted({e.name for e in list_models(model_dir)})
        raise NotFoundError(f"no model named {name!r} in the registry (known: {', '.join(known) or 'none'}); "
                            f"train one with `python -m novamind_core train {name}`")
    if version is None:
        return entries[-1]
    for e in entries:
        if e.version == version:
            return e
    raise NotFoundError(f"model {name!r} has no version {version!r} (versions: "
                        f"{', '.join(e.version for e in entries)})")


def verify_checksum(entry: ModelEntry) -> None:
    """Recompute each weight file's SHA-256; raise :class:`ModelIntegrityError` on a missing or changed file."""
    recorded = entry.metadata.get("checksum", {}).get("files")
    if not recorded:
        raise ModelIntegrityError(f"model {entry.name} {entry.version}: metadata.json records no checksum")
    for fname, expected in recorded.items():
        path = entry.path / fname
        if not path.is_file():
            raise ModelIntegrityError(f"model {entry.name} {entry.version}: weight file {fname} is missing")
        actual = sha256_file(path)
        if actual != expected:
            raise ModelIntegrityError(
                f"model {entry.name} {entry.version}: checksum mismatch for {fname} (expected sha256 "
                f"{expected[:12]}..., found {actual[:12]}...); the file was changed after training, refusing to load")


def check_schema(entry: ModelEntry, expected_features: Sequence[str] | None) -> None:
    """Refuse a model whose feature schema differs from ``expected_features`` (order matters)."""
    if expected_features is None:
        return
    trained = list(entry.metadata.get("features", []))
    wanted = list(expected_features)
    if trained == wanted:
        return
    missing = [f for f in wanted if f not in trained]
    extra = [f for f in trained if f not in wanted]
    detail = []
    if missing:
        detail.append(f"not trained on {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    if extra:
        detail.append(f"expects {', '.join(extra[:5])}{' ...' if len(extra) > 5 else ''} which the caller lacks")
    if not detail:
        detail.append("same features in a different order")
    raise SchemaMismatchError(
        f"model {entry.name} {entry.version} has an incompatible feature schema ({'; '.join(detail)}); retrain it "
        f"with `python -m novamind_core train {entry.name}` or pass data with the model's features")


def open_model(name: str, version: str | None = None, model_dir: Path | None = None,
               expected_features: Sequence[str] | None = None) -> ModelEntry:
    """Find a model, verify its checksum and (optionally) its feature schema; the loaders build on this."""
    entry = find_model(name, version, model_dir)
    verify_checksum(entry)
    check_schema(entry, expected_features)
    return entry


def model_card(name: str, version: str | None = None, model_dir: Path | None = None) -> dict:
    """The card of a model: its metadata without the per-file checksums' noise (combined checksum kept)."""
    entry = find_model(name, version, model_dir)
    card = dict(entry.metadata)
    card["path"] = str(entry.path)
    return card
