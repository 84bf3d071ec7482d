"""Security: field encryption and blind indexes, passwords, RBAC, hash-chained audit, PHI redaction, de-identification.

Submodules are imported directly (``from novamind_core.security.crypto import FieldCipher``); this package
imports nothing eagerly so that pages and light tools do not pay for ``cryptography`` or ``bcrypt``.
"""

__all__ = ["audit", "crypto", "deid", "passwords", "rbac", "redaction"]
