"""User- and file-supplied text is rendered as text (issue 17, break 6): markdown in an imported FHIR
``Patient.name`` rendered in the import preview and fetched an external image before anyone clicked Import; an
admin-set display name rendered an ``<img>``; a markdown image in a note was fetched on every view.

The sweep walks every call in ``app.py``, ``pages/`` and ``components/`` that renders markdown (``st.markdown``,
``caption``, ``write``, ``info``/``warning``/``error``/``success``/``toast``, titles, expander/tab/metric labels,
widget labels, ``html``) and fails when the text it renders interpolates a value a person or a file supplied (names,
display names, usernames, MRNs, contact details, notes, reasons, scenario names, upload names, exception messages that
echo input) without :func:`components.shared.text.plain` (or ``html.escape`` where the context is HTML). A call whose
text is the code's own may say so with a ``# text-safe: <why>`` comment on its line. With ``unsafe_allow_html=True``
the rule is stricter: every interpolated value must be escaped or a constant, whatever its name.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from components.shared.text import plain

ROOT = Path(__file__).resolve().parents[2]
SINKS = {"markdown", "caption", "write", "info", "warning", "error", "success", "toast", "title", "header",
         "subheader", "expander", "popover", "metric", "html", "tabs", "button", "link_button", "download_button",
         "checkbox", "toggle", "radio", "selectbox", "multiselect", "text_input", "text_area", "number_input",
         "date_input", "form_submit_button", "status"}
#: Identifiers (or ``object.attribute`` pairs) that hold text a person or a file supplied.
USER_TEXT = {"full_name", "given_name", "family_name", "display_name", "username", "mrn", "email", "phone",
             "address", "gender_identity", "contact", "note", "notes", "start_reason", "stop_reason", "adherence_note",
             "patient_label", "author_name", "reviewed_by_name", "care_team_names", "exc", "result.source",
             "preview.source", "batch.source", "sc.name", "chosen.name", "saved.name", "scenario.name", "r.name",
             "note.text", "names", "who", "entered", "edited_by_name", "acknowledged_by_name", "message"}
#: Calls whose result is safe to render whatever goes in (they escape, or return numbers and dates).
ESCAPERS = {"plain", "escape", "_escape", "alert_chip", "friendly_message", "format_date", "format_datetime", "len",
            "int", "round", "float"}


def _dotted(node: ast.AST) -> set[str]:
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Attribute):
        out = {node.attr}
        if isinstance(node.value, ast.Name):
            out.add(f"{node.value.id}.{node.attr}")
        return out
    return set()


def _unescaped(node: ast.AST, strict: bool) -> list[str]:
    """The user-text names (or, when ``strict``, any non-constant expressions) ``node`` renders unescaped."""
    if isinstance(node, ast.Constant):
        return []
    if isinstance(node, ast.Call):
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        if name in ESCAPERS:
            return []
    if isinstance(node, ast.JoinedStr):
        return [n for v in node.values if isinstance(v, ast.FormattedValue) for n in _unescaped(v.value, strict)]
    if isinstance(node, ast.BinOp | ast.BoolOp | ast.IfExp | ast.List | ast.Tuple | ast.GeneratorExp | ast.ListComp
                  | ast.Compare | ast.Subscript):
        found = []
        for child in ast.iter_child_nodes(node):
            if isinstance(node, ast.IfExp) and child is node.test:
                continue
            if isinstance(node, ast.Subscript) and child is node.slice:
                continue
            if isinstance(child, ast.comprehension):
                continue
            found += _unescaped(child, strict)
        return found
    hit = sorted(_dotted(node) & USER_TEXT)
    if hit:
        return hit
    if isinstance(node, ast.Call):  # e.g. "; ".join(m.describe() for m in ...): what goes in decides
        found = [n for a in [*node.args, *(k.value for k in node.keywords)] for n in _unescaped(a, strict)]
        if isinstance(node.func, ast.Attribute) and not isinstance(node.func.value, ast.Constant | ast.Name):
            found += _unescaped(node.func.value, strict)
        return found
    if strict and isinstance(node, ast.Name | ast.Attribute) and not node_is_constant_name(node):
        return [ast.unparse(node)[:60]]
    return []


def node_is_constant_name(node: ast.AST) -> bool:
    """``STYLE``, ``_CSS``: module constants (upper case) are the code's own text."""
    return isinstance(node, ast.Name) and node.id.lstrip("_").isupper()


def _offenders() -> list[str]:
    out = []
    files = [ROOT / "app.py", *sorted((ROOT / "pages").rglob("*.py")), *sorted((ROOT / "components").rglob("*.py"))]
    for path in files:
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        for call in ast.walk(ast.parse(source)):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in SINKS):
                continue
            if not call.args:
                continue
            span = lines[call.lineno - 1:(call.end_lineno or call.lineno)]
            if any("# text-safe:" in line for line in span):
                continue
            strict = any(k.arg == "unsafe_allow_html" and not (isinstance(k.value, ast.Constant) and not k.value.value)
                         for k in call.keywords) or call.func.attr == "html"
            bad = _unescaped(call.args[0], strict)
            if bad:
                out.append(f"{path.relative_to(ROOT)}:{call.lineno} {call.func.attr}: {', '.join(bad)}")
    return out


def test_every_markdown_call_site_renders_user_supplied_text_through_the_plain_helper():
    assert _offenders() == []


@pytest.mark.parametrize("hostile", [
    "![pixel](https://tracker.example/p.png)",
    "<img src=https://tracker.example/p.png>",
    "[open](javascript:alert(1))",
    "<https://tracker.example/p.png>",
    ":red[alarm] $\\href{x}{y}$ `code`",
    "x\n\n![pixel](https://tracker.example/p.png)",
])
def test_plain_text_cannot_form_an_image_a_link_html_or_math(hostile):
    shown = plain(hostile)
    for syntax in ("[", "]", "<", ">", "$", "`", "\n"):
        assert syntax not in shown.replace("&#", ""), shown
    import html

    assert html.unescape(shown) == " ".join(hostile.split()) or "\n" in hostile


def test_the_sweep_catches_an_unescaped_name_and_passes_an_escaped_one(tmp_path):
    page = tmp_path / "pages"
    page.mkdir()
    (tmp_path / "components").mkdir()
    (tmp_path / "app.py").write_text("import streamlit as st\n")
    (page / "x.py").write_text("import streamlit as st\n"
                               "st.markdown(f'**{patient.full_name}**')\n"
                               "st.caption(f'{plain(patient.full_name)} · {n} rows')\n"
                               "st.markdown(f'<b>{count}</b>', unsafe_allow_html=True)\n")
    globals()["ROOT"], saved = tmp_path, ROOT
    try:
        found = _offenders()
    finally:
        globals()["ROOT"] = saved
    assert found == ["pages/x.py:2 markdown: full_name", "pages/x.py:4 markdown: count"]
