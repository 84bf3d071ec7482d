"""Trajectory clusters carry neutral letters and a description from their members: a non-responder sitting in a
cluster whose mean course responds is never labelled a responder (docs: analytics/cohort_outcomes.py)."""
from __future__ import annotations

from novamind_core.analytics.cohort_outcomes import clusters
from novamind_core.analytics.cohort_types import DeidentifiedPatient


def _patient(name: str, scores: tuple[int, ...]) -> DeidentifiedPatient:
    baseline, end = scores[0], scores[-1]
    response = end <= baseline / 2
    return DeidentifiedPatient(
        pseudonym=name, age_band="30-39", sex="female", diagnosis_code=None, diagnosis_label=None, clinician=None,
        drug="sertraline", dose_mg=50.0, baseline_phq9=baseline, baseline_severity="moderate", endpoint_phq9=end,
        endpoint_day=28 * (len(scores) - 1), evaluable=True, response=response, remission=end < 5,
        days_to_response=None, responded=response, course_follow_up_days=28 * (len(scores) - 1), n_phq9=len(scores),
        n_gad7=0, trajectory_days=tuple(28 * i for i in range(len(scores))), trajectory_phq9=scores)


RESPONDERS = [_patient(f"P-R{i}", (20, 12, 6, 4)) for i in range(4)]
NON_RESPONDER = _patient("P-HA3QB3JM", (13, 10, 8, 7))  # 46% reduction: not a response


def test_a_non_responder_in_a_responding_cluster_is_not_labelled_a_responder():
    result, assignment = clusters([*RESPONDERS, NON_RESPONDER], k=1, seed=0)
    (only,) = result.clusters
    assert only.shape == "responders"  # the mean course responds ...
    assert assignment["P-HA3QB3JM"] == "Cluster A"  # ... but the member's label claims nothing
    assert all("respond" not in label for label in assignment.values())


def test_a_cluster_description_counts_what_its_members_did():
    result, _ = clusters([*RESPONDERS, NON_RESPONDER], k=1, seed=0)
    (only,) = result.clusters
    assert (only.n, only.n_responded, only.n_evaluable) == (5, 4, 5)
    assert "4 of 5 evaluable members responded" in only.description
    assert "mean course: responders" in only.description


def test_clusters_get_distinct_letters_in_shape_order():
    flat = [_patient(f"P-N{i}", (20, 19, 19, 18)) for i in range(4)]
    result, assignment = clusters([*RESPONDERS, *flat], k=2, seed=0)
    assert [c.label for c in result.clusters] == ["Cluster A", "Cluster B"]
    assert [c.shape for c in result.clusters] == ["responders", "non-responders"]
    assert {assignment[p.pseudonym] for p in flat} == {"Cluster B"}
