"""No PHI in logs: a realistic session (every service method, refusals, failed sign-ins, bad input, an incident
report, then CLI commands) run with the log level an operator sets to debug a problem (NOVAMIND_LOG_LEVEL=DEBUG, so
every library logger, SQLAlchemy's included, inherits DEBUG) writes no seeded name, MRN, date of birth, e-mail,
phone, address or note text to the log. SQLAlchemy's statement and parameter logging (INFO) is on too."""

from __future__ import annotations

import contextlib
import io
import logging

import pytest

from novamind_core.domain.errors import NovamindError
from tests.security.conftest import ENTRIES, OWN_PATIENT, ROLES, phi_needles


@pytest.fixture
def debug_log(monkeypatch):  # type: ignore[no-untyped-def]
    from novamind_core.security.redaction import configure_logging

    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))

    class Debug:
        log_level, log_format = "DEBUG", "json"

    configure_logging(Debug(), stream=stream)  # what NOVAMIND_LOG_LEVEL=DEBUG does
    # an operator debugging SQL turns on statement + parameter logging (echo=True); parameters are bound after
    # encryption, so they must hold ciphertext only. (At DEBUG SQLAlchemy also logs *decrypted* result rows: see
    # the last test.)
    monkeypatch.setattr(logging.getLogger("sqlalchemy.engine"), "level", logging.INFO)
    yield stream
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in saved[1]:
        root.addHandler(h)
    root.setLevel(saved[0])


def _cli_env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"NOVAMIND_ENVIRONMENT": "testing", "NOVAMIND_DATABASE_URL": settings.database_url,
            "NOVAMIND_ENCRYPTION_KEYS": ",".join(settings.encryption_keys),
            "NOVAMIND_BLIND_INDEX_KEY": settings.blind_index_key, "NOVAMIND_DEID_KEY": settings.deid_key,
            "NOVAMIND_COOKIE_KEY": settings.cookie_key, "NOVAMIND_LOG_LEVEL": "DEBUG"}


def test_a_full_session_through_services_and_the_cli_logs_no_phi(debug_log, world, monkeypatch, tmp_path, capsys):
    from components.shared.errors import report_incident
    from novamind_core.cli import main

    services = world.services
    for _method, entry in sorted(ENTRIES.items()):
        for role in ROLES:
            for own in (True, False):
                pid = world.patient(role, own)
                prepared = entry.setup(world, pid) if entry.setup else None
                with contextlib.suppress(NovamindError):
                    entry.call(world, world.users[role], pid, prepared)
    clin = world.users["clinician"]
    for bad in (lambda: services.patients.register(clin, mrn=OWN_PATIENT["mrn"], given_name="A", family_name="B",
                                                   date_of_birth="1990-01-01", sex_at_birth="male"),
                lambda: services.patients.register(clin, mrn="NM-111111", given_name=OWN_PATIENT["given"],
                                                   family_name=OWN_PATIENT["family"], date_of_birth="2999-01-01",
                                                   sex_at_birth="x", email="not an email " + OWN_PATIENT["email"]),
                lambda: services.users.authenticate("no.such.user", OWN_PATIENT["family"]),
                lambda: services.patients.find_by_mrn(clin, "NM-000404")):
        try:
            bad()
        except NovamindError as exc:
            report_incident(exc, "test")  # the UI's incident path, as if a page had not expected it
    for key, value in _cli_env(services.settings).items():
        monkeypatch.setenv(key, value)
    from tests.cli_credentials import use_token

    use_token(services, clin.username, monkeypatch)  # the clinician's own API token: --as alone is no credential
    export = tmp_path / "bundle.json"
    for argv in (["users", "list"], ["audit-verify"],
                 ["export", "fhir", "--patient", OWN_PATIENT["mrn"], "--as", clin.username, "--out", str(export)],
                 ["import", "fhir", str(export), "--as", clin.username],
                 ["score", "--instrument", "PHQ-9", "--answers", "1,2,3,1,0,2,1,0,3"]):
        main(argv)
    assert export.exists() and OWN_PATIENT["family"] in export.read_text()  # the export itself holds PHI
    captured = capsys.readouterr()
    log = debug_log.getvalue() + captured.err
    assert len(debug_log.getvalue()) > 10_000, "the session logged too little for the scan to mean anything"
    leaked = [n for n in phi_needles() if n in log or n.lower() in log.lower()]
    assert not leaked, f"PHI in the log: {leaked}"


def test_sqlalchemy_result_row_logging_is_never_enabled_by_the_log_level_setting():
    """SQLAlchemy logs result rows at DEBUG after the column types decrypted them; NOVAMIND_LOG_LEVEL=DEBUG must not
    switch that on (SQLAlchemy pins its own logger to WARNING unless someone sets it)."""
    from novamind_core.security.redaction import configure_logging

    class Debug:
        log_level, log_format = "DEBUG", "text"

    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    try:
        configure_logging(Debug(), stream=io.StringIO())
        assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.DEBUG)
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved[1]:
            root.addHandler(h)
        root.setLevel(saved[0])
