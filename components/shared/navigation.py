"""Which pages each role may open: one table, used by ``app.py`` (to register pages) and by every page (to refuse).

Pure Python (no Streamlit), so ``pages_for_role`` is tested as a plain function (docs/development.md, "AppTest": AppTest
does not drive ``st.navigation`` apps as a whole). A page is registered only when its file exists, so pages other
engineers have not written yet simply do not appear, and a page a role may not see has no URL for that role.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from novamind_core.domain.users import Role

REPO_ROOT: Path = Path(__file__).resolve().parents[2]  # components/shared/navigation.py -> the repository


@dataclass(frozen=True)
class PageSpec:
    """One screen: its file (relative to the repository root), title, Material icon, URL path and section.

    ``url_path`` is what follows the host in the browser (``/patient?mrn=...``).
    """

    page_id: str
    path: str
    title: str
    icon: str
    url_path: str
    section: str
    roles: frozenset[Role]
    default: bool = False

    def exists(self, root: Path = REPO_ROOT) -> bool:
        return (root / self.path).is_file()


_CLINICIAN = frozenset({Role.CLINICIAN, Role.CLINIC_LEAD})  # a clinic lead also treats their own patients
_ANALYST = frozenset({Role.ANALYST})
_ADMIN = frozenset({Role.ADMIN})

PAGES: tuple[PageSpec, ...] = (
    PageSpec("caseload", "pages/caseload.py", "Caseload", ":material/groups:", "caseload", "Patients", _CLINICIAN,
             default=True),
    PageSpec("patient", "pages/patient.py", "Patient", ":material/person:", "patient", "Patients", _CLINICIAN),
    PageSpec("twin_state", "pages/twin_state.py", "Twin state", ":material/neurology:", "twin_state", "Digital twin",
             _CLINICIAN),
    PageSpec("timelines", "pages/timelines.py", "Neurotransmitter timelines", ":material/timeline:", "timelines",
             "Digital twin", _CLINICIAN),
    PageSpec("simulation", "pages/simulation.py", "Treatment simulation", ":material/science:", "simulation",
             "Digital twin", _CLINICIAN),
    PageSpec("data_import", "pages/data_import.py", "Data import", ":material/upload_file:", "data_import", "Data",
             _CLINICIAN),
    PageSpec("cohort", "pages/cohort.py", "Cohort", ":material/query_stats:", "cohort", "Research", _ANALYST,
             default=True),
    PageSpec("models", "pages/models.py", "Models", ":material/model_training:", "models", "Research", _ANALYST),
    PageSpec("admin", "pages/admin.py", "Admin", ":material/admin_panel_settings:", "admin", "Administration",
             _ADMIN, default=True),
    PageSpec("outcomes", "pages/outcomes.py", "Clinic outcomes", ":material/monitoring:", "outcomes", "Clinic", frozenset({Role.CLINIC_LEAD, Role.ADMIN})),  # noqa: E501
    PageSpec("preferences", "pages/preferences.py", "Notifications", ":material/notifications:", "preferences", "Account", frozenset(Role)),  # noqa: E501
)
"""Every screen of the app, in menu order. Clinicians: patient work; analysts: cohort pages; admins: Admin."""

PAGES_BY_ID: dict[str, PageSpec] = {p.page_id: p for p in PAGES}

#: Landing pages that differ from the first default page a role can open (a clinic lead lands on the outcomes).
LANDING: dict[Role, str] = {Role.CLINIC_LEAD: "outcomes"}


def pages_for_role(role: Role | str, root: Path = REPO_ROOT) -> list[PageSpec]:
    """The pages ``role`` may open whose files exist under ``root``, in menu order, exactly one marked default.

    The default is the role's landing page, opened from the root address. ``app.py`` does not make it Streamlit's
    default page (whose URL path would be ``""``, so its own address would be "not found"); a hidden root page
    forwards to it.

    Parameters
    ----------
    role : Role or str
        The signed-in user's role as stored in the database (never the role a browser claims).
    root : Path
        Repository root (tests pass a temporary tree).
    """
    parsed = Role.parse(role)
    allowed = [p for p in PAGES if parsed in p.roles and p.exists(root)]
    landing = LANDING.get(parsed)
    if landing and any(p.page_id == landing for p in allowed):
        allowed = [dataclasses.replace(p, default=p.page_id == landing) for p in allowed]
    if allowed and sum(p.default for p in allowed) > 1:  # two roles' landing pages: the first in menu order wins
        first_default = next(p.page_id for p in allowed if p.default)
        allowed = [dataclasses.replace(p, default=p.page_id == first_default) for p in allowed]
    if allowed and not any(p.default for p in allowed):
        first = allowed[0]
        allowed[0] = PageSpec(first.page_id, first.path, first.title, first.icon, first.url_path, first.section,
                              first.roles, default=True)
    return allowed


def page_allowed(role: Role | str, page_id: str) -> bool:
    """Whether ``role`` may open the page ``page_id`` (the same table as :func:`pages_for_role`)."""
    spec = PAGES_BY_ID.get(page_id)
    return spec is not None and Role.parse(role) in spec.roles


def page_for_url_path(url_path: str, pages: list[PageSpec]) -> PageSpec | None:
    """The page among ``pages`` whose URL path is the last segment of ``url_path`` (``/patient`` -> Patient)."""
    segment = (url_path or "").rstrip("/").rsplit("/", 1)[-1]
    return next((p for p in pages if p.url_path == segment), None)
