"""PHI redaction of log records: names, MRNs, dates of birth, e-mails and phone numbers never reach the log."""

from __future__ import annotations

import io
import json
import logging

import pytest

from novamind_core.security.redaction import (
    PHIRedactingFilter,
    clear_sensitive_terms,
    configure_logging,
    redact,
    register_sensitive_terms,
)


@pytest.fixture(autouse=True)
def _fresh_terms():
    clear_sensitive_terms()
    yield
    clear_sensitive_terms()


@pytest.fixture
def captured():
    """A logger whose handler carries the filter, writing text to a buffer; restores the root afterwards."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(PHIRedactingFilter())
    logger = logging.getLogger("novamind_test.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, stream
    logger.removeHandler(handler)


def test_registered_names_are_redacted_whatever_their_case_or_spacing():
    register_sensitive_terms(["Ada Lovelace", "Lovelace"])
    assert redact("opened ADA  lovelace chart") == "opened [NAME] chart"
    assert redact("Dr Lovelace called") == "Dr [NAME] called"


def test_names_are_matched_on_whole_words_only():
    register_sensitive_terms(["Ann"])
    assert redact("Annual review for Ann") == "Annual review for [NAME]"


def test_one_letter_terms_are_ignored():
    register_sensitive_terms(["A", None, "  "])
    assert redact("A plan") == "A plan"


@pytest.mark.parametrize(
    "text",
    ["MRN: NM-000123", "mrn NM000123", "MRN#12345678", "record NM-000123 opened", "medical record number 8812345"],
)
def test_mrns_are_redacted(text):
    out = redact(text)
    assert "[MRN]" in out
    assert "123" not in out.replace("[MRN]", "")


@pytest.mark.parametrize("dob", ["1980-03-12", "12/03/1980", "3-12-1980", "12.03.80", "12 March 1980", "March 12, 1980",
                                 "1980/03/12", "2025-01-06T09:30:00Z"])
def test_dates_of_birth_and_iso_dates_are_redacted(dob):
    assert redact(f"dob {dob} noted") == "dob [DATE] noted"


@pytest.mark.parametrize("email", ["ada@example.org", "a.b+tag@mail.example.co.uk"])
def test_email_addresses_are_redacted(email):
    assert redact(f"contact {email}.") == "contact [EMAIL]."


@pytest.mark.parametrize(
    "phone", ["+44 20 7946 0958", "07700 900123", "(555) 123-4567", "555-123-4567", "+1-202-555-0143", "02079460958"]
)
def test_phone_numbers_are_redacted(phone):
    assert redact(f"call {phone} today") == "call [PHONE] today"


@pytest.mark.parametrize(
    "text",
    ["took 12.5 ms", "page 2 of 40", "patient_id=1234", "10000 patients", "hash e3b0c44298fc1c149afb",
     "version 3.11.9", "PHQ-9 total 14"],
)
def test_ordinary_numbers_in_log_lines_are_kept(text):
    assert redact(text) == text


def test_the_filter_redacts_the_message_built_from_its_arguments(captured):
    logger, stream = captured
    register_sensitive_terms(["Grace Hopper"])
    logger.info("opened %s (%s) born %s", "Grace Hopper", "NM-004242", "1906-12-09")
    line = stream.getvalue()
    assert "Grace" not in line and "NM-004242" not in line and "1906" not in line
    assert "opened [NAME] ([MRN]) born [DATE]" in line


def test_the_filter_redacts_exception_messages_and_tracebacks(captured):
    logger, stream = captured
    register_sensitive_terms(["Grace Hopper"])
    try:
        raise ValueError("bad contact for Grace Hopper: grace@example.org, +44 20 7946 0958")
    except ValueError:
        logger.exception("update failed")
    text = stream.getvalue()
    assert "ValueError" in text and "Traceback" in text
    assert "Grace" not in text and "grace@example.org" not in text and "7946" not in text


def test_the_filter_redacts_string_extra_fields(captured):
    logger, stream = captured
    logger.handlers[0].setFormatter(logging.Formatter("%(message)s %(who)s"))
    logger.info("event", extra={"who": "ada@example.org"})
    assert "ada@example.org" not in stream.getvalue()


def test_the_filter_survives_a_broken_format_string(captured):
    logger, stream = captured
    logger.info("value %d", "not-a-number")
    assert "unformattable" in stream.getvalue()


def test_configure_logging_redacts_records_from_every_logger_in_json():
    stream = io.StringIO()

    class S:
        log_level = "INFO"
        log_format = "json"

    root = logging.getLogger()
    old_level = root.level
    handler = configure_logging(S(), stream=stream)
    try:
        register_sensitive_terms(["Mary Shelley"])
        logging.getLogger("novamind_core.services.deep.child").warning("saw %s at mary@example.org", "Mary Shelley")
        payload = json.loads(stream.getvalue().strip().splitlines()[-1])
        assert payload["level"] == "WARNING"
        assert payload["logger"] == "novamind_core.services.deep.child"
        assert payload["message"] == "saw [NAME] at [EMAIL]"
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def test_configure_logging_twice_keeps_one_handler():
    root = logging.getLogger()
    old_level = root.level
    first = configure_logging(None, stream=io.StringIO())
    second = configure_logging(None, stream=io.StringIO())
    try:
        assert first not in root.handlers and second in root.handlers
    finally:
        root.removeHandler(second)
        root.setLevel(old_level)
