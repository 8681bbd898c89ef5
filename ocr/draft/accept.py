"""Which drafted fields an officer could accept without looking."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ocr.calibration import NEVER, blank_group, is_blank_group
from ocr.fields import normalize
from ocr.schema import Field

if TYPE_CHECKING:
    from ocr.calibration import Calibration

AUTO_ACCEPT = 0.9  # default confidence threshold, for recognizers without a calibration
# Flags that only restate the confidence (the book check's fixed ``low_confidence`` line): the
# acceptance threshold decides instead, so a calibrated threshold below that line can take effect.
CONFIDENCE_FLAGS = frozenset({"low_confidence"})


def accept_group(field: Field, field_type: str) -> str:
    """The calibration group a drafted field is judged in: its template field type, or
    ``<type>/blank`` for a field drafted empty (its confidence says how blank its slot is,
    :mod:`ocr.draft.blank`, not how sure a reading is)."""
    return field_type if field.raw_text else blank_group(field_type)


def accept_threshold(group: str, *, threshold: float | None = None,
                     calibration: Calibration | None = None) -> float:
    """The confidence a field of calibration ``group`` needs: ``threshold`` if given, else the
    calibration's, else :data:`AUTO_ACCEPT`. A blank group has only a calibrated threshold
    (:data:`~ocr.calibration.NEVER` without one): no fixed line says how blank is blank enough."""
    if is_blank_group(group):
        return calibration.threshold(group) if calibration is not None else NEVER
    if threshold is not None:
        return threshold
    return calibration.threshold(group) if calibration is not None else AUTO_ACCEPT


def acceptable(field: Field, field_type: str, *, year: int | None = None) -> bool:
    """Whether ``field`` could be accepted at some confidence: its text normalizes with confidence
    and it carries no flag beyond those explaining the normalization and :data:`CONFIDENCE_FLAGS`
    (no other check, no review flag)."""
    norm = normalize(field_type, field.raw_text, year=year)
    explained = {f.code for f in norm.flags} | CONFIDENCE_FLAGS
    return norm.confident and all(f.code in explained for f in field.flags)


def auto_acceptable(field: Field, field_type: str, *, year: int | None = None, threshold: float | None = None,
                    calibration: Calibration | None = None) -> bool:
    """A field that is :func:`acceptable` and whose confidence reaches :func:`accept_threshold` for
    its :func:`accept_group` (per group with a calibration, see :mod:`ocr.calibration`)."""
    limit = accept_threshold(accept_group(field, field_type), threshold=threshold, calibration=calibration)
    if field.confidence is None or field.confidence < limit:
        return False
    return acceptable(field, field_type, year=year)
