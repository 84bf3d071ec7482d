"""Drug catalogue: ``data/drug_catalogue.json`` loaded and validated into frozen dataclasses.

Every number in the file is a *quantity* ``{"value": v, "unit": "...", "source": "..."}``. Loading refuses a catalogue
in which a quantity lacks its unit or its source, carries a negative value, or uses a unit that does not match the
field's name (``half_life_h`` must be in ``h``, ``v_f_l`` in ``L``, ...).

Derived values (documented in the file's ``conventions``):

* elimination rate ``k = ln 2 / t1/2`` (1/h) and apparent clearance ``CL/F = k * V/F`` (L/h) when only the half-life
  is given, or ``t1/2 = ln 2 * V/F / (CL/F)`` when the clearance is given;
* absorption rate ``ka`` from the time of peak after a single dose, solving ``tmax = ln(ka/k) / (ka - k)`` on the
  branch ``ka > k`` (Gibaldi & Perrier, *Pharmacokinetics*, 2nd ed., 1982, ch. 1).
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.phenotypes import PHENOTYPE_CODES as PHENOTYPES
from novamind_core.domain.targets import TARGETS

DEFAULT_CATALOGUE_PATH = Path(__file__).resolve().parents[2] / "data" / "drug_catalogue.json"


# Unit each field name implies (suffix -> unit). Checked longest suffix first.
_UNIT_BY_SUFFIX: tuple[tuple[str, str], ...] = (
    ("_mg_per_day", "mg/day"),
    ("_l_per_h", "L/h"),
    ("_per_h", "1/h"),
    ("_g_per_mol", "g/mol"),
    ("_ng_ml", "ng/mL"),
    ("_percent", "%"),
    ("_fraction", "1"),
    ("_days", "d"),
    ("_kg", "kg"),
    ("_mg", "mg"),
    ("_h", "h"),
    ("_l", "L"),
)
_DIMENSIONLESS_FIELDS = {"fraction_formed", "exponent", "PM", "IM", "NM", "RM", "UM", "low", "high"}


@dataclass(frozen=True)
class Quantity:
    """A number with its unit and the source it comes from."""

    value: float
    unit: str
    source: str


@dataclass(frozen=True)
class Target:
    """Binding of one moiety at one target: hyperbolic occupancy ``Omax * C / (EC50 + C)``."""

    name: str
    ec50_ng_ml: float
    omax_percent: float
    source: str


@dataclass(frozen=True)
class Metabolite:
    """An active metabolite formed from the parent's central compartment (fraction ``fraction_formed`` of CL)."""

    name: str
    active: bool
    formed_by: str
    molecular_weight_g_per_mol: float
    fraction_formed: float
    half_life_h: float
    v_f_l: float
    targets: Mapping[str, Target]
    sources: Mapping[str, str] = field(repr=False)

    @property
    def k_per_h(self) -> float:
        return math.log(2.0) / self.half_life_h

    @property
    def cl_f_l_per_h(self) -> float:
        return self.k_per_h * self.v_f_l


@dataclass(frozen=True)
class PKParameters:
    """Apparent oral PK parameters for a 70 kg adult (one-compartment; optional peripheral compartment)."""

    ka_per_h: float
    cl_f_l_per_h: float
    v_f_l: float
    tmax_h: float
    bioavailability_fraction: float
    cl_cv_percent: float
    v_cv_percent: float
    nonlinear_reference_dose_mg: float | None = None
    nonlinear_exponent: float = 0.0
    q_l_per_h: float | None = None  # inter-compartmental clearance (two-compartment option)
    vp_l: float | None = None  # peripheral volume (two-compartment option)
    sources: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def k_per_h(self) -> float:
        return self.cl_f_l_per_h / self.v_f_l

    @property
    def half_life_h(self) -> float:
        """Terminal half-life of the one-compartment model, ``ln 2 * V/F / (CL/F)``."""
        return math.log(2.0) * self.v_f_l / self.cl_f_l_per_h


@dataclass(frozen=True)
class DoseRange:
    usual_min_mg_per_day: float
    usual_max_mg_per_day: float
    start_mg_per_day: float
    titration_step_mg: float
    titration_interval_days: float
    interval_h: float
    taper_days: float
    maoi_washout_days: float


@dataclass(frozen=True)
class GuidanceRule:
    phenotypes: tuple[str, ...]
    max_dose_mg_per_day: float | None
    slower_titration: bool
    recommendation: str
    source: str


