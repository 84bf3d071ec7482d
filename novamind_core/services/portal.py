"""Patient-reported measurement, the patient's side: a questionnaire link (or a kiosk session) opened without a staff
account (docs/reporting.md).

There is no signed-in user: the link's token is the credential. Its SHA-256 finds the request; the plain token is
never stored or logged. Every attempt counts against two rate limits shared by all app processes through the
database (per token and per client address, each kept as a SHA-256); every outcome is audited (actor
``patient-link`` or ``kiosk``, role ``patient``) and written to the patient's delivery log. What a page receives never
names the patient: an expired, used, tampered, unknown, locked or rate-limited link gets the same
:class:`PortalRefusal` text, and only the audit log knows which it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta

from novamind_core.domain.alerts import AlertKind
from novamind_core.domain.assessments import AssessmentScore, score_assessment
from novamind_core.domain.errors import ValidationError
from novamind_core.domain.instruments import Instrument
from novamind_core.domain.outbox import OutboxKind
from novamind_core.domain.reporting import (
    DOB_MAX_FAILURES,
    AssessmentSource,
    Channel,
    RequestStatus,
    crisis_message,
    looks_like_token,
    new_link_token,
    same_digest,
    token_digest,
)
from novamind_core.domain.reporting_views import (
    ConsentSource,
    DeliveryEventKind,
    DobCheck,
    PortalRefusal,
    PortalRequest,
    PortalView,
    QuestionnaireRequest,
    RefusalReason,
    Submission,
)
from novamind_core.notifications import templates
from novamind_core.security.audit import AuditAction, AuditOutcome, AuditRecord
from novamind_core.services.assessments import store_assessment
from novamind_core.services.base import BaseService
from novamind_core.services.ports import UnitOfWork

_STATUS_REFUSAL = {RequestStatus.COMPLETED: RefusalReason.USED, RequestStatus.LOCKED: RefusalReason.LOCKED,
                   RequestStatus.CANCELLED: RefusalReason.CANCELLED, RequestStatus.EXPIRED: RefusalReason.EXPIRED}


def client_digest(client: str) -> str:
    """SHA-256 of a client address (the address itself is never stored)."""
    return hashlib.sha256((client or "unknown").encode("utf-8")).hexdigest()


class PortalService(BaseService):
    """Open a link, confirm the date of birth, submit answers, opt out: the patient's four actions."""

    def crisis_text(self) -> str:
        """The clinic's crisis message (settings; defaults for the UK or the US)."""
        s = self.ctx.settings
        return crisis_message(getattr(s, "crisis_region", "uk"), getattr(s, "crisis_message", None))

    # ------------------------------------------------------------------ the four actions
    def open(self, token: str, client: str) -> PortalView:
        """What the page may show for ``token``: the instruments and clinic name, or the one refusal."""
        gate = self._gate(token, client)
        if isinstance(gate, PortalRefusal):
            return gate
        with self._tx() as uow:
            request = self._usable(uow, token)
            if isinstance(request, PortalRefusal):
                uow.commit()
                return request
            if request.opened_at is None:
                uow.delivery.add(request.patient_id, request.id, DeliveryEventKind.OPENED, self.ctx.now())
            request = uow.requests.mark_opened(request.id, self.ctx.now())
            self._audit_portal(uow, request, AuditAction.REQUEST_OPEN, detail=f"request {request.id}")
            uow.commit()
        kiosk = request.channel is Channel.KIOSK
        return PortalRequest(instruments=request.instruments, clinic_name=self.ctx.settings.clinic_name,
                             needs_dob=not kiosk, kiosk=kiosk,
                             expires_at=request.expires_at)

    def verify_dob(self, token: str, dob: date, client: str) -> DobCheck:
        """Confirm the patient's date of birth; ``DOB_MAX_FAILURES`` wrong answers lock the link and tell the clinic."""
        gate = self._gate(token, client)
        if isinstance(gate, PortalRefusal):
            return DobCheck(ok=False, refusal=gate)
        now = self.ctx.now()
        with self._tx() as uow:
            request = self._usable(uow, token, for_update=True)
            if isinstance(request, PortalRefusal):
                uow.commit()
                return DobCheck(ok=False, locked=request.reason_kind is RefusalReason.LOCKED, refusal=request)
            if request.channel is Channel.KIOSK:
                uow.commit()
                return DobCheck(ok=True, tries_left=DOB_MAX_FAILURES - request.dob_failures)
            if isinstance(dob, date) and uow.patients.get(request.patient_id).date_of_birth == dob:
                proof = new_link_token()  # this browser session's proof; only its digest is stored
                uow.requests.mark_verified(request.id, now, token_digest(proof))
                self._audit_portal(uow, request, AuditAction.REQUEST_DOB_VERIFIED, detail=f"request {request.id}")
                uow.commit()
                return DobCheck(ok=True, tries_left=DOB_MAX_FAILURES - request.dob_failures, session_proof=proof)
            failures = uow.requests.record_dob_failure(request.id)
            uow.delivery.add(request.patient_id, request.id, DeliveryEventKind.DOB_FAILED, now,
                             f"wrong date of birth ({failures} of {DOB_MAX_FAILURES})")
            if failures < DOB_MAX_FAILURES:
                self._audit_portal(uow, request, AuditAction.REQUEST_DOB_FAILED, outcome=AuditOutcome.FAILURE,
                                   detail=f"request {request.id} try {failures} of {DOB_MAX_FAILURES}")
                uow.commit()
                return DobCheck(ok=False, tries_left=DOB_MAX_FAILURES - failures)
            uow.requests.lock(request.id)
            uow.delivery.add(request.patient_id, request.id, DeliveryEventKind.LOCKED, now,
                             f"{DOB_MAX_FAILURES} wrong dates of birth")
            self._tell_care_team(uow, request.patient_id, OutboxKind.DOB_LOCKED, f"dob_locked:{request.id}",
                                 request.id, None, now)
            self._audit_portal(uow, request, AuditAction.REQUEST_LOCKED, outcome=AuditOutcome.FAILURE,
                               detail=f"request {request.id} locked after {DOB_MAX_FAILURES} wrong dates of birth")
            uow.commit()
            return DobCheck(ok=False, locked=True, refusal=PortalRefusal(RefusalReason.LOCKED))

    def submit(self, token: str, answers: Mapping[Instrument | str, Sequence[int]], client: str,
               session_proof: str | None = None) -> Submission:
        """Store the answers as ordinary assessments (source: remote link or kiosk) through the clinician's path.

        Single use: a second submission of the same link returns ``already_received`` and writes nothing. PHQ-9
        item 9 above 0 (or a positive C-SSRS screener, were it ever offered to patients) raises an urgent alert,
        e-mails each opted-in care-team member (no PHI) and returns the crisis message for the page to show at once.
        Invalid answers raise ValidationError and store nothing.
        """
        gate = self._gate(token, client)
        if isinstance(gate, PortalRefusal):
            return Submission(accepted=False, refusal=gate)
        now, today = self.ctx.now(), self.ctx.today()
        with self._tx() as uow:
            request = uow.requests.by_digest(token_digest(token), for_update=True)
            if request is not None and request.status is RequestStatus.COMPLETED:
                return Submission(accepted=True, already_received=True)  # rolled back: nothing written
            usable = self._usable(uow, token, found=request)
            if isinstance(usable, PortalRefusal):
                uow.commit()
                return Submission(accepted=False, refusal=usable)
            request = usable
            if request.channel is not Channel.KIOSK and not _proves(session_proof, request.verified_proof_digest):
                self._refuse(uow, request, RefusalReason.NOT_VERIFIED)
                uow.commit()
                return Submission(accepted=False, refusal=PortalRefusal(RefusalReason.NOT_VERIFIED))
            scores = self._scores(request, answers)
            if not uow.requests.complete(request.id, now):
                return Submission(accepted=True, already_received=True)
            source = AssessmentSource.KIOSK if request.channel is Channel.KIOSK else AssessmentSource.PATIENT_REMOTE
            alerts = []
            for score in scores:
                result = store_assessment(uow, request.patient_id, score, today, now, None, source=source,
                                          completed_at=now, request_id=request.id)
                alerts += [a for a in result.alerts if a.kind is AlertKind.ITEM9]
            for alert in alerts:
                self._tell_care_team(uow, request.patient_id, OutboxKind.URGENT_ALERT, f"urgent_alert:{alert.id}",
                                     request.id, alert.id, now)
            uow.delivery.add(request.patient_id, request.id, DeliveryEventKind.COMPLETED, now,
                             ",".join(s.instrument.value for s in scores))
            self._audit_portal(uow, request, AuditAction.REQUEST_SUBMIT,
                               detail=f"request {request.id} {','.join(s.instrument.value for s in scores)} "
                                      f"urgent={len(alerts)}")
            uow.commit()
        positive = bool(alerts) or any(s.item9_positive for s in scores)  # a positive C-SSRS screener too
        return Submission(accepted=True, item9_positive=positive,
                          crisis_message=self.crisis_text() if positive else None)

    def opt_out(self, token: str, client: str) -> bool:
        """Stop every message to the patient whose link this is (and cancel open requests). False: link unknown."""
        gate = self._gate(token, client)
        if isinstance(gate, PortalRefusal):
            return False
        now = self.ctx.now()
        with self._tx() as uow:
            request = uow.requests.by_digest(token_digest(token))
            if request is None:
                self._refuse(uow, None, RefusalReason.UNKNOWN)
                uow.commit()
                return False
            uow.consents.opt_out(request.patient_id, now, ConsentSource.LINK)
            cancelled = uow.requests.cancel_open(request.patient_id)
            uow.delivery.add(request.patient_id, request.id, DeliveryEventKind.OPTED_OUT, now,
                             f"by the link; {len(cancelled)} open request(s) cancelled")
            self._audit_portal(uow, request, AuditAction.CONSENT_OPT_OUT, detail=f"request {request.id}")
            uow.commit()
            return True

    # ------------------------------------------------------------------ checks
    def _gate(self, token: str, client: str) -> PortalRefusal | None:
        """Shape check and rate limits (committed on their own, so a refused attempt still counts)."""
        s = self.ctx.settings
        limit = int(getattr(s, "questionnaire_rate_limit", 20))
        window = timedelta(minutes=int(getattr(s, "questionnaire_rate_window_minutes", 15)))
        shaped = looks_like_token(token)
        with self._tx() as uow:
            counts = [uow.rate_limits.hit(f"client:{client_digest(client)}", self.ctx.now(), window)]
            if shaped:
                counts.append(uow.rate_limits.hit(f"token:{token_digest(token)}", self.ctx.now(), window))
            uow.commit()
        reason = None if shaped else RefusalReason.TAMPERED
        if max(counts) > limit:
            reason = RefusalReason.RATE_LIMITED
        if reason is None:
            return None
        with self._tx() as uow:
            found = uow.requests.by_digest(token_digest(token)) if shaped else None
            self._refuse(uow, found, reason)
            uow.commit()
        return PortalRefusal(reason)

    def _usable(self, uow: UnitOfWork, token: str, *, for_update: bool = False,
                found: QuestionnaireRequest | None = None) -> QuestionnaireRequest | PortalRefusal:
        """The request behind ``token`` if it can be used now, else the refusal (audited and logged)."""
        request = found or uow.requests.by_digest(token_digest(token), for_update=for_update)
        if request is None:
            self._refuse(uow, None, RefusalReason.UNKNOWN)
            return PortalRefusal(RefusalReason.UNKNOWN)
        reason = _STATUS_REFUSAL.get(request.status)
        if reason is None and self.ctx.now() >= request.expires_at:
            reason = RefusalReason.EXPIRED  # the worker marks it expired (and logs it) on its next pass
        if reason is not None:
            self._refuse(uow, request, reason)
            return PortalRefusal(reason)
        return request

    @staticmethod
    def _scores(request: QuestionnaireRequest, answers: Mapping[Instrument | str, Sequence[int]]
                ) -> list[AssessmentScore]:
        given = {Instrument.parse(k): v for k, v in answers.items()}
        if set(given) != set(request.instruments):
            names = ", ".join(i.value for i in request.instruments)
            raise ValidationError(f"answers must cover exactly the questionnaires asked for: {names}",
                                  field="answers")
        return [score_assessment(i, given[i]) for i in request.instruments]

    # ------------------------------------------------------------------ side effects
    def _tell_care_team(self, uow: UnitOfWork, patient_id: int, kind: OutboxKind, key: str, request_id: int,
                        alert_id: int | None, now: datetime) -> int:
        """E-mail each care-team member whose preferences allow it (no PHI: a deep link only)."""
        s = self.ctx.settings
        team = uow.patients.care_team(patient_id)
        sent = 0
        for user_id, prefs in sorted(uow.preferences.for_users(list(team)).items()):
            if not prefs.urgent_by_email or not prefs.email:
                continue
            current = uow.users.current(user_id)
            if current is None or not current.active:
                continue
            if kind is OutboxKind.URGENT_ALERT and alert_id is not None:
                message = templates.urgent_alert(prefs.email, clinic_name=s.clinic_name,
                                                 public_base_url=s.public_base_url, alert_id=alert_id)
            else:
                message = templates.dob_locked(prefs.email, clinic_name=s.clinic_name,
                                               public_base_url=s.public_base_url, patient_id=patient_id)
            uow.outbox.enqueue(kind, Channel.EMAIL, f"{key}:{user_id}", patient_id, request_id, user_id, message, now)
            sent += 1
        uow.delivery.add(patient_id, request_id, DeliveryEventKind.QUEUED, now,
                         f"{kind.value.replace('_', ' ')} e-mail to {sent} care-team member(s)")
        return sent

    def _refuse(self, uow: UnitOfWork, request: QuestionnaireRequest | None, reason: RefusalReason) -> None:
        if request is not None:
            uow.delivery.add(request.patient_id, request.id, DeliveryEventKind.REFUSED, self.ctx.now(),
                             reason.value.replace("_", " "))
        self._audit_portal(uow, request, AuditAction.REQUEST_REFUSED, outcome=AuditOutcome.DENIED,
                           detail=f"{reason.value}" + (f" request {request.id}" if request else ""))

    def _audit_portal(self, uow: UnitOfWork, request: QuestionnaireRequest | None, action: str, *,
                      outcome: str = AuditOutcome.SUCCESS, detail: str = "") -> None:
        kiosk = request is not None and request.channel is Channel.KIOSK
        uow.audit.append(AuditRecord(
            at=self.ctx.now(), user_id=None, username="kiosk" if kiosk else "patient-link", role="patient",
            action=action, patient_id=request.patient_id if request else None, outcome=outcome, detail=detail[:500]))


def _proves(session_proof: str | None, stored_digest: str | None) -> bool:
    """Whether ``session_proof`` is the one handed to the session that last confirmed the date of birth."""
    return bool(session_proof) and bool(stored_digest) and same_digest(token_digest(str(session_proof)),
                                                                       str(stored_digest))
