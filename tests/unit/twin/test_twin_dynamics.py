"""Neurotransmitter dynamics: occupancy -> regional levels with slow adaptation (delayed onset)."""

import numpy as np
from scipy.integrate import solve_ivp

from novamind_core.domain.brain import Neurotransmitter, Region
from novamind_core.twin.dynamics import first_order_lag, simulate_dynamics
from novamind_core.twin.projections import load_projections


def test_first_order_lag_matches_the_ode_reference_for_a_piecewise_constant_input():
    dt, tau = 1.0, 7.0
    x = np.concatenate([np.full(30, 1.0), np.zeros(30)])
    fast = first_order_lag(x[None, :], tau, dt)[0]
    # reference: y[k] is the ODE value at the end of step k with input x[k] held over ((k-1)dt, k dt]
    y, ref = 0.0, []
    for k in range(x.size):
        sol = solve_ivp(lambda t, yy, u=x[k]: (u - yy) / tau, (0, dt), [y], rtol=1e-10, atol=1e-12)
        y = sol.y[0, -1]
        ref.append(y)
    np.testing.assert_allclose(fast, ref, rtol=1e-7, atol=1e-9)


def test_no_drug_leaves_every_neurotransmitter_at_baseline(params, constant_occupancy):
    dyn = simulate_dynamics(constant_occupancy(60), 1.0, params)
    assert np.allclose(dyn.regional_levels(), 1.0)
    assert np.allclose(dyn.therapeutic_signal, 0.0)


def test_serotonin_rises_slowly_because_the_autoreceptor_desensitises_over_weeks(params, constant_occupancy):
    dyn = simulate_dynamics(constant_occupancy(60, SERT=0.8), 1.0, params)
    e5 = dyn.serotonin[0]
    assert e5[0] < 1.1  # acute: firing falls, little net change (Blier & de Montigny 1994)
    assert e5[28] > e5[7] > e5[0]
    d = dyn.desensitisation_5ht1a[0]
    target = d[-1]
    # tau = 7 d: about 1 - e^-1 = 63% of the way after one week of constant drive
    assert 0.55 < d[6] / target < 0.72


def test_serotonin_returns_towards_baseline_after_the_drug_stops(params, constant_occupancy):
    occ = constant_occupancy(120, SERT=0.8)
    occ["SERT"][:, 60:] = 0.0
    dyn = simulate_dynamics(occ, 1.0, params)
    assert dyn.serotonin[0, 59] > 1.3
    assert abs(dyn.serotonin[0, 61] - 1.0) < 1e-9
    assert dyn.therapeutic_signal[0, 119] < 0.1 * dyn.therapeutic_signal[0, 59]


def test_regional_serotonin_follows_raphe_projection_density(params, constant_occupancy):
    dyn = simulate_dynamics(constant_occupancy(40, SERT=0.8), 1.0, params)
    lv = dyn.regional_levels((Region.AMYGDALA, Region.CEREBELLUM), time_index=np.array([39]))
    j = list(Neurotransmitter).index(Neurotransmitter.SEROTONIN)
    assert lv[0, 0, j, 0] > lv[0, 1, j, 0] > 1.0


def test_net_inhibition_raises_prefrontal_dopamine_but_not_striatal_dopamine(params, constant_occupancy):
    dyn = simulate_dynamics(constant_occupancy(40, NET=0.6), 1.0, params)
    lv = dyn.regional_levels((Region.PREFRONTAL_CORTEX, Region.DORSAL_STRIATUM), time_index=np.array([39]))
    j = list(Neurotransmitter).index(Neurotransmitter.DOPAMINE)
    assert lv[0, 0, j, 0] > 1.01
    assert abs(lv[0, 1, j, 0] - 1.0) < 1e-9


def test_higher_occupancy_gives_a_stronger_therapeutic_signal(params, constant_occupancy):
    occ = constant_occupancy(40, n_pk=3, SERT=0.0)
    occ["SERT"] = np.array([[0.4] * 40, [0.6] * 40, [0.85] * 40])
    f = simulate_dynamics(occ, 1.0, params).therapeutic_signal[:, -1]
    assert f[0] < f[1] < f[2]


def test_projection_table_covers_the_one_vocabulary_with_citations():
    table = load_projections()
    assert table.weights.shape == (23, 12)
    assert len(table.centroids_mni_mm) == 23 and all(table.atlas.values())
    assert all(table.citations.values())
    assert table.weight("raphe_nuclei", "serotonin") == 1.0
