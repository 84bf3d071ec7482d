"""Dates on pages follow the house rule, ``12 Mar 2026``: no ISO dates and no zero-padded day (``06 Dec 2026``) in
what a person reads (alert texts, note templates, captions, findings, chart hovers and ticks)."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from novamind_core.domain.dates import day_month_year, day_month_year_time
from novamind_core.domain.risk import cssrs_alert_reason

ROOT = Path(__file__).resolve().parents[3]
#: A zero-padding day in strftime or in a Plotly (d3) format, and an ISO date interpolated into an f-string.
PADDED = re.compile(r"strftime\([\"']%d|:%d %b|\|%d %b|format=\"%d %b")
ISO_IN_TEXT = re.compile(r"\{[^{}\"]*\.isoformat\(\)\}")
#: ISO where it belongs: file names and the header of a CSV file.
ISO_ALLOWED = {"components/outcomes/report_view.py", "components/simulation/charts.py"}


def test_a_date_is_written_with_the_day_unpadded_the_short_month_and_the_year():
    assert day_month_year(date(2026, 12, 6)) == "6 Dec 2026"
    assert day_month_year(date(2026, 3, 12)) == "12 Mar 2026"
    assert day_month_year_time(datetime(2026, 12, 6, 9, 5)) == "6 Dec 2026 09:05"


def test_an_alert_reason_writes_its_date_the_house_way():
    assert " on 6 Dec 2026: " in cssrs_alert_reason(3, (), date(2026, 12, 6))


def test_no_page_component_or_service_message_pads_the_day_or_writes_an_iso_date():
    folders = ("components", "pages", "novamind_core/domain", "novamind_core/services", "novamind_core/twin")
    padded, iso = [], []
    for folder in folders:
        for p in sorted((ROOT / folder).rglob("*.py")):
            rel = str(p.relative_to(ROOT))
            for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1):
                if PADDED.search(line):
                    padded.append(f"{rel}:{n}")
                if folder in ("components", "pages") and rel not in ISO_ALLOWED and ISO_IN_TEXT.search(line):
                    iso.append(f"{rel}:{n}")
    assert not padded, padded
    assert not iso, iso
