"""What `COPY . .` in the Dockerfile would put into the image, read from .dockerignore (no Docker engine here).

The matcher follows Docker's rules closely enough for this file: patterns are matched against the path relative to
the build context with ``fnmatch`` (``**`` spans folders), a pattern also excludes everything below a matched folder,
and ``!pattern`` re-includes; the last matching line wins.
"""

from __future__ import annotations

import fnmatch
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
    ".env.example", ".streamlit/config.toml",
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
