"""Which drafted fields an officer could accept without looking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ocr.fields import normalize
from ocr.schema import Field

if TYPE_CHECKING:
    from ocr.calibration import Calibration

AUTO_ACCEPT = 0.9  # default confidence threshold, for recognizers without a calibration
# Flags that only restate the confidence (the book check's fixed ``low_confidence`` line): the
# acceptance threshold decides instead, so a calibrated threshold below that line can take effect.
CONFIDENCE_FLAGS = frozenset({"low_confidence"})


def accept_threshold(field_type: str, *, threshold: float | None = None,
                     calibration: Calibration | None = None) -> float:
    """``threshold`` if given, else the calibration's threshold for ``field_type``, else :data:`AUTO_ACCEPT`."""
    if threshold is not None:
        return threshold
    return calibration.threshold(field_type) if calibration is not None else AUTO_ACCEPT


def auto_acceptable(field: Field, field_type: str, *, year: int | None = None, threshold: float | None = None,
                    calibration: Calibration | None = None) -> bool:
    """A field whose reading is confident (at least :func:`accept_threshold`: per field type with a
    calibration, see :mod:`ocr.calibration`), whose text normalizes with confidence, and that carries
    no flag beyond those explaining the normalization and :data:`CONFIDENCE_FLAGS` (no other check,
    no review flag)."""
    limit = accept_threshold(field_type, threshold=threshold, calibration=calibration)
    if field.confidence is None or field.confidence < limit:
        return False
    norm = normalize(field_type, field.raw_text, year=year)
    explained = {f.code for f in norm.flags} | CONFIDENCE_FLAGS
    return norm.confident and all(f.code in explained for f in field.flags)
