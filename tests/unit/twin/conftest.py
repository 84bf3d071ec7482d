"""Fixtures for twin tests: synthetic occupancy/exposure so the twin is tested apart from the PK engine."""

from __future__ import annotations

import numpy as np
import pytest

from novamind_core.domain.targets import TARGETS
from novamind_core.twin.params import default_params


@pytest.fixture
def params():
    return default_params()


def constant_occupancy(n_days: int, n_pk: int = 1, **fractions: float) -> dict[str, np.ndarray]:
    occ = {t: np.zeros((n_pk, n_days)) for t in TARGETS}
    for key, value in fractions.items():
        occ[key.replace("_", "-") if key.startswith("alpha") else key] = np.full((n_pk, n_days), value)
    return occ


@pytest.fixture(name="constant_occupancy")
def constant_occupancy_fixture():
    """``constant_occupancy(n_days, n_pk=1, SERT=0.8, ...)``: constant occupancy fractions per target."""
    return constant_occupancy


@pytest.fixture
def synthetic_libraries():
    """Unit week-8 and week-12 signals for every calibrated drug: a plausible SSRI-like signal with PK spread."""
    rng = np.random.default_rng(0)
    names = ["mirtazapine", "duloxetine", "venlafaxine", "paroxetine", "escitalopram", "sertraline", "vortioxetine",
             "bupropion", "fluoxetine", "citalopram", "desvenlafaxine"]
    return {n: np.clip(rng.normal(0.5, 0.05, 50), 0.2, 0.8) for n in names}
