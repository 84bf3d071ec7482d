"""Settings: parsing, start-up validation messages that name the variable, and development key generation."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from novamind_core.config import REPO_ROOT, ensure_dev_keys, get_settings
from novamind_core.domain.errors import ConfigurationError
from novamind_core.security.crypto import generate_key


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in list(os.environ):
        if name.upper().startswith("NOVAMIND_"):
            monkeypatch.delenv(name)


def good_keys(**changes) -> dict:
    keys = {
        "encryption_keys": [generate_key(), generate_key()],
        "blind_index_key": "b" * 40,
        "deid_key": "d" * 40,
        "cookie_key": "c" * 40,
    }
    keys.update(changes)
    return keys


def settings(**overrides):
    return get_settings(_env_file=None, **overrides)


def test_defaults_point_inside_the_repository():
    s = settings()
    assert s.environment == "development"
    assert s.database_url == f"sqlite:///{REPO_ROOT / 'data' / 'novamind.db'}"
    assert s.model_dir == REPO_ROOT / "data" / "models"
    assert (REPO_ROOT / "novamind_core" / "config.py").exists()


def test_encryption_keys_are_read_from_a_comma_separated_variable_newest_first(monkeypatch):
    first, second = generate_key(), generate_key()
    monkeypatch.setenv("NOVAMIND_ENCRYPTION_KEYS", f" {first} , {second} ")
    assert settings().encryption_keys == [first, second]


def test_environment_variables_set_every_field(monkeypatch):
    monkeypatch.setenv("NOVAMIND_SESSION_TIMEOUT_MINUTES", "45")
    monkeypatch.setenv("NOVAMIND_LOG_FORMAT", "json")
    monkeypatch.setenv("NOVAMIND_LOG_LEVEL", "debug")
    monkeypatch.setenv("NOVAMIND_INSIGHT_PROVIDER_URL", "")
    s = settings()
    assert (s.session_timeout_minutes, s.log_format, s.log_level, s.insight_provider_url) == (45, "json", "DEBUG", None)


def test_a_valid_development_configuration_passes_start_up_checks():
    s = settings(**good_keys())
    assert s.validate_for_startup() is s
    assert s.demo_users_enabled is True


@pytest.mark.parametrize(
    ("variable", "value"),
    [("NOVAMIND_SESSION_TIMEOUT_MINUTES", "soon"), ("NOVAMIND_LOG_FORMAT", "xml"), ("NOVAMIND_ENVIRONMENT", "prod"),
     ("NOVAMIND_LOGIN_MAX_ATTEMPTS", "0"), ("NOVAMIND_LOG_LEVEL", "LOUD")],
)
def test_an_unparseable_value_is_refused_with_the_variable_named(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match=f"^{variable}: "):
        settings()


@pytest.mark.parametrize("missing", ["encryption_keys", "blind_index_key", "deid_key", "cookie_key"])
def test_production_refuses_to_start_without_each_key(missing):
    keys = good_keys(**{missing: [] if missing == "encryption_keys" else ""})
    with pytest.raises(ConfigurationError, match=f"NOVAMIND_{missing.upper()}: not set"):
        settings(environment="production", **keys).validate_for_startup()


@pytest.mark.parametrize("short", ["blind_index_key", "deid_key", "cookie_key"])
def test_production_refuses_a_key_shorter_than_32_bytes(short):
    keys = good_keys(**{short: "x" * 31})
    with pytest.raises(ConfigurationError, match=f"NOVAMIND_{short.upper()}: too short \\(31 bytes\\)"):
        settings(environment="production", **keys).validate_for_startup()


def test_a_key_of_exactly_32_bytes_is_accepted():
    settings(environment="production", **good_keys(cookie_key="y" * 32)).validate_for_startup()


@pytest.mark.parametrize("bad", ["short", generate_key()[:-4], "!" * 44])
def test_an_encryption_key_that_is_not_a_fernet_key_is_refused_without_echoing_it(bad):
    with pytest.raises(ConfigurationError, match="NOVAMIND_ENCRYPTION_KEYS: key 2") as info:
        settings(environment="production", **good_keys(encryption_keys=[generate_key(), bad])).validate_for_startup()
    assert bad not in str(info.value)


def test_production_refuses_demo_users():
    with pytest.raises(ConfigurationError, match="NOVAMIND_DEMO_USERS_ENABLED"):
        settings(environment="production", demo_users_enabled=True, **good_keys()).validate_for_startup()


def test_production_disables_demo_users_by_default_and_then_starts():
    s = settings(environment="production", **good_keys())
    assert s.demo_users_enabled is False
    s.validate_for_startup()


def test_the_same_key_used_for_two_purposes_is_refused():
    with pytest.raises(ConfigurationError, match="each key must be different"):
        settings(**good_keys(deid_key="b" * 40)).validate_for_startup()


def test_every_problem_is_reported_at_once():
    s = settings(environment="production", demo_users_enabled=True)
    problems = s.problems()
    named = {p.split(":")[0] for p in problems}
    assert {"NOVAMIND_ENCRYPTION_KEYS", "NOVAMIND_BLIND_INDEX_KEY", "NOVAMIND_DEID_KEY", "NOVAMIND_COOKIE_KEY",
            "NOVAMIND_DEMO_USERS_ENABLED"} <= named


def test_settings_repr_never_shows_a_key():
    keys = good_keys()
    text = repr(settings(**keys))
    assert keys["cookie_key"] not in text and keys["encryption_keys"][0] not in text


def test_dev_keys_are_written_once_with_owner_only_permissions_and_logged(tmp_path, caplog):
    path = tmp_path / "data" / "keys.env"
    with caplog.at_level(logging.INFO, logger="novamind_core.config"):
        assert ensure_dev_keys(path) is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any("generated development keys in" in r.getMessage() for r in caplog.records)
    content = path.read_text()
    assert ensure_dev_keys(path) is False
    assert path.read_text() == content  # never overwritten


def test_generated_dev_keys_pass_start_up_checks(tmp_path):
    path = tmp_path / "keys.env"
    ensure_dev_keys(path)
    s = get_settings(_env_file=path)
    assert s.has_all_keys
    s.validate_for_startup()


def test_two_generations_give_different_keys(tmp_path):
    ensure_dev_keys(tmp_path / "a.env")
    ensure_dev_keys(tmp_path / "b.env")
    assert (tmp_path / "a.env").read_text() != (tmp_path / "b.env").read_text()


def test_dev_keys_are_never_generated_in_production(tmp_path, monkeypatch):
    monkeypatch.setenv("NOVAMIND_ENVIRONMENT", "production")
    assert ensure_dev_keys(tmp_path / "keys.env") is False
    assert not (tmp_path / "keys.env").exists()
    assert ensure_dev_keys(tmp_path / "k2.env", settings=settings(environment="production")) is False


def test_dev_keys_are_not_generated_when_the_environment_already_provides_them(tmp_path):
    assert ensure_dev_keys(tmp_path / "keys.env", settings=settings(**good_keys())) is False
    assert not (tmp_path / "keys.env").exists()


def test_the_default_dev_key_file_is_git_ignored():
    assert "data/keys.env" in (REPO_ROOT / ".gitignore").read_text().split()


def test_an_empty_value_in_a_dotenv_file_does_not_blank_a_generated_key(tmp_path):
    keys = tmp_path / "keys.env"
    ensure_dev_keys(keys)
    dotenv = tmp_path / ".env"
    dotenv.write_text("NOVAMIND_ENCRYPTION_KEYS=\nNOVAMIND_COOKIE_KEY=\nNOVAMIND_LOG_FORMAT=json\n")
    s = get_settings(_env_file=(keys, dotenv))
    assert s.has_all_keys and s.log_format == "json"


def test_the_env_example_documents_every_setting_with_a_comment():
    text = (REPO_ROOT / ".env.example").read_text()
    lines = text.splitlines()
    for field in type(get_settings(_env_file=None)).model_fields:
        variable = f"NOVAMIND_{field.upper()}="
        index = next((i for i, line in enumerate(lines) if line.lstrip("# ").startswith(variable)), None)
        assert index is not None, f"{variable} missing from .env.example"
        assert lines[index - 1].startswith("#"), f"{variable} has no comment above it"
