"""pages_for_role: which screens each role gets (a page is registered only when its file exists)."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.shared.navigation import PAGES, page_allowed, page_for_url_path, pages_for_role
from novamind_core.domain.users import Role


@pytest.fixture
def full_tree(tmp_path: Path) -> Path:
    for spec in PAGES:
        (tmp_path / spec.path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / spec.path).write_text("")
    return tmp_path


def ids(specs) -> list[str]:  # type: ignore[no-untyped-def]
    return [s.page_id for s in specs]


def test_clinicians_get_caseload_patient_the_twin_pages_and_their_notification_preferences(full_tree):
    assert ids(pages_for_role(Role.CLINICIAN, full_tree)) == [
        "caseload", "patient", "twin_state", "timelines", "simulation", "data_import", "preferences"]


def test_analysts_get_only_the_cohort_pages_and_their_notification_preferences(full_tree):
    assert ids(pages_for_role("analyst", full_tree)) == ["cohort", "models", "preferences"]


def test_admins_get_the_admin_page_clinic_outcomes_and_their_notification_preferences(full_tree):
    assert ids(pages_for_role(Role.ADMIN, full_tree)) == ["admin", "outcomes", "preferences"]
    assert pages_for_role(Role.ADMIN, full_tree)[0].default  # admins still land on Admin


def test_clinic_leads_land_on_clinic_outcomes_and_can_open_their_own_patients(full_tree):
    specs = pages_for_role(Role.CLINIC_LEAD, full_tree)
    assert ids(specs) == ["caseload", "patient", "twin_state", "timelines", "simulation", "data_import", "outcomes",
                          "preferences"]
    assert [p.page_id for p in specs if p.default] == ["outcomes"]


def test_no_role_gets_a_phi_page_it_may_not_open(full_tree):
    phi_pages = {"caseload", "patient", "twin_state", "timelines", "simulation", "data_import"}
    assert not phi_pages & set(ids(pages_for_role(Role.ANALYST, full_tree)))
    assert not phi_pages & set(ids(pages_for_role(Role.ADMIN, full_tree)))


def test_a_page_whose_file_is_missing_is_not_registered(tmp_path):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "patient.py").write_text("")
    specs = pages_for_role(Role.CLINICIAN, tmp_path)
    assert ids(specs) == ["patient"]
    assert specs[0].default, "the first registered page becomes the default when the usual default is missing"


def test_exactly_one_default_page_per_role(full_tree):
    for role in Role:
        assert sum(s.default for s in pages_for_role(role, full_tree)) == 1


def test_unknown_role_is_refused():
    with pytest.raises(ValueError):
        pages_for_role("superuser")


def test_page_allowed_uses_the_same_table():
    assert page_allowed(Role.CLINICIAN, "patient")
    assert not page_allowed(Role.ANALYST, "patient")
    assert not page_allowed(Role.ADMIN, "caseload")
    assert not page_allowed(Role.CLINICIAN, "no_such_page")


def test_deep_link_paths_map_to_pages(full_tree):
    specs = pages_for_role(Role.CLINICIAN, full_tree)
    assert page_for_url_path("patient", specs).page_id == "patient"
    assert page_for_url_path("/patient/", specs).page_id == "patient"
    assert page_for_url_path("admin", specs) is None
