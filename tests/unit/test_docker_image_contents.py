"""What `COPY . .` in the Dockerfile would put into the image, read from .dockerignore (no Docker engine here).

The matcher follows Docker's rules closely enough for this file: patterns are matched against the path relative to
the build context with ``fnmatch`` (``**`` spans folders), a pattern also excludes everything below a matched folder,
and ``!pattern`` re-includes; the last matching line wins.
"""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def ignore_rules(text: str) -> list[tuple[bool, str]]:
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        rules.append((negate, line.lstrip("!").strip("/")))
    return rules


def is_ignored(relative: str, rules: list[tuple[bool, str]]) -> bool:
    parts = relative.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for negate, pattern in rules:
        regex_pattern = pattern.replace("**/", "*")
        if any(fnmatch.fnmatchcase(p, pattern) or fnmatch.fnmatchcase(p, regex_pattern) for p in prefixes):
            ignored = not negate
    return ignored


RULES = ignore_rules((ROOT / ".dockerignore").read_text(encoding="utf-8")) if (ROOT / ".dockerignore").exists() else []


@pytest.mark.parametrize("secret", [
    "data/keys.env", ".env", ".env.production", "data/novamind.db", "data/novamind.db-wal", "data/runtime/upload.csv",
    ".venv/bin/python", ".git/config", "local.sqlite",
])
def test_the_image_never_contains_keys_environment_files_databases_or_the_venv(secret):
    assert RULES, "the repository has no .dockerignore: COPY . . would copy everything"
    assert is_ignored(secret, RULES), f"{secret} would be copied into the image"


@pytest.mark.parametrize("needed", [
    "app.py", "pages/patient.py", "components/shared/session.py", "novamind_core/__main__.py",
    "novamind_core/db/migrations/env.py", "data/drug_catalogue.json", "pyproject.toml", "requirements.txt",
    ".env.example", ".streamlit/config.toml", "novamind_server/session_routes.py", "novamind_server/headers.py",
])
def test_the_image_contains_what_the_app_needs_to_run(needed):
    assert (ROOT / needed).exists()
    assert not is_ignored(needed, RULES), f"{needed} would be missing from the image"


def test_the_matcher_applies_the_last_matching_rule():
    rules = ignore_rules(".env\n.env.*\n!.env.example\n")
    assert is_ignored(".env.local", rules)
    assert not is_ignored(".env.example", rules)
    assert is_ignored("data/x/y.db", ignore_rules("data/x"))


def test_the_image_runs_as_a_non_root_user_with_a_health_check():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "\nUSER " in dockerfile and "USER root" not in dockerfile
    assert "HEALTHCHECK" in dockerfile


# ------------------------------------------------------------------------------------------------ the Dockerfile
def dockerfile_stages(text: str) -> list[list[tuple[str, str]]]:
    """The Dockerfile as Docker reads it: comments dropped, ``\\`` continuations joined, one list of
    ``(INSTRUCTION, arguments)`` per ``FROM`` stage."""
    logical, current = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if current and line.startswith("#"):
            continue  # a comment line inside a continued instruction is dropped, as Docker does
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    stages: list[list[tuple[str, str]]] = []
    for entry in logical:
        word, _, rest = entry.partition(" ")
        if word.upper() == "FROM":
            stages.append([])
        if not stages:  # only ARG may come before the first FROM
            assert word.upper() == "ARG", f"{word} before the first FROM"
            continue
        stages[-1].append((word.upper(), rest.strip()))
    return stages


STAGES = dockerfile_stages((ROOT / "Dockerfile").read_text(encoding="utf-8"))
FINAL = STAGES[-1]


def _all(stage: list[tuple[str, str]], instruction: str) -> list[str]:
    return [args for name, args in stage if name == instruction]


def test_the_image_is_built_in_stages_and_the_final_stage_copies_only_the_built_environment():
    assert len(STAGES) >= 2
    assert any("--from=builder" in args for args in _all(FINAL, "COPY"))
    assert not [args for args in _all(FINAL, "RUN") if "pip install" in args], "no dependency build in the final stage"


def test_torch_is_the_cpu_wheel_installed_explicitly_from_the_cpu_index():
    runs = " ".join(args for stage in STAGES for args in _all(stage, "RUN"))
    assert "--index-url https://download.pytorch.org/whl/cpu" in runs  # only that index for torch
    assert "^torch==.*+cpu" in runs and "--require-hashes" in runs
    lock = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert re.search(r"^torch==[\d.]+\+cpu ", lock, re.M), "the lock pins torch's CPU build"


def test_the_final_stage_runs_as_a_non_root_user_with_a_health_check():
    users = _all(FINAL, "USER")
    assert users and users[-1] not in ("root", "0") and not users[-1].startswith("0:")
    checks = _all(FINAL, "HEALTHCHECK")
    assert checks and "_stcore/health" in checks[-1]
    last_user = max(i for i, (name, _) in enumerate(FINAL) if name == "USER")
    assert not [n for n, _ in FINAL[last_user:] if n == "RUN"], "nothing runs as root after USER"


def test_no_secret_is_baked_into_the_image():
    for stage in STAGES:
        for name in ("ENV", "ARG", "LABEL"):
            for args in _all(stage, name):
                for key in re.findall(r"([A-Za-z_][A-Za-z0-9_]*)=", args):
                    assert not re.search(r"KEY|SECRET|PASSWORD|TOKEN", key.upper()), f"{name} {key} in the image"
        for args in _all(stage, "COPY") + _all(stage, "ADD"):
            assert "keys.env" not in args and ".env" not in args.split()
    for secret in (".streamlit/secrets.toml", "backups/nightly.nmbk", "x.bak", "server.key", "data/metrics/a.json"):
        assert is_ignored(secret, RULES), f"{secret} would be copied into the image"


def _compose() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_pg_dump_in_the_image_is_the_major_version_of_the_compose_database():
    compose = _compose()
    image = compose["services"]["db"]["image"]
    db_major = re.match(r"postgres:(\d+)", image)
    assert db_major, image
    args = dict(a.split("=", 1) for a in _all(FINAL, "ARG") if "=" in a)
    assert args.get("PG_MAJOR") == db_major.group(1)
    runs = " ".join(_all(FINAL, "RUN"))
    assert "postgresql-client-${PG_MAJOR}" in runs and "pg_dump --version" in runs


def test_compose_runs_a_documented_backup_job_that_alone_holds_the_backup_key():
    services = _compose()["services"]
    backup = services["backup"]
    command = " ".join(backup["command"]) if isinstance(backup["command"], list) else backup["command"]
    assert "python -m novamind_core backup --out /backups/" in command and "umask 077" in command
    assert "NOVAMIND_BACKUP_KEY" in backup["environment"]
    assert "NOVAMIND_BACKUP_KEY" not in services["app"]["environment"], "the app never needs the backup key"
    assert any(v.startswith("backups:") for v in backup["volumes"])
    assert "Backups" in (ROOT / "docs" / "deployment.md").read_text(encoding="utf-8")
