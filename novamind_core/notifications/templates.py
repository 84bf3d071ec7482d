"""Messages rendered from the templates a clinic can edit: ``data/templates/<kind>.txt``, ``.html`` and ``.sms``.

Each template is a :class:`string.Template` (``$clinic_name``, ``$link``, ``$optout_link``, ``$expires_on``). The
plain-text template starts with a ``Subject:`` line and a blank line. Values substituted into the HTML are escaped
(``html.escape``), so a clinic name like ``Smith & Jones <North>`` cannot break the markup or inject any.

Minimum information by design (docs/notifications.md): a patient's message says only "You have a questionnaire from
<clinic>" with the link and an opt-out link; a care team's message says only that a patient needs review, with a deep
link that works after signing in. No name, record number, diagnosis or score is ever passed to a template (there is no
placeholder for one), and :func:`check_templates` refuses a template that asks for an unknown placeholder.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from string import Template
from urllib.parse import quote

from novamind_core.config import DATA_DIR
from novamind_core.domain.errors import ConfigurationError
from novamind_core.domain.outbox import OutboxKind
from novamind_core.domain.reporting import Channel, OutgoingMessage

DEFAULT_TEMPLATE_DIR: Path = DATA_DIR / "templates"
#: The placeholders a template may use, by kind (nothing about the patient is among them).
PLACEHOLDERS: dict[OutboxKind, frozenset[str]] = {
    OutboxKind.INVITATION: frozenset({"clinic_name", "link", "optout_link", "expires_on"}),
    OutboxKind.REMINDER: frozenset({"clinic_name", "link", "optout_link", "expires_on"}),
    OutboxKind.URGENT_ALERT: frozenset({"clinic_name", "link"}),
    OutboxKind.DOB_LOCKED: frozenset({"clinic_name", "link"}),
}
#: Kinds sent to patients by SMS (staff messages go by e-mail only).
SMS_KINDS = (OutboxKind.INVITATION, OutboxKind.REMINDER)


# ------------------------------------------------------------------ links
def questionnaire_link(public_base_url: str, token: str) -> str:
    """``{public_base_url}/questionnaire?t=<token>``: the patient's link (the page removes the token from the bar)."""
    return f"{public_base_url.rstrip('/')}/questionnaire?t={quote(token, safe='')}"


def optout_link(public_base_url: str, token: str) -> str:
    """``{public_base_url}/questionnaire?optout=<token>``: stops every message to this patient."""
    return f"{public_base_url.rstrip('/')}/questionnaire?optout={quote(token, safe='')}"


def alert_link(public_base_url: str, alert_id: int) -> str:
    """Deep link to an alert on the chart (works only after signing in; an id, never a name or MRN)."""
    return f"{public_base_url.rstrip('/')}/patient?alert={int(alert_id)}"


def patient_link(public_base_url: str, patient_id: int) -> str:
    """Deep link to a chart (after signing in), for the care team's "link locked" message."""
    return f"{public_base_url.rstrip('/')}/patient?id={int(patient_id)}"


def expiry_text(expires_at: datetime, timezone_name: str) -> str:
    """``"Thursday 19 March 2026, 09:00"`` in the clinic's time zone."""
    from zoneinfo import ZoneInfo

    local = expires_at.astimezone(ZoneInfo(timezone_name))
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M}"


# ------------------------------------------------------------------ templates
@dataclass(frozen=True)
class MessageTemplates:
    """One kind's templates: subject and plain text, HTML, and (patients' kinds) SMS."""

    kind: OutboxKind
    subject: Template
    text: Template
    html: Template
    sms: Template | None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigurationError(f"notification template {path} is missing (see docs/notifications.md)") from None


def _checked(template: Template, kind: OutboxKind, path: Path) -> Template:
    if not template.is_valid():
        raise ConfigurationError(f"notification template {path}: a '$' is not followed by a placeholder name "
                                 "(write $$ for a dollar sign)")
    unknown = sorted(set(template.get_identifiers()) - PLACEHOLDERS[kind])
    if unknown:
        allowed = ", ".join(f"${p}" for p in sorted(PLACEHOLDERS[kind]))
        raise ConfigurationError(f"notification template {path}: unknown placeholder ${unknown[0]}; use {allowed}")
    return template


