from __future__ import annotations

import numpy as np
import pytest

from novamind_core.domain.errors import NovamindError, ValidationError
from novamind_core.ml.features import BASE_FEATURES, CANDIDATE_DRUGS, patient_base_row


def test_synthetic_cohort_has_several_courses_per_patient_and_items_that_sum_to_the_total(tiny_cohort):
    d = tiny_cohort
    assert d.X.shape[0] > d.n_patients  # non-remitters move to a second step
    names = list(d.feature_names)
    items = d.X[:, names.index("phq9_item_1"):names.index("phq9_item_9") + 1]
    np.testing.assert_array_equal(items.sum(axis=1), d.X[:, names.index("phq9_total")])
    assert items.max() <= 3 and items.min() >= 0
    assert np.all(d.X[:, len(BASE_FEATURES):].sum(axis=1) == 1)  # exactly one candidate drug per row
    assert 0.15 < d.y[:, 0].mean() < 0.7 and d.y[:, 1].mean() <= d.y[:, 0].mean() + 0.1


def test_probabilities_are_never_zero_or_one_and_the_point_lies_inside_its_interval(tiny_response_model, tiny_cohort):
    p = tiny_response_model.predict_proba(tiny_cohort.X[:50], with_interval=True)
    for k in ("response", "remission"):
        assert np.all((p[k] >= 0.01) & (p[k] <= 0.99))  # never certain
        assert np.all(p[f"{k}_low"] <= p[k] + 1e-12) and np.all(p[k] <= p[f"{k}_high"] + 1e-12)


def test_ranking_gives_one_row_per_candidate_drug_sorted_by_response(tiny_response_model, patient):
    ranking = tiny_response_model.rank_drugs(patient)
    assert [r.drug for r in ranking] != [] and sorted(r.drug for r in ranking) == sorted(CANDIDATE_DRUGS)
    probs = [r.p_response for r in ranking]
    assert probs == sorted(probs, reverse=True)
    assert all(len(r.top_features) == 3 for r in ranking)
    assert ranking[0].to_dict()["p_response_interval"][0] <= ranking[0].p_response


def test_explanation_contributions_sum_to_the_raw_log_odds(tiny_response_model, tiny_cohort):
    import xgboost as xgb

    m = tiny_response_model
    x = tiny_cohort.X[:1]
    top = m.explain(x, "response", top_k=100)[0]
    d = xgb.DMatrix(x, feature_names=m.feature_names_)
    raw = np.mean([b.predict(d, output_margin=True, iteration_range=(0, it + 1))
                   for b, it in zip(m.boosters_["response"], m.best_iterations_["response"], strict=True)])
    bias = np.mean([b.predict(d, pred_contribs=True, iteration_range=(0, it + 1))[0, -1]
                    for b, it in zip(m.boosters_["response"], m.best_iterations_["response"], strict=True)])
    assert abs(sum(c.contribution_logit for c in top) + bias - raw) < 1e-3
    assert "drug" in [c.feature for c in top]  # the one-hot columns are reported as one feature


def test_held_out_metrics_come_from_patients_never_used_in_training(tiny_response_model, tiny_cohort):
    m = tiny_response_model
    g = tiny_cohort.groups
    assert not set(g[m.split_.test]) & set(g[m.split_.train])
    assert m.metrics_["response"]["n"] == m.split_.test.size
    assert 0.0 <= m.metrics_["response"]["auc"] <= 1.0


def test_saved_model_predicts_the_same_after_loading(tiny_response_model, tiny_cohort):
    from novamind_core.ml.response import ResponseModel

    files = tiny_response_model.to_files()
    again = ResponseModel.from_files(lambda name: files[name])
    a = tiny_response_model.predict_proba(tiny_cohort.X[:20])
    b = again.predict_proba(tiny_cohort.X[:20])
    np.testing.assert_allclose(a["response"], b["response"], atol=1e-7)


def test_patient_row_derives_totals_and_phenotypes_and_refuses_unknown_ones(patient):
    row = patient_base_row(patient)
    assert row[BASE_FEATURES.index("phq9_total")] == 15
    assert row[BASE_FEATURES.index("comorbid_anxiety")] == 1
    assert row[BASE_FEATURES.index("cyp2c19_activity")] == 1
    assert np.isnan(patient_base_row({"age_years": 30})[BASE_FEATURES.index("sleep_total_min")])
    with pytest.raises(ValidationError, match="unknown phenotype"):
        patient_base_row({**patient, "cyp2d6": "XX"})


def test_an_unfitted_model_says_so():
    from novamind_core.ml.response import ResponseModel

    with pytest.raises(NovamindError, match="not fitted"):
        ResponseModel().predict_proba(np.zeros((1, 3)))
