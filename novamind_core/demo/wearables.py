"""Demo data: minute-level actigraphy for more demo patients, written through the import service.

The demo seed (``seed-demo``) already gives daily summaries to most patients and 90 days of minute actigraphy to the
"rich wearable data" story patient. :func:`seed_demo_wearables` adds minute actigraphy to ``n_patients`` further
demo patients (those without minute data, lowest id first), with the generator in
:mod:`novamind_core.biometrics.synthetic`: a circadian pattern, weekends, non-wear gaps, and disrupted sleep during
the first weeks of treatment (the depressive episode) for roughly half of them. Each patient's days are written in
one import transaction, audited as an import by the patient's first care-team clinician. Refused in production.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from novamind_core.bootstrap import Services
from novamind_core.domain.errors import ConfigurationError
from novamind_core.domain.users import Role, User
from novamind_core.interop.records import ClinicalBatch, MinuteDays

DEMO_SOURCE = "demo-actigraph"


@dataclass(frozen=True)
class WearableSeedReport:
    patients: int
    minute_days: int
    skipped: int


def _candidates(services: Services) -> tuple[list[tuple[int, User]], int]:
    """``[(patient_id, acting clinician)]`` for active patients without minute data, and how many already had it."""
    with services.context.uow() as uow:
        with_minutes = uow.wearables.patients_with_minute_days()
        out = [(c.patient_id, User(c.clinician_id, c.username, c.display_name, Role.CLINICIAN))
               for c in uow.cohort.active_patients_with_clinician() if c.patient_id not in with_minutes]
        return out, len(with_minutes)


def seed_demo_wearables(services: Services, *, n_patients: int = 8, days: int = 56,
                        seed: int = 0) -> WearableSeedReport:
    """Add ``days`` days (ending yesterday) of synthetic minute actigraphy to ``n_patients`` demo patients."""
    from novamind_core.biometrics.synthetic import synthetic_actigraphy

    settings = services.context.settings
    if settings.environment == "production" or not settings.demo_users_enabled:
        raise ConfigurationError("NOVAMIND_DEMO_USERS_ENABLED: demo data is refused in production")
    if not 1 <= days <= 366:
        raise ConfigurationError("seed-wearables: --days must be 1-366")
    service = services.imports
    candidates, already = _candidates(services)
    first = services.context.today() - timedelta(days=days)
    written = 0
    chosen = candidates[: max(0, n_patients)]
    for k, (pid, clinician) in enumerate(chosen):
        episode = ((0, min(days - 1, 20)),) if k % 2 == 0 else None
        acti = synthetic_actigraphy(days, start=first.isoformat(), seed=np.random.default_rng([seed, pid]),
                                    episode_days=episode,
                                    wake_mean_counts=float(np.random.default_rng([seed, pid]).uniform(350, 650)))
        counts = np.asarray(acti.counts.to_numpy(dtype=float)).reshape(days, 1440)
        batch = ClinicalBatch("activity", "demo actigraphy", minute_days=MinuteDays(first, counts),
                              device_source=DEMO_SOURCE)
        written += service.import_batch(clinician, batch, patient_id=pid).written.get("days of minute activity", 0)
    return WearableSeedReport(len(chosen), written, already)
