"""Browser tests: fixtures (``live_app``, ``browser``, ``context``) come from tests/browser_support.py, loaded for
the whole session by tests/conftest.py so tests/e2e and tests/security share one Playwright instance."""
