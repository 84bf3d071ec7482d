"""The caseload's severity strip counts the patients shown by their latest PHQ-9 band, in band order."""

from __future__ import annotations

from components.caseload.summary import NO_SCORE, page_severity_counts, page_severity_figure
from components.shared.theme import severity_colour
from tests.unit.components.test_export_and_table import row


def test_the_strip_counts_each_phq9_band_in_order_keeps_empty_bands_and_counts_patients_without_a_score():
    rows = [row(phq9_latest=17, phq9_severity="moderately severe"),
            row(phq9_latest=16, phq9_severity="Moderately severe"),
            row(phq9_latest=3, phq9_severity="minimal"), row(phq9_latest=None, phq9_severity=None)]
    counts = dict(page_severity_counts(rows))
    assert counts["Moderately severe"] == 2
    assert counts["Minimal"] == 1
    assert counts[NO_SCORE] == 1
    assert counts["Severe"] == 0  # an empty band is shown as 0, not dropped
    labels = [label for label, _ in page_severity_counts(rows)]
    assert labels[-1] == NO_SCORE and labels.index("Minimal") < labels.index("Severe")
    assert sum(counts.values()) == len(rows)


def test_the_strip_colours_each_bar_by_its_band_and_names_the_band_on_the_axis():
    fig = page_severity_figure([row(phq9_latest=22, phq9_severity="severe")])
    bar = fig.data[0]
    severe = list(bar.y).index("Severe")
    assert bar.marker.color[severe] == severity_colour("severe")
    assert bar.x[severe] == 1
