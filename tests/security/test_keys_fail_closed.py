"""Break 5 of issue 17: keys failed open. With ``NOVAMIND_ENVIRONMENT=production`` and a key variable unset, start-up
passed on the development ``data/keys.env`` and a registration was written under the development key. Production
now never reads that file; a missing, short or unusable key stops start-up and every write."""

from __future__ import annotations

import os

import pytest

from novamind_core import config
from novamind_core.domain.errors import ConfigurationError
from novamind_core.security.crypto import generate_key


@pytest.fixture
def key_files(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    """A development key file holding every key, an empty .env, and a clean NOVAMIND_* environment."""
    for name in list(os.environ):
        if name.upper().startswith("NOVAMIND_"):
            monkeypatch.delenv(name)
    dev = tmp_path / "keys.env"
    dev.write_text(f"NOVAMIND_ENCRYPTION_KEYS={generate_key()}\nNOVAMIND_BLIND_INDEX_KEY={'b' * 48}\n"
                   f"NOVAMIND_DEID_KEY={'d' * 48}\nNOVAMIND_COOKIE_KEY={'c' * 48}\n")
    dotenv = tmp_path / ".env"
    dotenv.write_text("")
    monkeypatch.setitem(config.Settings.model_config, "env_file", (dev, dotenv))
    monkeypatch.setattr(config, "PRODUCTION_ENV_FILES", (dotenv,))
    monkeypatch.setenv("NOVAMIND_DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    return dev


def test_development_reads_the_generated_key_file(key_files):
    assert config.get_settings().has_all_keys


def test_production_never_reads_the_development_key_file(key_files, monkeypatch):
    monkeypatch.setenv("NOVAMIND_ENVIRONMENT", "production")
    settings = config.get_settings()
    assert not settings.encryption_keys and not settings.blind_index_key
    with pytest.raises(ConfigurationError, match="NOVAMIND_ENCRYPTION_KEYS: not set"):
        settings.validate_for_startup()


def test_a_registration_with_a_key_unset_in_production_is_refused_before_anything_is_written(key_files, monkeypatch):
    from novamind_core.bootstrap import build_services
    from novamind_core.db.engine import migrate

    monkeypatch.setenv("NOVAMIND_ENVIRONMENT", "production")
    monkeypatch.setenv("NOVAMIND_DEMO_USERS_ENABLED", "false")
    monkeypatch.setenv("NOVAMIND_ENCRYPTION_KEYS", generate_key())
    monkeypatch.setenv("NOVAMIND_DEID_KEY", "D" * 48)
    monkeypatch.setenv("NOVAMIND_COOKIE_KEY", "C" * 48)  # NOVAMIND_BLIND_INDEX_KEY is left unset
    settings = config.get_settings()
    migrate(settings.database_url)
    with pytest.raises(ConfigurationError, match="NOVAMIND_BLIND_INDEX_KEY"):
        build_services(settings)


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("NOVAMIND_COOKIE_KEY", "short", "too short"),
    ("NOVAMIND_ENCRYPTION_KEYS", "not-a-fernet-key", "not url-safe base64|bytes"),
    ("NOVAMIND_DEID_KEY", "C" * 48, "each key must be different"),
])
def test_a_short_or_unusable_key_stops_every_service_in_production(key_files, monkeypatch, variable, value, message):
    from novamind_core.bootstrap import build_services

    monkeypatch.setenv("NOVAMIND_ENVIRONMENT", "production")
    monkeypatch.setenv("NOVAMIND_DEMO_USERS_ENABLED", "false")
    good = {"NOVAMIND_ENCRYPTION_KEYS": generate_key(), "NOVAMIND_BLIND_INDEX_KEY": "B" * 48,
            "NOVAMIND_DEID_KEY": "D" * 48, "NOVAMIND_COOKIE_KEY": "C" * 48}
    for key, good_value in {**good, variable: value}.items():
        monkeypatch.setenv(key, good_value)
    with pytest.raises(ConfigurationError, match=message):
        build_services(config.get_settings())


def test_a_short_backup_key_or_one_shared_with_another_purpose_is_refused(key_files):
    with pytest.raises(ConfigurationError, match="NOVAMIND_BACKUP_KEY: too short"):
        config.get_settings(backup_key="x" * 8).validate_for_startup()
    with pytest.raises(ConfigurationError, match="NOVAMIND_BACKUP_KEY: must differ"):
        config.get_settings(backup_key="c" * 48).validate_for_startup()


def test_a_well_formed_key_that_did_not_write_the_stored_data_stops_production(tmp_path, monkeypatch):
    from novamind_core.bootstrap import build_services
    from novamind_core.db.engine import migrate
    from novamind_core.services.base import SYSTEM_USER
    from tests.conftest import TEST_PASSWORD, make_settings, register_patient

    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    migrate(url)
    written = make_settings(url)
    services = build_services(written, bcrypt_rounds=4)
    services.users.create(SYSTEM_USER, "dr.keys", "Dr Keys", "clinician", TEST_PASSWORD)
    register_patient(services, services.users.get_by_username("dr.keys"))
    services.close()
    keys = {"encryption_keys": written.encryption_keys, "blind_index_key": written.blind_index_key,
            "deid_key": written.deid_key, "cookie_key": written.cookie_key}
    production = {"environment": "production", "demo_users_enabled": False}
    build_services(make_settings(url, **production, **keys), bcrypt_rounds=4).close()  # the right keys start
    with pytest.raises(ConfigurationError, match="NOVAMIND_ENCRYPTION_KEYS: none of the configured keys"):
        build_services(make_settings(url, **production, **{**keys, "encryption_keys": [generate_key()]}))
    with pytest.raises(ConfigurationError, match="NOVAMIND_BLIND_INDEX_KEY: does not match"):
        build_services(make_settings(url, **production, **{**keys, "blind_index_key": "Q" * 48}))
