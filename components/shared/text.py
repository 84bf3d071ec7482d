"""User- and file-supplied text, shown as text: never as markdown, HTML, an image or a link.

Everything Streamlit labels or writes through markdown (``st.markdown``, ``st.caption``, ``st.write`` of a string,
``st.info``/``warning``/``error``/``success``, titles, expander and tab labels, metric labels) interprets markdown:
``![x](https://tracker.example/p.png)`` in an imported FHIR ``Patient.name`` would make every browser that shows the
import preview fetch that image, before anyone clicks Import; ``:red[...]``, ``$...$`` and links are interpreted too.
With ``unsafe_allow_html=True`` a value is also HTML (``<img src=...>`` in a display name).

:func:`plain` makes a value inert in both: ``& < >``, the backslash, ``[ ]`` (links, images, directives), ``$`` (math)
and the backtick become numeric character references (``&#91;`` for ``[``), which markdown and HTML both show as the
character itself and which can never form syntax; line breaks become spaces (or, with ``keep_lines``, markdown line
breaks), so a value cannot end an HTML block and start markdown. Use it
for every value a person or a file supplied (names, display names, usernames, MRNs, notes, reasons, scenario names,
file names, import values, exception messages that echo them) wherever it is interpolated into such a call;
:func:`show_text` writes a whole user-supplied block. ``tests/security/test_text_rendering.py`` sweeps ``pages/`` and
``components/`` and fails on a call that interpolates such a value without it.
"""

from __future__ import annotations

import re
from typing import Protocol

#: The characters without which no link, image, raw HTML, autolink, code span or formula can form in Streamlit's
#: markdown (CommonMark + GFM, ``:colour[...]`` directives, ``$math$``), each written as a numeric character reference.
#: Emphasis and heading marks are left as typed: they change how text looks, never what it fetches or runs.
_SPECIAL = "&<>\\[]$`"
_TABLE = {ord(c): f"&#{ord(c)};" for c in _SPECIAL}
_AUTOLINK = re.compile(r"://|(?i:www)\.")


def plain(value: object, *, keep_lines: bool = False) -> str:
    """``value`` as inert text for a markdown or HTML context (``None`` is empty).

    >>> plain("![x](https://tracker.example/p.png)")
    '!&#91;x&#93;(https&#58;//tracker.example/p.png)'
    """
    if value is None:
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").translate(_TABLE)
    # GFM turns a bare "https://..." or "www...." into a link and takes what follows raw (a "&#62;" would show as
    # typed): written so that no autolink starts, the text still reads the same
    text = _AUTOLINK.sub(lambda m: m.group(0).replace(":", "&#58;").replace(".", "&#46;"), text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "  \n".join(lines) if keep_lines else " ".join(part for part in lines if part)


class _Writes(Protocol):
    def markdown(self, body: str) -> object: ...


def show_text(container: _Writes, value: object, *, keep_lines: bool = True) -> None:
    """Write a block of user-supplied text (e.g. a note) with ``container.markdown``, inert, lines kept."""
    container.markdown(plain(value, keep_lines=keep_lines))


__all__ = ["plain", "show_text"]
