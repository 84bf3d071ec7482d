"""A clinic's own data as training sets for the three models (documented formats; precise errors).

* Response: CSV, one row per treatment course; columns in :data:`~novamind_core.ml.features.CLINIC_CSV_COLUMNS`
  (see :mod:`novamind_core.ml.features`).
* Forecaster: CSV, one row per patient-week: ``patient_id``, ``week`` (0 = first visit), ``phq9`` (blank = not
  measured), ``drug`` (blank or ``none`` = no antidepressant), optional ``adherence`` (0-1), ``sleep_min``,
  ``steps_per_day``, ``cyp2d6``, ``cyp2c19``. At least 18 weeks per patient (10 of history + 8 ahead).
* Actigraphy: ``.npz`` with ``counts`` (n, 10080) and ``label`` (n,) [and ``groups`` (n,): wearer per week], or a
  CSV with ``week_id``, ``minute`` (0-10079), ``counts``, ``label`` [and ``wearer_id``].
"""

from __future__ import annotations

import numpy as np

from novamind_core.domain.errors import ValidationError
from novamind_core.ml.features import CANDIDATE_DRUGS, REMISSION_MAX_PHQ9, response_feature_names
from novamind_core.ml.synthetic_data import ActigraphyWeeks, PHQ9Series, ResponseDataset

MIN_SERIES_WEEKS = 18


def response_dataset_from_csv(path: str, drugs: tuple[str, ...] = CANDIDATE_DRUGS) -> ResponseDataset:
    """A clinic's CSV (columns in :data:`~novamind_core.ml.features.CLINIC_CSV_COLUMNS`) as a training set.

    Raises ValidationError naming the missing columns, or the row and column of a bad value.
    """
    import csv

    from novamind_core.domain.errors import ValidationError
    from novamind_core.ml.features import CLINIC_CSV_COLUMNS, patient_base_row

    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in CLINIC_CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationError(f"{path}: missing column(s) {', '.join(missing)}", field="columns")
        rows, ys, groups, wk8 = [], [], [], []
        for i, r in enumerate(reader, start=2):
            drug = (r.get("drug") or "").strip().lower()
            if drug not in drugs:
                raise ValidationError(f"{path} row {i}: unknown drug {r.get('drug')!r}", field="drug", row=i,
                                      value=r.get("drug"))
            rec = {k: v for k, v in r.items() if v is not None and str(v).strip() != ""}
            try:
                base = patient_base_row(rec)
                week8 = float(r["phq9_week8"])
            except (ValidationError, ValueError) as exc:
                raise ValidationError(f"{path} row {i}: {exc}", row=i) from exc
            items = base[2:11]
            if np.isnan(items).any() or not 0 <= week8 <= 27:
                raise ValidationError(f"{path} row {i}: PHQ-9 items and phq9_week8 (0-27) are required", row=i)
            total = float(items.sum())
            onehot = np.zeros(len(drugs))
            onehot[drugs.index(drug)] = 1.0
            rows.append(np.concatenate([base, onehot]))
            ys.append((week8 <= 0.5 * total, week8 <= REMISSION_MAX_PHQ9))
            groups.append(r["patient_id"])
            wk8.append(week8)
    if not rows:
        raise ValidationError(f"{path}: no data rows")
    return ResponseDataset(np.array(rows), tuple(response_feature_names(drugs)), np.array(ys, float),
                           np.array(groups), tuple(drugs), np.array(wk8), False,
                           f"clinic CSV {path}: {len(rows)} treatment courses, {len(set(groups))} patients")


def _read_csv(path: str, required: tuple[str, ...]):
    import pandas as pd  # lazy: only training from a file needs it

    df = pd.read_csv(path)
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise ValidationError(f"{path}: missing column(s) {', '.join(missing)}", field="columns")
    if df.empty:
        raise ValidationError(f"{path}: no data rows")
    return df


