"""One patient's Bayesian TDM forecast with everything that shapes the prior: phenotype, co-medication, covariates.

Composes the pieces every caller (the ``tdm`` CLI, the chart's measured-levels service) must combine the same way:

* PGx exposure multiplier after phenoconversion (module ``pgx``: CPIC/DPWG phenotypes, Cicali et al. 2021);
* covariate multipliers on CL/F and V/F from published population-PK models (module ``covariates``);
* the AGNP reference range and its analyte (module ``reference_ranges``: Hiemke et al. 2018, Pharmacopsychiatry
  51:9, doi:10.1055/s-0043-116492);
* the MAP + Laplace forecast itself (module ``tdm_bayes``).

Also reads the levels CSV (``time_h``, ``concentration_ng_ml``; errors name the row, the field and the value).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from novamind_core.domain.errors import ValidationError
from novamind_core.pharmacology.catalogue import Catalogue, load_catalogue
from novamind_core.pharmacology.covariates import CovariateAdjustment, Covariates, covariate_adjustment
from novamind_core.pharmacology.pgx import effective_phenotypes, exposure_multiplier
from novamind_core.pharmacology.reference_ranges import ReferenceRange, reference_range
from novamind_core.pharmacology.tdm_bayes import MeasuredLevel, TDMForecast, forecast

LEVEL_COLUMNS: tuple[str, ...] = ("time_h", "concentration_ng_ml")


@dataclass(frozen=True)
class PatientForecast:
    """The forecast and the prior's ingredients, so a reader can see why the population value is what it is."""

    forecast: TDMForecast
    exposure_multiplier: float
    effective_phenotypes: Mapping[str, str]
    covariates: CovariateAdjustment
    reference_range: ReferenceRange | None


def patient_forecast(drug: str, dose_mg: float, interval_h: float, levels: Sequence[MeasuredLevel], *,
                     covariates: Covariates | None = None, cyp2d6: str | None = None, cyp2c19: str | None = None,
                     co_medications: Iterable[str] = (), catalogue: Catalogue | None = None) -> PatientForecast:
    """MAP + Laplace forecast on the prior of this patient (phenotype, co-medication and covariates applied)."""
    cat = catalogue or load_catalogue()
    d = cat.get(drug)
    co = tuple(co_medications)
    mult = exposure_multiplier(d.name, cyp2d6, cyp2c19, co, cat)
    phen = effective_phenotypes(d.name, cyp2d6, cyp2c19, co, cat)
    adj = covariate_adjustment(d.name, covariates or Covariates())
    rr = reference_range(d.name)
    result = forecast(d, dose_mg, interval_h, levels, exposure_multiplier=mult,
                      clearance_multiplier=adj.cl_multiplier, volume_multiplier=adj.v_multiplier,
                      reference_range=rr, catalogue=cat)
    return PatientForecast(result, mult, phen, adj, rr)


def parse_level_rows(rows: Iterable[Mapping[str, str | None]], columns: Sequence[str] | None) -> list[MeasuredLevel]:
    """Levels from CSV rows; a bad row raises ``ValidationError`` naming the row (header is row 1), field and value."""
    cols = [c.strip() for c in (columns or []) if c is not None]
    missing = [c for c in LEVEL_COLUMNS if c not in cols]
    if missing:
        raise ValidationError(f"levels CSV is missing column(s) {', '.join(missing)}; needs "
                              f"{', '.join(LEVEL_COLUMNS)}", field=missing[0])
    out = []
    for i, raw in enumerate(rows, start=2):
        row = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()):
            continue
        values = []
        for name in LEVEL_COLUMNS:
            text = row.get(name, "")
            try:
                x = float(text)
            except ValueError:
                raise ValidationError(f"row {i}: {name} must be a number, got {text!r}", field=name, row=i,
                                      value=text) from None
            if not math.isfinite(x) or x < 0:
                raise ValidationError(f"row {i}: {name} must be a finite number >= 0, got {text!r}", field=name,
                                      row=i, value=text)
            values.append(x)
        out.append(MeasuredLevel(values[0], values[1]))
    return out


def read_levels_csv(text: str) -> list[MeasuredLevel]:
    """Parse the text of a levels CSV (``time_h`` hours since the first dose, ``concentration_ng_ml``)."""
    reader = csv.DictReader(io.StringIO(text))
    return parse_level_rows(reader, reader.fieldnames)
