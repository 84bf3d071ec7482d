"""Import boundaries (docs/architecture.md, "Boundaries that carry the design"), checked by walking the source with ast.

1. ``novamind_core`` never imports streamlit.
2. ``novamind_core/domain`` imports only the standard library (and other domain modules).
3. ``pages/``, ``components/`` and ``app.py`` never reach the database or keys: no sqlalchemy,
   ``novamind_core.db`` or ``novamind_core.security.crypto``.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CORE = REPO_ROOT / "novamind_core"
UI_FORBIDDEN = ("sqlalchemy", "novamind_core.db", "novamind_core.security.crypto")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imported_modules(source: str, module: str = "", is_package: bool = False) -> set[str]:
    """Every module an import statement names (anywhere in the file), with relative imports resolved.

    ``from a.b import c`` yields both ``a.b`` and ``a.b.c`` (``c`` may be a submodule).
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                base_parts = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return found


def python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "__pycache__" not in p.parts) if root.exists() else []


def violates(imported: str, forbidden: str) -> bool:
    return imported == forbidden or imported.startswith(forbidden + ".")


def is_standard_library(name: str) -> bool:
    return name.split(".")[0] in sys.stdlib_module_names or name == "__future__"


CORE_FILES = python_files(CORE)
DOMAIN_FILES = python_files(CORE / "domain")
UI_FILES = python_files(REPO_ROOT / "pages") + python_files(REPO_ROOT / "components") + (
    [REPO_ROOT / "app.py"] if (REPO_ROOT / "app.py").exists() else []
)


def imports_of(path: Path) -> set[str]:
    return imported_modules(path.read_text(encoding="utf-8"), module_name(path), path.name == "__init__.py")


def test_the_walk_finds_the_core_package():
    assert CORE / "domain" / "assessments.py" in CORE_FILES
    assert CORE / "domain" / "users.py" in DOMAIN_FILES


def test_no_core_module_imports_streamlit():
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(m for m in imports_of(path) if violates(m, "streamlit"))
        for path in CORE_FILES
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_domain_modules_import_only_the_standard_library_and_the_domain():
    offenders = {}
    for path in DOMAIN_FILES:
        bad = sorted(
            m for m in imports_of(path)
            if not is_standard_library(m) and not violates(m, "novamind_core.domain")
            and m != "novamind_core"  # `from novamind_core import domain` style is checked via its dotted names
        )
        if bad:
            offenders[str(path.relative_to(REPO_ROOT))] = bad
    assert offenders == {}


def test_pages_and_components_do_not_reach_the_database_or_keys():
    offenders = {}
    for path in UI_FILES:
        bad = sorted(m for m in imports_of(path) if any(violates(m, f) for f in UI_FORBIDDEN))
        if bad:
            offenders[str(path.relative_to(REPO_ROOT))] = bad
    assert offenders == {}


# --- the checker itself must catch what it claims to catch --------------------------------------------------


@pytest.mark.parametrize(
    "source",
    ["import streamlit as st", "from streamlit import session_state", "import streamlit.components.v1",
     "def f():\n    import streamlit\n"],
)
def test_the_checker_sees_every_form_of_streamlit_import(source):
    assert any(violates(m, "streamlit") for m in imported_modules(source, "novamind_core.x"))


@pytest.mark.parametrize(
    ("source", "module", "forbidden"),
    [
        ("from novamind_core import db", "pages.home", "novamind_core.db"),
        ("from novamind_core.db.models import Patient", "components.table", "novamind_core.db"),
        ("from novamind_core.security import crypto", "pages.home", "novamind_core.security.crypto"),
        ("from sqlalchemy.orm import Session", "pages.home", "sqlalchemy"),
        ("from ..db import models", "novamind_core.services.patients", "novamind_core.db"),
    ],
)
def test_the_checker_resolves_from_and_relative_imports(source, module, forbidden):
    assert any(violates(m, forbidden) for m in imported_modules(source, module))


def test_the_checker_flags_third_party_imports_in_the_domain():
    found = imported_modules("import numpy as np\nfrom . import errors", "novamind_core.domain.x")
    assert "novamind_core.domain.errors" in found
    assert [m for m in found if not is_standard_library(m) and not violates(m, "novamind_core.domain")] == ["numpy"]


def test_the_database_layer_never_imports_the_command_line():
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(m for m in imports_of(path) if violates(m, "novamind_core.cli"))
        for path in python_files(CORE / "db")
    }
    assert CORE / "db" / "backup.py" in python_files(CORE / "db")
    assert {k: v for k, v in offenders.items() if v} == {}


# --- dependencies point inward: storage and science never import the services; services never see SQL ----------
INWARD_PACKAGES = ("db", "analytics", "interop", "twin", "pharmacology", "ml", "biometrics", "insights", "security",
                   "domain")
