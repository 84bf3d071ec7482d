"""Demo seed and the administration and questionnaire commands of the command line."""

from __future__ import annotations

import json

import pytest

from novamind_core.cli import main
from novamind_core.domain.errors import ConfigurationError, ConflictError
from tests.conftest import make_settings


def test_seed_builds_the_demo_stories_and_is_reproducible(services):
    from novamind_core.demo.seed import seed_demo

    report = seed_demo(services, n_patients=8, seed=3)
    assert report.patients == 8 and report.users_created == 6 and report.assessments > 100
    clinician = services.users.authenticate("demo.clinician", "demo-clinician-2024")
    page = services.patients.caseload(clinician, sort="registered", descending=False)
    names = [r.full_name for r in page.rows]
    assert names[:3] == ["Alex Example", "Sam Sample", "Jordan Testcase"]
    assert any(r.item9_alert for r in page.rows)
    pm = services.patients.get(clinician, page.rows[2].patient_id)
    assert pm.cyp2c19 is not None and pm.cyp2c19.value == "poor"
    drugs = [m.drug for m in services.medications.history(clinician, page.rows[1].patient_id)]
    assert drugs[-1] == "vortioxetine"
    with pytest.raises(ConflictError):
        seed_demo(services, n_patients=8, seed=3)
    assert seed_demo(services, n_patients=8, if_empty=True).skipped


def test_seed_gives_the_same_scores_for_the_same_seed(sqlite_url, clock, tmp_path, _sqlite_template):
    import shutil

    from novamind_core.bootstrap import build_services
    from novamind_core.demo.seed import seed_demo

    def totals(url: str) -> list[int]:
        services = build_services(make_settings(url), clock=clock, bcrypt_rounds=4)
        seed_demo(services, n_patients=4, seed=11)
        user = services.users.authenticate("demo.clinician", "demo-clinician-2024")
        out = [a.total for pid in range(1, 5) for a in services.assessments.history(user, pid)]
        services.close()
        return out

    other = tmp_path / "other.db"
    shutil.copyfile(_sqlite_template, other)
    assert totals(sqlite_url) == totals(f"sqlite:///{other}")


def test_seed_is_refused_in_production(db_url, clock):
    from novamind_core.bootstrap import build_services
    from novamind_core.demo.seed import seed_demo

    services = build_services(make_settings(db_url, environment="production", demo_users_enabled=False),
                              clock=clock, bcrypt_rounds=4)
    with pytest.raises(ConfigurationError, match="production"):
        seed_demo(services, n_patients=2)
    services.close()


def test_score_command_prints_total_severity_and_item_nine_as_json(capsys):
    assert main(["score", "--instrument", "PHQ-9", "--answers", "1,2,0,3,1,0,2,1,1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["total"] == 11 and out["severity"] == "moderate" and out["item9_positive"] is True


def test_change_command_reports_response_and_reliable_change(capsys):
    assert main(["change", "--instrument", "PHQ-9", "--baseline", "18", "--current", "8", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["response"] is True and out["remission"] is False and out["reliable_improvement"] is True


@pytest.mark.parametrize("argv", [
    ["score", "--instrument", "PHQ-9", "--answers", "1,2,0,3,1,0,2,1,9"],
    ["score", "--instrument", "XYZ", "--answers", "1"],
    ["score", "--instrument", "GAD-7", "--answers", "a,b"],
    ["change", "--instrument", "PHQ-9", "--baseline", "40", "--current", "8"],
])
def test_bad_input_gives_a_one_line_reason_and_exit_code_2(argv, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err


def test_cli_refuses_an_unmigrated_database_with_the_fix(tmp_path, monkeypatch, capsys):
    settings = make_settings(f"sqlite:///{tmp_path / 'empty.db'}")
    for key, value in {"NOVAMIND_DATABASE_URL": settings.database_url,
                       "NOVAMIND_ENCRYPTION_KEYS": settings.encryption_keys[0],
                       "NOVAMIND_BLIND_INDEX_KEY": settings.blind_index_key, "NOVAMIND_DEID_KEY": settings.deid_key,
                       "NOVAMIND_COOKIE_KEY": settings.cookie_key}.items():
        monkeypatch.setenv(key, value)
    assert main(["users", "list"]) == 2
    assert "migrate" in capsys.readouterr().err


def test_admin_users_count_the_same_patients_as_each_clinicians_caseload(services):
    """Admin → Users "Active patients on care team" is the caseload's total: discharged courses (the outcome
    history) and a patient discharged today count in neither."""
    from novamind_core.demo.seed import seed_demo
    from novamind_core.security.passwords import DEMO_CREDENTIALS

    seed_demo(services, n_patients=8, seed=3, outcome_history=6)
    clinician = services.users.authenticate("demo.clinician", DEMO_CREDENTIALS["demo.clinician"])
    first = services.patients.caseload(clinician, sort="registered", descending=False).rows[0]
    services.patients.discharge(clinician, first.patient_id, services.patients.get(clinician,
                                                                                   first.patient_id).version)
    admin = services.users.authenticate("demo.admin", DEMO_CREDENTIALS["demo.admin"])
    accounts = {a.username: a for a in services.users.list(admin)}
    checked = 0
    for username in ("demo.clinician", "demo.clinician2", "demo.clinician3"):
        user = services.users.authenticate(username, DEMO_CREDENTIALS[username])
        everyone = services.patients.caseload(user, status=None).total
        active = services.patients.caseload(user).total
        assert accounts[username].patient_count == active, username
        checked += everyone > active  # a discharged patient on this care team is left out of both
    assert checked >= 1


def test_an_item_9_answer_in_the_seeded_demo_mails_the_care_team_through_the_dev_mail_sink(services):
    """``make run`` seeds the demo and mails the dev sink: the demo clinicians have an urgent-alert address, so an
    item-9 answer from the patient portal reaches the sink as an urgent mail (no PHI: a deep link only)."""
    import socket

    from novamind_core.demo.seed import seed_demo
    from novamind_core.notifications.sink import SinkHandler, start_sink
    from novamind_core.notifications.smtp import SmtpTransport
    from novamind_core.security.passwords import DEMO_CREDENTIALS
    from novamind_core.worker import Worker

    seed_demo(services, n_patients=4, seed=3)
    clinician = services.users.authenticate("demo.clinician", DEMO_CREDENTIALS["demo.clinician"])
    assert services.reporting.notification_preferences(clinician).email == "demo.clinician@clinic.example"
    row = services.patients.caseload(clinician, sort="registered", descending=False).rows[0]
    kiosk = services.reporting.start_kiosk(clinician, row.patient_id, "PHQ-9")
    assert services.portal.submit(kiosk.token, {"PHQ-9": [1, 1, 1, 1, 1, 1, 1, 1, 2]}, "tablet").accepted
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    handler = SinkHandler()
    controller = start_sink(handler, port=port)
    smtp = SmtpTransport("127.0.0.1", port, mail_from="Clinic <no-reply@clinic.example>", timeout_s=5)
    try:
        Worker(services, smtp, worker_id="seed-test", poll_seconds=1).run_once()
    finally:
        smtp.close()
        controller.stop()  # type: ignore[attr-defined]
    urgent = [m for m in handler.received if m.message_id.startswith("<urgent_alert.")]
    assert urgent, [m.message_id for m in handler.received]
    assert ("demo.clinician@clinic.example",) in [m.to for m in urgent]
    assert all(row.full_name.split()[0] not in m.text + m.subject for m in urgent)
