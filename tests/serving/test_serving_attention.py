"""Which fields the workbench highlights for the officer."""

from __future__ import annotations

from serving.api import INKED_BLANK, LOW_CONFIDENCE, _attention
from serving.models import FieldRow


def _row(status: str, confidence: float | None, flags: list | None = None) -> FieldRow:
    return FieldRow(key="ghiChu", status=status, confidence=confidence, flags=flags or [])


def test_low_readings_and_inked_blanks_are_highlighted() -> None:
    assert _attention(_row("filled", LOW_CONFIDENCE - 0.01)) and not _attention(_row("filled", LOW_CONFIDENCE))
    # a field drafted empty: its confidence is how blank its slot is; ink nobody read is shown
    assert not _attention(_row("empty", 1.0)) and not _attention(_row("empty", INKED_BLANK + 0.1))
    assert _attention(_row("empty", INKED_BLANK - 0.1))
    assert not _attention(_row("empty", None))  # drafted before slots were measured
    assert _attention(_row("unreadable", None)) and _attention(_row("empty", 1.0, [{"code": "required_empty"}]))
