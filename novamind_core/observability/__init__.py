"""Operations: structured logs with request and session ids, Prometheus metrics, audit forwarding.

Nothing here reads PHI: metrics are counts, log context is random ids, and the audit stream carries the audit rows
as stored (ids, usernames, action names and PHI-free details). See docs/deployment.md, "Operations".
"""