SERVICE_FORBIDDEN = ("sqlalchemy", "novamind_core.db.models", "novamind_core.db.repositories")
#: The unit-of-work protocol names the repository classes for type checkers only (under TYPE_CHECKING).
SERVICE_EXEMPT = (CORE / "services" / "ports.py",)


def offenders_importing(files: list[Path], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {str(p.relative_to(REPO_ROOT)): sorted(m for m in imports_of(p) if any(violates(m, f) for f in forbidden))
             for p in files}
    return {k: v for k, v in found.items() if v}


@pytest.mark.parametrize("package", INWARD_PACKAGES)
def test_storage_science_and_interop_never_import_the_services(package):
    files = python_files(CORE / package)
    assert files, f"novamind_core/{package} has no modules"
    assert offenders_importing(files, ("novamind_core.services",)) == {}


def test_services_never_import_sqlalchemy_rows_or_repository_modules():
    files = [p for p in python_files(CORE / "services") if p not in SERVICE_EXEMPT]
    assert offenders_importing(files, SERVICE_FORBIDDEN) == {}


@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("from sqlalchemy import select", "novamind_core.services.cohort"),
        ("from novamind_core.db.models import PatientRow", "novamind_core.services.imports"),
        ("from ..db.repositories.wearables import unpack_counts", "novamind_core.services.wearables"),
        ("def f():\n    from novamind_core.db.repositories import wearables\n", "novamind_core.services.x"),
    ],
)
def test_the_checker_sees_a_service_reaching_into_storage(source, module):
    assert any(violates(m, f) for m in imported_modules(source, module) for f in SERVICE_FORBIDDEN)


def test_the_checker_sees_an_inner_layer_importing_a_service():
    found = imported_modules("def f():\n    from ..services.imports import import_service\n",
                             "novamind_core.interop.demo")
    assert any(violates(m, "novamind_core.services") for m in found)


# --- the UI is typed: no ``typing.Any`` in pages, components or app.py (form to chart carries real types) ---------
UI_FILES = [*python_files(REPO_ROOT / "components"), *python_files(REPO_ROOT / "pages"), REPO_ROOT / "app.py"]
ANY_MODULES = ("typing", "typing_extensions")


def uses_of_any(source: str) -> list[int]:
    """Line numbers where ``Any`` from typing is imported or named (``Any``, ``typing.Any``, ``t.Any``)."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in ANY_MODULES:
            lines.update(node.lineno for alias in node.names if alias.name == "Any")
        elif (isinstance(node, ast.Name) and node.id == "Any") or (isinstance(node, ast.Attribute)
                                                                 and node.attr == "Any"):
            lines.add(node.lineno)
    return sorted(lines)


def test_pages_components_and_the_app_never_use_typing_any():
    assert len(UI_FILES) > 20 and (REPO_ROOT / "app.py").exists()
    offenders = {str(p.relative_to(REPO_ROOT)): uses_of_any(p.read_text(encoding="utf-8")) for p in UI_FILES}
    assert {k: v for k, v in offenders.items() if v} == {}


@pytest.mark.parametrize(
    "source",
    [
        "from typing import Any\n",
        "from typing import Mapping, Any as Anything\n",
        "import typing\ndef f(x: typing.Any) -> None: ...\n",
        "from __future__ import annotations\ndef f(values: dict[str, Any]) -> None: ...\n",
        "import typing as t\nX: t.Any = None\n",
    ],
)
def test_the_checker_sees_every_spelling_of_any(source):
    assert uses_of_any(source)


def test_the_checker_lets_a_word_like_any_in_strings_and_names_pass():
    assert uses_of_any("def any_open(alerts: list[str]) -> bool:\n    return any(alerts)  # Any alert\n") == []


def st_form_calls(source: str) -> list[int]:
    """Lines that open an ``st.form`` (a form whose fields reach the server only on submit: nothing kept before)."""
    return sorted(node.lineno for node in ast.walk(ast.parse(source))
                  if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "form"
                  and isinstance(node.func.value, ast.Name) and node.func.value.id == "st")


def test_no_chart_form_is_an_st_form_so_every_one_can_keep_a_draft():
    chart = python_files(REPO_ROOT / "components" / "patient")
    assert len(chart) > 10
    offenders = {str(p.relative_to(REPO_ROOT)): st_form_calls(p.read_text(encoding="utf-8")) for p in chart}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_form_checker_sees_an_st_form_in_a_with_statement():
    assert st_form_calls('import streamlit as st\nwith st.form("x", border=False):\n    pass\n') == [2]
    assert st_form_calls("x = st.formula\ny = form('x')\n") == []
