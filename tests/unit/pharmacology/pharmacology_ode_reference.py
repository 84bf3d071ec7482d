"""The slow, obviously-correct ODE reference (scipy ``solve_ivp``) the fast PK path is checked against."""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp


def ode_reference(ka, cl, v, dose_times, amounts, times, *, mets=(), q=None, vp=None):
    """Integrate the compartment ODEs dose by dose with scipy ``solve_ivp`` (tight tolerances).

    ``mets`` is a list of (fm, km, vm, mw_ratio). Returns (parent ng/mL, [metabolite ng/mL, ...]) at ``times``.
    """
    k10 = cl / v
    two = q is not None

    def rhs(_t, y):
        gut, cen = y[0], y[1]
        dy = np.zeros_like(y)
        dy[0] = -ka * gut
        dy[1] = ka * gut - k10 * cen
        if two:
            per = y[2]
            dy[1] += -q / v * cen + q / vp * per
            dy[2] = q / v * cen - q / vp * per
        base = 3 if two else 2
        for j, (fm, km, _vm, _mw) in enumerate(mets):
            dy[base + j] = fm * k10 * cen - km * y[base + j]
        return dy

    n_state = (3 if two else 2) + len(mets)
    y = np.zeros(n_state)
    out = np.zeros((n_state, len(times)))
    events = sorted(zip(dose_times, amounts, strict=True))
    bounds = [t for t, _ in events] + [max(times) + 1.0]
    t_now = 0.0
    for i, (t_dose, amount) in enumerate(events):
        if t_dose > t_now:
            sol = solve_ivp(rhs, (t_now, t_dose), y, rtol=1e-10, atol=1e-12, method="LSODA")
            y = sol.y[:, -1]
            t_now = t_dose
        y = y.copy()
        y[0] += amount
        t_next = bounds[i + 1]
        mask = (times >= t_dose) & (times < t_next) if i + 1 < len(events) else times >= t_dose
        sol = solve_ivp(rhs, (t_dose, t_next), y, rtol=1e-10, atol=1e-12, method="LSODA", dense_output=True)
        if mask.any():
            out[:, mask] = sol.sol(times[mask])
        y = sol.y[:, -1]
        t_now = t_next
    parent = 1000.0 * out[1] / v
    base = 3 if two else 2
    metabolites = [1000.0 * out[base + j] * mw / vm for j, (_fm, _km, vm, mw) in enumerate(mets)]
    return parent, metabolites
