"""Small presentational helpers (pure: they return strings), so the look is consistent and testable.

Severity is never colour alone (docs/ux.md): every chip carries the band's word; text stays dark on a light tint of the
band colour, which keeps contrast above WCAG AA (4.5:1) for every band.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from components.shared.theme import ACKNOWLEDGED_GREY, ALERT_RED, severity_colour

TEXT_DARK = "#1a2733"


def tint(colour: str, strength: float = 0.18) -> str:
    """``colour`` mixed with white: ``white + strength * (colour - white)`` per channel, as ``#rrggbb``."""
    c = colour.lstrip("#")
    r, g, b = (int(c[i:i + 2], 16) for i in (0, 2, 4))
    mix = [round(255 + strength * (v - 255)) for v in (r, g, b)]
    return "#" + "".join(f"{v:02x}" for v in mix)


def severity_chip(band: str | None, text: str | None = None) -> str:
    """HTML chip: a dot in the band colour, the text (default: the band word) on a light tint of that colour."""
    if not band:
        return f'<span class="nm-chip" style="color:{TEXT_DARK}">{html.escape(text or "no score yet")}</span>'
    colour = severity_colour(band)
    label = html.escape(text if text is not None else band)
    return (f'<span class="nm-chip" style="background:{tint(colour)};border-left:4px solid {colour};'
            f'color:{TEXT_DARK};padding:2px 8px;border-radius:4px;white-space:nowrap">'
            f'<span style="color:{colour}">&#9679;</span> {label}</span>')


def alert_chip(text: str, acknowledged: bool = False) -> str:
    """Red badge with a warning sign for an open alert; grey once acknowledged (docs/ux.md)."""
    colour = ACKNOWLEDGED_GREY if acknowledged else ALERT_RED
    icon = "&#10003;" if acknowledged else "&#9888;"
    return (f'<span class="nm-chip" style="background:{tint(colour, 0.12)};border:1px solid {colour};'
            f'color:{TEXT_DARK};padding:2px 8px;border-radius:4px;white-space:nowrap">'
            f'<span style="color:{colour}">{icon}</span> {html.escape(text)}</span>')


#: Row height of a table whose long text wraps instead of being cut: Streamlit's grid wraps a cell's text only in
#: rows taller than 4 rem (64 px); 72 px shows three lines.
WRAPPED_ROW_PX = 72


def trend_arrow(trend: str | None) -> str:
    """Arrow for a score trend since the previous score: up is worse on PHQ-9/GAD-7/ISI."""
    return {"up": "↑ worse", "down": "↓ better", "flat": "→ same"}.get(trend or "", "")


def join_chips(chips: Iterable[str]) -> str:
    return " ".join(chips)
