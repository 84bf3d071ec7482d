"""Caseload page (AppTest): the table's own CSV download is off (``client.disableDataExport``), and "Prepare CSV"
is the audited way out: one ``export.csv`` audit event, a file named by date with every matching patient."""

from __future__ import annotations


def _admin(services):  # type: ignore[no-untyped-def]
    from novamind_core.services.base import SYSTEM_USER

    if services.users.get_by_username("export.auditor") is None:
        services.users.create(SYSTEM_USER, "export.auditor", "Export Auditor", "admin",
                              "correct-horse-battery-staple-9")
    return services.users.get_by_username("export.auditor")


def test_prepare_csv_offers_the_filtered_caseload_and_records_one_export(seeded, app_as):
    services, _cohort = seeded
    admin = _admin(services)
    before = len(services.audit.query(admin, action="export.csv"))
    at = app_as("caseload", "demo.clinician")
    at.run()
    at.toggle(key="nm_cl_alerts").set_value(True).run()
    assert not [b for b in at.get("download_button")], "no file before the user asks for one"
    next(b for b in at.button if b.key == "nm_cl_export_btn").click().run()
    assert not at.exception
    downloads = at.get("download_button")
    assert len(downloads) == 1 and "1 patients" in downloads[0].proto.label
    rows = services.audit.query(admin, action="export.csv")
    assert len(rows) == before + 1 and rows[0].detail.startswith("caseload export: rows=1")


def test_an_admin_on_the_caseload_page_is_offered_no_patient_list_export(seeded, app_as):
    at = app_as("caseload", "demo.admin")
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "nm_cl_export_btn"]
