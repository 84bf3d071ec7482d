"""Operations from the command line: ``metrics --once``, ``audit forward`` (resumable, rewind-aware), ``audit head``.

A patient with identifiable details is registered first; nothing the commands emit may contain those details.
"""

from __future__ import annotations

import json
import socket

import pytest

from novamind_core.cli import main
from novamind_core.domain.errors import AuthenticationError
from novamind_core.observability.metrics import parse_exposition
from novamind_core.services.base import SYSTEM_USER
from tests.conftest import TEST_PASSWORD, make_settings, register_patient

PHI = ("NM-770011", "Philomena", "Grubbington", "1957-08-09", "philomena.g@example.invalid", "+44 7700 900999",
       "3 Larkspur Mews")


@pytest.fixture
def ops_cli(sqlite_url, clock, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    """A migrated database with one clinician, one identifiable patient, a failed and a good sign-in; the CLI on it."""
    from novamind_core.bootstrap import build_services

    settings = make_settings(sqlite_url, metrics_dir=tmp_path / "metrics")
    services = build_services(settings, clock=clock, bcrypt_rounds=4)
    services.users.create(SYSTEM_USER, "dr.ops", "Dr Ops", "clinician", TEST_PASSWORD)
    clinician = services.users.get_by_username("dr.ops")
    register_patient(services, clinician, mrn=PHI[0], given=PHI[1], family=PHI[2], date_of_birth=PHI[3],
                     email=PHI[4], phone=PHI[5], address=PHI[6])
    with pytest.raises(AuthenticationError):
        services.users.authenticate("dr.ops", "wrong password entirely")
    services.users.authenticate("dr.ops", TEST_PASSWORD)
    for key, value in {"NOVAMIND_ENVIRONMENT": "testing", "NOVAMIND_DATABASE_URL": sqlite_url,
                       "NOVAMIND_ENCRYPTION_KEYS": settings.encryption_keys[0],
                       "NOVAMIND_BLIND_INDEX_KEY": settings.blind_index_key, "NOVAMIND_DEID_KEY": settings.deid_key,
                       "NOVAMIND_COOKIE_KEY": settings.cookie_key,
                       "NOVAMIND_METRICS_DIR": str(tmp_path / "metrics")}.items():
        monkeypatch.setenv(key, value)
    yield services
    services.close()


def assert_no_phi(text: str) -> None:
    found = [needle for needle in PHI if needle.lower() in text.lower()]
    assert found == []


def test_metrics_once_prints_prometheus_text_with_counts_and_no_phi(ops_cli, capsys, tmp_path):
    from novamind_core.observability.metrics import PageLatencyRecorder

    recorder = PageLatencyRecorder(tmp_path / "metrics")
    recorder.observe("Caseload", 0.4)
    recorder.flush()
    assert main(["metrics", "--once"]) == 0
    text = capsys.readouterr().out
    parsed = parse_exposition(text)
    assert parsed["novamind_failed_sign_ins_total"] == [({}, 1.0)]
    assert parsed["novamind_sign_ins_total"] == [({}, 1.0)]
    assert ({"status": "queued"}, 0.0) in parsed["novamind_worker_queue_depth"]
    assert parsed["novamind_page_latency_seconds_count"] == [({"page": "Caseload"}, 1.0)]
    assert parsed["novamind_audit_events_total"][0][1] >= 3
    assert_no_phi(text)


def test_the_metrics_endpoint_answers_over_http(ops_cli):
    import threading
    import urllib.request

    from sqlalchemy.orm import sessionmaker

    from novamind_core.observability.exporter import make_server

    server = make_server("127.0.0.1", 0, sessionmaker(ops_cli.engine), ops_cli.settings.metrics_dir)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with urllib.request.urlopen(f"{url}/metrics", timeout=10) as response:
            assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            assert "novamind_sign_ins_total" in parse_exposition(response.read().decode())
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{url}/anything-else", timeout=10)
    finally:
        server.shutdown()
        server.server_close()


def test_audit_forward_sends_each_row_once_and_resumes_from_its_cursor(ops_cli, capsys, tmp_path):
    stream, cursor = tmp_path / "siem" / "audit.jsonl", tmp_path / "audit.cursor"
    args = ["audit", "forward", "--jsonl", str(stream), "--cursor", str(cursor)]
    assert main([*args, "--limit", "2"]) == 0
    assert len(stream.read_text().splitlines()) == 2
    assert main(args) == 0
    first_run = [json.loads(line) for line in stream.read_text().splitlines()]
    ops_cli.users.authenticate("dr.ops", TEST_PASSWORD)  # a new event after the forward
    assert main(args) == 0
    events = [json.loads(line) for line in stream.read_text().splitlines()]
    ids = [e["id"] for e in events]
    assert ids == sorted(set(ids)) and len(events) == len(first_run) + 1
    assert all(b["prev_hash"] == a["hash"] for a, b in zip(events, events[1:], strict=False))  # receiver can check
    assert events[-1]["action"] == "auth.sign_in" and events[-1]["type"] == "novamind.audit"
    assert json.loads(cursor.read_text())["id"] == ids[-1]
    assert (stream.stat().st_mode & 0o777) == 0o600
    assert_no_phi(stream.read_text())
    assert main(args) == 0
    assert "0 event(s) sent" in capsys.readouterr().out


def test_audit_forward_refuses_to_continue_past_a_rewound_log(ops_cli, capsys, tmp_path):
    stream, cursor = tmp_path / "audit.jsonl", tmp_path / "audit.cursor"
    args = ["audit", "forward", "--jsonl", str(stream), "--cursor", str(cursor)]
    assert main(args) == 0
    saved = json.loads(cursor.read_text())
    cursor.write_text(json.dumps({"id": saved["id"], "hash": "f" * 64}))  # the row now differs from what was sent
    before = stream.read_text()
    assert main(args) == 1
    assert "rewound" in capsys.readouterr().err and stream.read_text() == before
    assert main([*args, "--from-id", str(saved["id"])]) == 0  # the operator restarts after recording it


def test_audit_forward_to_syslog_sends_one_json_message_per_row(ops_cli, tmp_path):
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    port = receiver.getsockname()[1]
    try:
        assert main(["audit", "forward", "--syslog", f"127.0.0.1:{port}", "--cursor", str(tmp_path / "c"),
                     "--limit", "2"]) == 0
        messages = [receiver.recv(65536).decode() for _ in range(2)]
    finally:
        receiver.close()
    for message in messages:
        assert message.startswith("<")  # syslog priority
        body = message.split("novamind-audit: ", 1)[1]
        assert json.loads(body)["type"] == "novamind.audit"
        assert_no_phi(message)


def test_audit_head_export_writes_the_day_file_with_the_newest_hash(ops_cli, capsys, tmp_path):
    assert main(["audit", "head", "--export", str(tmp_path / "heads")]) == 0
    printed = json.loads(capsys.readouterr().out)
    files = list((tmp_path / "heads").glob("audit-head-*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text()) == printed
    assert printed["rows"] >= 3 and len(printed["hash"]) == 64
    assert (files[0].stat().st_mode & 0o777) == 0o600
    stream = tmp_path / "audit.jsonl"
    assert main(["audit", "forward", "--jsonl", str(stream), "--cursor", str(tmp_path / "c")]) == 0
    assert json.loads(stream.read_text().splitlines()[-1])["hash"] == printed["hash"]


def test_metrics_on_a_port_already_taken_says_so_and_exits_2_without_a_traceback(ops_cli, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert main(["metrics", "--host", "127.0.0.1", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot serve on 127.0.0.1:{port}" in err and "Traceback" not in err
