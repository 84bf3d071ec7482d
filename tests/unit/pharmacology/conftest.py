"""Shared fixtures and the slow, obviously-correct ODE reference for the pharmacology tests."""

from __future__ import annotations

import pytest

from novamind_core.pharmacology import load_catalogue


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()
