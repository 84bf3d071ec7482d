from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from novamind_core.config import Settings
from novamind_core.insights import OpenAICompatibleProvider, TwinInsightInput, generate_insight
from novamind_core.security.redaction import clear_sensitive_terms


class FakeLLM:
    """A local OpenAI-compatible server that records what it receives."""

    def __init__(self, mode: str = "ok", delay_s: float = 0.0):
        self.received: list[dict] = []
        self.paths: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.paths.append(self.path)
                outer.received.append(json.loads(body))
                if delay_s:
                    time.sleep(delay_s)
                if mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                payload = (b"not json" if mode == "garbage" else json.dumps(
                    {"choices": [{"message": {"role": "assistant", "content": "PHQ-9 fell from 19 to 8."}}]}).encode())
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def _forget_terms():
    yield
    clear_sensitive_terms()


@pytest.fixture()
def inputs() -> TwinInsightInput:
    return TwinInsightInput.from_dict({
        "assessments": [{"date": "2024-01-01", "instrument": "PHQ-9", "total": 19},
                        {"date": "2024-03-01", "instrument": "PHQ-9", "total": 8}],
        "medications": [{"name": "sertraline", "dose_mg_per_day": 100, "start": "2024-01-05"}],
        "twin_p_response_week8": 0.41, "twin_scenario": "Ada Lovelace sertraline 2024-05-01 call 020 7946 0000",
        "patient_name": "Ada Lovelace", "mrn": "NM-0012345"})


def test_provider_is_off_by_default_and_the_offline_text_is_used(inputs):
    settings = Settings(_env_file=None)
    assert settings.insight_provider_url is None
    assert generate_insight(inputs, settings).provider == "offline"


def test_provider_receives_only_redacted_text(inputs):
    with FakeLLM() as fake:
        settings = Settings(_env_file=None, insight_provider_url=fake.url, insight_model="mentallama-7b")
        insight = generate_insight(inputs, settings)
    assert insight.provider == "openai-compatible:mentallama-7b"
    assert "PHQ-9 fell from 19 to 8." in insight.text and "check every number" in insight.notices[0]
    assert fake.paths == ["/v1/chat/completions"]
    sent = json.dumps(fake.received[0])
    assert fake.received[0]["model"] == "mentallama-7b"
    for secret in ("Ada", "Lovelace", "NM-0012345", "2024-05-01", "020 7946 0000"):
        assert secret not in sent
    assert "[NAME]" in sent and "[DATE]" in sent and "[PHONE]" in sent
    assert "41%" in sent  # the clinical numbers do go


def test_a_slow_provider_times_out_and_the_offline_summary_is_shown_with_a_notice(inputs):
    with FakeLLM(delay_s=1.0) as fake:
        provider = OpenAICompatibleProvider(fake.url, "m", timeout_s=0.2)
        insight = generate_insight(inputs, provider=provider)
    assert insight.provider == "offline"
    assert "no answer within 0.2 s" in insight.notices[0]
    assert "What changed" in insight.text


@pytest.mark.parametrize(("mode", "reason"), [("error", "HTTP 500"), ("garbage", "not an OpenAI-style")])
def test_provider_errors_fall_back_to_the_offline_summary(inputs, mode, reason):
    with FakeLLM(mode=mode) as fake:
        insight = generate_insight(inputs, provider=OpenAICompatibleProvider(fake.url, "m", timeout_s=2))
    assert insight.provider == "offline" and reason in insight.notices[0]


def test_an_unreachable_provider_falls_back_to_the_offline_summary(inputs):
    with FakeLLM() as fake:
        url = fake.url
    insight = generate_insight(inputs, provider=OpenAICompatibleProvider(url, "m", timeout_s=1))
    assert insight.provider == "offline" and "cannot reach" in insight.notices[0]
