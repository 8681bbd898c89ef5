"""Which drafted fields an officer could accept without looking."""

from __future__ import annotations

from ocr.fields import normalize
from ocr.schema import Field

AUTO_ACCEPT = 0.9  # default confidence threshold


def auto_acceptable(field: Field, field_type: str, *, year: int | None = None,
                    threshold: float = AUTO_ACCEPT) -> bool:
    """A field whose reading is confident (>= ``threshold``), whose text normalizes with confidence,
    and that carries no flag beyond those explaining the normalization (no check, no review flag)."""
    if field.confidence is None or field.confidence < threshold:
        return False
    norm = normalize(field_type, field.raw_text, year=year)
    explained = {f.code for f in norm.flags}
    return norm.confident and all(f.code in explained for f in field.flags)
