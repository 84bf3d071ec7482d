"""Transporter and receptor occupancy from plasma concentration (hyperbolic Emax model, competitive binding).

For ligands ``i`` (a parent, its active metabolites, co-administered drugs) at one target::

    x_i = C_i / EC50_i                       (C in ng/mL, EC50 the plasma concentration giving half occupancy)
    occupancy = sum_i Omax_i x_i / (1 + sum_i x_i)      (%)

which is ``Omax C / (EC50 + C)`` for a single ligand (docs/science.md §4). SERT EC50s are calibrated so that the mean
steady-state occupancy at the minimum therapeutic dose is about 80% (Meyer et al. 2004, Am J Psychiatry 161:826);
see the catalogue's per-target sources and ``tests/unit/pharmacology/test_occupancy.py``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from novamind_core.pharmacology.catalogue import TARGETS, Catalogue, Drug, load_catalogue
from novamind_core.pharmacology.pk import empty_output


def _ligands(drug: Drug) -> list[tuple[str, dict]]:
    out = [(drug.name, dict(drug.targets))]
    out += [(m.name, dict(m.targets)) for m in drug.metabolites if m.active]
    return out


def combined_occupancy_percent(concentrations_ng_ml: Mapping[str, np.ndarray], drugs: list[Drug],
                               chunk_elements: int = 1 << 16) -> dict[str, np.ndarray]:
    """Occupancy per target (only targets some ligand binds), combining all ligands of ``drugs`` competitively.

    ``concentrations_ng_ml`` maps parent and metabolite names to arrays of one shape. The result is computed in the
    concentrations' precision (at least float32) over blocks of about ``chunk_elements`` values (256 kB in float32,
    so the two scratch buffers stay in cache), with in-place arithmetic into scratch buffers allocated once:
    no temporary the size of the batch is created.
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
        result = empty_output(shape, dtype)
        flat_res = result.reshape(-1, shape[-1]) if result.ndim > 1 else result.reshape(1, -1)
        flats = [np.broadcast_to(c, shape).reshape(flat_res.shape) for c, _, _ in ligands]
        rows_per_chunk = max(1, chunk_elements // max(1, flat_res.shape[1]))
        total_buf = np.empty((rows_per_chunk, flat_res.shape[1]), dtype=dtype)
        x_buf = np.empty_like(total_buf)
        scales = [(dtype.type(1.0 / ec50), dtype.type(omax / ec50)) for _, ec50, omax in ligands]
        for r0 in range(0, flat_res.shape[0], rows_per_chunk):
            rows = slice(r0, r0 + rows_per_chunk)
            dest = flat_res[rows]
            k = dest.shape[0]
            total, x = total_buf[:k], x_buf[:k]
            for i, ((inv_ec50, omax_over_ec50), flat) in enumerate(zip(scales, flats, strict=True)):
                if i == 0:  # the first ligand initialises both sums (no separate zeroing pass)
                    np.multiply(flat[rows], inv_ec50, out=total)  # sum_i C_i / EC50_i
                    np.multiply(flat[rows], omax_over_ec50, out=dest)  # sum_i Omax_i C_i / EC50_i
                    continue
                np.multiply(flat[rows], inv_ec50, out=x)
                total += x
                np.multiply(flat[rows], omax_over_ec50, out=x)
                dest += x
            total += 1.0
            np.divide(dest, total, out=dest)
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
