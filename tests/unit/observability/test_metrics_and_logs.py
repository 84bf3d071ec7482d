"""Prometheus text, the cross-process page-latency histogram, and log context (pure; no database)."""

from __future__ import annotations

import contextvars
import io
import json
import logging
from types import SimpleNamespace

import pytest

from novamind_core.observability.logs import LogContextFilter, effective_log_format, log_context, session_log_id
from novamind_core.observability.metrics import (
    LATENCY_BUCKETS_S,
    HistogramCounts,
    PageLatencyRecorder,
    families,
    parse_exposition,
    read_page_latency,
    render,
)
from novamind_core.security.redaction import configure_logging

COUNTS = SimpleNamespace(sessions_active=3, sign_ins_total=10, failed_sign_ins_total=4,
                         outbox_by_status=(("sent", 7), ("queued", 2)), audit_events_total=99)


def test_the_metrics_text_parses_as_prometheus_exposition_with_every_family() -> None:
    recorder_counts = {"Caseload": HistogramCounts()}
    recorder_counts["Caseload"].observe(0.3)
    recorder_counts["Caseload"].observe(20.0)
    text = render(families(COUNTS, recorder_counts))
    parsed = parse_exposition(text)
    assert parsed["novamind_sessions_active"] == [({}, 3.0)]
    assert parsed["novamind_failed_sign_ins_total"] == [({}, 4.0)]
    assert ({"status": "queued"}, 2.0) in parsed["novamind_worker_queue_depth"]
    buckets = {labels["le"]: v for labels, v in parsed["novamind_page_latency_seconds_bucket"]}
    assert buckets["0.25"] == 0 and buckets["0.5"] == 1 and buckets["+Inf"] == 2
    assert parsed["novamind_page_latency_seconds_count"] == [({"page": "Caseload"}, 2.0)]
    assert "# TYPE novamind_page_latency_seconds histogram" in text


def test_the_strict_reader_refuses_text_that_is_not_exposition() -> None:
    with pytest.raises(ValueError):
        parse_exposition("novamind_x{page=unquoted} 1\n")


def test_a_failed_database_read_is_a_scrape_error_not_a_crash() -> None:
    parsed = parse_exposition(render(families(None, {})))
    assert parsed["novamind_metrics_scrape_errors_total"] == [({}, 1.0)]
    assert "novamind_sessions_active" not in parsed


def test_label_values_are_escaped() -> None:
    counts = HistogramCounts()
    counts.observe(0.01)
    parsed = parse_exposition(render(families(COUNTS, {'odd "page"\\': counts})))
    assert parsed["novamind_page_latency_seconds_count"][0][0] == {"page": 'odd \\"page\\"\\\\'}


def test_page_latency_from_several_processes_is_summed(tmp_path) -> None:
    first, second = PageLatencyRecorder(tmp_path), PageLatencyRecorder(tmp_path)
    first.observe("Caseload", 0.2)
    first.flush()
    (tmp_path / "page-latency-1.json").write_text(first.path.read_text())  # as if another process wrote it
    second.observe("Caseload", 3.0)
    second.observe("Caseload", 0.01)
    second.flush()  # this process's own file
    (tmp_path / "page-latency-broken.json").write_text("{not json")
    total = read_page_latency(tmp_path)
    assert total["Caseload"].count == 3 and len(total["Caseload"].buckets) == len(LATENCY_BUCKETS_S) + 1


def test_json_log_lines_carry_the_request_and_session_ids(tmp_path) -> None:
    stream = io.StringIO()
    handler = configure_logging(SimpleNamespace(log_level="INFO", log_format="json"), stream=stream)

    def body() -> str:  # in a fresh context: ids bound by earlier code in this thread (a CLI run) do not count
        with log_context(session_id=session_log_id("streamlit-session-1")) as rid:
            logging.getLogger("novamind.test").info("page drawn")
        logging.getLogger("novamind.test").info("outside")
        return rid

    try:
        rid = contextvars.Context().run(body)
    finally:
        logging.getLogger().removeHandler(handler)
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["request_id"] == rid and inside["session_id"] == session_log_id("streamlit-session-1")
    assert "streamlit-session-1" not in stream.getvalue()
    assert "request_id" not in outside


def test_json_logs_are_the_default_in_production_unless_chosen_explicitly() -> None:
    from novamind_core.config import Settings

    assert effective_log_format(Settings.model_construct(environment="production")) == "json"
    assert effective_log_format(Settings.model_construct(environment="development")) == "text"
    explicit = Settings.model_construct(environment="production", log_format="text")
    assert effective_log_format(explicit) == "text"


def test_the_context_filter_never_drops_a_record() -> None:
    record = logging.LogRecord("x", logging.INFO, "x", 0, "m", None, None)
    assert LogContextFilter().filter(record)
