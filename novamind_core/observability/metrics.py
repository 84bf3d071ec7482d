"""Prometheus metrics: counts from the database and page latency from the app processes, as exposition text.

Served by ``python -m novamind_core metrics --port 9464`` (a small HTTP server answering ``GET /metrics``), or printed
once with ``--once`` for a node-exporter textfile collector. What it exposes (no PHI: counts and timings only):

==========================================  =========  ========================================================
``novamind_sessions_active``                gauge      server-side sign-in sessions live now (not revoked, not
                                                       idle-expired, not past their absolute expiry)
``novamind_sign_ins_total``                 counter    successful sign-ins in the audit log
``novamind_failed_sign_ins_total``          counter    refused sign-ins and lockouts in the audit log
``novamind_worker_queue_depth{status}``     gauge      outbox messages by status (``queued`` is the queue)
``novamind_audit_events_total``             counter    rows in the audit log
``novamind_page_latency_seconds{page}``     histogram  time to run a page script, from every app process
``novamind_metrics_scrape_errors_total``    counter    scrapes whose database read failed (then 1, others absent)
==========================================  =========  ========================================================

Page latency crosses processes through small JSON files: each app process keeps cumulative bucket counts in memory
(:class:`PageLatencyRecorder`) and rewrites ``<metrics_dir>/page-latency-<pid>.json`` atomically at most every few
seconds; the exporter sums every file. Counts only grow while a process lives, so the sum is a Prometheus counter.

The exposition format is Prometheus's text format version 0.0.4 (``# HELP``, ``# TYPE``, one sample per line).
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LATENCY_BUCKETS_S: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
"""Upper bounds of the page-latency histogram, seconds (``+Inf`` is added)."""
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
FILE_PREFIX = "page-latency-"


# ------------------------------------------------------------------------------------------- exposition text
@dataclass(frozen=True, slots=True)
class Sample:
    """One metric family: name, type ("gauge", "counter", "histogram"), help, and its samples."""

    name: str
    kind: str
    help: str
    values: tuple[tuple[Mapping[str, str], float], ...] = ()
    histogram: Mapping[tuple[tuple[str, str], ...], HistogramCounts] = field(default_factory=dict)


@dataclass
class HistogramCounts:
    """Cumulative counts per bucket (same order as :data:`LATENCY_BUCKETS_S`, then +Inf), sum and count."""

    buckets: list[int] = field(default_factory=lambda: [0] * (len(LATENCY_BUCKETS_S) + 1))
    sum_s: float = 0.0
    count: int = 0

    def observe(self, seconds: float) -> None:
        for i, bound in enumerate(LATENCY_BUCKETS_S):
            if seconds <= bound:
                self.buckets[i] += 1
        self.buckets[-1] += 1
        self.sum_s += seconds
        self.count += 1

    def add(self, other: HistogramCounts) -> None:
        self.buckets = [a + b for a, b in zip(self.buckets, other.buckets, strict=True)]
        self.sum_s += other.sum_s
        self.count += other.count


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
    pairs = list(labels.items()) if isinstance(labels, Mapping) else list(labels)
    return "{" + ",".join(f'{k}="{_escape(str(v))}"' for k, v in pairs) + "}" if pairs else ""


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def render(families: Sequence[Sample]) -> str:
    """The families as Prometheus text exposition (ends with a newline)."""
    lines: list[str] = []
    for fam in families:
        lines.append(f"# HELP {fam.name} {fam.help}")
        lines.append(f"# TYPE {fam.name} {fam.kind}")
        if fam.kind == "histogram":
            for key, counts in sorted(fam.histogram.items()):
                bounds = [*(_number(b) for b in LATENCY_BUCKETS_S), "+Inf"]
                for bound, n in zip(bounds, counts.buckets, strict=True):
                    lines.append(f"{fam.name}_bucket{_labels([*key, ('le', bound)])} {n}")
                lines.append(f"{fam.name}_sum{_labels(key)} {_number(round(counts.sum_s, 6))}")
                lines.append(f"{fam.name}_count{_labels(key)} {counts.count}")
        else:
            for labels, value in fam.values:
                lines.append(f"{fam.name}{_labels(labels)} {_number(value)}")
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------ page latency (per process)
class PageLatencyRecorder:
    """Cumulative page-latency histogram of this process, flushed to ``directory`` at most every ``flush_every_s``.

    Thread-safe (Streamlit runs each session's script on its own thread). Page names are the app's page titles
    (a fixed set), never anything a user typed.
    """

    def __init__(self, directory: Path, *, flush_every_s: float = 5.0) -> None:
        self.directory = Path(directory)
        self.flush_every_s = flush_every_s
        self._lock = threading.Lock()
        self._pages: dict[str, HistogramCounts] = {}
        self._last_flush = 0.0

    @property
    def path(self) -> Path:
        return self.directory / f"{FILE_PREFIX}{os.getpid()}.json"

    def observe(self, page: str, seconds: float) -> None:
        with self._lock:
            self._pages.setdefault(page[:80], HistogramCounts()).observe(max(0.0, float(seconds)))
            due = time.monotonic() - self._last_flush >= self.flush_every_s
        if due:
            self.flush()

    def flush(self) -> None:
        """Write this process's counts (atomic replace; errors are swallowed: metrics never break a page)."""
        with self._lock:
            payload = {page: {"buckets": c.buckets, "sum_s": c.sum_s, "count": c.count}
                       for page, c in self._pages.items()}
            self._last_flush = time.monotonic()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(payload), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass


def read_page_latency(directory: Path) -> dict[str, HistogramCounts]:
    """Sum every process's page-latency file in ``directory`` (unreadable or malformed files are skipped)."""
    total: dict[str, HistogramCounts] = {}
    if not Path(directory).is_dir():
        return total
    for path in sorted(Path(directory).glob(f"{FILE_PREFIX}*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            for page, raw in data.items():
                counts = HistogramCounts(buckets=[int(b) for b in raw["buckets"]], sum_s=float(raw["sum_s"]),
                                         count=int(raw["count"]))
                if len(counts.buckets) != len(LATENCY_BUCKETS_S) + 1:
                    continue
                total.setdefault(str(page), HistogramCounts()).add(counts)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return total


# ------------------------------------------------------------------------------------------------ collection
def families(counts: object | None, latency: Mapping[str, HistogramCounts]) -> list[Sample]:
    """The metric families from database counts (an ``OperationalCounts``; None when the read failed)."""
    out: list[Sample] = []
    if counts is not None:
        if getattr(counts, "sessions_active", None) is not None:
            out.append(Sample("novamind_sessions_active", "gauge", "Server-side sign-in sessions live now.",
                              (({}, float(counts.sessions_active)),)))
        out.append(Sample("novamind_sign_ins_total", "counter", "Successful sign-ins recorded in the audit log.",
                          (({}, float(counts.sign_ins_total)),)))
        out.append(Sample("novamind_failed_sign_ins_total", "counter",
                          "Refused sign-ins and lockouts recorded in the audit log.",
                          (({}, float(counts.failed_sign_ins_total)),)))
        queue = dict(counts.outbox_by_status)
        queue.setdefault("queued", 0)
        out.append(Sample("novamind_worker_queue_depth", "gauge", "Outbox messages by status (queued is the queue).",
                          tuple(({"status": s}, float(n)) for s, n in sorted(queue.items()))))
        out.append(Sample("novamind_audit_events_total", "counter", "Rows in the audit log.",
                          (({}, float(counts.audit_events_total)),)))
    else:
        out.append(Sample("novamind_metrics_scrape_errors_total", "counter",
                          "Scrapes whose database read failed.", (({}, 1.0),)))
    out.append(Sample("novamind_page_latency_seconds", "histogram", "Time to run a page script, seconds.",
                      histogram={(("page", page),): c for page, c in latency.items()}))
    return out


def parse_exposition(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    """A strict reader of the text format this module writes (used by tests and the ``--check`` option): every
    line is a comment or ``name{labels} value``; raises ValueError on anything else."""
    import re

    sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? '
                        r'([-+]?(?:[0-9.eE+-]+|Inf|NaN))$')
    label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    out: dict[str, list[tuple[dict[str, str], float]]] = {}
    for n, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        m = sample.match(line)
        if m is None:
            raise ValueError(f"line {n} is not Prometheus text: {line!r}")
        labels = {k: v for k, v in label.findall(m.group(2) or "")}
        out.setdefault(m.group(1), []).append((labels, float(m.group(3).replace("Inf", "inf"))))
    return out