@dataclass(frozen=True)
class PGxProfile:
    """The polymorphic enzyme that matters for dosing, exposure multipliers per phenotype, and guideline rules."""

    enzyme: str
    exposure_multiplier: Mapping[str, float]
    multiplier_source: str
    guidance: tuple[GuidanceRule, ...]


@dataclass(frozen=True)
class Drug:
    """One catalogue entry. ``pk`` is ``None`` only for placebo."""

    name: str
    drug_class: str
    serotonergic: bool
    molecular_weight_g_per_mol: float | None
    pk: PKParameters | None
    metabolites: tuple[Metabolite, ...]
    dose: DoseRange | None
    targets: Mapping[str, Target]
    cleared_by: tuple[str, ...]
    inhibits: Mapping[str, str]
    pgx: PGxProfile | None
    therapeutic_range_ng_ml: tuple[float, float] | None
    therapeutic_range_analyte: str | None
    side_effects: tuple[str, ...]
    sources: Mapping[str, str] = field(repr=False)

    @property
    def is_placebo(self) -> bool:
        return self.pk is None


@dataclass(frozen=True)
class OtherAgent:
    """A non-catalogue co-medication that matters for interactions (MAOIs, serotonergic drugs, CYP inhibitors)."""

    name: str
    agent_class: str
    serotonergic: bool
    inhibits: Mapping[str, str]
    source: str


@dataclass(frozen=True)
class Catalogue:
    """The validated catalogue. ``get(name)`` is case-insensitive and names the known drugs on a miss."""

    drugs: Mapping[str, Drug]
    other_agents: Mapping[str, OtherAgent]
    phenoconversion_source: str
    non_dose_genes: Mapping[str, str]
    qt_rules: Mapping[str, Mapping[str, Quantity]]
    path: str

    def get(self, name: str) -> Drug:
        key = str(name).strip().lower()
        if key not in self.drugs:
            raise ValidationError(
                f"unknown drug {name!r}; known drugs: {', '.join(sorted(self.drugs))}", field="drug", value=name
            )
        return self.drugs[key]

    def agent(self, name: str) -> Drug | OtherAgent:
        """A catalogue drug or a known interacting agent (e.g. ``phenelzine``, ``omeprazole``)."""
        key = str(name).strip().lower()
        if key in self.drugs:
            return self.drugs[key]
        if key in self.other_agents:
            return self.other_agents[key]
        known = sorted(self.drugs) + sorted(self.other_agents)
        raise ValidationError(f"unknown drug {name!r}; known: {', '.join(known)}", field="drug", value=name)


# --------------------------------------------------------------------------------------------------------- validation


def _expected_unit(field_name: str) -> str | None:
    if field_name in _DIMENSIONLESS_FIELDS:
        return None
    for suffix, unit in _UNIT_BY_SUFFIX:
        if field_name.endswith(suffix):
            return unit
    return None


