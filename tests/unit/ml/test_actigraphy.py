from __future__ import annotations

import numpy as np
import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.ml.actigraphy import N_TOKENS, PATCH_MINUTES, ActigraphyTransformer, sincos_positions, to_weeks


def test_a_week_is_560_patches_of_18_minutes():
    assert N_TOKENS == 560 and N_TOKENS * PATCH_MINUTES == 10_080
    with pytest.raises(ValidationError, match="10080"):
        to_weeks(np.zeros(10_000))


def test_sincos_positions_follow_the_transformer_formula():
    pe = sincos_positions(560, 8)
    pos, i = 37, 2
    assert abs(pe[pos, 2 * i] - np.sin(pos / 10000 ** (2 * i / 8))) < 1e-6
    assert abs(pe[pos, 2 * i + 1] - np.cos(pos / 10000 ** (2 * i / 8))) < 1e-6


@pytest.fixture(scope="module")
def tiny_pat():
    from novamind_core.ml.synthetic_data import synthetic_actigraphy_weeks

    weeks = synthetic_actigraphy_weeks(12, seed=1)
    model = ActigraphyTransformer(d_model=8, n_layers=1, n_heads=1, ff_dim=16, decoder_dim=8, pretrain_epochs=1,
                                  finetune_epochs=1, batch_size=6, random_state=0)
    model.pretrain(weeks.counts)
    model.fit(weeks.counts, weeks.label, validation=(weeks.counts[:6], weeks.label[:6]))
    return model, weeks


def test_pretraining_hides_ninety_percent_of_patches_and_reports_its_loss(tiny_pat):
    model, _ = tiny_pat
    assert model.mask_ratio == 0.9 and len(model.pretrain_loss_) == 1 and np.isfinite(model.pretrain_loss_[0])


def test_embeddings_and_probabilities_have_one_row_per_week(tiny_pat):
    model, weeks = tiny_pat
    assert model.embed(weeks.counts[:3]).shape == (3, 8)
    p = model.predict_proba(weeks.counts[:3])
    assert p.shape == (3,) and np.all((p >= 0) & (p <= 1))
    feats = model.features(weeks.counts[0])
    assert set(feats) == {"pat_p_disturbance", *(f"pat_emb_{k}" for k in range(8))}


def test_saved_actigraphy_model_embeds_the_same_after_loading(tiny_pat):
    model, weeks = tiny_pat
    files = model.to_files()
    again = ActigraphyTransformer.from_files(lambda n: files[n])
    np.testing.assert_allclose(model.embed(weeks.counts[:2]), again.embed(weeks.counts[:2]), atol=1e-5)


def test_synthetic_weeks_label_only_long_strong_disruptions():
    from novamind_core.ml.synthetic_data import synthetic_actigraphy_weeks

    w = synthetic_actigraphy_weeks(30, seed=2)
    expected = (w.episode_days >= 3) & (w.severity >= 0.3)
    np.testing.assert_array_equal(w.label.astype(bool), expected)
    assert w.counts.shape == (30, 10_080)
