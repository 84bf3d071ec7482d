"""Pseudonymisation for analyst views and exports: a limited data set, *not* HIPAA Safe Harbor (README).

* **Pseudonyms**: ``"P-" + base32(HMAC-SHA256(k, "novamind/pseudonym/" + normalised MRN))[:8]``, keyed by
  ``NOVAMIND_DEID_KEY``: stable for a patient across exports, not reversible or guessable without the key.
  8 base32 characters carry 40 bits; the chance of any collision among n patients is about ``n^2 / 2^41``
  (4.5e-5 for 10,000 patients).
* **Ages**: Safe Harbor allows ages up to 89; every age above 89 is aggregated into one category, "90+".
* **Dates**: every date of a patient is moved by the same keyed offset of ±1..180 days, so intervals (days
  between visits, time to response) are preserved exactly while calendar dates are not revealed. Note that strict
  Safe Harbor releases no date element finer than the year; shifted dates suit research views under an expert
  determination (164.514(b)(1)). :func:`deidentify_record` also drops direct identifiers (names, MRN, contact,
  date of birth, database ids).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from novamind_core.security.crypto import normalise_for_index

MAX_DATE_SHIFT_DAYS = 180
"""Largest date shift, days; shifts are drawn from -180..-1 and 1..180 (never 0, which would reveal dates)."""

OLDEST_REPORTED_AGE = 89
"""Safe Harbor: ages above 89 are aggregated into a single category (45 CFR 164.514(b)(2)(i)(C))."""

AGE_90_PLUS = "90+"

PSEUDONYM_PREFIX = "P-"
PSEUDONYM_CHARS = 8

DIRECT_IDENTIFIER_FIELDS: frozenset[str] = frozenset(
    {
        "id",
        "patient_id",
        "mrn",
        "given_name",
        "family_name",
        "name",
        "full_name",
        "display_name",
        "date_of_birth",
        "dob",
        "birth_date",
        "contact",
        "phone",
        "email",
        "address",
        "postcode",
        "zip",
        "notes",
        "note",
        "free_text",
    }
)
"""Fields removed by :func:`deidentify_record` (Safe Harbor identifiers and free text that may contain them)."""


def _key_bytes(key: str | bytes) -> bytes:
    raw = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    if not raw:
        raise ValueError("NOVAMIND_DEID_KEY: a de-identification key is required")
    return raw


def _digest(key: str | bytes, purpose: str, value: str) -> bytes:
    return hmac.new(_key_bytes(key), f"novamind/{purpose}/{value}".encode(), hashlib.sha256).digest()


def pseudonym(mrn: str, key: str | bytes) -> str:
    """Stable keyed pseudonym for a patient, e.g. ``"P-K3QZ7M2A"`` (see module docstring for the formula).

    The MRN is normalised (trim, collapse whitespace, casefold) so formatting differences do not split a patient.
    """
    if mrn is None or not str(mrn).strip():
        raise ValueError("a pseudonym needs the patient's MRN")
    digest = _digest(key, "pseudonym", normalise_for_index(str(mrn)))
    code = base64.b32encode(digest).decode("ascii")[:PSEUDONYM_CHARS]
    return f"{PSEUDONYM_PREFIX}{code}"


def date_shift_days(patient_id: int | str, key: str | bytes) -> int:
    """Deterministic per-patient date offset in days, in -180..-1 or 1..180.

    ``h = int(HMAC-SHA256(k, "novamind/date-shift/" + id)[:8]) mod 360``; offset ``h - 180`` for ``h < 180``,
    else ``h - 179``.
    """
    h = int.from_bytes(_digest(key, "date-shift", str(patient_id))[:8], "big") % (2 * MAX_DATE_SHIFT_DAYS)
    return h - MAX_DATE_SHIFT_DAYS if h < MAX_DATE_SHIFT_DAYS else h - MAX_DATE_SHIFT_DAYS + 1


def shift_date(value: date | datetime | None, shift_days: int) -> date | datetime | None:
    """Move a date or datetime by ``shift_days`` days (None stays None)."""
    if value is None:
        return None
    return value + timedelta(days=shift_days)


def age_years(date_of_birth: date, on: date) -> int:
    """Completed years of age on ``on`` (a birthday counts on the day itself; 29 February counts on 1 March)."""
    if isinstance(date_of_birth, datetime):
        date_of_birth = date_of_birth.date()
    if isinstance(on, datetime):
        on = on.date()
    years = on.year - date_of_birth.year
    if (on.month, on.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years


def safe_harbor_age(age: int) -> int | str:
    """Age as Safe Harbor allows it: the exact age up to 89, otherwise ``"90+"``."""
    if age < 0:
        raise ValueError(f"age must not be negative (got {age})")
    return AGE_90_PLUS if age > OLDEST_REPORTED_AGE else int(age)


def age_band(age_years: int, width: int = 10) -> str:
    """Age group label: ``"30-39"`` for width 10; every age above 89 is ``"90+"`` whatever the width."""
    if age_years < 0:
        raise ValueError(f"age must not be negative (got {age_years})")
    if width < 1:
        raise ValueError("band width must be at least 1 year")
    if age_years > OLDEST_REPORTED_AGE:
        return AGE_90_PLUS
    low = (int(age_years) // width) * width
    high = min(low + width - 1, OLDEST_REPORTED_AGE)
    return f"{low}-{high}" if high != low else str(low)


def deidentify_record(
    record: Mapping[str, Any],
    *,
    key: str | bytes,
    as_of: date | None = None,
    date_fields: Iterable[str] | None = None,
    drop_fields: Iterable[str] = DIRECT_IDENTIFIER_FIELDS,
) -> dict[str, Any]:
    """Return a de-identified copy of one patient-level record (a mapping).

    * adds ``pseudonym`` (from ``mrn``; from ``patient_id`` when there is no MRN);
    * adds ``age_band`` from ``date_of_birth``/``dob``/``birth_date`` as of ``as_of`` (default today);
    * shifts every date/datetime value (or the named ``date_fields``) by the patient's :func:`date_shift_days`,
      keyed by ``patient_id`` (or the MRN);
    * drops :data:`DIRECT_IDENTIFIER_FIELDS`.
    """
    mrn = record.get("mrn")
    patient_key = record.get("patient_id", record.get("id"))
    if mrn is None and patient_key is None:
        raise ValueError("a record to de-identify needs an mrn or a patient_id")
    out: dict[str, Any] = {"pseudonym": pseudonym(str(mrn if mrn is not None else f"id:{patient_key}"), key)}
    dob = record.get("date_of_birth", record.get("dob", record.get("birth_date")))
    if isinstance(dob, date):
        out["age_band"] = age_band(age_years(dob, as_of or date.today()))
    shift = date_shift_days(patient_key if patient_key is not None else f"mrn:{mrn}", key)
    drop = set(drop_fields)
    wanted_dates = set(date_fields) if date_fields is not None else None
    for name, value in record.items():
        if name in drop:
            continue
        is_date = isinstance(value, date)
        if (wanted_dates is None and is_date) or (wanted_dates is not None and name in wanted_dates):
            out[name] = shift_date(value, shift)
        else:
            out[name] = value
    return out
