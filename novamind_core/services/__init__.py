"""Services: the use cases pages and the CLI call. Each method takes the current user and primitives, checks
permission (and care team) first, writes one audit event in the same transaction, and returns frozen dataclasses.

Build them with :func:`novamind_core.bootstrap.build_services`.
"""
