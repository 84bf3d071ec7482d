"""The carried-mode superposition against a slow, obviously-correct dose-by-dose sum, and the batch's bookkeeping.

Reference: ``C(t) = sum_j D_j h(t - t_j)`` with ``h(u) = sum_i c_i exp(lambda_i u)`` for ``u >= 0`` (Gibaldi &
Perrier 1982, ch. 1-3), evaluated with a Python loop over doses on the full (patients, times) grid in float64.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from novamind_core.pharmacology import active_moiety_key, simulate_pk
from novamind_core.pharmacology.occupancy import combined_occupancy_percent
from novamind_core.pharmacology.pk import (
    effective_amounts,
    patient_parameters,
    simulate_drug,
    superpose,
    unit_dose_modes,
)


def dose_by_dose_superposition(rates_per_h, coefficients, dose_times_h, amounts_mg, times_h):
    """Slow reference: one broadcast term per dose event, summed (cost doses x patients x times x modes)."""
    out = np.zeros((rates_per_h.shape[0], times_h.size))
    for j, t_dose in enumerate(dose_times_h):
        u = times_h - t_dose
        after = u >= 0
        terms = coefficients[:, :, None] * np.exp(rates_per_h[:, :, None] * np.where(after, u, 0.0)[None, None, :])
        out += amounts_mg[:, j, None] * terms.sum(axis=1) * after[None, :]
    return out


def _random_regimen(rng, n_patients):
    """Irregular dose times (one duplicated, one off-grid), per-patient amounts with missed doses (zeros)."""
    dose_times = np.sort(np.concatenate([np.arange(0.0, 20 * 24.0, 24.0), rng.uniform(0, 480, 6), [96.0, 96.0]]))
    amounts = rng.choice([0.0, 10.0, 20.0, 40.0], size=(n_patients, dose_times.size), p=[0.15, 0.25, 0.4, 0.2])
    times = np.sort(np.concatenate([np.arange(0.0, 600.0, 1.0), rng.uniform(-5.0, 600.0, 37), dose_times]))
    return dose_times, amounts, times


@pytest.mark.parametrize("drug_name, two_compartment", [("fluoxetine", False), ("venlafaxine", True)])
def test_carried_superposition_equals_the_dose_by_dose_sum_on_a_random_regimen_with_bsv(
        catalogue, drug_name, two_compartment):
    rng = np.random.default_rng(11)
    drug = catalogue.get(drug_name)
    if two_compartment:
        drug = dataclasses.replace(drug, pk=dataclasses.replace(drug.pk, q_l_per_h=40.0, vp_l=800.0))
    n = 40
    dose_times, amounts, times = _random_regimen(rng, n)
    mult = rng.choice([0.5, 1.0, 2.0], size=n)
    fast = simulate_drug(drug, dose_times, amounts, times, n, bsv=True, rng=np.random.default_rng(5),
                         exposure_multiplier=mult, chunk_size=16)  # several chunks, the last one partial
    pp = patient_parameters(drug, n, bsv=True, rng=np.random.default_rng(5), exposure_multiplier=mult)
    modes = unit_dose_modes(pp)
    eff = effective_amounts(pp, amounts)
    parent = dose_by_dose_superposition(modes.rates_per_h, modes.parent, dose_times, eff, times)
    scale = parent.max()
    np.testing.assert_allclose(fast[drug.name], parent, rtol=1e-9, atol=1e-12 * scale)
    for j, met in enumerate(drug.metabolites):
        ref = dose_by_dose_superposition(modes.rates_per_h, modes.metabolites[:, j, :], dose_times, eff, times)
        np.testing.assert_allclose(fast[met.name], ref, rtol=1e-9, atol=1e-12 * ref.max())
    assert not fast[drug.name][:, times < 0].any()  # nothing before the first dose


def test_superpose_in_float32_stays_within_float32_rounding_of_the_float64_sum(catalogue):
    rng = np.random.default_rng(3)
    drug = catalogue.get("sertraline")
    n = 25
    dose_times, amounts, times = _random_regimen(rng, n)
    pp = patient_parameters(drug, n, bsv=True, rng=rng)
    modes = unit_dose_modes(pp)
    (single,) = superpose(modes.rates_per_h, [modes.parent], dose_times, amounts, times, np.float32)
    ref = dose_by_dose_superposition(modes.rates_per_h, modes.parent, dose_times, amounts, times)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, ref, rtol=2e-5, atol=2e-5 * ref.max())


def test_active_moiety_is_the_parent_plus_its_active_metabolites(catalogue):
    sc = {"name": "x", "steps": [{"drug": "venlafaxine", "dose_mg": 150, "days": 10}], "adherence": 0.8, "seed": 2}
    r = simulate_pk(sc, np.arange(0, 260.0, 0.5), n_patients=30, seed=4, catalogue=catalogue)
    conc = r.concentration_ng_ml
    np.testing.assert_allclose(conc[active_moiety_key("venlafaxine")],
                               conc["venlafaxine"] + conc["O-desmethylvenlafaxine"], rtol=1e-12, atol=1e-12)


def test_batched_occupancy_equals_the_competitive_emax_formula_elementwise(catalogue):
    drug = catalogue.get("venlafaxine")
    rng = np.random.default_rng(0)
    conc = {"venlafaxine": rng.uniform(0, 500, (7, 301)).astype(np.float32),
            "O-desmethylvenlafaxine": rng.uniform(0, 500, (7, 301)).astype(np.float32)}
    occ = combined_occupancy_percent(conc, [drug], chunk_elements=1000)  # several blocks, the last one partial
    for target in ("SERT", "NET"):
        ligands = [(conc[drug.name], drug.targets[target])] + [
            (conc[m.name], m.targets[target]) for m in drug.metabolites if m.active and target in m.targets]
        x = [c.astype(float) / t.ec50_ng_ml for c, t in ligands]
        expected = sum(t.omax_percent * xi for (_, t), xi in zip(ligands, x, strict=True)) / (1.0 + sum(x))
        assert occ[target].dtype == np.float32
        np.testing.assert_allclose(occ[target], expected, rtol=1e-5)
