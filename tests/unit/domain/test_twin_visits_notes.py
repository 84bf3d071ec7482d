from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from novamind_core.domain.errors import ValidationError
from novamind_core.domain.notes import MAX_NOTE_CHARS, validate_note_text
from novamind_core.domain.twin import SnapshotTrigger, TwinSnapshot, diff_snapshots, flatten
from novamind_core.domain.visits import is_overdue


def test_flatten_joins_nested_keys_with_dots():
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": {}}) == {"a.b": 1, "a.c.d": [1, 2], "e": {}}


def test_diff_lists_added_removed_and_changed_paths():
    t = datetime(2026, 1, 1, tzinfo=UTC)
    a = TwinSnapshot(1, 1, t, SnapshotTrigger.MANUAL, {"x": 1, "y": {"z": 2}})
    b = TwinSnapshot(1, 2, t, SnapshotTrigger.MANUAL, {"x": 1, "y": {"z": 3}, "w": 0})
    d = diff_snapshots(a, b)
    assert (d.added, d.removed, d.changed) == (("w",), (), (("y.z", 2, 3),))


@pytest.mark.parametrize(("last", "due", "expected"), [
    (date(2026, 2, 12), None, False),   # 28 days ago: not yet overdue
    (date(2026, 2, 11), None, True),    # 29 days ago
    (date(2026, 3, 1), date(2026, 3, 11), True),   # booked date passed
    (date(2026, 1, 1), date(2026, 3, 12), False),  # booked date is today
    (None, None, True),
])
def test_overdue_uses_the_booked_date_else_the_configured_interval(last, due, expected):
    assert is_overdue(date(2026, 3, 12), last, due, 28) is expected


def test_note_text_is_required_and_bounded():
    with pytest.raises(ValidationError, match="required"):
        validate_note_text("   ")
    with pytest.raises(ValidationError, match="at most"):
        validate_note_text("x" * (MAX_NOTE_CHARS + 1))
