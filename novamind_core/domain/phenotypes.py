"""Metaboliser phenotypes in one spelling: the chart's CPIC words and the pharmacology engine's two-letter codes.

Standard library only. The chart stores CPIC terms (``MetaboliserPhenotype``: "poor" .. "ultrarapid"; Caudle et al.
2017, Genet Med 19:215); the pharmacology engine, scenarios and the CLI use the codes ``PM IM NM RM UM``.
"""

from __future__ import annotations

from enum import Enum

#: Engine codes, slowest to fastest.
PHENOTYPE_CODES: tuple[str, ...] = ("PM", "IM", "NM", "RM", "UM")
#: Code -> the CPIC word the chart stores.
PHENOTYPE_WORDS: dict[str, str] = {"PM": "poor", "IM": "intermediate", "NM": "normal", "RM": "rapid",
                                   "UM": "ultrarapid"}
#: The phenotype assumed where none is recorded.
ASSUMED_PHENOTYPE = "NM"
_CODE_OF_WORD: dict[str, str] = {word: code for code, word in PHENOTYPE_WORDS.items()}


def phenotype_code(value: str | Enum | None) -> str | None:
    """``MetaboliserPhenotype.POOR`` / ``"poor"`` / ``"pm"`` -> ``"PM"``; ``None`` or an unknown word -> ``None``."""
    if value is None:
        return None
    text = str(value.value if isinstance(value, Enum) else value).strip()
    if text.upper() in PHENOTYPE_CODES:
        return text.upper()
    return _CODE_OF_WORD.get(text.lower())


def phenotype_label(code: str) -> str:
    """``"PM"`` -> ``"PM (poor)"`` for choices shown to clinicians."""
    return f"{code} ({PHENOTYPE_WORDS[code]})"


__all__ = ["ASSUMED_PHENOTYPE", "PHENOTYPE_CODES", "PHENOTYPE_WORDS", "phenotype_code", "phenotype_label"]
