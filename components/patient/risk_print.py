"""The patient's safety plan as a printable page (HTML with print styles; PDF through headless Chromium).

Pure: ``safety_plan_html(view)`` takes the service's :class:`~novamind_core.domain.risk.SafetyPlanView` and returns a
whole HTML document in the patient's words, every entry escaped (typed text is shown as text, never as markup).
The six steps follow Stanley & Brown (2012).
"""

from __future__ import annotations

import html

from components.shared.theme import format_date
from novamind_core.domain.risk import SAFETY_PLAN_STEPS, SafetyPlanView

EMERGENCY_LINE = ("If you cannot keep yourself safe, call the emergency services or go to the nearest emergency "
                  "department now.")

_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1b1b1b; margin: 2rem auto;
       max-width: 46rem; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.1rem; margin: 1.2rem 0 0.3rem; border-bottom: 1px solid #9e9e9e; padding-bottom: 0.15rem; }
ul { margin: 0.2rem 0 0 1.2rem; padding: 0; }
li { margin: 0.15rem 0; }
.meta { color: #455a64; font-size: 0.9rem; }
.emergency { border: 2px solid #b71c1c; padding: 0.6rem 0.8rem; margin-top: 1.4rem; font-weight: 600; }
@media print { body { margin: 1.2cm; } h2 { break-after: avoid; } li { break-inside: avoid; } }
"""


def safety_plan_html(view: SafetyPlanView) -> str:
    """The whole printable document: title, whose plan, when and by whom it was written, the follow-up date, the six
    steps (each entry a list item) and the emergency line."""
    esc = html.escape
    by = f" with {esc(view.written_by_name)}" if view.written_by_name else ""
    follow = (f"<p class='meta'>Next appointment to review this plan: {esc(format_date(view.follow_up_on))}</p>"
              if view.follow_up_on else "")
    steps = []
    for step in SAFETY_PLAN_STEPS:
        entries = view.plan.step(step.key)
        items = "".join(f"<li>{esc(e)}</li>" for e in entries) or "<li>&nbsp;</li>"
        steps.append(f"<h2>{esc(step.heading)}</h2><ul>{items}</ul>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Safety plan for {esc(view.patient_name)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>My safety plan</h1><p class='meta'>{esc(view.patient_name)} · written "
        f"{esc(format_date(view.written_at.date()))}{by}</p>{follow}"
        + "".join(steps)
        + f"<p class='emergency'>{esc(EMERGENCY_LINE)}</p></body></html>"
    )
