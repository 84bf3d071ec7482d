"""Message templates: minimum information, HTML escaping, the opt-out link, and a clinic's editing mistakes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from novamind_core.domain.errors import ConfigurationError
from novamind_core.domain.outbox import OutboxKind
from novamind_core.domain.reporting import Channel
from novamind_core.notifications import templates
from novamind_core.notifications.templates import DEFAULT_TEMPLATE_DIR, PLACEHOLDERS

TOKEN = "Abc_def-GHIjklmnop0123456789xyzQ"
BASE = "https://clinic.example/app"


def invite(clinic: str = "Test Clinic", channel: Channel = Channel.EMAIL, reminder: bool = False):  # type: ignore[no-untyped-def]
    return templates.invitation("zeb.quux@example.org", channel, clinic_name=clinic, public_base_url=BASE,
                                token=TOKEN, expires_on="Thursday 19 March 2026, 09:00", reminder=reminder)


def test_every_kind_has_valid_templates_in_data_templates():
    assert set(templates.check_templates()) == set(OutboxKind)
    for kind in OutboxKind:
        assert (DEFAULT_TEMPLATE_DIR / f"{kind.value}.txt").exists()
        assert (DEFAULT_TEMPLATE_DIR / f"{kind.value}.html").exists()


@pytest.mark.parametrize("reminder", [False, True])
def test_an_invitation_says_only_that_there_is_a_questionnaire_from_the_clinic_with_the_link(reminder):
    message = invite(reminder=reminder)
    assert "questionnaire from Test Clinic" in message.subject
    link = f"{BASE}/questionnaire?t={TOKEN}"
    assert link in message.text and f'href="{link}"' in message.html


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.SMS])
def test_every_patient_message_carries_the_opt_out_link(channel):
    for reminder in (False, True):
        message = invite(channel=channel, reminder=reminder)
        assert f"{BASE}/questionnaire?optout={TOKEN}" in message.text
        if channel is Channel.EMAIL:
            assert f'href="{BASE}/questionnaire?optout={TOKEN}"' in message.html


def test_no_template_has_a_placeholder_for_anything_about_the_patient():
    allowed = set().union(*PLACEHOLDERS.values())
    assert allowed == {"clinic_name", "link", "optout_link", "expires_on"}
    for path in DEFAULT_TEMPLATE_DIR.iterdir():
        used = set(re.findall(r"\$\{?([a-z_]+)", path.read_text(encoding="utf-8")))
        assert used <= allowed, path.name


def test_the_address_never_appears_in_the_body_or_the_repr():
    message = invite()
    assert "zeb.quux" not in message.text + message.html + message.subject
    assert "zeb.quux" not in repr(message)


def test_values_substituted_into_the_html_are_escaped_and_the_text_is_left_plain():
    message = invite(clinic='Smith & Jones <script>alert("x")</script>')
    assert "<script>" not in message.html
    assert "Smith &amp; Jones &lt;script&gt;" in message.html
    assert 'Smith & Jones <script>alert("x")</script>' in message.text


def test_an_sms_is_short_plain_text_without_html():
    message = invite(channel=Channel.SMS)
    assert message.html == "" and len(message.text) < 320 and "\n" not in message.text


def test_the_urgent_alert_names_no_patient_and_links_to_the_alert_after_sign_in():
    message = templates.urgent_alert("dr@example.org", clinic_name="Test Clinic", public_base_url=BASE, alert_id=42)
    assert "A patient on your care team needs review" in message.text
    assert f"{BASE}/patient?alert=42" in message.text and f'href="{BASE}/patient?alert=42"' in message.html
    with pytest.raises(ConfigurationError):
        templates.render(OutboxKind.URGENT_ALERT, Channel.SMS, "+447700900123", clinic_name="C", link="x")


def test_the_locked_link_notice_links_to_the_chart_by_id_only():
    message = templates.dob_locked("dr@example.org", clinic_name="C", public_base_url=BASE, patient_id=7)
    assert f"{BASE}/patient?id=7" in message.text and "locked" in message.subject


def test_a_template_asking_for_an_unknown_placeholder_is_refused_naming_the_file(tmp_path: Path):
    for path in DEFAULT_TEMPLATE_DIR.iterdir():
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "invitation.txt").write_text("Subject: Hello $patient_name\n\n$link\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"invitation\.txt: unknown placeholder \$patient_name"):
        templates.check_templates(tmp_path)
    templates.load_templates.cache_clear()


def test_a_text_template_without_a_subject_line_is_refused(tmp_path: Path):
    for path in DEFAULT_TEMPLATE_DIR.iterdir():
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "reminder.txt").write_text("Hello\n$link\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="Subject"):
        templates.check_templates(tmp_path)
    templates.load_templates.cache_clear()


def test_the_expiry_is_written_in_the_clinic_time_zone():
    assert templates.expiry_text(datetime(2026, 7, 1, 8, 0, tzinfo=UTC), "Europe/London") == \
        "Wednesday 1 July 2026, 09:00"
