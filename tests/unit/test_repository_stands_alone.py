"""The repository stands alone: no file in it points at a file that is not in it.

A newcomer who clones the repository must be able to follow every reference in the code and the docs. The checker
looks at the source and documentation files (``git ls-files``, plus new files not yet added and not ignored) for:

(a) the names of the project's background notes (science, UX, stack notes, architecture) written as the external
    files they once were, unless the path as written exists here (``docs/science.md`` is the one to use);
(b) paths outside the repository: ``../shared`` or an absolute ``/work/`` path;
(c) relative paths to ``docs/*.md``, ``components/**.py``, ``novamind_core/**.py`` or ``tests/**.py`` that do not
    exist (a module moved or renamed without its references);
(d) relative Markdown links in ``*.md`` files whose target does not exist.

:func:`dangling_references` is a pure function over one file's text so that each form has its own test below.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SELF = PurePosixPath("tests/unit/test_repository_stands_alone.py")

SCANNED_SUFFIXES = frozenset({".py", ".md", ".toml", ".cfg", ".ini", ".yml", ".yaml", ".sh"})
SCANNED_NAMES = frozenset({"Makefile", "Dockerfile"})
SCANNED_FOLDERS = (".ci/",)

# (a) The background notes, as the out-of-repository files they were. Spelt in pieces so that this file's own source
# does not contain them.
_NOTE_NAMES = ("SCIENCE" + r"\.md", "UX" + r"\.md", "STACK_" + r"NOTES(?:\.md)?", "ARCHITECTURE" + r"\.md")
_NOTE = re.compile(r"(?P<path>(?:[\w.-]+/)*(?:" + "|".join(_NOTE_NAMES) + r"))")
# (b) Paths outside the repository.
_OUTSIDE = re.compile(r"(?P<path>\.\./shared\b[\w./-]*|(?<![\w.:/-])/work/[\w./-]*)")
# (c) Repository paths named in comments, docstrings and docs.
_REPO_PATH = re.compile(
    r"(?<![\w./-])(?P<path>(?:docs/[\w./-]*?\.md|(?:components|novamind_core|tests)/[\w./-]*?\.py))(?![\w/-])"
)
# (d) Relative Markdown links: [text](target) or [text](target#anchor).
_MD_LINK = re.compile(r"\]\((?P<target>[^)\s#]+)(?:#[^)\s]*)?\)")


@dataclass(frozen=True)
class DanglingReference:
    """One reference to a file that is not in the repository."""

    path: str
    line: int
    reference: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reference!r} ({self.reason})"


def dangling_references(
    text: str, file_path: str, exists: Callable[[str], bool]
) -> list[DanglingReference]:
    """Every dangling reference in one file's ``text``.

    Parameters
    ----------
    text
        The file's content.
    file_path
        The file's path relative to the repository root (POSIX), used for Markdown links and in the findings.
    exists
        Whether a path relative to the repository root exists in the repository.
    """
    found: list[DanglingReference] = []
    folder = PurePosixPath(file_path).parent
    is_markdown = file_path.endswith(".md")
    for number, line in enumerate(text.splitlines(), start=1):
        outside = [m.span() for m in _OUTSIDE.finditer(line)]
        for match in _NOTE.finditer(line):
            if any(start <= match.start() < end for start, end in outside):
                continue  # reported once, as a path outside the repository
            if not exists(match["path"]):
                found.append(DanglingReference(file_path, number, match["path"], "note outside the repository; "
                                               "use docs/science.md, docs/ux.md, docs/development.md or "
                                               "docs/architecture.md"))
        for match in _OUTSIDE.finditer(line):
            found.append(DanglingReference(file_path, number, match["path"], "path outside the repository"))
        for match in _REPO_PATH.finditer(line):
            if not exists(match["path"]):
                found.append(DanglingReference(file_path, number, match["path"], "no such file in the repository"))
        if is_markdown:
            for match in _MD_LINK.finditer(line):
                target = match["target"]
                if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("/"):
                    continue  # a URL (https:, mailto:) or an absolute path, which (b) judges
                resolved = _normalise(folder / target)
                if resolved is None or not exists(resolved):
                    found.append(DanglingReference(file_path, number, target, "link target does not exist"))
    return found


def _normalise(path: PurePosixPath) -> str | None:
    """``a/b/../c`` -> ``a/c``; ``None`` when the path leaves the repository."""
    parts: list[str] = []
    for part in path.parts:
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts) or "."


def _scanned_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    wanted = []
    for name in sorted(set(listed)):
        path = PurePosixPath(name)
        if path == SELF or not (REPO_ROOT / name).is_file():
            continue
        if path.suffix in SCANNED_SUFFIXES or path.name in SCANNED_NAMES or name.startswith(SCANNED_FOLDERS):
            wanted.append(name)
    return wanted


def _exists_in_repository(path: str) -> bool:
    return (REPO_ROOT / path).exists()


# --- the repository itself -----------------------------------------------------------------------------------------


def test_no_file_in_the_repository_refers_to_a_file_outside_it_or_to_one_that_does_not_exist() -> None:
    try:
        files = _scanned_files()
    except (OSError, subprocess.CalledProcessError) as error:  # pragma: no cover - not a git checkout
        pytest.skip(f"needs a git checkout to list the repository's files: {error}")
    assert len(files) > 50, "expected the repository's source and documentation files"
    found = []
    for name in files:
        text = (REPO_ROOT / name).read_text(encoding="utf-8", errors="replace")
        found.extend(dangling_references(text, name, _exists_in_repository))
    assert not found, f"{len(found)} dangling reference(s):\n" + "\n".join(str(f) for f in found)


def test_the_docs_the_code_points_to_exist() -> None:
    for name in ("science.md", "ux.md", "development.md", "architecture.md"):
        assert (REPO_ROOT / "docs" / name).is_file(), f"docs/{name} is missing"


# --- the checker, one form at a time -------------------------------------------------------------------------------

_REPO = {"docs/science.md", "docs/ux.md", "docs", "components/shared/theme.py", "novamind_core/twin/dynamics.py",
         "tests/unit/domain/test_assessments.py", "docs/calibration.md"}


def _check(text: str, file_path: str = "novamind_core/example.py") -> list[str]:
    return [f.reference for f in dangling_references(text, file_path, lambda p: p in _REPO)]


@pytest.mark.parametrize("name", ["SCIENCE", "UX", "ARCHITECTURE"])
def test_a_bare_note_name_is_a_dangling_reference(name: str) -> None:
    assert _check(f"# remission <= 4 ({name}.md §2)") == [f"{name}.md"]


def test_the_stack_notes_with_or_without_their_suffix_are_dangling_references() -> None:
    stack = "STACK_" + "NOTES"
    assert _check(f"cookie key of 32 bytes ({stack}, 'Streamlit')") == [stack]
    assert _check(f"see {stack}.md") == [f"{stack}.md"]


def test_a_note_name_under_a_path_that_does_not_exist_is_a_dangling_reference() -> None:
    assert _check("see notes/" + "SCIENCE" + ".md") == ["notes/" + "SCIENCE" + ".md"]


def test_the_docs_pages_that_replace_the_notes_are_not_dangling() -> None:
    assert _check("(docs/science.md §2, docs/ux.md 'Layout')") == []


def test_a_path_into_the_shared_folder_beside_the_repository_is_dangling() -> None:
    assert _check("``../shared/notes.txt`` is the summary") == ["../shared/notes.txt"]


def test_an_absolute_work_path_is_dangling_but_a_url_containing_work_is_not() -> None:
    assert _check("cd /work/main && make") == ["/work/main"]
    assert _check("https://example.org/work/page and s3://bucket/work/x") == []


def test_a_repository_path_that_does_not_exist_is_dangling() -> None:
    text = "builders in components/charts.py; engine in novamind_core/twin/engine.py; docs/missing.md; tests/x.py"
    assert _check(text) == ["components/charts.py", "novamind_core/twin/engine.py", "docs/missing.md", "tests/x.py"]


def test_a_repository_path_that_exists_is_not_dangling() -> None:
    text = "see components/shared/theme.py, novamind_core/twin/dynamics.py and tests/unit/domain/test_assessments.py"
    assert _check(text) == []


def test_a_path_inside_a_longer_path_or_a_glob_is_not_taken_for_a_repository_path() -> None:
    assert _check("site/docs/guide.md and tests/unit/*.py and components/{screen}/charts.py") == []


def test_a_relative_markdown_link_is_resolved_from_the_file_that_holds_it() -> None:
    assert _check("[calibration](calibration.md) and [ux](ux.md#1-visual-language)", "docs/science.md") == []
    assert _check("[gone](gone.md)", "docs/science.md") == ["gone.md"]
    assert _check("[science](docs/science.md)", "README.md") == []


def test_a_markdown_link_that_leaves_the_repository_is_dangling_and_a_url_is_not() -> None:
    assert _check("[notes](../../elsewhere.md)", "docs/science.md") == ["../../elsewhere.md"]
    assert _check("[site](https://example.org/a.md) [mail](mailto:a@b.c)", "docs/science.md") == []


def test_a_note_under_the_shared_folder_is_reported_once() -> None:
    assert _check("``../shared/" + "SCIENCE" + ".md`` §2") == ["../shared/" + "SCIENCE" + ".md"]


def test_each_finding_names_the_file_and_line() -> None:
    (finding,) = dangling_references("ok\nsee ../shared/x", "a/b.py", lambda p: False)
    assert (finding.path, finding.line) == ("a/b.py", 2)
    assert str(finding).startswith("a/b.py:2: ")