@lru_cache(maxsize=32)
def load_templates(kind: OutboxKind, template_dir: Path = DEFAULT_TEMPLATE_DIR) -> MessageTemplates:
    """Read and check ``<kind>.txt``, ``<kind>.html`` (and ``<kind>.sms``) once per process."""
    text_path = template_dir / f"{kind.value}.txt"
    first, _, body = _read(text_path).partition("\n")
    if not first.lower().startswith("subject:"):
        raise ConfigurationError(f"notification template {text_path}: the first line must be 'Subject: ...'")
    html_path = template_dir / f"{kind.value}.html"
    sms_path = template_dir / f"{kind.value}.sms"
    sms = _checked(Template(_read(sms_path).strip()), kind, sms_path) if kind in SMS_KINDS else None
    return MessageTemplates(
        kind=kind, subject=_checked(Template(first.split(":", 1)[1].strip()), kind, text_path),
        text=_checked(Template(body.lstrip("\n")), kind, text_path),
        html=_checked(Template(_read(html_path)), kind, html_path), sms=sms)


def check_templates(template_dir: Path = DEFAULT_TEMPLATE_DIR) -> tuple[OutboxKind, ...]:
    """Load every kind's templates (raises ConfigurationError naming the file at fault); the worker calls it at
    start, so a clinic's editing mistake shows at once rather than at the first message."""
    load_templates.cache_clear()
    return tuple(load_templates(kind, template_dir).kind for kind in OutboxKind)


def render(kind: OutboxKind, channel: Channel, to: str, *, clinic_name: str, link: str, optout_link: str = "",
           expires_on: str = "", template_dir: Path = DEFAULT_TEMPLATE_DIR) -> OutgoingMessage:
    """The message of ``kind`` for ``to`` on ``channel`` (e-mail: subject, text and HTML; SMS: text only)."""
    templates = load_templates(kind, template_dir)
    values = {"clinic_name": clinic_name, "link": link, "optout_link": optout_link, "expires_on": expires_on}
    values = {k: v for k, v in values.items() if k in PLACEHOLDERS[kind]}
    subject = templates.subject.substitute(values).replace("\n", " ").strip()
    if channel is Channel.SMS:
        if templates.sms is None:
            raise ConfigurationError(f"{kind.value} messages go by e-mail only")
        return OutgoingMessage(to=to, subject=subject, text=templates.sms.substitute(values), html="")
    escaped = {k: html.escape(v, quote=True) for k, v in values.items()}
    return OutgoingMessage(to=to, subject=subject, text=templates.text.substitute(values),
                           html=templates.html.substitute(escaped))


def invitation(to: str, channel: Channel, *, clinic_name: str, public_base_url: str, token: str,
               expires_on: str, reminder: bool = False,
               template_dir: Path = DEFAULT_TEMPLATE_DIR) -> OutgoingMessage:
    """A patient's invitation (or reminder): "You have a questionnaire from <clinic>", the link, the opt-out link."""
    return render(OutboxKind.REMINDER if reminder else OutboxKind.INVITATION, channel, to, clinic_name=clinic_name,
                  link=questionnaire_link(public_base_url, token), optout_link=optout_link(public_base_url, token),
                  expires_on=expires_on, template_dir=template_dir)


def urgent_alert(to: str, *, clinic_name: str, public_base_url: str, alert_id: int,
                 template_dir: Path = DEFAULT_TEMPLATE_DIR) -> OutgoingMessage:
    """A care-team member's urgent alert e-mail: "A patient on your care team needs review" + a deep link."""
    return render(OutboxKind.URGENT_ALERT, Channel.EMAIL, to, clinic_name=clinic_name,
                  link=alert_link(public_base_url, alert_id), template_dir=template_dir)


def dob_locked(to: str, *, clinic_name: str, public_base_url: str, patient_id: int,
               template_dir: Path = DEFAULT_TEMPLATE_DIR) -> OutgoingMessage:
    """A care-team member's "a link was locked" e-mail (no PHI) with a deep link to the chart."""
    return render(OutboxKind.DOB_LOCKED, Channel.EMAIL, to, clinic_name=clinic_name,
                  link=patient_link(public_base_url, patient_id), template_dir=template_dir)
