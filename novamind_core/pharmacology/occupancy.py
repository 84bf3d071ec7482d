"""Transporter and receptor occupancy from plasma concentration (hyperbolic Emax model, competitive binding).

For ligands ``i`` (a parent, its active metabolites, co-administered drugs) at one target::

    x_i = C_i / EC50_i                       (C in ng/mL, EC50 the plasma concentration giving half occupancy)
    occupancy = sum_i Omax_i x_i / (1 + sum_i x_i)      (%)

which is ``Omax C / (EC50 + C)`` for a single ligand (SCIENCE.md 4). SERT EC50s are calibrated so that the mean
steady-state occupancy at the minimum therapeutic dose is about 80% (Meyer et al. 2004, Am J Psychiatry 161:826);
see the catalogue's per-target sources and ``tests/unit/pharmacology/test_occupancy.py``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from novamind_core.pharmacology.catalogue import TARGETS, Catalogue, Drug, load_catalogue


def _ligands(drug: Drug) -> list[tuple[str, dict]]:
    out = [(drug.name, dict(drug.targets))]
    out += [(m.name, dict(m.targets)) for m in drug.metabolites if m.active]
    return out


def combined_occupancy_percent(concentrations_ng_ml: Mapping[str, np.ndarray], drugs: list[Drug],
                               chunk_rows: int = 512) -> dict[str, np.ndarray]:
    """Occupancy per target (only targets some ligand binds), combining all ligands of ``drugs`` competitively.

    ``concentrations_ng_ml`` maps parent and metabolite names to arrays of one shape. Large batches are processed
    in row chunks with in-place arithmetic to stay in cache.
    """
    binders: dict[str, list[tuple[np.ndarray, float, float]]] = {}
    for drug in drugs:
        for name, targets in _ligands(drug):
            if name not in concentrations_ng_ml:
                continue
            c = np.asarray(concentrations_ng_ml[name])
            for tname, t in targets.items():
                binders.setdefault(tname, []).append((c, t.ec50_ng_ml, t.omax_percent))
    out: dict[str, np.ndarray] = {}
    for tname in TARGETS:
        if tname not in binders:
            continue
        ligands = binders[tname]
        shape = np.broadcast_shapes(*(c.shape for c, _, _ in ligands))
        dtype = np.result_type(*(c.dtype for c, _, _ in ligands), np.float32)
        result = np.empty(shape, dtype=dtype)
        flat_res = result.reshape(-1, shape[-1]) if result.ndim > 1 else result.reshape(1, -1)
        flats = [np.broadcast_to(c, shape).reshape(flat_res.shape) for c, _, _ in ligands]
        for r0 in range(0, flat_res.shape[0], chunk_rows):
            rows = slice(r0, r0 + chunk_rows)
            total = np.zeros(flat_res[rows].shape, dtype=dtype)
            weighted = np.zeros_like(total)
            for (_, ec50, omax), flat in zip(ligands, flats, strict=True):
                x = flat[rows] / dtype.type(ec50)
                total += x
                x *= dtype.type(omax)
                weighted += x
            total += 1.0
            np.divide(weighted, total, out=flat_res[rows])
        out[tname] = result
    return out


def occupancy_percent(drug: str | Drug, concentration_ng_ml: np.ndarray | Mapping[str, np.ndarray],
                      catalogue: Catalogue | None = None) -> dict[str, np.ndarray]:
    """Occupancy (%) per target for one drug.

    Parameters
    ----------
    drug : str or Drug
    concentration_ng_ml : array or mapping
        Parent concentration (ng/mL), or a mapping with the parent and metabolite names (active metabolites then
        add to the occupancy).

    Examples
    --------
    >>> round(float(occupancy_percent("escitalopram", 0.0)["SERT"]), 1)
    0.0
    """
    d = drug if isinstance(drug, Drug) else (catalogue or load_catalogue()).get(drug)
    conc = dict(concentration_ng_ml) if isinstance(concentration_ng_ml, Mapping) else {
        d.name: np.asarray(concentration_ng_ml, dtype=float)}
    return combined_occupancy_percent(conc, [d])