def phq9_series_from_csv(path: str) -> PHQ9Series:
    """Weekly histories from a clinic CSV (format above) as a :class:`PHQ9Series` (targets = measured scores)."""
    df = _read_csv(path, ("patient_id", "week", "phq9", "drug"))
    W = int(df["week"].max()) + 1
    if W < MIN_SERIES_WEEKS:
        raise ValidationError(f"{path}: series need at least {MIN_SERIES_WEEKS} weeks, found {W}", field="week")
    bad = df[(df["phq9"].notna()) & ((df["phq9"] < 0) | (df["phq9"] > 27))]
    if len(bad):
        i = int(bad.index[0])
        raise ValidationError(f"{path} row {i + 2}: phq9 {bad['phq9'].iloc[0]} is outside 0-27", field="phq9",
                              row=i + 2, value=float(bad["phq9"].iloc[0]))
    ids = np.array(sorted(df["patient_id"].astype(str).unique()))
    row = np.searchsorted(ids, df["patient_id"].astype(str).to_numpy())
    week = df["week"].astype(int).to_numpy()
    n = ids.size

    def grid(col: str, fill, dtype=float):
        out = np.full((n, W), fill, dtype=dtype)
        if col in df.columns:
            out[row, week] = df[col].to_numpy()
        return out

    phq = grid("phq9", np.nan)
    drug = np.full((n, W), "none", dtype=object)
    drug[row, week] = df["drug"].fillna("none").astype(str).str.strip().str.lower().replace("", "none").to_numpy()
    drug = drug.astype(str)
    known = set(CANDIDATE_DRUGS) | {"none"}
    unknown = sorted(set(drug.ravel()) - known)
    if unknown:
        raise ValidationError(f"{path}: unknown drug(s) {', '.join(unknown)}", field="drug")
    on = drug != "none"
    adherence = np.where(on, np.nan_to_num(grid("adherence", np.nan), nan=1.0), 0.0)
    change = np.zeros((n, W))
    change[:, 0] = on[:, 0]
    change[:, 1:] = (drug[:, 1:] != drug[:, :-1]) & on[:, 1:]
    first_on = np.where(on.any(axis=1), on.argmax(axis=1), -1)
    pheno = {}
    for enzyme in ("cyp2d6", "cyp2c19"):
        vals = (df.groupby(df["patient_id"].astype(str))[enzyme].first().reindex(ids).fillna("NM").astype(str)
                .to_numpy() if enzyme in df.columns else np.full(n, "NM"))
        pheno[enzyme] = vals
    mean_adh = np.array([adherence[i, on[i]].mean() if on[i].any() else 1.0 for i in range(n)])
    return PHQ9Series(phq, phq.copy(), drug, change, adherence, grid("sleep_min", np.nan),
                      grid("steps_per_day", np.nan), first_on, np.full(n, -1), mean_adh, pheno["cyp2d6"],
                      pheno["cyp2c19"], f"clinic CSV {path}: {n} patients x {W} weeks")


def actigraphy_weeks_from_file(path: str) -> ActigraphyWeeks:
    """Labelled weeks from ``.npz`` (``counts``, ``label`` [, ``groups``]) or a long CSV (format above)."""
    from novamind_core.ml.actigraphy import MINUTES_PER_WEEK

    if str(path).endswith(".npz"):
        with np.load(path) as z:
            if "counts" not in z or "label" not in z:
                raise ValidationError(f"{path}: needs arrays 'counts' (n, 10080) and 'label' (n,)", field="arrays")
            counts = np.asarray(z["counts"], np.float32)
            label = np.asarray(z["label"]).astype(np.int64)
            groups = np.asarray(z["groups"]) if "groups" in z else None
    else:
        df = _read_csv(path, ("week_id", "minute", "counts", "label"))
        weeks = np.array(sorted(df["week_id"].astype(str).unique()))
        r = np.searchsorted(weeks, df["week_id"].astype(str).to_numpy())
        counts = np.zeros((weeks.size, MINUTES_PER_WEEK), np.float32)
        counts[r, df["minute"].astype(int).to_numpy()] = df["counts"].to_numpy()
        label = df.groupby(df["week_id"].astype(str))["label"].first().reindex(weeks).astype(int).to_numpy()
        groups = (df.groupby(df["week_id"].astype(str))["wearer_id"].first().reindex(weeks).astype(str).to_numpy()
                  if "wearer_id" in df.columns else None)
    if counts.ndim != 2 or counts.shape[1] != MINUTES_PER_WEEK or counts.shape[0] != label.shape[0]:
        raise ValidationError(f"{path}: counts must be (n, {MINUTES_PER_WEEK}) with one label per week",
                              field="counts")
    if not set(np.unique(label)) <= {0, 1}:
        raise ValidationError(f"{path}: labels must be 0 or 1", field="label")
    return ActigraphyWeeks(counts, label, np.full(label.size, np.nan), np.zeros(label.size, np.int64),
                           f"file {path}: {label.size} labelled weeks", groups)
