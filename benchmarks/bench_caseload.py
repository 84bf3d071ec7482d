"""Caseload scale benchmark: page 1, the last page and each sort key at 100, 10,000 and 100,000 patients on one
clinician's care team, each as a ratio to page 1 at 100 patients measured in the same run (the target: the last page
at 100,000 within 2x of page 1 at 100).

Each figure is the whole service call a page view makes (``PatientService.caseload``: permission check, count, page
query, the page's rows decrypted, diagnoses, medications, questionnaire states, the audit row and its commit), best of
several runs. The first call of each (filter, sort) pays the page total's COUNT(*); it is reported on its own row
("cold"). Seeding is bulk inserts outside the timed sections; a temporary SQLite file, or PostgreSQL when
``NOVAMIND_BENCH_DATABASE_URL`` names an empty database.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

from novamind_core.bootstrap import build_services
from novamind_core.config import get_settings
from novamind_core.db.engine import migrate
from novamind_core.db.models import CareTeamRow, PatientRow, PatientSummaryRow
from novamind_core.domain.caseload import SORT_KEYS
from novamind_core.security.crypto import generate_key
from novamind_core.services.base import SYSTEM_USER

PAGE = 25
SIZES = (100, 10_000, 100_000)
QUICK_SIZES = (100, 2_000, 20_000)
#: The direction the caseload page uses for each sort (name and next due ascending, the rest descending).
DIRECTION = {key: key not in ("name", "next_due") for key in SORT_KEYS}


def _services(path: Path, url: str | None):  # type: ignore[no-untyped-def]
    url = url or f"sqlite:///{path}"
    migrate(url)
    settings = get_settings(_env_file=None, environment="testing", database_url=url,
                            encryption_keys=[generate_key()], blind_index_key=secrets.token_urlsafe(40),
                            deid_key=secrets.token_urlsafe(40), cookie_key=secrets.token_urlsafe(40))
    return build_services(settings, bcrypt_rounds=4)


def populate(services, n: int, clinician_id: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    """Bulk-insert patients ``start`` .. ``start + n`` on the clinician's care team, with varied summary figures
    (some never assessed: NULL scores and dates, so the NULLS LAST orderings are exercised)."""
    now = datetime.now(UTC)
    ix = services.context.uow().indexer.index
    for lo in range(start, start + n, 20_000):
        rows, summaries, team = [], [], []
        for i in range(lo, min(lo + 20_000, start + n)):
            given, family, mrn = f"Given{i}", f"Family{(i * 7919) % 100_003}", f"NM-{i:07d}"
            rows.append(dict(id=i + 1, mrn=mrn, mrn_bidx=ix(mrn, "mrn"), given_name=given, family_name=family,
                             given_name_bidx=ix(given, "given_name"), family_name_bidx=ix(family, "family_name"),
                             full_name_bidx=ix(f"{given} {family}", "full_name"), date_of_birth="1980-01-01",
                             birth_year=1980, sex_at_birth="female", phone=None, email=None, address=None,
                             status="active" if i % 50 else "discharged", created_at=now - timedelta(minutes=i),
                             updated_at=now, version=1))
            assessed = i % 10 != 0
            summaries.append(dict(
                patient_id=i + 1, registered_on=date(2025, 1, 1) + timedelta(days=i % 365),
                phq9_latest=i % 28 if assessed else None, phq9_severity="moderate" if assessed else None,
                gad7_latest=i % 22 if assessed else None,
                last_assessed_on=date(2026, 1, 1) + timedelta(days=i % 300) if assessed else None,
                next_assessment_due=date(2026, 6, 1) + timedelta(days=i % 90) if i % 3 else None,
                open_alerts=int(i % 97 == 0), open_item9_alerts=int(i % 991 == 0)))
            team.append(dict(patient_id=i + 1, user_id=clinician_id))
        with services.context.uow() as uow:
            uow.session.execute(insert(PatientRow), rows)
            uow.session.execute(insert(PatientSummaryRow), summaries)
            uow.session.execute(insert(CareTeamRow), team)
            uow.commit()


def _timed(fn, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(first call, best of ``repeat`` further calls) in seconds."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return first, best


def run(quick: bool = False) -> list[dict]:
    sizes = QUICK_SIZES if quick else SIZES
    repeat = 3 if quick else 5
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("NOVAMIND_BENCH_DATABASE_URL")
        services = _services(Path(tmp) / "bench.db", url)
        services.users.create(SYSTEM_USER, "dr.scale", "Dr Scale", "clinician", "benchmark-password-1")
        user = services.users.get_by_username("dr.scale")
        measured: dict[tuple[int, str, str], tuple[float, float]] = {}
        seeded = 0
        for n in sizes:
            populate(services, n - seeded, user.id, start=seeded)
            seeded = n
            for sort in SORT_KEYS:
                desc = DIRECTION[sort]
                first = services.patients.caseload(user, page_size=PAGE, sort=sort, descending=desc)
                last_page = max(1, -(-first.total // PAGE))
                for label, page in (("page 1", 1), ("last page", last_page)):
                    measured[(n, sort, label)] = _timed(
                        lambda p=page, s=sort, d=desc: services.patients.caseload(
                            user, page=p, page_size=PAGE, sort=s, descending=d), repeat)
            services.patients.caseload(user, page_size=PAGE, sort="registered", descending=False)
            measured[(n, "cold", "page 1")] = _timed(
                lambda: services.patients.caseload(user, page_size=PAGE, sort="phq9", only_alerts=True), 0)
        services.close()
    base = measured[(sizes[0], "priority", "page 1")][1]
    rows = []
    for (n, sort, label), (first, best) in measured.items():
        if (n, sort, label) == (sizes[0], "priority", "page 1"):
            continue
        value = first if sort == "cold" else best
        name = (f"caseload {label} at {n:,} patients, first view of a new filter (page total counted)"
                if sort == "cold" else f"caseload {label} at {n:,} patients, sorted by {sort}")
        rows.append({
            "name": name, "value": round(value * 1000, 2), "unit": "ms",
            "baseline_name": f"page 1 at {sizes[0]} patients, priority", "baseline_value": round(base * 1000, 2),
            "ratio": round(value / base, 2),
            "target": "within 2x of page 1 at 100" if label == "last page" and n == sizes[-1] else None,
            "peak_memory_mb": None,
            "notes": "whole service call (permission check, page query, decrypt 25 rows, audit write); best of "
                     f"{repeat} warm" if sort != "cold" else "one call, the page total not yet known",
        })
    return rows


if __name__ == "__main__":
    import sys
    for row in run(quick="--quick" in sys.argv):
        print(f"{row['name']:<80} {row['value']:>9} ms  x{row['ratio']}")
