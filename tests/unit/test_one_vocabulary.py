"""One vocabulary: the PHQ-9 bands, the remission threshold and the place of item 9 are defined once, in
``novamind_core/domain/``, and imported everywhere else.

The test reads the code (comments and docstrings do not count: they may quote a threshold to explain it) of the core
package, the components and the pages, and lists every stray copy it finds.
"""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

from novamind_core.domain.caseload import SEVERITY_NAMES
from novamind_core.domain.instruments import Instrument

REPO_ROOT = Path(__file__).resolve().parents[2]
SCANNED = [REPO_ROOT / "novamind_core", REPO_ROOT / "components", REPO_ROOT / "pages"]
DOMAIN = REPO_ROOT / "novamind_core" / "domain"

#: Code (not prose) that restates a definition of the domain.
STRAY_CODE = {
    "PHQ-9 item 9 by position (use domain.assessments.item9_answer / ITEM9_INDEX)": re.compile(r"\[\s*8\s*\]"),
    "remission as a literal '<= 4' (use the instrument's remission_max_total)": re.compile(r"<=\s*4(\.0*)?(?![\d.])"),
    "PHQ-9 band thresholds as literals (use the instrument's bands)": re.compile(r"\b5\s*,\s*10\s*,\s*15\s*,\s*20\b"),
}
#: String literals that only a severity-band definition needs.
BAND_ONLY_WORDS = {f'"{name}"' for name in SEVERITY_NAMES if " " in name} | {
    f"'{name}'" for name in SEVERITY_NAMES if " " in name}


def code_lines(path: Path) -> dict[int, str]:
    """Each line's code with comments and string literals blanked; plus the string literals, by line."""
    out: dict[int, str] = {}
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    for tok in tokens:
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            continue
        text = "STR" if tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1) \
            else tok.string
        out[tok.start[0]] = out.get(tok.start[0], "") + " " + text
    return out


def string_literals(path: Path) -> list[tuple[int, str]]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return [(t.start[0], t.string) for t in tokens if t.type == tokenize.STRING]


def stray_vocabulary() -> list[str]:
    found = []
    for root in SCANNED:
        for path in sorted(root.rglob("*.py")):
            if DOMAIN in path.parents:
                continue
            where = path.relative_to(REPO_ROOT)
            for number, code in code_lines(path).items():
                for what, pattern in STRAY_CODE.items():
                    # ``[8]`` is only item 9 where answers are indexed: other indexes ([8] of a shape) are not ours
                    if pattern.search(code) and (not what.startswith("PHQ-9 item 9") or "answer" in code.lower()
                                                 or "items" in code.lower()):
                        found.append(f"{where}:{number}: {what}")
            found += [f"{where}:{number}: severity band name {literal} (use the instrument's bands)"
                      for number, literal in string_literals(path) if literal in BAND_ONLY_WORDS]
    return found


def test_the_checker_catches_a_stray_threshold(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('remitted = phq9 <= 4\nitem9 = answers[8]\nBANDS = (5, 10, 15, 20)\nNAME = "moderately severe"\n'
                      '# remission <= 4 in a comment is prose\n')
    lines = code_lines(sample)
    assert STRAY_CODE["remission as a literal '<= 4' (use the instrument's remission_max_total)"].search(lines[1])
    assert STRAY_CODE["PHQ-9 item 9 by position (use domain.assessments.item9_answer / ITEM9_INDEX)"].search(lines[2])
    assert STRAY_CODE["PHQ-9 band thresholds as literals (use the instrument's bands)"].search(lines[3])
    assert (4, '"moderately severe"') in string_literals(sample)
    assert 5 not in lines


def test_the_domain_defines_the_severity_names_from_the_instrument_bands():
    assert tuple(b.name for b in Instrument.PHQ9.spec.bands) == SEVERITY_NAMES
    assert set(b.name for b in Instrument.GAD7.spec.bands) <= set(SEVERITY_NAMES)


def test_no_module_outside_the_domain_restates_a_band_remission_or_item9_definition():
    found = stray_vocabulary()
    assert not found, "definitions restated outside novamind_core/domain:\n" + "\n".join(found)
