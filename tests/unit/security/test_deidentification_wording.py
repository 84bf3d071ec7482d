"""Analyst views and exports are pseudonymised (a limited data set), not HIPAA Safe Harbor de-identified
(README "De-identification", docs/security.md): no user-facing string may claim otherwise."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
SCANNED = ("app.py", "pages", "components", "novamind_core", "novamind_server")

_SAFE_HARBOR = re.compile(r"safe\s+harbor", re.IGNORECASE)
_NEGATED = re.compile(r"\bnot\b[^.;:]{0,40}safe\s+harbor", re.IGNORECASE)
_DEIDENTIFIED = re.compile(r"\bde-identified\b", re.IGNORECASE)  # prose; "export.deidentified" is an audit code


def _files() -> list[Path]:
    out: list[Path] = []
    for name in SCANNED:
        path = ROOT / name
        out.extend([path] if path.is_file() else sorted(path.rglob("*.py")))
    return out


def _user_strings(path: Path) -> list[tuple[int, str]]:
    """String literals that are not docstrings or bare string statements (those are documentation, not output)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            found.append((node.lineno, node.value))
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            found.append((node.lineno, text))
    return found


def _offending(predicate) -> list[str]:
    return [f"{path.relative_to(ROOT)}:{line}: {text[:90]!r}"
            for path in _files() for line, text in _user_strings(path) if predicate(text)]


def test_no_user_facing_string_claims_hipaa_safe_harbor():
    bad = _offending(lambda t: bool(_SAFE_HARBOR.search(t)) and not _NEGATED.search(t))
    assert bad == [], "strings that claim Safe Harbor:\n" + "\n".join(bad)


def test_no_user_facing_string_calls_analyst_data_de_identified_unless_it_says_it_is_not_safe_harbor():
    bad = _offending(lambda t: bool(_DEIDENTIFIED.search(t)) and not _NEGATED.search(t))
    assert bad == [], "strings that call pseudonymised data de-identified:\n" + "\n".join(bad)


def test_the_cohort_caption_says_pseudonymised_and_not_safe_harbor():
    page = (ROOT / "pages" / "cohort.py").read_text(encoding="utf-8")
    caption = [t for _, t in _user_strings(ROOT / "pages" / "cohort.py") if "pseudonyms, age bands" in t]
    assert caption and all("Pseudonymised" in t or "pseudonymised" in t for t in caption), caption
    assert "HIPAA Safe Harbor)" not in page
