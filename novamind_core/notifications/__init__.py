"""Notifications: message templates a clinic can edit, and transports that hand messages over (SMTP e-mail, an HTTP
SMS gateway, the console). The worker (``novamind_core.worker``) sends what the outbox holds through them
(docs/notifications.md). Adapters import only the standard library, ``aiosmtpd`` (the development sink) and the domain.
"""
