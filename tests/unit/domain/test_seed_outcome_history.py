"""The synthetic outcome history used by the demo seed (item answers for any total, item 9 kept at 0)."""

from __future__ import annotations

import numpy as np
import pytest

from novamind_core.demo.outcome_history import _allocate


@pytest.mark.parametrize("total", [0, 1, 12, 24, 25, 27])
def test_any_phq9_total_gets_item_answers_with_item_nine_at_zero_and_never_an_error(total):
    items = _allocate(total, 9, np.random.default_rng(0))
    assert len(items) == 9 and items[8] == 0 and all(0 <= i <= 3 for i in items)
    assert sum(items) == min(total, 24)


def test_a_gad7_total_is_spread_over_all_seven_items():
    assert sum(_allocate(21, 7, np.random.default_rng(1))) == 21
