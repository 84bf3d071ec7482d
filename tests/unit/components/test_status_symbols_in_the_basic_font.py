"""Status symbols on the pages are drawn in the basic font (DejaVu Sans), not as emoji: where no emoji font exists
(a clinic's locked-down browser, the headless screenshots) an emoji draws as an empty box and the status is lost."""

from __future__ import annotations

from pathlib import Path

from components.caseload.table import STATE_ICONS
from components.twin.response_review import STATUS_WORDS
from components.twin.widgets import STATUS_ICONS

ROOT = Path(__file__).resolve().parents[3]
#: Emoji-presentation characters (or the emoji selector) that DejaVu Sans lacks; ✓ U+2713 and ⚠ U+26A0 (without the
#: U+FE0F selector) are in it.
EMOJI_ONLY = {0x2705, 0x2753, 0x2754, 0x2755, 0x2757, 0x274C, 0x274E, 0x2B50, 0x2B55, 0x231A, 0x231B, 0xFE0F,
              *range(0x23E9, 0x23F4), *range(0x23F8, 0x23FB)}


def emoji_in(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in text if ord(c) in EMOJI_ONLY or ord(c) >= 0x1F000]


def test_the_twin_and_caseload_status_words_use_no_emoji():
    for text in [*STATUS_WORDS.values(), *STATUS_ICONS.values(), *STATE_ICONS.values()]:
        assert not emoji_in(text), text


def test_no_page_or_component_source_uses_an_emoji():
    found = [f"{p.relative_to(ROOT)}:{n}: {emoji_in(line)}"
             for folder in ("components", "pages") for p in sorted((ROOT / folder).rglob("*.py"))
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), start=1) if emoji_in(line)]
    found += [f"app.py:{n}" for n, line in enumerate((ROOT / "app.py").read_text().splitlines(), 1) if emoji_in(line)]
    assert not found, found
