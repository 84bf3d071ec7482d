"""Collected import problems: every bad row, column and value of a file, reported at once.

A parser does not stop at the first bad cell: it gathers every problem into a :class:`ProblemCollector`
and raises one :class:`ImportProblems` at the end, so the user fixes the file in one pass. Rows are
numbered as a spreadsheet shows them (the header is row 1, the first data row is row 2) for CSV files,
and as 1-based record numbers for JSON and XML.
"""

from __future__ import annotations

from dataclasses import dataclass

from novamind_core.domain.errors import ValidationError

#: How many problems the one-line message lists before saying "and N more".
MESSAGE_PROBLEM_LIMIT = 5


@dataclass(frozen=True)
class Problem:
    """One bad cell (or row, or file-level rule) of an import."""

    row: int | None
    column: str | None
    value: object
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        prefix = ", ".join(where)
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{prefix}: {self.message}{shown}" if prefix else f"{self.message}{shown}"


class ImportProblems(ValidationError):
    """A file broke one or more rules. ``problems`` lists each as (row, column, value, message).

    ``field``, ``row`` and ``value`` of the base :class:`ValidationError` describe the first problem, so code that
    only knows ``ValidationError`` still points at a real cell.
    """

    def __init__(self, source: str, problems: list[Problem]):
        if not problems:
            raise ValueError("ImportProblems needs at least one problem")
        self.source = source
        self.problems: tuple[Problem, ...] = tuple(problems)
        shown = "; ".join(str(p) for p in problems[:MESSAGE_PROBLEM_LIMIT])
        more = len(problems) - MESSAGE_PROBLEM_LIMIT
        tail = f"; and {more} more" if more > 0 else ""
        n = len(problems)
        message = f"{source}: {n} problem{'s' if n != 1 else ''}: {shown}{tail}"
        first = problems[0]
        super().__init__(message, field=first.column, row=first.row, value=first.value)

    def as_tuples(self) -> list[tuple[int | None, str | None, object, str]]:
        """The problems as plain ``(row, column, value, message)`` tuples (for a table in the upload page)."""
        return [(p.row, p.column, p.value, p.message) for p in self.problems]


class ProblemCollector:
    """Gathers problems while a file is read; :meth:`raise_if_any` raises them together."""

    def __init__(self, source: str, limit: int = 10_000):
        self.source = source
        self.limit = limit
        self.problems: list[Problem] = []

    def add(self, message: str, *, row: int | None = None, column: str | None = None, value: object = None) -> None:
        if len(self.problems) < self.limit:
            self.problems.append(Problem(row, column, value, message))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ImportProblems(self.source, self.problems)
