"""Spreadsheet-safe data frames: :func:`safe_frame` applies :func:`novamind_core.domain.spreadsheet.safe_cell` to
every text cell of a pandas frame (vectorised), for exports written with ``DataFrame.to_csv``."""

from __future__ import annotations

import re

import pandas as pd

from novamind_core.domain.spreadsheet import FORMULA_START

_FORMULA = re.compile("^[" + re.escape("".join(FORMULA_START)) + "]")


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulae (numbers, dates and blanks as they
    were); the header is neutralised too."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            text = column.map(lambda v: isinstance(v, str))
            risky = text & column.where(text, "").astype(str).str.contains(_FORMULA)
            if risky.any():
                out[name] = column.where(~risky, "'" + column.where(risky, "").astype(str))
    out.columns = ["'" + c if isinstance(c, str) and c.startswith(FORMULA_START) else c for c in out.columns]
    return out


__all__ = ["safe_frame"]
