"""Actiwatch ``.AWD`` files (Cambridge Neurotechnology / Philips Respironics): a 7-line header, then one count per
line (optionally followed by a marker column). Only 1-minute epochs (epoch code 4) are accepted.

Header lines: subject, start date (``23-Jan-1918``), start time (``13:58``), epoch code (1 = 15 s, 2 = 30 s,
4 = 1 min, 8 = 2 min), age, serial number, sex.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from novamind_core.biometrics.problems import ProblemCollector

EPOCH_CODES_S = {1: 15, 2: 30, 4: 60, 8: 120}


def read_awd(source: str | os.PathLike, tz: str | None = None) -> pd.Series:
    """Read an AWD file into a 1-minute counts series (naive local time, or localized to ``tz``)."""
    path = Path(source)
    problems = ProblemCollector(path.name)
    lines = path.read_text(encoding="latin-1").splitlines()
    if len(lines) < 9:
        problems.add("too short for an AWD file (7 header lines and data)", row=len(lines))
        problems.raise_if_any()
    try:
        start = pd.to_datetime(f"{lines[1].strip()} {lines[2].strip()}", format="%d-%b-%Y %H:%M")
    except ValueError:
        problems.add("bad start date/time (expected e.g. 23-Jan-1918 and 13:58)", row=2, value=lines[1].strip())
        start = None
    try:
        epoch_s = EPOCH_CODES_S[int(lines[3].strip())]
    except (ValueError, KeyError):
        problems.add(f"unknown epoch code; expected one of {sorted(EPOCH_CODES_S)}", row=4, value=lines[3].strip())
        epoch_s = None
    if epoch_s is not None and epoch_s != 60:
        problems.add(f"epochs are {epoch_s} s; only 1-minute epochs are supported", row=4, value=lines[3].strip())
    body = pd.Series(lines[7:]).str.strip().str.split(r"[,\s]+", n=1, regex=True).str[0]
    body = body[body != ""]
    counts = pd.to_numeric(body, errors="coerce")
    for i in np.flatnonzero(counts.isna().to_numpy()):
        problems.add("not a number", row=int(body.index[i]) + 8, column="counts", value=body.iloc[i])
    problems.raise_if_any()
    idx = pd.date_range(start, periods=len(counts), freq="min")
    if tz is not None:
        idx = idx.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward")
    return pd.Series(counts.to_numpy(dtype=np.float64), index=idx, name="counts")
