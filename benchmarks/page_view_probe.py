"""Measure one page view in this checkout: SQL statements and audit rows written (run as a subprocess).

``python -m benchmarks.page_view_probe`` prints one JSON object ``{page: {"statements": n, "audit_rows": n}}``.
Each page is opened as its user would (a signed-in AppTest; the patient pages with the responder selected), once to
warm up, then once measured: the statements are counted with a SQLAlchemy ``before_cursor_execute`` listener on every
engine, the audit rows by counting ``audit_log`` in the SQLite file before and after. It uses only what every version
of the app has (the UI test cohort, the page files, the sign-in session keys), so the benchmark can run it on an older
checkout as the named baseline.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import tempfile
from pathlib import Path

ROOT = Path.cwd()
sys.path.insert(0, str(ROOT))

#: (page file, user, select the responder first)
PAGES = (
    ("caseload", "demo.clinician", False),
    ("patient", "demo.clinician", True),
    ("twin_state", "demo.clinician", True),
    ("timelines", "demo.clinician", True),
    ("simulation", "demo.clinician", True),
    ("cohort", "demo.analyst", False),
    ("models", "demo.analyst", False),
    ("admin", "demo.admin", False),
)


def _audit_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM audit_log").fetchone()[0])


def main() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from streamlit.testing.v1 import AppTest

    from tests.app import ui_cohort

    directory = Path(tempfile.mkdtemp(prefix="nm-pageview-"))
    env = ui_cohort.environment_for(directory)
    os.environ.update(env)
    services = ui_cohort.build_services_from_environment(env)
    cohort = ui_cohort.seed_cohort(services)
    services.close()
    db = directory / "ui.db"
    count = [0]
    event.listen(Engine, "before_cursor_execute", lambda *a, **k: count.__setitem__(0, count[0] + 1))
    out: dict[str, dict[str, int]] = {}
    for page, user, with_patient in PAGES:
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
        for key, value in (("authentication_status", True), ("username", user), ("name", user),
                           ("roles", []), ("logout", None)):
            at.session_state[key] = value
        if with_patient:
            at.session_state["nm_selected_patient_id"] = cohort.responder_id
            at.session_state["nm_selected_patient_label"] = cohort.responder_mrn
        at.run()  # warm-up: imports, services, first queries
        if at.exception:
            raise SystemExit(f"{page}: {at.exception[0].message}")
        before, count[0] = _audit_rows(db), 0
        at.run()  # one page view, as a rerun
        out[page] = {"statements": count[0], "audit_rows": _audit_rows(db) - before}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