def _check_quantities(node: Any, where: str) -> None:
    """Walk the raw JSON; every dict with a ``value`` is a quantity with a unit, a source and a value >= 0."""
    if isinstance(node, dict):
        if "value" in node:
            name = where.rsplit(".", 1)[-1]
            unit = node.get("unit")
            if not isinstance(unit, str) or not unit.strip():
                raise ValidationError(f"catalogue {where}: missing unit", field=where)
            source = node.get("source")
            if not isinstance(source, str) or not source.strip():
                raise ValidationError(f"catalogue {where}: missing source", field=where)
            value = node["value"]
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ValidationError(f"catalogue {where}: value must be a finite number, got {value!r}", field=where)
            if value < 0:
                raise ValidationError(f"catalogue {where}: negative value {value} is not allowed", field=where)
            expected = _expected_unit(name)
            if expected is not None and unit != expected:
                raise ValidationError(f"catalogue {where}: unit {unit!r} but the field needs {expected!r}", field=where)
            return
        for key, child in node.items():
            _check_quantities(child, f"{where}.{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            _check_quantities(child, f"{where}[{i}]")


def _v(node: Mapping[str, Any], key: str, where: str) -> float:
    if key not in node or node[key] is None:
        raise ValidationError(f"catalogue {where}.{key}: missing", field=f"{where}.{key}")
    return float(node[key]["value"])


def _src(node: Mapping[str, Any], key: str) -> str:
    return str(node[key]["source"]) if isinstance(node.get(key), dict) else ""


def _require_source(node: Mapping[str, Any], where: str) -> str:
    source = node.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ValidationError(f"catalogue {where}: missing source", field=where)
    return source


def ka_from_tmax(tmax_h: float, k_per_h: float) -> float:
    """Absorption rate constant (1/h) giving peak time ``tmax_h`` for elimination rate ``k_per_h``.

    Solves ``tmax = ln(ka / k) / (ka - k)`` on the branch ``ka > k``, which exists when ``tmax < 1/k``.
    """
    if not 0 < tmax_h < 1.0 / k_per_h:
        raise ValidationError(
            f"tmax {tmax_h} h is not reachable with elimination rate {k_per_h:.4g}/h (needs tmax < 1/k)", field="tmax_h"
        )

    def f(ka: float) -> float:
        return math.log(ka / k_per_h) / (ka - k_per_h) - tmax_h

    # f falls monotonically from +(1/k - tmax) to -tmax on (k, 1000]: bisection to the last representable digit
    # (what scipy.optimize.brentq found, without its 0.7 s import)
    lo, hi = k_per_h * (1 + 1e-9), 1e3
    if f(hi) > 0:
        return hi
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            return float(mid)
        if f(mid) > 0:
            lo = mid
        else:
            hi = mid


def _targets(raw: Mapping[str, Any], where: str) -> dict[str, Target]:
    out = {}
    for name, t in (raw or {}).items():
        if name not in TARGETS:
            raise ValidationError(f"catalogue {where}: unknown target {name!r}; known: {', '.join(TARGETS)}")
        out[name] = Target(name, _v(t, "ec50_ng_ml", f"{where}.{name}"), _v(t, "omax_percent", f"{where}.{name}"),
                           _src(t, "ec50_ng_ml"))
    return out


def _pk(raw: Mapping[str, Any], where: str) -> PKParameters:
    v = _v(raw, "v_f_l", where)
    if raw.get("cl_f_l_per_h") is not None:
        cl = _v(raw, "cl_f_l_per_h", where)
    else:
        cl = math.log(2.0) / _v(raw, "half_life_h", where) * v
    if v <= 0 or cl <= 0:
        raise ValidationError(f"catalogue {where}: clearance and volume must be positive", field=where)
    tmax = _v(raw, "tmax_h", where)
    ka = _v(raw, "ka_per_h", where) if raw.get("ka_per_h") is not None else ka_from_tmax(tmax, cl / v)
    bsv = raw.get("bsv") or {}
    nl = raw.get("nonlinearity") or {}
    periph = raw.get("peripheral") or {}
    sources = {k: _src(raw, k) for k in raw if isinstance(raw.get(k), dict) and "source" in raw[k]}
    return PKParameters(
        ka_per_h=ka, cl_f_l_per_h=cl, v_f_l=v, tmax_h=tmax,
        bioavailability_fraction=_v(raw, "bioavailability_fraction", where),
        cl_cv_percent=_v(bsv, "cl_cv_percent", where + ".bsv"), v_cv_percent=_v(bsv, "v_cv_percent", where + ".bsv"),
        nonlinear_reference_dose_mg=_v(nl, "reference_dose_mg", where + ".nonlinearity") if nl else None,
        nonlinear_exponent=_v(nl, "exponent", where + ".nonlinearity") if nl else 0.0,
        q_l_per_h=_v(periph, "q_l_per_h", where + ".peripheral") if periph else None,
        vp_l=_v(periph, "vp_l", where + ".peripheral") if periph else None,
        sources=sources,
    )


def _drug(name: str, raw: Mapping[str, Any]) -> Drug:
    where = f"drugs.{name}"
    for key in ("class", "cyp", "side_effects"):
        if key not in raw:
            raise ValidationError(f"catalogue {where}: missing {key}", field=f"{where}.{key}")
    cyp = raw["cyp"]
    _require_source(cyp, where + ".cyp")
    _require_source(raw["side_effects"], where + ".side_effects")
    pk = _pk(raw["pk"], where + ".pk") if raw.get("pk") else None
    metabolites = tuple(
        Metabolite(
            name=m["name"], active=bool(m.get("active", True)), formed_by=m.get("formed_by", ""),
            molecular_weight_g_per_mol=_v(m, "molecular_weight_g_per_mol", f"{where}.{m['name']}"),
            fraction_formed=_v(m, "fraction_formed", f"{where}.{m['name']}"),
            half_life_h=_v(m, "half_life_h", f"{where}.{m['name']}"),
            v_f_l=_v(m, "v_f_l", f"{where}.{m['name']}"),
            targets=_targets(m.get("targets"), f"{where}.{m['name']}.targets"),
            sources={k: _src(m, k) for k in m if isinstance(m.get(k), dict) and "source" in m[k]},
        )
        for m in raw.get("metabolites") or []
    )
    for m in metabolites:
        if not 0 <= m.fraction_formed <= 1:
            raise ValidationError(f"catalogue {where}.{m.name}.fraction_formed must be within 0-1", field=where)
    d = raw.get("dose")
    dose = None
    if d:
        dose = DoseRange(**{k: _v(d, k, where + ".dose") for k in DoseRange.__dataclass_fields__})
    pgx = None
    if raw.get("pgx"):
        p = raw["pgx"]
        mult = p["exposure_multiplier"]
        missing = [ph for ph in PHENOTYPES if ph not in mult]
        if missing:
            raise ValidationError(f"catalogue {where}.pgx: exposure multiplier missing for {', '.join(missing)}")
        rules = tuple(
            GuidanceRule(tuple(r["phenotypes"]), r.get("max_dose_mg_per_day"), bool(r.get("slower_titration")),
                         r["recommendation"], _require_source(r, f"{where}.pgx.guidance[{i}]"))
            for i, r in enumerate(p.get("guidance") or [])
        )
        pgx = PGxProfile(p["enzyme"], {ph: float(mult[ph]["value"]) for ph in PHENOTYPES},
                         mult["NM"]["source"], rules)
    tr = raw.get("therapeutic_range_ng_ml")
    mw = raw.get("molecular_weight_g_per_mol")
    sources = {k: _src(raw, k) for k in raw if isinstance(raw.get(k), dict) and "source" in raw[k]}
    sources["cyp"] = cyp["source"]
    sources["side_effects"] = raw["side_effects"]["source"]
    if pk is not None:
        sources.update({f"pk.{k}": s for k, s in pk.sources.items()})
    if tr:
        sources["therapeutic_range_ng_ml"] = tr["low"]["source"]
    return Drug(
        name=name, drug_class=raw["class"], serotonergic=bool(raw.get("serotonergic", False)),
        molecular_weight_g_per_mol=float(mw["value"]) if mw else None, pk=pk, metabolites=metabolites, dose=dose,
        targets=_targets(raw.get("targets"), where + ".targets"), cleared_by=tuple(cyp.get("cleared_by", [])),
        inhibits=dict(cyp.get("inhibits", {})), pgx=pgx,
        therapeutic_range_ng_ml=(float(tr["low"]["value"]), float(tr["high"]["value"])) if tr else None,
        therapeutic_range_analyte=tr.get("analyte") if tr else None,
        side_effects=tuple(raw["side_effects"]["items"]), sources=sources,
    )


def parse_catalogue(raw: Mapping[str, Any], path: str = "<memory>") -> Catalogue:
    """Validate a catalogue already read from JSON. Raises :class:`ValidationError` naming the offending field."""
    if not isinstance(raw, Mapping) or not isinstance(raw.get("drugs"), Mapping) or not raw["drugs"]:
        raise ValidationError("catalogue: needs a non-empty 'drugs' object", field="drugs")
    _check_quantities(raw, "catalogue")
    drugs = {name.lower(): _drug(name.lower(), d) for name, d in raw["drugs"].items()}
    others = {}
    for name, a in (raw.get("other_agents") or {}).items():
        others[name.lower()] = OtherAgent(name.lower(), a["class"], bool(a.get("serotonergic")),
                                          dict(a.get("inhibits", {})),
                                          _require_source(a, f"other_agents.{name}"))
    pheno = raw.get("phenoconversion") or {}
    qt = {
        drug: {k: Quantity(float(q["value"]), q["unit"], q["source"]) for k, q in rules.items()}
        for drug, rules in (raw.get("qt_rules") or {}).items()
    }
    return Catalogue(drugs=drugs, other_agents=others, phenoconversion_source=pheno.get("source", ""),
                     non_dose_genes=dict(raw.get("non_dose_genes") or {}), qt_rules=qt, path=path)


@functools.lru_cache(maxsize=8)
def _load_cached(path: str) -> Catalogue:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationError(f"drug catalogue not found at {path}", field="path", value=path) from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"drug catalogue {path} is not valid JSON: {exc}", field="path") from None
    return parse_catalogue(raw, path)


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and validate the drug catalogue (cached per path).

    Parameters
    ----------
    path : str or Path, optional
        JSON file; defaults to ``data/drug_catalogue.json`` in the repository.
    """
    return _load_cached(str(Path(path).resolve() if path else DEFAULT_CATALOGUE_PATH))
