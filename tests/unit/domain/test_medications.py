from __future__ import annotations

from datetime import date

import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.medications import Frequency, MedicationOrder, normalise_drug, validate_dose_mg


def test_drug_names_are_normalised_to_lower_case():
    assert normalise_drug("  Sertraline ") == "sertraline"


@pytest.mark.parametrize("dose", [0, -5, 5000, "abc"])
def test_implausible_doses_are_refused_naming_the_field(dose):
    with pytest.raises(ValidationError) as err:
        validate_dose_mg(dose)
    assert err.value.field == "dose_mg"


def test_order_describes_itself_with_units_and_daily_dose():
    order = MedicationOrder(1, 1, "venlafaxine", 75, Frequency.TWICE_DAILY, date(2026, 1, 1),
                            start_reason="private")
    assert order.describe() == "venlafaxine 75 mg twice daily"
    assert order.daily_dose_mg == 150 and order.active
    assert "private" not in repr(order)
